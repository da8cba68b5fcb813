// Typed views of STAGES (the journey map and the moves between stages) and of flow trees (PATHS AFTER / BEFORE).

/// The journey map (`STAGES`): for each group, how many customers reached each stage, stopped there, and how long
/// they stayed. The statement's first result.
///
/// Read it from ``StatementResult/stages``.
public struct StageMapReport: Sendable, Hashable {
    /// One stage of one group's map.
    public struct Stage: Sendable, Hashable {
        /// The stage's place in the order of stages, from 1.
        public let order: Int
        /// The stage's name (`awareness`).
        public let name: String
        /// Customers with at least one event in the stage.
        public let reached: Int64
        /// Those as a percentage (0...100) of the group's customers; nil when it has none.
        public let percentReached: Double?
        /// Customers whose latest stage in the order, among all their stage events, is this one (each customer is in
        /// exactly one stage's count).
        public let furthest: Int64
        /// Those as a percentage (0...100) of the group's customers.
        public let percentFurthest: Double?
        /// The median first stay: from a customer's first event in the stage to their first later stage event in a
        /// different stage (forward or back); nil when nobody left the stage.
        public let medianTimeInStage: Duration?
        /// The customers counted in that median: those who reached the stage and later had a stage event in another.
        public let movedOn: Int64
        /// Customers whose last stage event is in this stage and whose last event is at least the inactivity period
        /// (`INACTIVE AFTER`) before now.
        public let churned: Int64
        /// Churned customers as a percentage (0...100) of those who reached the stage; nil when none did.
        public let percentChurned: Double?
    }

    /// One group and its stages, in the order of stages.
    public struct Group: Sendable, Hashable {
        /// The group's values, one per ``StageMapReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// Every stage, in order.
        public let stages: [Stage]
    }

    /// The `BY` fields, as the result names them; empty without `BY`.
    public let groupColumns: [String]
    /// The groups, in the result's order.
    public let groups: [Group]

    init?(_ result: StatementResult) {
        guard result.kind == .stages, result.part == 0, let keys = result.keyColumns(before: "order") else { return nil }
        groupColumns = keys
        groups = result.runs(keyCount: keys.count).map { run in
            Group(key: run.key, stages: run.rows.map { row in
                let cells = result.reader(row, keyCount: keys.count)
                return Stage(order: Int(cells.count("order")), name: cells.text("stage"), reached: cells.count("reached"),
                             percentReached: cells.number("pct_reached"), furthest: cells.count("furthest"),
                             percentFurthest: cells.number("pct_furthest"),
                             medianTimeInStage: cells.duration("median_time_in_stage"), movedOn: cells.count("moved_on"),
                             churned: cells.count("churned"), percentChurned: cells.number("pct_churned"))
            })
        }
    }
}

/// The moves between stages (`STAGES`, the second result): pairs of consecutive stage events of one customer whose
/// stages differ (repeats in one stage are one visit).
///
/// Read it from ``StatementResult/stageTransitions``.
public struct StageTransitionsReport: Sendable, Hashable {
    /// Which way a move goes in the order of stages.
    public enum Direction: String, Sendable, Hashable {
        /// To the next stage in the order.
        case forward
        /// Further ahead than the next stage, passing over one or more.
        case skipped
        /// To an earlier stage.
        case back
    }

    /// One move from a stage to another.
    public struct Transition: Sendable, Hashable {
        /// The stage moved out of.
        public let from: String
        /// The stage moved into.
        public let to: String
        /// Which way the move goes.
        public let direction: Direction
        /// How many times the move was made (a customer may make it more than once).
        public let transitions: Int64
        /// Customers who made it at least once.
        public let customers: Int64
        /// The moves as a percentage (0...100) of all moves out of `from`.
        public let percentOfFrom: Double?
    }

    /// One group's moves.
    public struct Group: Sendable, Hashable {
        /// The group's values, one per ``StageTransitionsReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// The moves that occur, by the order of `from`, then of `to`.
        public let transitions: [Transition]
    }

    /// The `BY` fields, as the result names them; empty without `BY`.
    public let groupColumns: [String]
    /// The groups, in the result's order.
    public let groups: [Group]

    init?(_ result: StatementResult) {
        guard result.kind == .stages, result.part == 1, let keys = result.keyColumns(before: "from") else { return nil }
        groupColumns = keys
        groups = result.runs(keyCount: keys.count).map { run in
            Group(key: run.key, transitions: run.rows.map { row in
                let cells = result.reader(row, keyCount: keys.count)
                return Transition(from: cells.text("from"), to: cells.text("to"),
                                  direction: Direction(rawValue: cells.text("kind")) ?? .forward,
                                  transitions: cells.count("transitions"), customers: cells.count("customers"),
                                  percentOfFrom: cells.number("pct_of_from"))
            })
        }
    }
}

/// A flow tree (`PATHS AFTER step STEPS n`, `PATHS BEFORE step STEPS n`): what customers did after (or before) an
/// anchor event, level by level.
///
/// Read it from ``StatementResult/flowTree``.
public struct FlowTreeReport: Sendable, Hashable {
    /// One node of the tree: a touchpoint (or the field named by `OF`) at a level, below its parent nodes.
    public struct Node: Sendable, Hashable {
        /// 0 for the anchor, 1 for the events next to it, and so on.
        public let level: Int
        /// The node's value; `(end)` or `(start)` when a customer's events stop, `(other)` for the nodes `MIN SHARE`
        /// folds together.
        public let name: String
        /// The parent's path, in time order: for `AFTER` the anchor then the values before this node, for `BEFORE`
        /// the values after this node then the anchor; empty for the anchor.
        public let parent: [String]
        /// Customers at this node.
        public let customers: Int64
        /// Those as a percentage (0...100) of the anchor's customers.
        public let percentOfAnchor: Double?
        /// Those as a percentage (0...100) of the parent node's customers; nil for the anchor.
        public let percentOfParent: Double?
    }

    /// One group's tree.
    public struct Group: Sendable, Hashable {
        /// The group's values, one per ``FlowTreeReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// The nodes, depth first: each node is followed by its children, the most customers first (ties by label).
        public let nodes: [Node]
    }

    /// The `BY` fields, as the result names them; empty without `BY`.
    public let groupColumns: [String]
    /// The groups, in the result's order.
    public let groups: [Group]

    init?(_ result: StatementResult) {
        guard result.kind == .flows, let keys = result.keyColumns(before: "level"), result.columnIndex("node") != nil
        else { return nil }
        groupColumns = keys
        groups = result.runs(keyCount: keys.count).map { run in
            Group(key: run.key, nodes: run.rows.map { row in
                let cells = result.reader(row, keyCount: keys.count)
                let parent = cells.text("parent")
                return Node(level: Int(cells.count("level")), name: cells.text("node"),
                            parent: parent.isEmpty ? [] : parent.split(separator: " > ").map(String.init),
                            customers: cells.count("customers"), percentOfAnchor: cells.number("pct_of_anchor"),
                            percentOfParent: cells.number("pct_of_parent"))
            })
        }
    }
}
