// Planning RETENTION: the cohort step is bit 0 and the returning step bit 1 of each event's mask; every admitted
// event that fills either is delivered, and no chain is matched.
import JourneyStore

extension Planner {
    /// The retention table's plan. The start range is not pushed into the scan: it bounds each customer's first
    /// cohort event, and returning events after the range still count.
    package func planRetention(_ retention: CheckedRetention) -> FunnelPlan {
        planEventsOnly(retention.journey, deliverAll: false)
    }
}
