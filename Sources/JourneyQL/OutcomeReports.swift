// Typed views of the analyses of outcomes: VALUE, COMPARE, RETENTION and ATTRIBUTE.

/// Sums and averages of a numeric property over a step's events (`VALUE amount FROM purchase`), per group.
///
/// Read it from ``StatementResult/valueSummary``.
public struct ValueReport: Sendable, Hashable {
    /// One group's figures.
    public struct Group: Sendable, Hashable {
        /// The group's values, one per ``ValueReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// Customers counted.
        public let customers: Int64
        /// Their events of the step, with or without a value.
        public let events: Int64
        /// Events per customer (purchase frequency).
        public let eventsPerCustomer: Double?
        /// Customers with at least two events.
        public let repeatCustomers: Int64
        /// Those as a percentage (0...100) of the customers: the repeat rate.
        public let percentRepeat: Double?
        /// The sum of all values; nil when no event has one.
        public let total: Double?
        /// The mean value of one event (average order value).
        public let averagePerEvent: Double?
        /// The median value of one event.
        public let medianPerEvent: Double?
        /// The 90th percentile of one event's value.
        public let p90PerEvent: Double?
        /// The mean of the customers' sums (lifetime value): total / customers with a value.
        public let averagePerCustomer: Double?
        /// The median of the customers' sums.
        public let medianPerCustomer: Double?
        /// The 90th percentile of the customers' sums.
        public let p90PerCustomer: Double?
        /// The sum of the values of every customer's events after their first.
        public let afterFirst: Double?
        /// That as a percentage (0...100) of the total; nil when the total is nil or 0.
        public let percentAfterFirst: Double?
        /// Events without a numeric value (missing, or not a number): never summed as zero.
        public let eventsWithoutValue: Int64
    }

    /// The `BY` fields, as the result names them; empty without `BY`.
    public let groupColumns: [String]
    /// The groups, in the result's order.
    public let groups: [Group]

    init?(_ result: StatementResult) {
        guard result.kind == .value, let keys = result.keyColumns(before: "customers") else { return nil }
        groupColumns = keys
        groups = result.rows.map { row in
            let cells = result.reader(row, keyCount: keys.count)
            return Group(key: Array(row.prefix(keys.count)), customers: cells.count("customers"),
                         events: cells.count("events"), eventsPerCustomer: cells.number("events_per_customer"),
                         repeatCustomers: cells.count("repeat_customers"), percentRepeat: cells.number("pct_repeat"),
                         total: cells.number("total"), averagePerEvent: cells.number("avg_per_event"),
                         medianPerEvent: cells.number("median_per_event"), p90PerEvent: cells.number("p90_per_event"),
                         averagePerCustomer: cells.number("avg_per_customer"),
                         medianPerCustomer: cells.number("median_per_customer"),
                         p90PerCustomer: cells.number("p90_per_customer"), afterFirst: cells.number("after_first"),
                         percentAfterFirst: cells.number("pct_after_first"), eventsWithoutValue: cells.count("no_value"))
        }
    }
}

/// A funnel's groups (`BY x COMPARE`) or two periods (`COMPARE PREVIOUS`) side by side: rates with intervals, and
/// each group's difference from the reference group with its test. The statement's first result.
///
/// Read it from ``StatementResult/comparison``.
public struct ComparisonReport: Sendable, Hashable {
    /// What a group's difference from the reference amounts to.
    public enum Verdict: String, Sendable, Hashable {
        /// The group every other is compared with.
        case reference
        /// Significantly higher than the reference.
        case higher
        /// Significantly lower than the reference.
        case lower
        /// Not significant at the statement's confidence (also when there is nothing to test).
        case notSignificant = "not significant"
    }

    /// One group at one step.
    public struct Group: Sendable, Hashable {
        /// The group's values, one per ``ComparisonReport/groupColumns`` entry (`period`: `current` or `previous`).
        public let key: [Cell]
        /// Customers of the group at the step.
        public let customers: Int64
        /// Those as a percentage (0...100) of the group's first step; nil when it has none.
        public let rate: Double?
        /// The Wilson interval of ``rate``; nil at the first step.
        public let rateInterval: ClosedRange<Double>?
        /// Customers as a percentage of the group's previous step; nil at the first step.
        public let stepRate: Double?
        /// The Wilson interval of ``stepRate``.
        public let stepRateInterval: ClosedRange<Double>?
        /// The group's ``rate`` minus the reference's, in percentage points; nil for the reference and at step 1.
        public let difference: Double?
        /// Newcombe's interval of ``difference``.
        public let differenceInterval: ClosedRange<Double>?
        /// The two-sided p of the pooled two-proportion z test against the reference.
        public let pValue: Double?
        /// Reference (every row of the reference group), higher, lower or not significant; nil where there is no
        /// difference (the other groups at step 1, an empty group).
        public let verdict: Verdict?
    }

