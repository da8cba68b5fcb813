// Typed views of the journey analyses' results (funnel, times, paths): what an embedder reads without knowing the tables' column names.

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
        guard result.kind == .funnel, let keys = result.keyColumns(before: "step") else { return nil }
        groupColumns = keys
        groups = result.runs(keyCount: keys.count).map { run in
            Group(key: run.key, steps: run.rows.map { row in
                let cells = result.reader(row, keyCount: keys.count)
                return Step(number: Int(cells.count("step")), name: cells.text("name"),
                            customers: cells.count("customers"), percentOfFirst: cells.number("pct_of_first"),
                            percentOfPrevious: cells.number("pct_of_previous"), lost: cells.int("lost"),
                            inProgress: cells.int("in_progress"),
                            medianTimeFromPrevious: cells.duration("median_time_from_previous"),
                            p90TimeFromPrevious: cells.duration("p90_time_from_previous"),
                            medianTimeFromStart: cells.duration("median_time_from_start"),
                            p90TimeFromStart: cells.duration("p90_time_from_start"))
            })
        }
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
        guard result.kind == .timeToConvert, result.part == 0, let keys = result.keyColumns(before: "converters") else {
            return nil
        }
        groupColumns = keys
        groups = result.rows.map { row in
            let cells = result.reader(row, keyCount: keys.count)
            return Group(key: Array(row.prefix(keys.count)), converters: cells.count("converters"),
                         minimum: cells.duration("min"), p25: cells.duration("p25"), median: cells.duration("median"),
                         p75: cells.duration("p75"), p90: cells.duration("p90"), maximum: cells.duration("max"),
                         mean: cells.duration("mean"))
        }
    }
}

/// How converters' times to convert spread over fixed buckets (`< 1m`, `1m - 10m`, `10m - 1h`, `1h - 6h`,
/// `6h - 1d`, `1d - 7d`, `7d - 30d`, `>= 30d`), per group: the second result of `TIMES FROM a TO b`.
///
/// Read it from ``StatementResult/timeDistribution``.
public struct TimeDistributionReport: Sendable, Hashable {
    /// One bucket of times.
    public struct Bucket: Sendable, Hashable {
        /// The bucket as the result writes it (`10m - 1h`): from its lower bound, up to but not including its upper.
        public let label: String
        /// Converters whose time falls in the bucket.
        public let customers: Int64
        /// Those as a percentage (0...100) of the group's converters; nil when the group has none.
        public let percent: Double?
    }

    /// One group's buckets, shortest first.
    public struct Group: Sendable, Hashable {
        /// The group's values, one per ``TimeDistributionReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// Every bucket, shortest times first, empty ones included.
        public let buckets: [Bucket]
    }

    /// The `BY` fields, as the result names them; empty without `BY`.
    public let groupColumns: [String]
    /// The groups, in the result's order.
    public let groups: [Group]

    init?(_ result: StatementResult) {
        guard result.kind == .timeToConvert, result.part == 1, let keys = result.keyColumns(before: "time_to_convert")
        else { return nil }
        groupColumns = keys
        groups = result.runs(keyCount: keys.count).map { run in
            Group(key: run.key, buckets: run.rows.map { row in
                let cells = result.reader(row, keyCount: keys.count)
                return Bucket(label: cells.text("time_to_convert"), customers: cells.count("customers"),
                              percent: cells.number("pct"))
            })
        }
    }
}

/// Ranked paths: the commonest routes converters took from the first step to the last (`PATHS FROM a TO b`), or
/// the routes of lost or converted customers through a journey (`PATHS FROM a TO b LOST`, `... CONVERTED`).
///
/// Read it from ``StatementResult/paths``.
public struct PathsReport: Sendable, Hashable {
    /// Whose paths these are.
    public enum Population: String, Sendable, Hashable {
        /// Customers who reached the last step.
        case converters
        /// Customers lost on the way (`LOST`, `LOST AT k`).
        case lost
    }

