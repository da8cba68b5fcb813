// Typed views of the analyses about who was lost and why: CUSTOMERS, DROPOFF and WHY.

/// The customers behind a journey's numbers (`CUSTOMERS FROM a TO b [pick]`), one entry each.
///
/// Read it from ``StatementResult/customerList``.
public struct CustomerListReport: Sendable, Hashable {
    /// Where a customer's journey stands.
    public enum Status: String, Sendable, Hashable {
        /// Reached the last step.
        case converted
        /// Not at the last step, and the conversion window (`WITHIN`) is still open.
        case inProgress = "in progress"
        /// Not at the last step, and the window has closed (or there is none).
        case lost
    }

    /// One customer.
    public struct Customer: Sendable, Hashable {
        /// The customer's id, as imported.
        public let id: String
        /// When the customer's chain began (its first step's event), in milliseconds since 1970-01-01T00:00:00Z.
        public let start: Int64
        /// The customer's deepest step, from 1.
        public let step: Int
        /// That step as written.
        public let stepName: String
        /// When the chain reached that step, in milliseconds since 1970-01-01T00:00:00Z.
        public let reached: Int64
        /// Converted, in progress or lost.
        public let status: Status
    }

    /// The customers, ordered by `start` (or as `ORDER BY` asked), ties by id; at most `LIMIT` of them.
    public let customers: [Customer]

    init?(_ result: StatementResult) {
        guard result.kind == .customers, result.columnIndex("customer") != nil else { return nil }
        customers = result.rows.map { row in
            let cells = result.reader(row)
            return Customer(id: cells.text("customer"), start: cells.instant("start") ?? 0,
                            step: Int(cells.count("step")), stepName: cells.text("step_name"),
                            reached: cells.instant("reached") ?? 0,
                            status: Status(rawValue: cells.text("status")) ?? .lost)
        }
    }
}

/// Where lost customers went (`DROPOFF FROM a TO b`): per step, what customers lost there did next (the first
/// result) or did last (the second).
///
/// Read it from ``StatementResult/dropoff``.
public struct DropoffReport: Sendable, Hashable {
    /// Which of the two tables this is.
    public enum Kind: String, Sendable, Hashable {
        /// The first result: the first events after the step's event (`NEXT n` of them).
        case next
        /// The second result: the last event after the step's event, and the time to it.
        case last
    }

    /// One row: a value lost customers of a step had next (or last), and how many had it.
    public struct Entry: Sendable, Hashable {
        /// The group's values, one per ``DropoffReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// The step customers were lost at (their deepest step), from 1.
        public let step: Int
        /// That step as written.
        public let stepName: String
        /// Customers lost at the step, in the group.
        public let lost: Int64
        /// The value (of the field ``DropoffReport/field``): several joined by ` → ` with `NEXT n`;
        /// `(nothing after)` for customers with no event after the step; `(other)` for the rows `LIMIT` folds.
        public let value: String
        /// Lost customers with that value.
        public let customers: Int64
        /// Those as a percentage (0...100) of ``lost``.
        public let percentOfLost: Double?
        /// In the ``Kind/last`` table, the median time from the step's event to the last event; otherwise nil, and
        /// nil for `(nothing after)`.
        public let medianTimeSinceStep: Duration?
    }

    /// Next or last.
    public let kind: Kind
    /// The field whose values are listed (`touchpoint`, or the field of `OF`).
    public let field: String
    /// The `BY` fields, as the result names them; empty without `BY`.
    public let groupColumns: [String]
    /// The rows: per group and step, the most customers first.
    public let entries: [Entry]

    init?(_ result: StatementResult) {
        // The value column comes right after `lost` (after the group keys, which may have any name).
        guard result.kind == .dropoff, let keys = result.keyColumns(before: "step"),
              let lost = result.lastColumnIndex("lost"), lost + 1 < result.columns.count else { return nil }
        let column = result.columns[lost + 1]
        guard column.name.hasPrefix("next_") || column.name.hasPrefix("last_") else { return nil }
        kind = column.name.hasPrefix("next_") ? .next : .last
        field = String(column.name.dropFirst(5))
        groupColumns = keys
        entries = result.rows.map { row in
            let cells = result.reader(row, keyCount: keys.count)
            return Entry(key: Array(row.prefix(keys.count)), step: Int(cells.count("step")), stepName: cells.text("name"),
                         lost: cells.count("lost"), value: cells.text(column.name), customers: cells.count("customers"),
                         percentOfLost: cells.number("pct_of_lost"),
                         medianTimeSinceStep: cells.duration("median_time_since_step"))
        }
    }
}

/// What tells converters from lost customers (`WHY FROM a TO b`): features (`channel = 'social'`) ranked by how much
/// more (or less) often converters have them.
///
/// Read it from ``StatementResult/why``.
public struct WhyReport: Sendable, Hashable {
    /// Which way a feature goes with converting.
    public enum Direction: String, Sendable, Hashable {
        /// Odds ratio above 1.
        case convertsMore = "converts more"
        /// Odds ratio below 1.
        case convertsLess = "converts less"
    }

    /// One feature and its 2×2 table against converting.
    public struct Factor: Sendable, Hashable {
        /// More or less likely to convert with it.
        public let direction: Direction
        /// The feature as a condition would write it: `channel = 'social'`, `customer.segment = 'b2b'`.
        public let feature: String
        /// Converters who have the feature.
        public let converters: Int64
        /// Lost customers who have it.
        public let lost: Int64
        /// Converters with it as a percentage (0...100) of all converters; nil when there are none.
        public let percentOfConverters: Double?
        /// Lost customers with it as a percentage (0...100) of all lost customers; nil when there are none.
        public let percentOfLost: Double?
        /// The odds of converting with the feature over without it, 1 added to each cell.
        public let oddsRatio: Double?
        /// Pearson's chi-square test of the 2×2 table (1 degree of freedom); nil when a row or column is empty.
        public let pValue: Double?
    }

    /// `converts more` first, by odds ratio, largest first; then `converts less`, smallest first.
    public let factors: [Factor]

    init?(_ result: StatementResult) {
        guard result.kind == .why, result.columnIndex("feature") != nil else { return nil }
        factors = result.rows.map { row in
            let cells = result.reader(row)
            return Factor(direction: Direction(rawValue: cells.text("direction")) ?? .convertsMore,
                          feature: cells.text("feature"), converters: cells.count("converters"), lost: cells.count("lost"),
                          percentOfConverters: cells.number("pct_of_converters"),
                          percentOfLost: cells.number("pct_of_lost"), oddsRatio: cells.number("odds_ratio"),
                          pValue: cells.number("p_value"))
        }
    }
}