    /// One step and every group at it.
    public struct Step: Sendable, Hashable {
        /// The step's number, from 1.
        public let number: Int
        /// The step as written.
        public let name: String
        /// The groups, in the result's order.
        public let groups: [Group]
    }

    /// The fields that tell the groups apart (`customer.segment`), or `period` with `COMPARE PREVIOUS`.
    public let groupColumns: [String]
    /// The steps, first to last.
    public let steps: [Step]

    init?(_ result: StatementResult) {
        // The group keys sit between the step's `name` and `customers`, and may share their names.
        guard result.kind == .compare, result.part == 0, let name = result.columnIndex("name"),
              let customers = result.lastColumnIndex("customers"), name < customers else { return nil }
        let keyRange = (name + 1)..<customers
        groupColumns = result.columns[keyRange].map(\.name)
        steps = result.runs(keyCount: 1).map { run in
            let groups = run.rows.map { row in
                let cells = result.reader(row, keys: keyRange)
                return Group(key: Array(row[keyRange]), customers: cells.count("customers"),
                             rate: cells.number("rate"),
                             rateInterval: interval(cells.number("rate_low"), cells.number("rate_high")),
                             stepRate: cells.number("step_rate"),
                             stepRateInterval: interval(cells.number("step_rate_low"), cells.number("step_rate_high")),
                             difference: cells.number("diff_pp"),
                             differenceInterval: interval(cells.number("diff_low"), cells.number("diff_high")),
                             pValue: cells.number("p_value"), verdict: Verdict(rawValue: cells.text("verdict")))
            }
            let first = result.reader(run.rows[0], keys: keyRange)
            return Step(number: Int(first.count("step")), name: first.text("name"), groups: groups)
        }
    }
}

/// Whether a compared funnel's groups differ at each step (`COMPARE`, the second result): Pearson's chi-square test
/// of independence of group and reaching the step.
///
/// Read it from ``StatementResult/comparisonTest``.
public struct ComparisonTestReport: Sendable, Hashable {
    /// One step's test (steps from the second).
    public struct Step: Sendable, Hashable {
        /// The step's number, from 2.
        public let number: Int
        /// The step as written.
        public let name: String
        /// The groups tested: those with customers at step 1.
        public let groups: Int
        /// The chi-square statistic; nil when there is nothing to test.
        public let chiSquare: Double?
        /// Its degrees of freedom: groups − 1.
        public let degreesOfFreedom: Int?
        /// P(χ² ≥ ``chiSquare``).
        public let pValue: Double?
        /// Whether p is below 1 − the statement's confidence; nil when there is no test.
        public let groupsDiffer: Bool?
    }

    /// The steps after the first.
    public let steps: [Step]

    init?(_ result: StatementResult) {
        guard result.kind == .compare, result.part == 1, result.columnIndex("chi_square") != nil else { return nil }
        steps = result.rows.map { row in
            let cells = result.reader(row)
            let verdict = cells.text("verdict")
            return Step(number: Int(cells.count("step")), name: cells.text("name"), groups: Int(cells.count("groups")),
                        chiSquare: cells.number("chi_square"), degreesOfFreedom: cells.int("df").map(Int.init),
                        pValue: cells.number("p_value"), groupsDiffer: verdict.isEmpty ? nil : verdict == "groups differ")
        }
    }
}

/// Cohort retention (`RETENTION OF a RETURNING b`): for each cohort (customers by the period of their first `a`),
/// the share who came back with `b` in each later period. The statement's first result.
///
/// Read it from ``StatementResult/retention``.
public struct RetentionReport: Sendable, Hashable {
    /// One period N of a cohort (or of the curve).
    public struct Period: Sendable, Hashable {
        /// N: 0 is the cohort's own period.
        public let number: Int
        /// Customers counted in the period: the cohort's size once the period has ended, else 0.
        public let customers: Int64
        /// Those who came back in the period (or later, with `ON OR AFTER`). In a cohort, nil when the period has not
        /// ended; in the curve, the sum over the cohorts whose period has ended (0 when none has).
        public let returning: Int64?
        /// ``returning`` as a percentage (0...100) of ``customers``; nil when the period has not ended.
        public let percent: Double?
    }

    /// One cohort and its periods.
    public struct Cohort: Sendable, Hashable {
        /// The group's values, one per ``RetentionReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// The cohort's period: its first day (`2024-01-08`) or month (`2024-01`).
        public let period: String
        /// Customers in the cohort.
        public let size: Int64
        /// Periods 0 through n (`PERIODS n`).
        public let periods: [Period]
    }

    /// The `BY` fields other than the period, as the result names them; empty without them.
    public let groupColumns: [String]
    /// The cohorts, per group in time order.
    public let cohorts: [Cohort]

