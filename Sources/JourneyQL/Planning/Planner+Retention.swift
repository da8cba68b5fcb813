// Planning RETENTION: the cohort step is bit 0 and the returning step bit 1 of each event's mask; every admitted
// event that fills either is delivered, and no chain is matched.
import JourneyStore

extension Planner {
    /// The retention table's plan. The start range is not pushed into the scan: it bounds each customer's first
    /// cohort event, and returning events after the range still count.
    public func planRetention(_ retention: CheckedRetention) -> FunnelPlan {
        let journey = retention.journey
        let funnel = planFunnel(journey)
        let request = ScanRequest(filter: compile(journey.filter), steps: journey.steps.map { compile($0.condition) },
                                  deliverAll: false, carry: funnel.request.carry)
        var plan = FunnelPlan(funnel: journey, request: request, window: nil, shape: funnel.shape, matcher: .eventsOnly,
                              breakdown: funnel.breakdown, eventFields: [:], horizon: funnel.horizon)
        plan.customerSet = funnel.customerSet
        return plan
    }
}
