// Plans for DROPOFF and WHY: a journey's scan that delivers every admitted event with the columns they read, and
// for DROPOFF also the events after the window (what the lost did next may come long after).
import JourneyStore

extension Planner {
    /// DROPOFF reads every admitted event after a lost customer's step event, however late: the journey's scan
    /// without the upper time bound that DURING/SINCE/BEFORE/LAST push down with a window (the matcher applies
    /// the window and the start range itself; that bound only skipped events no chain could use).
    func planDropoff(_ dropoff: CheckedDropoff) -> FunnelPlan {
        let plan = planFunnel(dropoff.funnel, everyEventWith: [dropoff.of])
        var filter = compile(dropoff.funnel.filter)
        if let lower = dropoff.funnel.startBounds?.lower { filter = .and([filter, .time(.greaterOrEqual, lower)]) }
        let request = ScanRequest(filter: filter, steps: plan.request.steps, deliverAll: true, carry: plan.request.carry)
        var result = FunnelPlan(funnel: plan.funnel, request: request, window: plan.window, shape: plan.shape,
                                matcher: plan.matcher, breakdown: plan.breakdown, eventFields: plan.eventFields,
                                horizon: plan.horizon)
        result.customerSet = plan.customerSet  // FOR a behavioural segment
        return result
    }

    /// WHY reads every admitted event with touchpoint, channel, stage and the properties it compares (customer
    /// attributes are read per customer, not carried).
    func planWhy(_ why: CheckedWhy) -> FunnelPlan {
        let columns = why.fields.compactMap(\.column)
        let plan = planFunnel(why.funnel, everyEventWith: columns.isEmpty ? [.touchpoint] : columns)
        var carry = plan.request.carry
        for case .property(let name) in why.fields where !carry.contains(.property(name)) {
            carry.append(.property(name))
        }
        let request = ScanRequest(filter: plan.request.filter, steps: plan.request.steps, deliverAll: true, carry: carry)
        var result = FunnelPlan(funnel: plan.funnel, request: request, window: plan.window, shape: plan.shape,
                                matcher: plan.matcher, breakdown: plan.breakdown, eventFields: plan.eventFields,
                                horizon: plan.horizon)
        result.customerSet = plan.customerSet  // FOR a behavioural segment
        return result
    }
}
