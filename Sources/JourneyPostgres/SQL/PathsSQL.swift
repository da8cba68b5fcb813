// PATHS, PATHS between steps with options, and PATHS AFTER|BEFORE as PostgreSQL queries grouped by customer: each
// customer's path is worked out where their events are (journeyql.chain_path over journey_chain's chain, or
// journeyql.flow_path), and only the paths with their customer counts reach the final aggregate.
import JourneyEngine
import JourneyStore

enum PathsSQL {
    /// PATHS between steps (plain, or with options): one row per distinct path, its codes (int[]) and customers.
    /// `spec` nil is plain PATHS: the converters' touchpoints, repeats collapsed.
    static func between(_ plan: FunnelPlan, spec: FlowSpec?) throws(PostgresUnsupported) -> PostgresSQL {
        try FunnelSQL.requireSupported(plan)
        var q = PostgresSQL()
        let column = spec?.column ?? .touchpoint
        // Paths read every admitted event, so the chain is found over all of them (journey_chain takes any sequence).
        try FunnelSQL.admittedEvents(plan, &q, extra: ["e.\(column.name) AS val"])
        let chain = FunnelSQL.eventChainCall(plan, &q)
        var lost = "FALSE", lostAt = "NULL::integer"
        if case .lost(let at) = spec?.kind {
            lost = "TRUE"
            if let at { lostAt = "\(at)::integer" }
        }
        let window = plan.window.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let horizon = plan.horizon.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let maxLength = spec?.maxLength.map { "\($0)::integer" } ?? "NULL::integer"
        q.sql += "k AS (\n  SELECT journeyql.chain_path(\(chain), \(FunnelSQL.ordered("time")), \(FunnelSQL.ordered("val")), "
        q.sql += "\(plan.shape.stepCount), \(lost), \(lostAt), \(window), \(horizon), "
        q.sql += "\(spec?.keepRepeats == true ? "TRUE" : "FALSE"), \(maxLength)) AS path\n"
        q.sql += "  FROM r\n  GROUP BY customer\n)\n"
        q.sql += "SELECT path, count(*) FROM k WHERE path IS NOT NULL GROUP BY path"
        return q
    }

    /// PATHS AFTER|BEFORE: one row per (BY keys, path): the key columns (as FunnelSQL.keyCells reads them), the
    /// path's codes and its customers. Keys are read at the anchor, picked from per-customer arrays by its index.
    static func tree(_ plan: FunnelPlan, spec: FlowSpec) throws(PostgresUnsupported) -> PostgresSQL {
        if plan.customerSet != nil { throw PostgresUnsupported(construct: "FOR a behavioural segment (SEGMENT ... AS CUSTOMERS)") }
        let (steps, forward): (Int, Bool)
        switch spec.kind {
        case .after(let n): (steps, forward) = (n, true)
        case .before(let n): (steps, forward) = (n, false)
        default: preconditionFailure("a tree flows after or before an anchor")
        }
        var q = PostgresSQL()
        try FunnelSQL.admittedEvents(plan, &q, extra: ["e.\(spec.column.name) AS val"])
        let lower = plan.shape.startBounds?.lower.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let upper = plan.shape.startBounds?.upper.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let call = "journeyql.flow_path(\(FunnelSQL.ordered("time")), \(FunnelSQL.ordered("mask")), "
            + "\(FunnelSQL.ordered("val")), \(lower), \(upper), \(forward ? "TRUE" : "FALSE"), \(steps), "
            + "\(spec.keepRepeats ? "TRUE" : "FALSE"))"
        FunnelSQL.perCustomer(plan, call: call, as: "fp", columns: "fp[2:] AS path", &q)
        let groupKeys = plan.breakdown.indices.flatMap { FunnelSQL.keyExpressions(plan, $0) }
        q.sql += "SELECT " + (groupKeys + ["path", "count(*)"]).joined(separator: ", ") + " FROM a"
        q.sql += FunnelSQL.groupByKeys(plan, extra: 1)
        return q
    }

    /// A path's codes from PostgreSQL's text form of an integer array (`{3,-1,-2}`).
    static func codes(_ text: String?) -> [Int32] {
        PostgresArray.elements(text).compactMap { Int32($0) }
    }
}
