// Plans: what to read from the store and how to match it, built from a checked statement.
import JourneyStore

/// How a funnel is answered: one scan of the admitted events, then the per-customer matcher.
public struct FunnelPlan: Sendable {
    public let funnel: CheckedFunnel
    /// The scan: the WHERE filter plus "matches some step", with one mask bit per step.
    public let request: ScanRequest
    public let window: Int64?
    public var stepLabels: [String] { funnel.steps.map(\.label) }
}

public enum Plan: Sendable {
    case funnel(FunnelPlan)
    case explain(FunnelPlan)
    case importData(CheckedImport)
    case show(ShowTarget)
}
