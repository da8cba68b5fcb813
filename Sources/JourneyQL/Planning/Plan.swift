// Plans: what to read from the store and how to match it, built from a checked statement.
import JourneyStore

/// Where a breakdown key's value comes from once a customer's chain is known.
public enum BreakdownSource: Sendable, Hashable {
    /// A carried column read at the chain's first event; `decode` names the dictionary of a code.
    case carried(column: Int, decode: EventColumn?)
    /// A customer attribute, looked up per customer.
    case customerAttribute(String)
    case startDay, startWeek, startMonth

    /// A period of the start time (BY day, week or month): groups of these come in time order.
    public var isPeriod: Bool {
        switch self {
        case .startDay, .startWeek, .startMonth: true
        case .carried, .customerAttribute: false
        }
    }
}

/// How a journey is answered: one scan of the admitted events, then a per-customer matcher.
public struct FunnelPlan: Sendable {
    public let funnel: CheckedFunnel
    /// The scan: the filter (WHERE, FOR, pushed-down time bounds), the step and exclusion bits, carried fields.
    public let request: ScanRequest
    public let window: Int64?
    /// The matcher's view of the journey.
    public let shape: JourneyShape
    public let breakdown: [BreakdownSource]
    /// In-progress customers are those whose window ends after this instant (SET now, else the latest event).
    public let horizon: Int64?
    public var stepLabels: [String] { funnel.steps.map(\.label) }
}

public enum Plan: Sendable {
    case funnel(FunnelPlan)
    case explain(FunnelPlan)
    /// Time to convert: the journey's scan and matching, shaped as a distribution.
    case times(FunnelPlan)
    /// Paths: the journey's matching over every admitted event, with each event's touchpoint.
    case paths(FunnelPlan)
    case importData(CheckedImport)
    case show(ShowTarget)
    /// A definition to store or drop, the stage order, or the session's now: nothing to read.
    case definition(CheckedDefinition)
    /// A guard on the previous result: nothing to read from the store.
    case expect(CheckedExpectation)
}
