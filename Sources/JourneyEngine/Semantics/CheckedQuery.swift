// The checker's output: statements whose names are resolved and whose values are typed.
// Built only by the Checker; the planner accepts nothing else.
import JourneyStore

/// A field an event condition reads.
package enum EventField: Sendable, Hashable, CustomStringConvertible {
    case stage, touchpoint, channel, time, customer
    case property(String)
    case customerAttribute(String)

    /// The field of a dictionary column.
    package init(_ column: EventColumn) {
        switch column {
        case .stage: self = .stage
        case .touchpoint: self = .touchpoint
        case .channel: self = .channel
        }
    }

    /// The dictionary column behind a text field, if any.
    package var column: EventColumn? {
        switch self {
        case .stage: .stage
        case .touchpoint: .touchpoint
        case .channel: .channel
        default: nil
        }
    }

    package var description: String {
        switch self {
        case .stage: "stage"
        case .touchpoint: "touchpoint"
        case .channel: "channel"
        case .time: "time"
        case .customer: "customer"
        case .property(let p): p
        case .customerAttribute(let a): "customer.\(a)"
        }
    }
}

/// A typed literal. Text compares byte-wise, numbers numerically, times as instants.
package enum Literal: Sendable, Hashable, CustomStringConvertible {
    case text(String)
    case number(Double)
    /// An integer literal a Double cannot hold exactly (beyond ±2^53): snowflake ids, long order numbers.
    case integer(Int64)
    case time(Int64)

    /// The literal for a number as written: a Double, unless it is an integer a Double would round.
    package static func number(_ value: Double, text: String) -> Literal {
        if abs(value) >= 9_007_199_254_740_992, !text.contains("."), let exact = Int64(text) {
            return .integer(exact)
        }
        return .number(value)
    }

    package var description: String {
        switch self {
        case .text(let s): quoteText(s)
        case .number(let d): formatNumber(d)
        case .integer(let i): String(i)
        case .time(let t): TimeParser.format(t)
        }
    }
}

/// A resolved condition over one event (and its customer). Three-valued, as SQL: see grammar/SEMANTICS.md.
package indirect enum Condition: Sendable, Hashable, CustomStringConvertible {
    case always
    case compare(EventField, Comparison, Literal)
    /// The field's text matches the pattern; unknown when the field is missing or not text.
    case like(EventField, LikePattern)
    /// The field has no value: true or false, never unknown.
    case isNull(EventField)
    case not(Condition)
    case and([Condition])
    case or([Condition])

    package var description: String {
        switch self {
        case .always: "true"
        case .compare(let f, let op, let v): "\(f) \(op.rawValue) \(v)"
        case .like(let f, let pattern): "\(f) LIKE \(pattern)"
        case .isNull(let f): "\(f) IS NULL"
        case .not(let c): "NOT (\(c))"
        case .and(let cs): cs.map { "(\($0))" }.joined(separator: " AND ")
        case .or(let cs): cs.map { "(\($0))" }.joined(separator: " OR ")
        }
    }

    /// Both conditions; `always` drops out.
    package static func both(_ a: Condition, _ b: Condition) -> Condition {
        if a == .always { return b }
        if b == .always { return a }
        return .and([a, b])
    }
}

/// One step of a journey: the events that can fill it.
package struct CheckedStep: Sendable, Hashable {
    /// The step as written (`purchase`, `cart_add[amount > 100]`), used as its label.
    package let label: String
    package let condition: Condition
    package let range: SourceRange
    /// `s?`: the journey may skip this step (never the first or the last).
    package var optional: Bool = false
    /// `TO s WITHIN g`: at most this many milliseconds after the previous filled step (never on the first step).
    package var gapWindow: Int64? = nil
}

/// `EXCLUDING x BETWEEN i AND j`: no event satisfying `condition` may lie between the chain's events for steps
/// `from` ... `to` (0-based step indices, inclusive).
package struct CheckedExclusion: Sendable, Hashable {
    package let condition: Condition
    package let label: String
    package let from: Int
    package let to: Int
}

/// A half-open range of instants [lower, upper), either end open when nil (milliseconds since the epoch).
package struct TimeBounds: Sendable, Hashable {
    package var lower: Int64?
    package var upper: Int64?

    package init(lower: Int64?, upper: Int64?) {
        self.lower = lower
        self.upper = upper
    }

    package func contains(_ t: Int64) -> Bool {
        if let lower, t < lower { return false }
        if let upper, t >= upper { return false }
        return true
    }
}

/// What a breakdown groups by.
package enum BreakdownKey: Sendable, Hashable, CustomStringConvertible {
    /// An event field or property read from the chain's first step, or a customer attribute.
    case field(EventField)
    /// The start time truncated to a UTC day, ISO week (from Monday) or month.
    case startDay, startWeek, startMonth

    /// True for an event field or property, which is read from the chain's first step event.
    package var readsFirstStep: Bool {
        switch self {
        case .field(.customerAttribute): false
        case .field: true
        default: false
        }
    }

    /// The column name in results.
    package var description: String {
        switch self {
        case .field(let f): "\(f)"
        case .startDay: "day"
        case .startWeek: "week"
        case .startMonth: "month"
        }
    }
}

