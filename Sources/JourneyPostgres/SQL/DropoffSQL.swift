// DROPOFF as one PostgreSQL query grouped by customer: each customer's drop-off point is worked out where their events
// are (journeyql.dropoff_point over journey_chain's chain); the coordinator counts the points per group, step and
// what came next, and gathers the times to the last event for the medians.
import JourneyEngine
import JourneyStore

enum DropoffSQL {
    /// One row per (BY keys, level, lost, next values, last value): the key columns (as FunnelSQL.keyCells reads
    /// them), the level, whether lost (1) or not (0), the next values (int[]), the last value, the customers, and the
    /// times from the step event to the last event (bigint[]).
    static func compile(_ plan: FunnelPlan, next: Int, of column: EventColumn) throws(PostgresUnsupported) -> PostgresSQL {
        try FunnelSQL.requireSupported(plan)
        var q = PostgresSQL()
        try FunnelSQL.admittedEvents(plan, &q, extra: ["e.\(column.name) AS val"])
        let chain = FunnelSQL.eventChainCall(plan, &q)
        let window = plan.window.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let horizon = plan.horizon.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let call = "journeyql.dropoff_point(\(chain), \(FunnelSQL.ordered("time")), \(FunnelSQL.ordered("val")), "
            + "\(plan.shape.stepCount), \(next), \(window), \(horizon))"
        FunnelSQL.perCustomer(plan, call: call, as: "d",
                              columns: "d[2] AS level, d[3] AS lost, d[4] AS last_value, d[5] AS since, d[6:] AS next", &q)
        let groupKeys = plan.breakdown.indices.flatMap { FunnelSQL.keyExpressions(plan, $0) }
        q.sql += "SELECT " + (groupKeys + ["level", "lost", "next", "last_value", "count(*)", "array_agg(since)"])
            .joined(separator: ", ")
        q.sql += " FROM a" + FunnelSQL.groupByKeys(plan, extra: 4)
        return q
    }

    /// A bigint array's elements from PostgreSQL's text form (`{3,-1}`; NULL elements read -1).
    static func integers(_ text: String?) -> [Int64] {
        PostgresArray.elements(text).map { Int64($0) ?? -1 }
    }
}