    /// One path and the customers who took it.
    public struct Path: Sendable, Hashable {
        /// 1 for the commonest path; nil for the `(other)` row that `MIN SHARE` adds for the paths not listed.
        public let rank: Int?
        /// The path's touchpoints (or the field named by `OF`), in order; `["(other)"]` for the row of the rest. A path
        /// cut by `MAX LENGTH n` keeps its first n and ends in `"…"`.
        public let touchpoints: [String]
        /// Customers whose path this is.
        public let customers: Int64
        /// Customers on this path as a percentage (0...100) of the ``PathsReport/population``.
        public let percent: Double
    }

    /// Whose paths are ranked: converters, or lost customers.
    public let population: Population
    /// The paths, commonest first (ties by path text), as many as `TOP` asked for (10 by default).
    public let paths: [Path]

    init?(_ result: StatementResult) {
        guard result.kind == .paths || result.kind == .flows, result.columnIndex("rank") != nil,
              result.columnIndex("path") != nil else { return nil }
        population = result.columnIndex("pct_of_lost") != nil ? .lost : .converters
        let share = population == .lost ? "pct_of_lost" : "pct_of_converters"
        paths = result.rows.map { row in
            let cells = result.reader(row)
            return Path(rank: cells.int("rank").map(Int.init),
                        touchpoints: cells.text("path").split(separator: " > ").map(String.init),
                        customers: cells.count("customers"), percent: cells.number(share) ?? 0)
        }
    }
}

extension StatementResult {
    /// The result as a funnel, when a funnel statement (`FROM a TO b`) made it.
    public var funnel: FunnelReport? { FunnelReport(self) }
    /// The summary of times to convert, when this is the first result of `TIMES FROM a TO b`.
    public var timeToConvert: TimeToConvertReport? { TimeToConvertReport(self) }
    /// How the times to convert spread over fixed buckets, when this is the second result of `TIMES FROM a TO b`.
    public var timeDistribution: TimeDistributionReport? { TimeDistributionReport(self) }
    /// The ranked paths, when `PATHS FROM a TO b` (with or without `LOST` or `CONVERTED`) made this result.
    public var paths: PathsReport? { PathsReport(self) }
    /// The journey map, when this is the first result of `STAGES`.
    public var stages: StageMapReport? { StageMapReport(self) }
    /// The moves between stages, when this is the second result of `STAGES`.
    public var stageTransitions: StageTransitionsReport? { StageTransitionsReport(self) }
    /// The flow tree, when `PATHS AFTER step` or `PATHS BEFORE step` made this result.
    public var flowTree: FlowTreeReport? { FlowTreeReport(self) }
    /// The customers listed, when `CUSTOMERS FROM a TO b` made this result.
    public var customerList: CustomerListReport? { CustomerListReport(self) }
    /// What lost customers did next (the first result of `DROPOFF`) or last (the second).
    public var dropoff: DropoffReport? { DropoffReport(self) }
    /// The features that tell converters from lost customers, when `WHY FROM a TO b` made this result.
    public var why: WhyReport? { WhyReport(self) }
    /// The sums and averages of a property, when `VALUE x FROM step` made this result.
    public var valueSummary: ValueReport? { ValueReport(self) }
    /// The groups or periods side by side, when this is the first result of `COMPARE`.
    public var comparison: ComparisonReport? { ComparisonReport(self) }
    /// The chi-square test per step, when this is the second result of `COMPARE`.
    public var comparisonTest: ComparisonTestReport? { ComparisonTestReport(self) }
    /// The cohort table, when this is the first result of `RETENTION`.
    public var retention: RetentionReport? { RetentionReport(self) }
    /// The retention curve, when this is the second result of `RETENTION`.
    public var retentionCurve: RetentionCurveReport? { RetentionCurveReport(self) }
    /// The credit per channel and model, when `ATTRIBUTE step MODEL ...` made this result.
    public var attribution: AttributionReport? { AttributionReport(self) }
}
