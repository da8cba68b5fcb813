// Typed views of the main analyses' results: what an embedder reads without knowing the tables' column names.

/// A funnel (`FROM a TO b THEN c`): for each group of `BY` (one group without it), the customers at each step.
///
/// Read it from ``StatementResult/funnel``.
public struct FunnelReport: Sendable, Hashable {
    /// One step of one group's funnel.
    public struct Step: Sendable, Hashable {
        /// The step's number, from 1.
        public let number: Int
        /// The step as written (`purchase`, `ad_click | email_open`).
        public let name: String
        /// Customers whose journey reached this step.
        public let customers: Int64
        /// Customers at this step as a percentage (0...100) of the first step's; nil when the first has none.
        public let percentOfFirst: Double?
        /// As a percentage of the previous step's; nil at the first step or when the previous has none.
        public let percentOfPrevious: Double?
        /// Customers of the previous step who did not reach this one; nil at the first step.
        public let lost: Int64?
        /// Customers still inside the conversion window at the previous step (`WITHIN`), nil without a window.
        public let inProgress: Int64?
        /// The median and 90th percentile of the time from the previous step, and from the first; nil at the first
        /// step or when nobody reached this one.
        public let medianTimeFromPrevious: Duration?
        /// The 90th percentile of the time from the previous step.
        public let p90TimeFromPrevious: Duration?
        /// The median time from the first step.
        public let medianTimeFromStart: Duration?
        /// The 90th percentile of the time from the first step.
        public let p90TimeFromStart: Duration?
    }

    /// One group of the breakdown and its steps.
    public struct Group: Sendable, Hashable {
        /// The group's values, one per ``FunnelReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// The group's steps, first to last.
        public let steps: [Step]
    }

    /// The `BY` fields, as the result names them (`channel`, `customer.segment`, `week`); empty without `BY`.
    public let groupColumns: [String]
    /// The groups, in the result's order (without `BY`, one group with an empty key).
    public let groups: [Group]

    init?(_ result: StatementResult) {
        guard result.kind == .funnel, let step = result.columnIndex("step") else { return nil }
        groupColumns = result.columns.prefix(step).map(\.name)
        var groups: [Group] = []
        var key: [Cell]? = nil
        var steps: [Step] = []
        func cell(_ row: [Cell], _ name: String) -> Cell? { result.columnIndex(name).map { row[$0] } }
        for row in result.rows {
            let rowKey = Array(row.prefix(step))
            if let current = key, current != rowKey {
                groups.append(Group(key: current, steps: steps))
                steps = []
            }
            key = rowKey
            steps.append(Step(
                number: Int(cell(row, "step")?.int ?? 0), name: cell(row, "name")?.text ?? "",
                customers: cell(row, "customers")?.int ?? 0,
                percentOfFirst: cell(row, "pct_of_first")?.double, percentOfPrevious: cell(row, "pct_of_previous")?.double,
                lost: cell(row, "lost")?.int, inProgress: cell(row, "in_progress")?.int,
                medianTimeFromPrevious: cell(row, "median_time_from_previous")?.duration,
                p90TimeFromPrevious: cell(row, "p90_time_from_previous")?.duration,
                medianTimeFromStart: cell(row, "median_time_from_start")?.duration,
                p90TimeFromStart: cell(row, "p90_time_from_start")?.duration))
        }
        if let key { groups.append(Group(key: key, steps: steps)) }
        self.groups = groups
    }
}

/// How long converters took from the first step to the last (`TIMES FROM a TO b`), per group.
///
/// Read it from ``StatementResult/timeToConvert`` on the statement's first result; the second result is the
/// distribution over fixed buckets (`< 1m`, `1m - 10m`, ..., `>= 30d`), read as a table.
public struct TimeToConvertReport: Sendable, Hashable {
    /// One group's converters and the quantiles of their times (nil when it has no converters).
    public struct Group: Sendable, Hashable {
        /// The group's values, one per ``TimeToConvertReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// Customers who reached the last step.
        public let converters: Int64
        /// The shortest time to convert.
        public let minimum: Duration?
        /// The quantiles, interpolated between the two nearest times (DuckDB's `quantile_cont`).
        public let p25: Duration?
        /// The median time to convert.
        public let median: Duration?
        /// The 75th percentile.
        public let p75: Duration?
        /// The 90th percentile.
        public let p90: Duration?
        /// The longest time to convert.
        public let maximum: Duration?
        /// The mean time to convert.
        public let mean: Duration?
    }

    /// The `BY` fields, as the result names them; empty without `BY`.
    public let groupColumns: [String]
    /// The groups, in the result's order.
    public let groups: [Group]

    init?(_ result: StatementResult) {
        guard result.kind == .timeToConvert, result.part == 0, let first = result.columnIndex("converters") else {
            return nil
        }
        groupColumns = result.columns.prefix(first).map(\.name)
        groups = result.rows.map { row in
            func time(_ name: String) -> Duration? { result.columnIndex(name).flatMap { row[$0].duration } }
            return Group(key: Array(row.prefix(first)), converters: row[first].int ?? 0, minimum: time("min"),
                         p25: time("p25"), median: time("median"), p75: time("p75"), p90: time("p90"),
                         maximum: time("max"), mean: time("mean"))
        }
    }
}

/// The commonest routes converters took from the first step to the last (`PATHS FROM a TO b`).
///
/// Read it from ``StatementResult/paths``.
public struct PathsReport: Sendable, Hashable {
    /// One path and the converters who took it.
    public struct Path: Sendable, Hashable {
        /// 1 for the commonest path.
        public let rank: Int
        /// The touchpoints of the path's events, in order, repeats collapsed.
        public let touchpoints: [String]
        /// Converters whose path this is.
        public let customers: Int64
        /// Customers on this path as a percentage (0...100) of all converters.
        public let percentOfConverters: Double
    }

    /// The paths, commonest first (ties by path text), as many as `TOP` asked for (10 by default).
    public let paths: [Path]

    init?(_ result: StatementResult) {
        guard result.kind == .paths, let rank = result.columnIndex("rank"), let path = result.columnIndex("path"),
              let customers = result.columnIndex("customers"), let share = result.columnIndex("pct_of_converters")
        else { return nil }
        paths = result.rows.map { row in
            Path(rank: Int(row[rank].int ?? 0),
                 touchpoints: (row[path].text ?? "").split(separator: " > ").map(String.init),
                 customers: row[customers].int ?? 0, percentOfConverters: row[share].double ?? 0)
        }
    }
}

extension StatementResult {
    /// The result as a funnel, when a funnel statement (`FROM a TO b`) made it.
    public var funnel: FunnelReport? { FunnelReport(self) }
    /// The summary of times to convert, when this is the first result of `TIMES FROM a TO b`.
    public var timeToConvert: TimeToConvertReport? { TimeToConvertReport(self) }
    /// The ranked paths, when `PATHS FROM a TO b` made this result.
    public var paths: PathsReport? { PathsReport(self) }
}
