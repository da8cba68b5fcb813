// STAGES, the journey map, as one PostgreSQL query grouped by customer: each customer's walk through the ordered
// stages is worked out where their events are (journeyql.stage_walk); the coordinator counts stages reached,
// furthest and churned, the median first stays and the transitions, per group.
import JourneyEngine
import JourneyStore

enum StagesSQL {
    /// Rows of four kinds, each led by the key columns (as FunnelSQL.keyCells reads them), then `kind`, `x` and
    /// three numbers:
    /// - 0: stage x: customers who reached it, got no further, churned there;
    /// - 1: stage x: customers who left it (moved on), and the median of their first stays;
    /// - 2: transition x (from · stages + to): transitions, customers making one;
    /// - 3: the group's customers in the map.
    static func compile(_ plan: FunnelPlan, inactiveAfter: Int64) throws(PostgresUnsupported) -> PostgresSQL {
        if plan.customerSet != nil { throw PostgresUnsupported(construct: "FOR a behavioural segment (SEGMENT ... AS CUSTOMERS)") }
        let n = plan.shape.stepCount
        var q = PostgresSQL()
        try FunnelSQL.admittedEvents(plan, &q)
        let lower = plan.funnel.startBounds?.lower.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let upper = plan.funnel.startBounds?.upper.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let horizon = plan.horizon.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let inactive = q.bind(String(inactiveAfter), as: "bigint")
        let call = "journeyql.stage_walk(\(FunnelSQL.ordered("time")), \(FunnelSQL.ordered("mask")), "
            + "\(n), \(lower), \(upper), \(horizon), \(inactive))"
        // `a` is read four times below: PostgreSQL materializes it once.
        FunnelSQL.perCustomer(plan, call: call, as: "w", columns: "w", customer: true, &q)
        let groupKeys = plan.breakdown.indices.flatMap { FunnelSQL.keyExpressions(plan, $0) }
        let keyList = groupKeys.map { "\($0), " }.joined()
        func groupBy(_ extra: String?) -> String {
            let all = groupKeys.indices.map { String($0 + 1) } + (extra.map { [$0] } ?? [])
            return all.isEmpty ? "" : " GROUP BY " + all.joined(separator: ", ")
        }
        let x = String(groupKeys.count + 2)
        q.sql += "SELECT \(keyList)0, s.x, count(*) FILTER (WHERE (w[2] >> s.x) & 1 = 1), count(*) FILTER (WHERE w[3] = s.x),"
        q.sql += " count(*) FILTER (WHERE w[4] = s.x), NULL::float8\n"
        q.sql += "  FROM a CROSS JOIN generate_series(0, \(n - 1)) AS s(x)\(groupBy(x))\n"
        q.sql += "UNION ALL\n"
        q.sql += "SELECT \(keyList)1, w[6 + 2 * i], count(*), 0, 0, percentile_cont(0.5) WITHIN GROUP (ORDER BY w[7 + 2 * i])\n"
        q.sql += "  FROM a CROSS JOIN LATERAL generate_series(0, w[5] - 1) AS i\(groupBy(x))\n"
        q.sql += "UNION ALL\n"
        q.sql += "SELECT \(keyList)2, w[j], count(*), count(DISTINCT customer), 0, NULL::float8\n"
        q.sql += "  FROM a CROSS JOIN LATERAL generate_series(6 + 2 * w[5], cardinality(w)) AS j\(groupBy(x))\n"
        q.sql += "UNION ALL\n"
        q.sql += "SELECT \(keyList)3, -1, count(*), 0, 0, NULL::float8 FROM a\(groupBy(nil))"
        return q
    }
}
