// Planning VALUE: the step's events are delivered with the property carried; no chain is matched.
import JourneyStore

extension Planner {
    /// VALUE's plan: bit 0 of an event's mask says it is an event of the step, and only those are delivered,
    /// carrying the property and the BY fields. Neither end of the start range is pushed into the scan: it bounds
    /// each customer's first event of the step, which the events before it decide, and the events after its end
    /// are still part of that customer's lifetime.
    package func planValue(_ value: CheckedValue) -> (FunnelPlan, ValueSpec) {
        let journey = value.journey
        let funnel = planFunnel(journey)
        var carry = funnel.request.carry
        let column: Int
        if let i = carry.firstIndex(of: .property(value.property)) {
            column = i
        } else {
            carry.append(.property(value.property))
            column = carry.count - 1
        }
        let request = ScanRequest(filter: compile(journey.filter), steps: journey.steps.map { compile($0.condition) },
                                  deliverAll: false, carry: carry)
        var plan = FunnelPlan(funnel: journey, request: request, window: journey.window, shape: funnel.shape,
                              matcher: .eventsOnly, breakdown: funnel.breakdown, eventFields: [:], horizon: funnel.horizon)
        plan.customerSet = funnel.customerSet
        return (plan, ValueSpec(property: value.property, propertyRange: value.propertyRange, column: column))
    }

    func planValueQuery(_ value: CheckedValue) -> Plan {
        let (plan, spec) = planValue(value)
        return .query(plan, .value(spec))
    }
}
