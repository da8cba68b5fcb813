// Why a step counts nobody: when WHERE admits no event that could fill it, though the store has such events,
// the journey was emptied by a filter most likely meant for one step. Checked only for steps that came out 0.
import JourneyStore

enum StepReach {
    /// Warnings for the steps of a result that count no customer because WHERE admits no event filling them.
    ///
    /// Only a step that reached 0 while the step before it did not is looked at (later zeros follow from it),
    /// with at most two scans that stop at the first event found: one with the statement's filter, one
    /// without it.
    static func warnings(_ plan: FunnelPlan, customers: [Int], source: EventSource,
                         isCancelled: () -> Bool) throws -> [Diagnostic] {
        guard let whereText = plan.funnel.whereText,
              let k = customers.indices.first(where: { customers[$0] == 0 }),
              k < plan.request.steps.count else { return [] }
        let step = plan.request.steps[k]
        guard try !anyEvent(filter: plan.request.filter, step: step, source: source, isCancelled: isCancelled),
              try anyEvent(filter: .constant(true), step: step, source: source, isCancelled: isCancelled) else { return [] }
        let steps = plan.funnel.steps
        // The step the condition most likely belongs to: the first, unless it is the one emptied.
        let target = k == 0 ? steps[steps.count - 1] : steps[0]
        return [.warning(.checkUnreachableStep, "no '\(steps[k].label)' event passes WHERE \(whereText)",
                         at: steps[k].range,
                         notes: ["WHERE applies to every step, so this step and the ones after it count nobody",
                                 "to filter one step only, write it in brackets after that step: \(target.label)[\(whereText)]"])]
    }

    /// Whether some event that `filter` admits fills `step`; the scan stops at the first.
    static func anyEvent(filter: Predicate, step: Predicate, source: EventSource, isCancelled: () -> Bool) throws -> Bool {
        struct Found: Error {}
        do {
            try source.scanCustomers(ScanRequest(filter: filter, steps: [step]), isCancelled: isCancelled) { _ in throw Found() }
        } catch is Found {
            return true
        }
        return false
    }
}
