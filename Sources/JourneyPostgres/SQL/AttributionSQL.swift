// ATTRIBUTE as one PostgreSQL query grouped by customer: each customer's conversions, touches, raw credits and Markov
// paths are worked out where their events are (journeyql.attribution_walk); the coordinator sums the credits per
// model and value and counts the transitions, and the SQLite engine's own code apportions them (Attribution.result).
import JourneyEngine
import JourneyStore

enum AttributionSQL {
    /// Rows of three kinds: `kind`, two texts, a model position, seven counts and a float:
    /// - 0: the totals (conversions, units, untouched conversions and units, missing values, converting customers,
    ///   Markov paths);
    /// - 1: a model position and a credited value (its key): the summed raw credit;
    /// - 2: a Markov transition (from, to): how many.
    static func compile(_ plan: FunnelPlan, spec: AttributionSpec) throws(PostgresUnsupported) -> PostgresSQL {
        if plan.customerSet != nil { throw PostgresUnsupported(construct: "FOR a behavioural segment (SEGMENT ... AS CUSTOMERS)") }
        var q = PostgresSQL()
        let key = keyExpression(spec.credit, &q)
        let amount = spec.value.map { amountExpression($0, &q) } ?? "NULL::bigint"
        try FunnelSQL.admittedEvents(plan, &q, extra: ["\(key) AS key", "\(amount) AS amount"])
        let bounds = plan.funnel.startBounds
        let lower = bounds?.lower.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let upper = bounds?.upper.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let models = "ARRAY[" + spec.models.map { String(code($0)) }.joined(separator: ", ") + "]::integer[]"
        q.sql += "k AS (\n  SELECT journeyql.attribution_walk(\(FunnelSQL.ordered("time")), \(FunnelSQL.ordered("mask")), "
        q.sql += "\(FunnelSQL.ordered("key")), \(FunnelSQL.ordered("amount")), \(lower), \(upper), "
        q.sql += "\(q.bind(String(spec.lookback), as: "bigint")), \(q.bind(String(spec.halfLife), as: "bigint")), \(models), "
        q.sql += "\(spec.value == nil ? "FALSE" : "TRUE")) AS w\n  FROM r\n  GROUP BY customer\n)\n"
        let counts = ["n", "u", "nt", "ut", "mv", "cc", "p"].map { "sum((w ->> '\($0)')::bigint)" }.joined(separator: ", ")
        q.sql += "SELECT 0, NULL::text, NULL::text, NULL::integer, \(counts), NULL::float8 FROM k\n"
        q.sql += "UNION ALL\n"
        q.sql += "SELECT 1, c ->> 1, NULL::text, (c ->> 0)::integer, count(*), 0, 0, 0, 0, 0, 0, sum((c ->> 2)::float8)\n"
        q.sql += "  FROM k CROSS JOIN LATERAL jsonb_array_elements(k.w -> 'c') AS c GROUP BY 2, 4\n"
        q.sql += "UNION ALL\n"
        q.sql += "SELECT 2, t ->> 0, t ->> 1, NULL::integer, count(*), 0, 0, 0, 0, 0, 0, NULL::float8\n"
        q.sql += "  FROM k CROSS JOIN LATERAL jsonb_array_elements(k.w -> 't') AS t GROUP BY 2, 3"
        return q
    }

    /// The first text value of the VALUE property on a counted conversion, in (customer, time, seq) order.
    static func textValue(_ plan: FunnelPlan, spec: AttributionSpec) throws(PostgresUnsupported) -> PostgresSQL? {
        guard let value = spec.value else { return nil }
        var q = PostgresSQL()
        let name = q.bind(value, as: "text")
        try FunnelSQL.admittedEvents(plan, &q, extra: ["jsonb_typeof(e.props -> \(name)) AS kind",
                                                      "(e.props ->> \(name)) AS text"])
        q.sql += "found AS (\n  SELECT customer, time, seq, text FROM r WHERE mask & 1 <> 0 AND kind IN ('string', 'array', 'object')"
        if let lower = plan.funnel.startBounds?.lower { q.sql += " AND time >= \(q.bind(String(lower), as: "bigint"))" }
        q.sql += "\n)\nSELECT text FROM found ORDER BY customer, time, seq LIMIT 1"
        return q
    }

