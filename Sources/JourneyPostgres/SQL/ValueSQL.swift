// VALUE as PostgreSQL queries grouped by customer (grammar/SEMANTICS.md, "Value"): each customer's first event of
// the step, their events of it within the horizon, then per group the counts, sums and the order statistics the
// quantiles are interpolated between (ValueReport.Summary).
import JourneyEngine
import JourneyStore

enum ValueSQL {
    /// One row per group: the key columns (as FunnelSQL.keyCells reads them), then `customers`, `events`,
    /// `repeaters`, `total`, `after_first`, `missing`, `not_numeric`, and for the customers' values, then the
    /// events' values: how many there are and the values at the ranks the median and p90 lie between.
    ///
    /// - `r`: the admitted events of the step, with the property (jsonb) and the BY keys.
    /// - `f`: each customer's first one (in time, seq order), counted when its time lies in the start range.
    /// - `xe`: the customers' events of the step within WITHIN of the first (customers whose horizon is still open
    ///   at now are left out), each with its number: a JSON number, true/false as 1/0 (as SQLite's json_extract
    ///   reads them), else none.
    /// - `x`: per customer, events, missing and non-numeric ones, value (NULL without any) and value after the first.
    static func compile(_ plan: FunnelPlan, spec: ValueSpec) throws(PostgresUnsupported) -> PostgresSQL {
        if plan.customerSet != nil { throw PostgresUnsupported(construct: "FOR a behavioural segment (SEGMENT ... AS CUSTOMERS)") }
        var q = PostgresSQL()
        try admitted(plan, spec, &q)
        let keys = plan.breakdown.indices.flatMap { FunnelSQL.keyColumns(plan, $0) }
        let fKeys = keys.map { ", f.\($0)" }.joined()
        q.sql += "f AS (\n  SELECT DISTINCT ON (customer) customer, time AS t1, seq AS s1" + keys.map { ", \($0)" }.joined()
        q.sql += "\n  FROM r ORDER BY customer, time, seq\n),\n"
        q.sql += "xe AS (\n  SELECT f.customer, f.t1\(fKeys), r.time, r.seq, r.v, (r.time = f.t1 AND r.seq = f.s1) AS first,\n"
        q.sql += "    CASE jsonb_typeof(r.v) WHEN 'number' THEN r.v::float8 WHEN 'boolean' THEN (CASE WHEN r.v = 'true'::jsonb THEN 1 ELSE 0 END)::float8 END AS num\n"
        let condition = counted(plan, "f.t1", &q)
        q.sql += "  FROM f JOIN r ON r.customer = f.customer\n  WHERE " + condition
        if let window = plan.window {
            let bound = q.bind(String(window), as: "bigint")
            q.sql += " AND r.time - f.t1 <= \(bound)"
        }
        q.sql += "\n),\n"
        q.sql += "x AS (\n  SELECT customer, t1\(keys.map { ", \($0)" }.joined()), count(*) AS events,\n"
        q.sql += "    count(*) FILTER (WHERE v IS NULL OR jsonb_typeof(v) = 'null') AS missing,\n"
        q.sql += "    count(*) FILTER (WHERE num IS NULL AND v IS NOT NULL AND jsonb_typeof(v) <> 'null') AS not_numeric,\n"
        // A customer's value adds their values in event order (as ValueReport does); totals add exactly (fsum).
        q.sql += "    sum(num ORDER BY time, seq) AS value\n"
        q.sql += "  FROM xe GROUP BY customer, t1\(keys.map { ", \($0)" }.joined())\n),\n"
        // The groups' keys: the key columns, or a period of the first event's time (k0, k1, ...).
        let groupKeys = plan.breakdown.indices.flatMap { FunnelSQL.keyExpressions(plan, $0, start: "t1") }
        let named = groupKeys.enumerated().map { "\($0.element) AS k\($0.offset), " }.joined()
        let aliases = groupKeys.indices.map { "k\($0)" }
        // The order statistics: each group's sorted values, picked at the ranks Quantiles.ranks names.
        func statistics(_ array: String) -> String {
            let count = "coalesce(cardinality(\(array)), 0)"
            var columns = [count]
            for p in [50, 90] {
                columns.append("\(array)[(\(count) - 1) * \(p) / 100 + 1]")
                columns.append("\(array)[least(\(count), (\(count) - 1) * \(p) / 100 + 2)]")
            }
            return columns.joined(separator: ", ")
        }
        let groupBy = aliases.isEmpty ? "" : " GROUP BY " + aliases.joined(separator: ", ")
        q.sql += "g AS (\n  SELECT \(named)count(*) AS customers, coalesce(sum(events), 0) AS events,\n"
        q.sql += "    count(*) FILTER (WHERE events >= 2) AS repeaters,\n"
        q.sql += "    coalesce(sum(missing), 0) AS missing, coalesce(sum(not_numeric), 0) AS not_numeric,\n"
        q.sql += "    array_agg(value ORDER BY value) FILTER (WHERE value IS NOT NULL) AS cv\n"
        q.sql += "  FROM x\(groupBy)\n),\n"
        q.sql += "ge AS (\n  SELECT \(named)array_agg(num ORDER BY num) FILTER (WHERE num IS NOT NULL) AS ev,\n"
        q.sql += "    journeyql.fsum(num) AS total, journeyql.fsum(num) FILTER (WHERE NOT first) AS after_first\n"
        q.sql += "  FROM xe\(groupBy)\n)\n"
        q.sql += "SELECT \(aliases.map { "g.\($0), " }.joined())g.customers, g.events, g.repeaters, ge.total, coalesce(ge.after_first, 0), g.missing, g.not_numeric,\n"
        q.sql += "  \(statistics("g.cv")),\n  \(statistics("ge.ev"))\n"
        q.sql += "FROM g " + (aliases.isEmpty ? "CROSS JOIN ge"
                              : "JOIN ge ON " + aliases.map { "ge.\($0) IS NOT DISTINCT FROM g.\($0)" }.joined(separator: " AND "))
        return q
    }

