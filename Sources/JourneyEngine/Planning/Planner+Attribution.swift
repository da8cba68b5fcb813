// Planning ATTRIBUTE: the conversion step is the scan's one step bit; every admitted event is delivered with the
// credited field (and the VALUE property); no chain is matched.
import JourneyStore

extension Planner {
    /// The attribution's plan. Bit 0 of an event's mask says it is a conversion-step event. Only the end of the
    /// start range is pushed into the scan: touches lie before their conversion, and a non-converter's path ends at
    /// a touch inside the range, so nothing after the range matters; the events before its start do (they are the
    /// touches of its first conversions).
    package func planAttribution(_ a: CheckedAttribution) -> FunnelPlan {
        let journey = a.journey
        let funnel = planFunnel(journey)
        var filter = compile(journey.filter)
        if let upper = journey.startBounds?.upper { filter = .and([filter, .time(.less, upper)]) }
        var carry: [CarriedField] = [a.credit.column.map { .column($0) } ?? .property(a.credit.description)]
        if let value = a.value { carry.append(.property(value)) }
        let request = ScanRequest(filter: filter, steps: [compile(journey.steps[0].condition)], deliverAll: true, carry: carry)
        var plan = FunnelPlan(funnel: journey, request: request, window: nil, shape: funnel.shape, matcher: .eventsOnly,
                              breakdown: [], eventFields: [:], horizon: funnel.horizon)
        plan.customerSet = funnel.customerSet
        return plan
    }
}