    init?(_ result: StatementResult) {
        guard result.kind == .retention, result.part == 0, let keys = result.keyColumns(before: "cohort") else {
            return nil
        }
        groupColumns = keys
        cohorts = result.runs(keyCount: keys.count + 1).map { run in
            let first = result.reader(run.rows[0], keyCount: keys.count)
            return Cohort(key: Array(run.key.prefix(keys.count)), period: first.text("cohort"), size: first.count("size"),
                          periods: run.rows.map { RetentionReport.period(result.reader($0, keyCount: keys.count)) })
        }
    }

    static func period(_ cells: RowReader) -> Period {
        Period(number: Int(cells.count("period")), customers: cells.count("customers"), returning: cells.int("returning"),
               percent: cells.number("pct"))
    }
}

/// The retention curve (`RETENTION`, the second result): per period, the cohorts whose period has ended taken
/// together, weighted by their sizes.
///
/// Read it from ``StatementResult/retentionCurve``.
public struct RetentionCurveReport: Sendable, Hashable {
    /// One group's curve.
    public struct Group: Sendable, Hashable {
        /// The group's values, one per ``RetentionCurveReport/groupColumns`` entry (empty without `BY`).
        public let key: [Cell]
        /// Periods 0 through n: `customers` sums the sizes of the cohorts whose period has ended, `returning` their
        /// returning customers.
        public let periods: [RetentionReport.Period]
    }

    /// The `BY` fields other than the period; empty without them.
    public let groupColumns: [String]
    /// The groups, in the result's order.
    public let groups: [Group]

    init?(_ result: StatementResult) {
        guard result.kind == .retention, result.part == 1, let keys = result.keyColumns(before: "period") else {
            return nil
        }
        groupColumns = keys
        groups = result.runs(keyCount: keys.count).map { run in
            Group(key: run.key, periods: run.rows.map { RetentionReport.period(result.reader($0, keyCount: keys.count)) })
        }
    }
}

/// The credit each channel (or touchpoint, or the field of `BY`) earns for a step's conversions
/// (`ATTRIBUTE purchase MODEL linear, markov`), under each model asked for.
///
/// Read it from ``StatementResult/attribution``.
public struct AttributionReport: Sendable, Hashable {
    /// An attribution model.
    public enum Model: String, Sendable, Hashable, CaseIterable {
        /// All credit to the first touch.
        case firstTouch = "first_touch"
        /// All credit to the last touch.
        case lastTouch = "last_touch"
        /// Credit shared equally among the touches.
        case linear
        /// 40% to the first touch, 40% to the last, 20% shared by those between.
        case position
        /// Weights halving with each half-life before the conversion.
        case timeDecay = "time_decay"
        /// The removal effect in a first-order Markov chain over converting and non-converting paths.
        case markov
    }

    /// One model's credit to one value.
    public struct Credit: Sendable, Hashable {
        /// The model.
        public let model: Model
        /// Conversions credited (or value, with `VALUE`), in hundredths.
        public let credit: Double
        /// That as a percentage (0...100) of all conversions (or value), in tenths; nil when there are none.
        public let share: Double?
    }

    /// One credited value and what each model gives it.
    public struct Entry: Sendable, Hashable {
        /// The value credited (`social`); `(none)` for conversions with no touch before them, `(other)` for the values
        /// `LIMIT` folds.
        public let value: String
        /// One credit per model, in the order of ``AttributionReport/models``.
        public let credits: [Credit]

        /// The credit of `model`, if it was asked for.
        public func credit(_ model: Model) -> Credit? { credits.first { $0.model == model } }
    }

    /// What is credited: `conversions`, or the property summed with `VALUE`.
    public enum Measure: Sendable, Hashable {
        /// Each conversion counts 1.
        case conversions
        /// Each conversion counts its value of a numeric property.
        case value
    }

    /// The field whose values are credited (`channel` unless `BY` says otherwise).
    public let field: String
    /// Conversions or value.
    public let measure: Measure
    /// The models, as the statement lists them.
    public let models: [Model]
    /// The values, by the first model's credit, largest first; `(other)` and `(none)` last.
    public let entries: [Entry]

    init?(_ result: StatementResult) {
        guard result.kind == .attribution, let field = result.columns.first?.name else { return nil }
        self.field = field
        let models = result.result.attributionModels.compactMap(Model.init(rawValue:))
        guard !models.isEmpty else { return nil }
        measure = result.result.creditsValue ? .value : .conversions
        // One model's columns are `conversions` (or `value`) and `share`; several models' are named after them.
        let columns = models.count == 1 ? [(credit: measure == .value ? "value" : "conversions", share: "share")]
                                        : models.map { (credit: $0.rawValue, share: $0.rawValue + "_share") }
        self.models = models
        entries = result.rows.map { row in
            let cells = result.reader(row, keyCount: 1)
            return Entry(value: row.first?.displayText ?? "", credits: zip(models, columns).map { model, column in
                Credit(model: model, credit: cells.number(column.credit) ?? 0, share: cells.number(column.share))
            })
        }
    }
}