/// A journey query ready for planning (grammar/SEMANTICS.md sections 4 and 4a).
package struct CheckedFunnel: Sendable, Hashable {
    package let steps: [CheckedStep]
    /// The journey window in milliseconds, measured from the first step; nil for none.
    package let window: Int64?
    /// The WHERE condition (and a FOR segment's, and `time <= now` under `SET now`): an event it does not
    /// admit is invisible to the query.
    package private(set) var filter: Condition
    /// The statement's text, for titles.
    package let text: String
    /// DIRECTLY, STRICT TIME, TIES ANY ORDER or IN ANY ORDER (the checker admits only the combinations that mean
    /// something).
    package var order: OrderMode = .inOrder
    package var exclusions: [CheckedExclusion] = []
    /// `SAME f`: every filled step has the first step's value of f.
    package var same: EventField? = nil
    /// `DURING`, `SINCE`, `BEFORE`, `LAST`: where the first step's time must lie.
    package var startBounds: TimeBounds? = nil
    package var breakdown: [BreakdownKey] = []
    /// `LIMIT n`: keep the n largest groups.
    package var limit: Int? = nil
    /// `SET now`, if given: the horizon for in-progress customers and the end of `LAST`.
    package var now: Int64? = nil
    /// `EXPLAIN CUSTOMER id`: trace this customer's match instead of printing the plan.
    package var traceCustomer: String? = nil
    /// Where the traced customer's id was written, for the error when no customer has it.
    package var traceCustomerRange: SourceRange? = nil
    /// The WHERE condition as written, for messages about what it filters out.
    package var whereText: String? = nil
    /// `LAST d`: the start must lie within d before now; `resolved(now:)` turns it into `startBounds`.
    package var lastWindow: Int64? = nil
    /// `FOR name` of a behavioural segment: only the customers its journey gives when the statement runs.
    package var customerSet: CheckedCustomerSet? = nil

    /// The query with "now" fixed: `now` is `SET now` when given (nil otherwise, so the horizon is the store's
    /// latest event), and `LAST d` becomes the start range [now − d, now].
    package func resolved(setNow: Int64?, clock: Int64) -> CheckedFunnel {
        var copy = self
        copy.now = setNow
        // Under SET now the store is read as it stood at that instant: later events are not there yet.
        if let setNow { copy.filter = .both(filter, .compare(.time, .lessOrEqual, .time(setNow))) }
        if let last = lastWindow {
            let end = setNow ?? clock
            copy.startBounds = TimeBounds(lower: end - last, upper: end + 1)
        }
        copy.customerSet = customerSet?.resolved(setNow: setNow, clock: clock)
        return copy
    }

    /// True when some step is optional (the result then has a `took` column).
    package var hasOptionalSteps: Bool { steps.contains { $0.optional } }
}

/// What `IMPORT` asks for.
package struct CheckedImport: Sendable, Hashable {
    package let files: [String]
    package let customers: Bool
    package let mapping: [String: String]
}

package enum CheckedStatement: Sendable, Hashable {
    case funnel(CheckedFunnel)
    case explain(CheckedFunnel)
    case times(CheckedFunnel)
    case paths(CheckedFunnel)
    case importData(CheckedImport)
    case show(ShowTarget)
    case definition(CheckedDefinition)
    /// `EXPECT`: a guard on the previous result (CheckedExpectation.swift).
    case expect(CheckedExpectation)
    /// `STAGES`: the journey map (CheckedStages.swift).
    case stages(CheckedStages)
    /// `CUSTOMERS ...` (CheckedCustomers.swift).
    case customers(CheckedCustomers)
    /// `SHOW CUSTOMER id`; the range is where the id was written.
    case showCustomer(String, range: SourceRange)
    /// `PATHS AFTER|BEFORE`, or PATHS between steps with options (Checker+Flows.swift).
    case flows(CheckedFlows)
    /// `DROPOFF`: what the customers lost at each step did next and last (CheckedPainPoints.swift).
    case dropoff(CheckedDropoff)
    /// `WHY`: what separates converters from the lost (CheckedPainPoints.swift).
    case why(CheckedWhy)
    /// `VALUE`: a numeric property over a step's events, per customer and lifetime (CheckedValue.swift).
    case value(CheckedValue)
    /// A journey + `COMPARE`: groups or periods side by side with intervals and tests (CheckedCompare.swift).
    case compare(CheckedCompare)
    /// `RETENTION`: cohorts and who comes back in each period (CheckedRetention.swift).
    case retention(CheckedRetention)
    /// `ATTRIBUTE`: each conversion's credit shared among the touches before it (CheckedAttribution.swift).
    case attribution(CheckedAttribution)

    /// The statement with "now" fixed (see `CheckedFunnel.resolved(setNow:clock:)`).
    package func resolvingNow(setNow: Int64?, clock: Int64) -> CheckedStatement {
        switch self {
        case .funnel(let f): .funnel(f.resolved(setNow: setNow, clock: clock))
        case .explain(let f): .explain(f.resolved(setNow: setNow, clock: clock))
        case .times(let f): .times(f.resolved(setNow: setNow, clock: clock))
        case .paths(let f): .paths(f.resolved(setNow: setNow, clock: clock))
        case .stages(let s): .stages(s.resolved(setNow: setNow, clock: clock))
        case .customers(let c): .customers(c.resolved(setNow: setNow, clock: clock))
        case .flows(let f): .flows(f.resolved(setNow: setNow, clock: clock))
        case .dropoff(let d): .dropoff(d.resolved(setNow: setNow, clock: clock))
        case .why(let w): .why(w.resolved(setNow: setNow, clock: clock))
        case .value(let v): .value(v.resolved(setNow: setNow, clock: clock))
        case .compare(let c): .compare(c.resolved(setNow: setNow, clock: clock))
        case .retention(let r): .retention(r.resolved(setNow: setNow, clock: clock))
        case .attribution(let a): .attribution(a.resolved(setNow: setNow, clock: clock))
        default: self
        }
    }
}