    /// A row's numbers, read after the key columns.
    static func summary(_ row: ArraySlice<String?>) -> ValueReport.Summary {
        let row = Array(row)
        func int(_ i: Int) -> Int { row[i].flatMap { Int($0) } ?? 0 }
        func double(_ i: Int) -> Double? { row[i].flatMap { Double($0) } }
        var s = ValueReport.Summary()
        s.customers = int(0)
        s.events = int(1)
        s.repeaters = int(2)
        s.total = double(3) ?? 0
        s.afterFirst = double(4) ?? 0
        s.missing = int(5)
        s.notNumeric = int(6)
        // Count, then the values at the lower and upper rank of the median and of p90.
        func quantiles(at i: Int) -> (count: Int, values: [Double?]) {
            let n = int(i)
            guard n > 0 else { return (0, [nil, nil]) }
            return (n, [50, 90].enumerated().map { (j, p) in
                Quantiles.interpolated(count: n, percent: p, lower: double(i + 1 + 2 * j) ?? 0, upper: double(i + 2 + 2 * j) ?? 0)
            })
        }
        (s.valuedCustomers, s.perCustomer) = quantiles(at: 7)
        (s.valuedEvents, s.perEvent) = quantiles(at: 12)
        return s
    }

    /// How many customers were left out because their horizon (WITHIN) had not ended by now.
    static func openCustomers(_ plan: FunnelPlan, spec: ValueSpec) throws(PostgresUnsupported) -> PostgresSQL? {
        guard let window = plan.window, let horizon = plan.horizon else { return nil }
        var q = PostgresSQL()
        try admitted(plan, spec, &q)
        q.sql += "f AS (SELECT customer, min(time) AS t1 FROM r GROUP BY customer)\nSELECT count(*) FROM f WHERE "
        let range = inRange(plan, "t1", &q)
        let open = " AND t1 + \(q.bind(String(window), as: "bigint")) > \(q.bind(String(horizon), as: "bigint"))"
        q.sql += range + open
        return q
    }

    /// `WITH r AS (...),`: the admitted events of the step, with the property `v` and the BY keys.
    private static func admitted(_ plan: FunnelPlan, _ spec: ValueSpec,
                                 _ q: inout PostgresSQL) throws(PostgresUnsupported) {
        let predicates = [plan.request.filter, plan.request.steps[0]]
        let byAttribute = plan.breakdown.contains { if case .customerAttribute = $0 { true } else { false } }
        let join = byAttribute || predicates.contains(where: PostgresPredicate.readsAttributes)
            ? " LEFT JOIN journeyql.customers c ON c.customer = e.customer" : ""
        q.sql += "WITH r AS (\n  SELECT e.customer, e.time, e.seq, (e.props -> \(q.bind(spec.property, as: "text"))) AS v"
        let keys = FunnelSQL.keySelections(plan, &q)
        q.sql += keys + "\n  FROM journeyql.events e\(join)\n  WHERE ("
        try PostgresPredicate.append(plan.request.filter, to: &q)
        q.sql += ") AND ("
        try PostgresPredicate.append(plan.request.steps[0], to: &q)
        q.sql += ")\n),\n"
    }

    /// The start range and the open horizon as conditions on the first event's time `t1`.
    private static func counted(_ plan: FunnelPlan, _ t1: String, _ q: inout PostgresSQL) -> String {
        var condition = inRange(plan, t1, &q)
        if let window = plan.window, let horizon = plan.horizon {
            condition += " AND \(t1) + \(q.bind(String(window), as: "bigint")) <= \(q.bind(String(horizon), as: "bigint"))"
        }
        return condition
    }

    private static func inRange(_ plan: FunnelPlan, _ t1: String, _ q: inout PostgresSQL) -> String {
        var condition = "TRUE"
        if let bounds = plan.funnel.startBounds {
            if let lower = bounds.lower { condition += " AND \(t1) >= \(q.bind(String(lower), as: "bigint"))" }
            if let upper = bounds.upper { condition += " AND \(t1) < \(q.bind(String(upper), as: "bigint"))" }
        }
        return condition
    }
}
