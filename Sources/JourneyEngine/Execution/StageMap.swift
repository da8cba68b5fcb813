// STAGES, the journey map: per stage of the order, who reached it, who got no further, how long the first stay
// lasted and who went quiet there; and the stage-to-stage transitions (forward, skipped, back).
import JourneyStore

/// No chain to find: the journey map reads every admitted event itself.
struct NoMatcher: CustomerMatcher {
    static var readsRawColumns: Bool { true }
    mutating func match(_ customer: CustomerEvents, into best: inout CustomerMatch, isCancelled: () -> Bool) throws {}
    mutating func match(_ columns: CustomerColumns, into best: inout CustomerMatch, isCancelled: () -> Bool) throws {}
}

package enum StageMap {
    /// The counts of one group of customers (all of them without BY).
    struct Tally {
        let stageCount: Int
        /// Customers in the map: those with a stage event whose first stage event lies in the start range.
        var customers = 0
        var reached: [Int]
        var furthest: [Int]
        var churned: [Int]
        /// Per stage, the length of each customer's first stay (from entering the stage to the first event in
        /// another stage), for customers who left it.
        var stays: [[Int64]]
        /// transitions[i * n + j]: changes from stage i to stage j; customers[i * n + j]: customers making one.
        var transitions: [Int]
        var transitionCustomers: [Int]

        init(stageCount n: Int) {
            stageCount = n
            reached = Array(repeating: 0, count: n)
            furthest = reached
            churned = reached
            stays = Array(repeating: [], count: n)
            transitions = Array(repeating: 0, count: n * n)
            transitionCustomers = transitions
        }

        /// Counts one customer whose first stage event is `first`; `pairs` is scratch for the transitions it made.
        mutating func add(_ customer: ScannedCustomer, first: Int, churned isQuiet: Bool, pairs: inout [Int]) {
            let n = stageCount
            customers += 1
            var reachedMask: UInt64 = 0
            var previous = -1
            // The stage whose first stay is under way, and when it began.
            var staying = -1
            var enteredAt: Int64 = 0
            pairs.removeAll(keepingCapacity: true)
            for i in first..<customer.count {
                let s = Tallying.stage(customer.masks[i])
                guard s >= 0 else { continue }
                let time = customer.times[i]
                if staying >= 0, staying != s {
                    stays[staying].append(time - enteredAt)
                    staying = -1
                }
                if reachedMask & (1 << UInt64(s)) == 0 {
                    reachedMask |= 1 << UInt64(s)
                    reached[s] += 1
                    staying = s
                    enteredAt = time
                }
                if previous >= 0, previous != s {
                    let pair = previous * n + s
                    transitions[pair] += 1
                    if !pairs.contains(pair) {
                        pairs.append(pair)
                        transitionCustomers[pair] += 1
                    }
                }
                previous = s
            }
            furthest[63 - reachedMask.leadingZeroBitCount] += 1
            if isQuiet { churned[previous] += 1 }
        }

        mutating func add(_ other: Tally) {
            customers += other.customers
            for k in 0..<stageCount {
                reached[k] += other.reached[k]
                furthest[k] += other.furthest[k]
                churned[k] += other.churned[k]
                stays[k] += other.stays[k]
            }
            for t in transitions.indices {
                transitions[t] += other.transitions[t]
                transitionCustomers[t] += other.transitionCustomers[t]
            }
        }
    }

    /// Reads each customer's events into the tally of its group.
    struct Tallying: ChainAggregation {
        let stageCount: Int
        let bounds: TimeBounds?
        let horizon: Int64?
        let inactiveAfter: Int64
        let keys: GroupKeyReader
        var byKey: [[GroupKeys.RawKeyPart]: Tally] = [:]
        /// The tally without BY (no key to build and hash per customer), and whether anyone was added to it.
        var ungrouped: Tally
        var addedUngrouped = false
        /// Scratch, reused per customer: the transitions (i * n + j) this customer made.
        private var seenPairs: [Int] = []

        init(_ plan: FunnelPlan, keys: GroupKeyReader, inactiveAfter: Int64) {
            stageCount = plan.shape.stepCount
            bounds = plan.funnel.startBounds
            horizon = plan.horizon
            self.inactiveAfter = inactiveAfter
            self.keys = keys
            ungrouped = Tally(stageCount: stageCount)
        }

        /// The stage of an event: the last stage of the order whose condition it meets, -1 for none.
        @inline(__always) static func stage(_ mask: UInt64) -> Int {
            mask == 0 ? -1 : 63 - mask.leadingZeroBitCount
        }

        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
            var first = -1
            for i in 0..<customer.count where customer.masks[i] != 0 { first = i; break }
            guard first >= 0 else { return }
            if let bounds, !bounds.contains(customer.times[first]) { return }
            // Quiet since the last admitted event, of any stage or none.
            let quiet = horizon.map { $0 &- customer.times[customer.count - 1] >= inactiveAfter } ?? false
            // The scratch list leaves `self` while a tally is changed in place (a copy of a tally would copy its arrays).
            var pairs = seenPairs
            if keys.isEmpty {
                ungrouped.add(customer, first: first, churned: quiet, pairs: &pairs)
                addedUngrouped = true
            } else {
                byKey[keys.key(customer, first: first), default: Tally(stageCount: stageCount)]
                    .add(customer, first: first, churned: quiet, pairs: &pairs)
            }
            seenPairs = pairs
        }

        mutating func merge(_ other: Tallying) {
            ungrouped.add(other.ungrouped)
            addedUngrouped = addedUngrouped || other.addedUngrouped
            for (key, tally) in other.byKey {
                if byKey[key] == nil {
                    byKey[key] = tally
                } else {
                    byKey[key]!.add(tally)
                }
            }
        }
    }

    /// How a transition moves through the order.
    static func kind(from i: Int, to j: Int) -> String {
        j == i + 1 ? "forward" : (j > i ? "skipped" : "back")
    }

    /// The two tables: stages (one row per stage of the order, per group) and transitions (one row per observed
    /// change of stage, per group). Groups come in the funnel's order, LIMIT applied.
    static func results(_ plan: FunnelPlan, counted: Tallying, keys: GroupKeyReader, defaultOrder: Bool) -> [QueryResult] {
        let n = plan.stepLabels.count
        let groups = keys.orderedGroups(counted.byKey, ungrouped: counted.addedUngrouped ? counted.ungrouped : nil,
                                        limit: plan.funnel.limit, size: \.customers, add: { $0.add($1) },
                                        empty: { Tally(stageCount: n) })
        return results(plan, groups: groups.map { (key: $0.key, tally: Summary($0.tally)) },
                       inactiveAfter: counted.inactiveAfter, defaultOrder: defaultOrder)
    }

    /// A group's numbers as the tables show them: the tally with each stage's median first stay worked out (an
    /// engine that keeps the stays elsewhere, as PostgreSQL does, makes it from its own aggregates).
    package struct Summary: Sendable {
        package var customers = 0
        package var reached: [Int]
        package var furthest: [Int]
        package var churned: [Int]
        /// Per stage, the median first stay and how many customers moved on (left the stage).
        package var stayMedian: [Double?]
        package var movedOn: [Int]
        /// [i * n + j]: transitions from stage i to stage j, and the customers making one.
        package var transitions: [Int]
        package var transitionCustomers: [Int]

        package init(stageCount n: Int) {
            reached = Array(repeating: 0, count: n)
            furthest = reached
            churned = reached
            movedOn = reached
            stayMedian = Array(repeating: nil, count: n)
            transitions = Array(repeating: 0, count: n * n)
            transitionCustomers = transitions
        }

        init(_ t: Tally) {
            customers = t.customers
            reached = t.reached
            furthest = t.furthest
            churned = t.churned
            stayMedian = t.stays.map { Quantiles.continuous($0, [0.5])[0] }
            movedOn = t.stays.map(\.count)
            transitions = t.transitions
            transitionCustomers = t.transitionCustomers
        }
    }

    /// The two tables from groups already in order, LIMIT applied.
    package static func results(_ plan: FunnelPlan, groups: [(key: [Cell], tally: Summary)], inactiveAfter: Int64,
                                defaultOrder: Bool) -> [QueryResult] {
        let stages = plan.stepLabels
        let n = stages.count
        var groups = groups
        if groups.isEmpty && plan.breakdown.isEmpty && plan.funnel.limit != 0 {
            groups = [(key: [], tally: Summary(stageCount: n))]
        }
        func percent(_ part: Int, _ whole: Int) -> Cell { whole == 0 ? .null : .percent(100 * Double(part) / Double(whole)) }

        let keyColumns = plan.funnel.breakdown.map { ColumnInfo($0.description) }
        var stageRows: [[Cell]] = []
        var transitionRows: [[Cell]] = []
        for (key, tally) in groups {
            for k in 0..<n {
                stageRows.append(key + [.int(Int64(k + 1)), .text(stages[k]), .int(Int64(tally.reached[k])),
                                        percent(tally.reached[k], tally.customers), .int(Int64(tally.furthest[k])),
                                        percent(tally.furthest[k], tally.customers),
                                        tally.stayMedian[k].map { .duration($0) } ?? .null, .int(Int64(tally.movedOn[k])),
                                        .int(Int64(tally.churned[k])), percent(tally.churned[k], tally.reached[k])])
            }
            for i in 0..<n {
                let out = (0..<n).reduce(0) { $0 + tally.transitions[i * n + $1] }
                for j in 0..<n where tally.transitions[i * n + j] > 0 {
                    transitionRows.append(key + [.text(stages[i]), .text(stages[j]), .text(kind(from: i, to: j)),
                                                 .int(Int64(tally.transitions[i * n + j])),
                                                 .int(Int64(tally.transitionCustomers[i * n + j])),
                                                 percent(tally.transitions[i * n + j], out)])
                }
            }
        }
        let stageColumns = keyColumns + [
            ColumnInfo("order", type: .integer), ColumnInfo("stage", type: .text),
            ColumnInfo("reached", type: .integer), ColumnInfo("pct_reached", type: .percent, label: "% reached", priority: 1),
            ColumnInfo("furthest", type: .integer, priority: 2),
            ColumnInfo("pct_furthest", type: .percent, label: "% furthest", priority: 3),
            ColumnInfo("median_time_in_stage", type: .duration, label: "median stay", priority: 4),
            ColumnInfo("moved_on", type: .integer, label: "moved on", priority: 6),
            ColumnInfo("churned", type: .integer, priority: 5),
            ColumnInfo("pct_churned", type: .percent, label: "% churned", priority: 7),
        ]
        let transitionColumns = keyColumns + [
            ColumnInfo("from", type: .text), ColumnInfo("to", type: .text), ColumnInfo("kind", type: .text),
            ColumnInfo("transitions", type: .integer), ColumnInfo("customers", type: .integer, priority: 2),
            ColumnInfo("pct_of_from", type: .percent, label: "% of from", priority: 1),
        ]
        let total = groups.reduce(0) { $0 + $1.tally.customers }
        var notes = ["\(total) customers in the map; stage order " + stages.joined(separator: " > ")
                     + (defaultOrder ? " (the default; SET STAGES sets another)" : " (SET STAGES)")]
        if let horizon = plan.horizon {
            notes.append("churned: last admitted event at least \(PlanPrinter.formatDuration(inactiveAfter)) before "
                         + TimeParser.format(horizon) + ", counted at the stage of the last stage event")
        }
        if plan.funnel.breakdown.contains(where: \.readsFirstStep) {
            notes.append("breakdown fields are read from each customer's first stage event")
        }
        let stagesResult = QueryResult(title: "stages: " + plan.funnel.text, columns: stageColumns, rows: stageRows,
                                       notes: notes,
                                       barColumn: plan.funnel.breakdown.isEmpty ? keyColumns.count + 2 : nil)
        let transitionsResult = QueryResult(
            title: "stage transitions: " + plan.funnel.text, columns: transitionColumns, rows: transitionRows,
            notes: ["consecutive stage events of one customer in different stages; repeats of a stage are not transitions;"
                    + " forward: the next stage of the order, skipped: a later one, back: an earlier one"])
        return [stagesResult, transitionsResult]
    }
}
