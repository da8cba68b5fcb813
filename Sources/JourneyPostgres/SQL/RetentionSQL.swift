// RETENTION as one PostgreSQL query grouped by customer (grammar/SEMANTICS.md, "Retention"): each customer's cohort
// event, the calendar periods of their returning events after it, then sizes and returners per cohort.
import JourneyEngine
import JourneyStore

enum RetentionSQL {
    /// One row per (BY keys, cohort): the key columns (as FunnelSQL.keyCells reads them), the cohort's period number,
    /// its size, and per period 0 ... n how many of its customers returned.
    ///
    /// - `r`: the admitted events with their flags (`ma`: the cohort step, `mb`: the returning step) and BY keys.
    /// - `f`: each customer's first `ma` event inside the start range, with its period number (`cohort`).
    /// - `p`: the period number of each `mb` event after it in (time, seq), less the cohort's: the period it falls in.
    /// - `pc`: per customer, the periods 0 ... n returned in, and the latest (for ON OR AFTER).
    static func compile(_ plan: FunnelPlan, spec: RetentionSpec) throws(PostgresUnsupported) -> PostgresSQL {
        if plan.customerSet != nil { throw PostgresUnsupported(construct: "FOR a behavioural segment (SEGMENT ... AS CUSTOMERS)") }
        var q = PostgresSQL()
        let predicates = [plan.request.filter] + plan.request.steps
        let byAttribute = plan.breakdown.contains { if case .customerAttribute = $0 { true } else { false } }
        let join = byAttribute || predicates.contains(where: PostgresPredicate.readsAttributes)
            ? " LEFT JOIN journeyql.customers c ON c.customer = e.customer" : ""
        q.sql += "WITH r AS (\n  SELECT e.customer, e.time, e.seq"
        for (k, name) in ["ma", "mb"].enumerated() {
            q.sql += ",\n    (CASE WHEN "
            try PostgresPredicate.append(plan.request.steps[k], to: &q)
            q.sql += " THEN TRUE ELSE FALSE END) AS \(name)"
        }
        q.sql += FunnelSQL.keySelections(plan, &q)
        q.sql += "\n  FROM journeyql.events e\(join)\n  WHERE "
        try PostgresPredicate.append(plan.request.filter, to: &q)
        q.sql += "\n),\n"
        let keys = plan.breakdown.indices.flatMap { FunnelSQL.keyColumns(plan, $0) }
        q.sql += "f AS (\n  SELECT DISTINCT ON (customer) customer, time, seq, " + index("time", spec.period) + " AS cohort"
        q.sql += keys.map { ", \($0)" }.joined() + "\n  FROM r WHERE ma"
        if let bounds = plan.funnel.startBounds {
            if let lower = bounds.lower { q.sql += " AND time >= \(q.bind(String(lower), as: "bigint"))" }
            if let upper = bounds.upper { q.sql += " AND time < \(q.bind(String(upper), as: "bigint"))" }
        }
        q.sql += "\n  ORDER BY customer, time, seq\n),\n"
        q.sql += "p AS (\n  SELECT f.customer, " + index("r.time", spec.period) + " - f.cohort AS period\n"
        q.sql += "  FROM f JOIN r ON r.customer = f.customer AND r.mb AND (r.time > f.time OR (r.time = f.time AND r.seq > f.seq))\n),\n"
        q.sql += "pc AS (\n  SELECT customer, array_agg(DISTINCT period) AS periods, max(period) AS latest FROM p GROUP BY customer\n),\n"
        q.sql += "q AS (SELECT f.*, pc.periods, pc.latest FROM f LEFT JOIN pc ON pc.customer = f.customer)\n"
        var columns = keys + ["cohort", "count(*)"]
        for k in 0...spec.periods {
            switch spec.counting {
            case .inPeriod: columns.append("count(*) FILTER (WHERE \(k) = ANY(periods))")
            case .onOrAfter: columns.append("count(*) FILTER (WHERE latest >= \(k))")
            }
        }
        q.sql += "SELECT " + columns.joined(separator: ", ") + "\nFROM q\nGROUP BY " + (1...(keys.count + 1)).map(String.init).joined(separator: ", ")
        return q
    }

    /// The number of the calendar period holding the instant `time` (RetentionCalendar.index): days since 1970,
    /// ISO weeks (1970-01-01 was a Thursday), or months since January of year 0.
    static func index(_ time: String, _ period: RetentionPeriod) -> String {
        let days = "floor(\(time) / 86400000.0)::bigint"
        switch period {
        case .day: return days
        case .week: return "floor((\(days) + 3) / 7.0)::bigint"
        case .month:
            let date = "(date '1970-01-01' + \(days)::integer)"
            return "(extract(year FROM \(date))::bigint * 12 + extract(month FROM \(date))::bigint - 1)"
        }
    }
}
