// Planning STAGES: the ordered stages become the scan's step bits, and every admitted event is delivered.
import JourneyStore

extension Planner {
    /// The journey map's plan: bit k of an event's mask says it is in stage k of the order; every admitted event
    /// is delivered (the last one, of any stage or none, is when the customer was last active); no chain is
    /// matched. The start range is not pushed into the scan: it bounds each customer's first stage event, and the
    /// events before it decide which that is.
    package func planStages(_ stages: CheckedStages) -> FunnelPlan {
        planEventsOnly(stages.journey, deliverAll: true)
    }

    /// A plan that matches no chain (`MatcherKind.eventsOnly`): each step is a bit of the scan's mask, and the
    /// events that fill a step (every admitted event, with `deliverAll`) reach the aggregation with the journey's
    /// BY keys, customer set and horizon. The start range is not pushed into the scan.
    func planEventsOnly(_ journey: CheckedFunnel, deliverAll: Bool) -> FunnelPlan {
        let funnel = planFunnel(journey)
        let request = ScanRequest(filter: compile(journey.filter), steps: journey.steps.map { compile($0.condition) },
                                  deliverAll: deliverAll, carry: funnel.request.carry)
        var plan = FunnelPlan(funnel: journey, request: request, window: nil, shape: funnel.shape, matcher: .eventsOnly,
                              breakdown: funnel.breakdown, eventFields: [:], horizon: funnel.horizon)
        plan.customerSet = funnel.customerSet
        return plan
    }
}