    private static func code(_ model: AttributionModel) -> Int {
        switch model {
        case .firstTouch: 0
        case .lastTouch: 1
        case .linear: 2
        case .position: 3
        case .timeDecay: 4
        case .markov: 5
        }
    }

    /// An event's credited value as a key: `i` and an integer (a dictionary code, an integer, or an integral real,
    /// as Attribution.Aggregation.key makes it), `r` and a real, `s` and a text; NULL without a value.
    static func keyExpression(_ field: EventField, _ q: inout PostgresSQL) -> String {
        if let column = field.column { return "('i' || e.\(column.name))" }
        let object: String, key: String
        if case .customerAttribute(let name) = field {
            (object, key) = ("c.attrs", name)
        } else {
            (object, key) = ("e.props", field.description)
        }
        let name = q.bind(key, as: "text")
        let v = "(\(object) -> \(name))", t = "(\(object) ->> \(name))"
        return """
            (CASE jsonb_typeof(\(v)) WHEN 'number' THEN (CASE WHEN \(t) ~ '^-?[0-9]+$' THEN 'i' || \(t) \
            WHEN \(v)::float8 = trunc(\(v)::float8) AND abs(\(v)::float8) < 9e15 THEN 'i' || (\(v)::float8)::bigint \
            ELSE 'r' || (\(v)::float8)::text END) \
            WHEN 'string' THEN 's' || \(t) WHEN 'boolean' THEN (CASE WHEN \(v) = 'true'::jsonb THEN 'i1' ELSE 'i0' END) \
            WHEN 'null' THEN NULL ELSE 's' || \(v)::text END)
            """
    }

    /// A conversion's VALUE in hundredths: an integer times 100, a real times 100 rounded half away from zero (as
    /// Swift's `rounded()`), true/false as 1/0; NULL when missing (text is an error, found by `textValue`).
    private static func amountExpression(_ property: String, _ q: inout PostgresSQL) -> String {
        let name = q.bind(property, as: "text")
        let v = "(e.props -> \(name))", t = "(e.props ->> \(name))"
        let x = "(\(v)::float8 * 100::float8)"
        return """
            (CASE jsonb_typeof(\(v)) WHEN 'number' THEN (CASE WHEN \(t) ~ '^-?[0-9]+$' THEN \(t)::bigint * 100 \
            ELSE (trunc(\(x)) + CASE WHEN \(x) - trunc(\(x)) >= 0.5 THEN 1 WHEN \(x) - trunc(\(x)) <= -0.5 THEN -1 ELSE 0 END)::bigint END) \
            WHEN 'boolean' THEN (CASE WHEN \(v) = 'true'::jsonb THEN 100 ELSE 0 END) END)
            """
    }

    /// A key back as the value it stands for.
    static func value(_ key: String) -> CarriedValue {
        let rest = String(key.dropFirst())
        switch key.first {
        case "i": return Int64(rest).map { .integer($0) } ?? .text(rest)
        case "r": return Double(rest).map { .real($0) } ?? .text(rest)
        default: return .text(rest)
        }
    }

    /// The totals from the query's rows.
    static func totals(_ rows: [[String?]], models: Int) -> Attribution.Totals {
        var totals = Attribution.Totals(models: models)
        func state(_ text: String?) -> Attribution.State {
            switch text {
            case "^": .start
            case "$c": .conversion
            case "$n": .null
            default: .touch(value(text ?? ""))
            }
        }
        for row in rows {
            func int(_ i: Int) -> Int { Int(row[i] ?? "0") ?? 0 }
            switch row[0] {
            case "0":
                totals.conversions = int(4)
                totals.units = Int64(int(5))
                totals.untouchedConversions = int(6)
                totals.untouchedUnits = Int64(int(7))
                totals.missingValues = int(8)
                totals.customersConverting = int(9)
                totals.paths = int(10)
            case "1":
                guard let key = row[1], let m = Int(row[3] ?? ""), m < models else { continue }
                totals.credits[m][value(key), default: 0] += Double(row[11] ?? "0") ?? 0
            default:
                totals.transitions[Attribution.Transition(from: state(row[1]), to: state(row[2])), default: 0] += int(4)
            }
        }
        return totals
    }
}
