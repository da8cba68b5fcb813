// The checker's output: statements whose names are resolved and whose values are typed.
// Built only by the Checker; the planner accepts nothing else.
import JourneyStore

/// A field an event condition reads.
public enum EventField: Sendable, Hashable, CustomStringConvertible {
    case stage, touchpoint, channel, time, customer
    case property(String)
    case customerAttribute(String)

    /// The dictionary column behind a text field, if any.
    public var column: EventColumn? {
        switch self {
        case .stage: .stage
        case .touchpoint: .touchpoint
        case .channel: .channel
        default: nil
        }
    }

    public var description: String {
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
public enum Literal: Sendable, Hashable, CustomStringConvertible {
    case text(String)
    case number(Double)
    /// An integer literal a Double cannot hold exactly (beyond ±2^53): snowflake ids, long order numbers.
    case integer(Int64)
    case time(Int64)

    /// The literal for a number as written: a Double, unless it is an integer a Double would round.
    public static func number(_ value: Double, text: String) -> Literal {
        if abs(value) >= 9_007_199_254_740_992, !text.contains("."), let exact = Int64(text) {
            return .integer(exact)
        }
        return .number(value)
    }

    public var description: String {
        switch self {
        case .text(let s): quoteText(s)
        case .number(let d): formatNumber(d)
        case .integer(let i): String(i)
        case .time(let t): TimeParser.format(t)
        }
    }
}

/// A resolved condition over one event (and its customer). Three-valued, as SQL: see grammar/SEMANTICS.md.
public indirect enum Condition: Sendable, Hashable, CustomStringConvertible {
    case always
    case compare(EventField, Comparison, Literal)
    case not(Condition)
    case and([Condition])
    case or([Condition])

    public var description: String {
        switch self {
        case .always: "true"
        case .compare(let f, let op, let v): "\(f) \(op.rawValue) \(v)"
        case .not(let c): "NOT (\(c))"
        case .and(let cs): cs.map { "(\($0))" }.joined(separator: " AND ")
        case .or(let cs): cs.map { "(\($0))" }.joined(separator: " OR ")
        }
    }

    /// Both conditions; `always` drops out.
    public static func both(_ a: Condition, _ b: Condition) -> Condition {
        if a == .always { return b }
        if b == .always { return a }
        return .and([a, b])
    }
}

/// One step of a journey: the events that can fill it.
public struct CheckedStep: Sendable, Hashable {
    /// The step as written (`purchase`, `cart_add[amount > 100]`), used as its label.
    public let label: String
    public let condition: Condition
    public let range: SourceRange
}

/// A journey query ready for planning.
public struct CheckedFunnel: Sendable, Hashable {
    public let steps: [CheckedStep]
    /// The conversion window in milliseconds, measured from the first step; nil for none.
    public let window: Int64?
    /// The WHERE condition: an event it does not admit is invisible to the query.
    public let filter: Condition
    /// The statement's text, for titles.
    public let text: String
}

/// What `IMPORT` asks for.
public struct CheckedImport: Sendable, Hashable {
    public let files: [String]
    public let customers: Bool
    public let mapping: [String: String]
}

public enum CheckedStatement: Sendable, Hashable {
    case funnel(CheckedFunnel)
    case explain(CheckedFunnel)
    case importData(CheckedImport)
    case show(ShowTarget)
}
