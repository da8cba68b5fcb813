// A journey's funnel table as one PostgreSQL query in which all the work up to each customer's chain is grouped by
// customer, so that a database sharded by customer runs it on each shard and only one row per customer reaches the
// final aggregate (the counts, and the exact quantiles of the times).
import JourneyEngine
import JourneyStore

/// How a query finds each customer's chain.
package enum ChainForm: String, Sendable, CaseIterable {
    /// Plain SQL: window functions partitioned by customer and joins on (customer, rn). Needs nothing installed;
    /// Citus pushes it down whole (every window and join is on the distribution column).
    case windows
    /// One `GROUP BY customer` over the events with the matcher as a function installed in the database
    /// (`journeyql.funnel_chain`, MatcherFunctions.swift): faster on one server, and the form postgres_fdw can ship to
    /// the servers holding the partitions when the function belongs to the `journeyql` extension.
    case function
}

/// The SQL of a funnel (grammar/SEMANTICS.md, section 4: "deepest level over all starts", ties by import order).
///
/// For one customer, take the admitted events that match some step, numbered `rn` in (time, seq) order:
/// 1. `r`: the events, with one flag per step (`m0` … `m{n-1}`, true when the step's condition is). Conditions are
///    written without `IS TRUE` (WHERE and CASE WHEN admit only true): postgres_fdw does not ship `IS TRUE`.
/// 2. `x`: for each event and each step k ≥ 2, `n{k-1}` = the number of the first later event matching step k,
///    a running minimum over the customer's events read backwards (a frame that only grows: linear per customer).
/// 3. `s`: each start (an event of step 1 inside the start range) with its greedy chain, found by following
///    `n1`, then `n2` from there, …, each a join on (customer, rn); a step whose event lies beyond the journey
///    window (measured from the start, inclusive) ends the chain, since later events lie later still. Filling each
///    step as early as possible is the deepest chain from a start (SEMANTICS.md, section 4).
/// 4. `c`: per customer, the earliest start reaching the deepest level (DISTINCT ON, ordered by level, then rn).
/// 5. The totals: customers per level, customers in progress (level k, window still open at the horizon), and
///    DuckDB's `quantile_cont` of the times as PostgreSQL's `percentile_cont` (the same interpolation).
enum FunnelSQL {
    /// The query; its one row holds, in order: `customers_1` … `customers_n`, `in_progress_2` … `in_progress_n`,
    /// then per step k ≥ 2 the [median, p90] of the times from the previous step and from the start (float8[]).
    /// A breakdown (BY) is read from the chain's first event, which only the windows form keeps: with BY the query
    /// takes that form whatever `form` asks (the returned form says which ran).
    static func compile(_ plan: FunnelPlan, form: ChainForm,
                        measure: Measure = .funnel) throws(PostgresUnsupported) -> (PostgresSQL, ChainForm) {
        try requireSupported(plan)
        let general = matcher(plan.shape) != .funnel
        if general && form == .windows {
            throw PostgresUnsupported(construct: functionConstructs(plan.shape)
                                      + " without the journeyql matcher functions installed (journey pg-extension)")
        }
        // BY with the single-pointer function keeps the windows form (which reads the start's keys directly); the
        // general function hands back the start's index, which picks the keys from per-customer arrays.
        let form = plan.breakdown.isEmpty || general ? form : .windows
        var q = PostgresSQL()
        switch form {
        case .windows: try chainsByWindows(plan, &q)
        case .function: try chainsByFunction(plan, &q)
        }
        switch measure {
        case .funnel: totals(plan, &q)
        case .times: timeSummary(plan, &q)
        case .customers:
            // One row per customer who started: id, start, level, the time of the deepest step.
            let times = (0..<plan.shape.stepCount).map { "t\($0)" }.joined(separator: ", ")
            q.sql += "SELECT customer, t0, level, (ARRAY[\(times)])[level] FROM c"
        }
        return (q, form)
    }

    /// What the final SELECT computes from the chains.
    enum Measure {
        /// The funnel table's counts and time quantiles (`totals`).
        case funnel
        /// TIMES: the converters' time from the first step to the last (`timeSummary`).
        case times
        /// CUSTOMERS: each customer's start, level and time reached.
        case customers
    }

    /// TIMES's final SELECT over `c`, per group: customers at step 1 (for the group order), converters, the
    /// quantiles (float8[]), the mean, and the customers of each histogram bucket (TimeToConvert.buckets).
    private static func timeSummary(_ plan: FunnelPlan, _ q: inout PostgresSQL) {
        let n = plan.shape.stepCount
        let converted = "level >= \(n)"
        let time = "t\(n - 1) - t0"
        var columns = ["count(*)", "count(*) FILTER (WHERE \(converted))",
                       "percentile_cont(ARRAY[" + TimeToConvert.Summary.levels.map { "\($0)" }.joined(separator: ", ")
                           + "]::float8[]) WITHIN GROUP (ORDER BY \(time)) FILTER (WHERE \(converted))",
                       "(sum(\(time)) FILTER (WHERE \(converted)))::float8 / nullif(count(*) FILTER (WHERE \(converted)), 0)"]
        for bucket in TimeToConvert.buckets {
            var range = "\(time) >= \(bucket.lower)"
            if let upper = bucket.upper { range += " AND \(time) < \(upper)" }
            columns.append("count(*) FILTER (WHERE \(converted) AND \(range))")
        }
        let keys = plan.breakdown.indices.flatMap { keyExpressions(plan, $0) }
        q.sql += "SELECT " + (keys + columns).joined(separator: ",\n  ") + "\nFROM c"
        if !keys.isEmpty { q.sql += "\nGROUP BY " + (1...keys.count).map(String.init).joined(separator: ", ") }
    }

    /// A TIMES row's customers at step 1 and its summary, read after the key columns.
    static func timeSummary(_ row: ArraySlice<String?>) -> (size: Int, summary: TimeToConvert.Summary) {
        let row = Array(row)
        let converters = Int(row[1] ?? "0") ?? 0
        let quantiles: [Double?] = row[2].map { text in
            PostgresArray.elements(text).map { Double($0) }
        } ?? TimeToConvert.Summary.levels.map { _ in nil }
        let counts = row[4...].map { Int($0 ?? "0") ?? 0 }
        return (Int(row[0] ?? "0") ?? 0,
                TimeToConvert.Summary(converters: converters, quantiles: quantiles, mean: row[3].flatMap(Double.init),
                                      counts: counts))
    }

    /// The SQL columns of BY key i, read from the start event (`b{i}` a dictionary code, `b{i}n`/`b{i}t` a typed
    /// value: number or text) or from the start time (a period).
    static func keyColumns(_ plan: FunnelPlan, _ i: Int) -> [String] {
        switch plan.breakdown[i] {
        case .carried(let field, _):
            if case .column = plan.request.carry[field] { return ["b\(i)"] }
            return ["b\(i)n", "b\(i)t"]
        case .customerAttribute: return ["b\(i)n", "b\(i)t"]
        case .startDay, .startWeek, .startMonth: return []
        }
    }

    /// Each event's value of the SAME field as jsonb (SQL NULL where it has none), or nil without SAME.
    private static func sameValue(_ plan: FunnelPlan, _ q: inout PostgresSQL) -> String? {
        guard let field = plan.shape.sameColumn else { return nil }
        switch plan.request.carry[field] {
        case .column(let column): return "to_jsonb(e.\(column.name))"
        case .property(let name): return "(e.props -> \(q.bind(name, as: "text")))"
        }
    }

    /// The start event's key values, selected in `r0`.
    static func keySelections(_ plan: FunnelPlan, _ q: inout PostgresSQL) -> String {
        var out = ""
        for (i, source) in plan.breakdown.enumerated() {
            func typed(_ object: String, _ name: String) -> String {
                let key = q.bind(name, as: "text")
                return ",\n    (CASE WHEN jsonb_typeof(\(object) -> \(key)) = 'number' THEN (\(object) ->> \(key))::float8 END) AS b\(i)n"
                    + ",\n    (CASE WHEN jsonb_typeof(\(object) -> \(key)) = 'string' THEN (\(object) ->> \(key)) END) COLLATE \"C\" AS b\(i)t"
            }
            switch source {
            case .carried(let field, _):
                switch plan.request.carry[field] {
                case .column(let column): out += ",\n    e.\(column.name) AS b\(i)"
                case .property(let name): out += typed("e.props", name)
                }
            case .customerAttribute(let name): out += typed("c.attrs", name)
            case .startDay, .startWeek, .startMonth: break
            }
        }
        return out
    }

    /// Key i as the final SELECT groups by it: a period of the start time `start`, else the key's columns.
    static func keyExpressions(_ plan: FunnelPlan, _ i: Int, start t0: String = "t0") -> [String] {
        let days = "floor(\(t0) / 86400000.0)::bigint"
        switch plan.breakdown[i] {
        case .startDay: return ["\(days) * 86400000"]
        case .startWeek: return ["(\(days) - ((\(days) + 3) % 7 + 7) % 7) * 86400000"]
        case .startMonth:
            return ["(extract(epoch FROM date_trunc('month', to_timestamp(\(t0) / 1000.0) AT TIME ZONE 'UTC')) * 1000)::bigint"]
        default: return keyColumns(plan, i)
        }
    }

    /// How many leading columns of a result row are key columns.
    static func keyWidth(_ plan: FunnelPlan) -> Int {
        plan.breakdown.indices.map { keyExpressions(plan, $0).count }.reduce(0, +)
    }

    /// The key cells of a result row, displayed as the SQLite engine displays them (GroupKeyReader.cells).
    static func keyCells(_ row: [String?], _ plan: FunnelPlan, catalog: StoreCatalog) -> [Cell] {
        var cells: [Cell] = []
        var at = 0
        for (i, source) in plan.breakdown.enumerated() {
            let width = keyExpressions(plan, i).count
            defer { at += width }
            switch source {
            case .carried(_, let decode?):
                let code = row[at].flatMap { Int64($0) }
                cells.append(code.flatMap { code in catalog.codes[decode]?.entries.first { $0.code == code } }
                    .map { .text($0.value) } ?? .null)
            case .carried, .customerAttribute:
                if let number = row[at].flatMap(Double.init) { cells.append(.number(number)) }
                else if let text = row[at + 1] { cells.append(.text(text)) }
                else { cells.append(.null) }
            case .startDay, .startWeek:
                cells.append(.text(TimeParser.formatDate(Int64(row[at] ?? "0") ?? 0)))
            case .startMonth:
                cells.append(.text(String(TimeParser.formatDate(Int64(row[at] ?? "0") ?? 0).prefix(7))))
            }
        }
        return cells
    }

    /// The CTEs `r0` … `c` of the windows form: `c` holds each customer's level and chain times `t0` … .
    private static func chainsByWindows(_ plan: FunnelPlan, _ q: inout PostgresSQL) throws(PostgresUnsupported) {
        let n = plan.shape.stepCount
        let predicates = [plan.request.filter] + plan.request.steps.prefix(n)
        let byAttribute = plan.breakdown.contains { if case .customerAttribute = $0 { true } else { false } }
        let join = byAttribute || predicates.contains(where: PostgresPredicate.readsAttributes)
            ? " LEFT JOIN journeyql.customers c ON c.customer = e.customer" : ""
        q.sql += "WITH r0 AS (\n  SELECT e.customer, e.time, e.seq"
        for k in 0..<n {
            q.sql += ",\n    (CASE WHEN "
            try PostgresPredicate.append(plan.request.steps[k], to: &q)
            q.sql += " THEN TRUE ELSE FALSE END) AS m\(k)"
        }
        q.sql += keySelections(plan, &q)
        let same = sameValue(plan, &q)
        if let same { q.sql += ",\n    \(same) AS same" }
        q.sql += "\n  FROM journeyql.events e\(join)\n  WHERE "
        try PostgresPredicate.append(plan.request.filter, to: &q)
        q.sql += "\n),\n"
        // Under DIRECTLY every admitted event counts (the next step must be the very next event), else only those
        // that fill some step.
        let anyStep = plan.shape.directly ? "TRUE" : (0..<n).map { "m\($0)" }.joined(separator: " OR ")
        q.sql += "r AS (SELECT * FROM r0 WHERE \(anyStep)),\n"
        q.sql += "o AS (SELECT r.*, row_number() OVER (PARTITION BY customer ORDER BY time, seq) AS rn FROM r),\n"
        q.sql += "x AS (\n  SELECT o.*"
        for k in 1..<max(1, n) {
            q.sql += ",\n    min(rn) FILTER (WHERE m\(k)) OVER later AS n\(k)"
        }
        // The next event of each step after this one; under STRICT TIME, after every event of this one's millisecond.
        // Under SAME, among the events of the same value only.
        let partition = same == nil ? "customer" : "customer, same"
        let later = plan.shape.strictTime
            ? "PARTITION BY \(partition) ORDER BY time DESC RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
            : "PARTITION BY \(partition) ORDER BY rn DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
        q.sql += "\n  FROM o\n  WINDOW later AS (\(later))\n),\n"
        let window = plan.window.map { q.bind(String($0), as: "bigint") }
        let keys = plan.breakdown.indices.flatMap { keyColumns(plan, $0) }
        q.sql += "s AS (\n  SELECT x0.customer, x0.rn AS start, " + (0..<n).map { "x\($0).time AS t\($0)" }.joined(separator: ", ")
        q.sql += keys.map { ", x0.\($0)" }.joined()
        q.sql += ",\n    1" + (1..<max(1, n)).map { " + (x\($0).rn IS NOT NULL)::int" }.joined() + " AS level\n  FROM x x0"
        for k in 1..<max(1, n) {
            if plan.shape.directly {
                // The very next admitted event, if it fills step k+1 (and, under STRICT TIME, is later in time).
                q.sql += "\n  LEFT JOIN x x\(k) ON x\(k).customer = x0.customer AND x\(k).rn = x\(k - 1).rn + 1 AND x\(k).m\(k)"
                if plan.shape.strictTime { q.sql += " AND x\(k).time > x\(k - 1).time" }
                if same != nil { q.sql += " AND x\(k).same = x0.same" }
            } else {
                q.sql += "\n  LEFT JOIN x x\(k) ON x\(k).customer = x0.customer AND x\(k).rn = x\(k - 1).n\(k)"
            }
            if let window { q.sql += " AND x\(k).time - x0.time <= \(window)" }
            // A start without a value of the SAME field fills no later step.
            if same != nil { q.sql += " AND x0.same IS NOT NULL" }
        }
        q.sql += "\n  WHERE x0.m0"
        if let bounds = plan.shape.startBounds {
            if let lower = bounds.lower { q.sql += " AND x0.time >= \(q.bind(String(lower), as: "bigint"))" }
            if let upper = bounds.upper { q.sql += " AND x0.time < \(q.bind(String(upper), as: "bigint"))" }
        }
        q.sql += "\n),\n"
        q.sql += "c AS (SELECT DISTINCT ON (customer) customer, level, " + ((0..<n).map { "t\($0)" } + keys).joined(separator: ", ")
        q.sql += " FROM s ORDER BY customer, level DESC, start)\n"
    }

    /// The CTE `c` of the function form: each customer's events that match some step (or exclusion), in (time, seq)
    /// order, as arrays handed to the matcher function, which returns the chain's times: `journeyql.funnel_chain`
    /// (FunnelMatcher's rules) when one forward pointer per step finds the chain, else `journeyql.journey_chain`
    /// (JourneyMatcher's), which also returns the start's index in the arrays: BY keys are picked from per-customer
    /// arrays of them with it.
    private static func chainsByFunction(_ plan: FunnelPlan, _ q: inout PostgresSQL) throws(PostgresUnsupported) {
        let n = plan.shape.stepCount
        let matcher = matcher(plan.shape)
        let general = matcher != .funnel
        try admittedEvents(plan, &q)
        let keys = plan.breakdown.indices.flatMap { keyColumns(plan, $0) }
        let call = matcher == .funnel ? funnelChainCall(plan, &q) : eventChainCall(plan, &q)
        q.sql += "k AS (\n  SELECT customer, " + call + " AS chain"
        q.sql += keys.map { ",\n    \(ordered($0)) AS \($0)s" }.joined()
        // Under DIRECTLY every admitted event counts: one that fills no step breaks a chain through it.
        q.sql += "\n  FROM r" + (plan.shape.directly ? "" : " WHERE mask <> 0") + "\n  GROUP BY customer\n),\n"
        // funnel_chain's array is the times; journey_chain's the start's index, the times, then the positions.
        if general {
            q.sql += "c AS (SELECT customer, (cardinality(chain) - 1) / 2 AS level, "
            // Step k's time only below the level (past it the array holds the positions).
            q.sql += ((0..<n).map { "(CASE WHEN cardinality(chain) > \(2 * $0 + 1) THEN chain[\($0 + 2)] END) AS t\($0)" }
                      + keys.map { "\($0)s[chain[1]] AS \($0)" })
                .joined(separator: ", ")
        } else {
            q.sql += "c AS (SELECT customer, cardinality(chain) AS level, "
            q.sql += (0..<n).map { "chain[\($0 + 1)] AS t\($0)" }.joined(separator: ", ")
        }
        q.sql += " FROM k WHERE cardinality(chain) > 0)\n"
    }

    /// `k AS (...), a AS (...)` of the per-customer analyses: `k` one row per customer with `call` (a function over
    /// `r`'s arrays) as `name`, and with BY each key column's array (and the times', for a period); `a` the rows
    /// where the call gave something, with `columns` read from it and the keys picked at the index `name[1]` holds
    /// (the event the keys are read at), the start time as `t0`.
    static func perCustomer(_ plan: FunnelPlan, call: String, as name: String, columns: String,
                            customer: Bool = false, _ q: inout PostgresSQL) {
        let keys = plan.breakdown.indices.flatMap { keyColumns(plan, $0) }
        let periods = plan.breakdown.indices.contains { keyColumns(plan, $0).isEmpty }
        q.sql += "k AS (\n  SELECT customer, \(call) AS \(name)"
        q.sql += keys.map { ",\n    \(ordered($0)) AS \($0)s" }.joined()
        // A period of the start's time needs the times outside the call (the same aggregate: computed once).
        if periods { q.sql += ",\n    \(ordered("time")) AS ts" }
        q.sql += "\n  FROM r\n  GROUP BY customer\n),\n"
        q.sql += "a AS (\n  SELECT " + (customer ? "customer, " : "") + columns
        q.sql += keys.map { ", \($0)s[\(name)[1]] AS \($0)" }.joined() + (periods ? ", ts[\(name)[1]] AS t0" : "")
        q.sql += "\n  FROM k WHERE \(name) IS NOT NULL\n)\n"
    }

    /// `GROUP BY` the BY keys (as the final SELECT lists them first) and `extra` more columns.
    static func groupByKeys(_ plan: FunnelPlan, extra: Int) -> String {
        let count = plan.breakdown.indices.map { keyExpressions(plan, $0).count }.reduce(0, +) + extra
        return count == 0 ? "" : " GROUP BY " + (1...count).map(String.init).joined(separator: ", ")
    }

    /// A column of `r` aggregated per customer in the events' order.
    static func ordered(_ column: String) -> String { "array_agg(\(column) ORDER BY time, seq)" }

    /// `WITH r AS (...),`: the admitted events (WHERE, FOR) with their step mask (one bit per step, then one per
    /// exclusion, the bits the plan gives them), the BY keys' columns, the SAME value and `extra` columns.
    static func admittedEvents(_ plan: FunnelPlan, _ q: inout PostgresSQL, extra: [String] = [],
                               readsAttributes: Bool = false) throws(PostgresUnsupported) {
        let conditions = plan.request.steps
        let byAttribute = readsAttributes || plan.breakdown.contains { if case .customerAttribute = $0 { true } else { false } }
        let join = byAttribute || ([plan.request.filter] + conditions).contains(where: PostgresPredicate.readsAttributes)
            ? " LEFT JOIN journeyql.customers c ON c.customer = e.customer" : ""
        q.sql += "WITH r AS (\n  SELECT e.customer, e.time, e.seq, "
        for (k, condition) in conditions.enumerated() {
            if k > 0 { q.sql += "\n    | " }
            q.sql += "(CASE WHEN "
            try PostgresPredicate.append(condition, to: &q)
            q.sql += " THEN \(bit(k))::bigint ELSE 0::bigint END)"
        }
        q.sql += " AS mask"
        q.sql += keySelections(plan, &q)
        if let same = sameValue(plan, &q) { q.sql += ",\n    \(same) AS same" }
        q.sql += extra.map { ",\n    \($0)" }.joined()
        q.sql += "\n  FROM journeyql.events e\(join)\n  WHERE "
        try PostgresPredicate.append(plan.request.filter, to: &q)
        q.sql += "\n),\n"
    }

    /// Mask bit k as a bigint literal (bit 63 is the sign bit).
    static func bit(_ k: Int) -> String { k == 63 ? "(-9223372036854775807 - 1)" : String(Int64(1) << Int64(k)) }

    private static func bound(_ value: Int64?, _ q: inout PostgresSQL) -> String {
        value.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
    }

    /// The call of `journeyql.funnel_chain` over `r`'s rows of one customer.
    private static func funnelChainCall(_ plan: FunnelPlan, _ q: inout PostgresSQL) -> String {
        let shape = plan.shape
        let values = shape.sameColumn == nil ? "NULL::jsonb[]" : ordered("same")
        return "journeyql.funnel_chain(\(ordered("time")), \(ordered("mask")), \(shape.stepCount), "
            + "\(bound(plan.window, &q)), \(bound(shape.startBounds?.lower, &q)), \(bound(shape.startBounds?.upper, &q)), "
            + "\(shape.strictTime ? "TRUE" : "FALSE"), \(shape.directly ? "TRUE" : "FALSE"), \(values))"
    }

    /// The call of the matcher that names the chain's events over `r`'s rows of one customer (journey_chain,
    /// tied_chain or any_order_chain): [start index, times..., positions...].
    static func eventChainCall(_ plan: FunnelPlan, _ q: inout PostgresSQL) -> String {
        let matcher = matcher(plan.shape)
        switch matcher {
        case .tied, .anyOrder:
            return "journeyql.\(matcher.rawValue)(\(ordered("time")), \(ordered("mask")), \(plan.shape.stepCount), "
                + "\(bound(plan.window, &q)), \(bound(plan.shape.startBounds?.lower, &q)), \(bound(plan.shape.startBounds?.upper, &q)))"
        case .funnel, .journey:
            return journeyChainCall(plan, &q)
        }
    }

    /// The call of `journeyql.journey_chain` over `r`'s rows of one customer: [start index, times..., positions...].
    static func journeyChainCall(_ plan: FunnelPlan, _ q: inout PostgresSQL) -> String {
        let shape = plan.shape
        let values = shape.sameColumn == nil ? "NULL::jsonb[]" : ordered("same")
        let optional = "ARRAY[" + shape.optional.map { $0 ? "TRUE" : "FALSE" }.joined(separator: ", ") + "]::boolean[]"
        let gaps = "ARRAY[" + shape.gapWindows.map { bound($0, &q) }.joined(separator: ", ") + "]::bigint[]"
        let exclusions = shape.exclusions
        let bits = "ARRAY[" + exclusions.map { bit($0.bit) }.joined(separator: ", ") + "]::bigint[]"
        let from = "ARRAY[" + exclusions.map { String($0.from) }.joined(separator: ", ") + "]::integer[]"
        let to = "ARRAY[" + exclusions.map { String($0.to) }.joined(separator: ", ") + "]::integer[]"
        return "journeyql.journey_chain(\(ordered("time")), \(ordered("mask")), \(values), \(shape.stepCount), \(optional), "
            + "\(gaps), \(bound(plan.window, &q)), \(bound(shape.startBounds?.lower, &q)), \(bound(shape.startBounds?.upper, &q)), "
            + "\(shape.strictTime ? "TRUE" : "FALSE"), \(shape.directly ? "TRUE" : "FALSE"), \(bits), \(from), \(to))"
    }

    /// The final SELECT over `c`: customers per level, customers in progress (level k, window still open at the
    /// horizon), and the quantiles of the times.
    private static func totals(_ plan: FunnelPlan, _ q: inout PostgresSQL) {
        let n = plan.shape.stepCount
        var columns = (1...n).map { "count(*) FILTER (WHERE level >= \($0))" }
        var open: String?
        if let window = plan.window, let horizon = plan.horizon {
            open = "t0 + \(q.bind(String(window), as: "bigint")) > \(q.bind(String(horizon), as: "bigint"))"
        }
        for k in 1..<max(1, n) {
            columns.append(open.map { "count(*) FILTER (WHERE level = \(k) AND \($0))" } ?? "0")
        }
        // The chains that fill each step (a skipped optional step's time is NULL).
        columns += (0..<n).map { "count(t\($0))" }
        for k in 1..<max(1, n) {
            // From the previous filled step: the nearest time before this one that is not NULL.
            let previous = k == 1 ? "t0" : "coalesce(" + (0..<k).reversed().map { "t\($0)" }.joined(separator: ", ") + ")"
            for from in [previous, "t0"] {
                columns.append("percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY t\(k) - \(from))"
                               + " FILTER (WHERE t\(k) IS NOT NULL)")
            }
        }
        let keys = plan.breakdown.indices.flatMap { keyExpressions(plan, $0) }
        q.sql += "SELECT " + (keys + columns).joined(separator: ",\n  ") + "\nFROM c"
        if !keys.isEmpty { q.sql += "\nGROUP BY " + (1...keys.count).map(String.init).joined(separator: ", ") }
    }

    /// The journey must be one this compiler reproduces exactly; anything else is named in the error.
    static func requireSupported(_ plan: FunnelPlan) throws(PostgresUnsupported) {
        if plan.customerSet != nil { throw PostgresUnsupported(construct: "FOR a behavioural segment (SEGMENT ... AS CUSTOMERS)") }
    }

    /// The installed function that finds a journey's chains.
    enum Matcher: String {
        /// FunnelMatcher's rules, one forward pointer per step (with STRICT TIME, DIRECTLY, SAME): the chain's times.
        case funnel = "funnel_chain"
        /// JourneyMatcher's (optional steps, a step's own WITHIN, EXCLUDING): start, times, positions.
        case journey = "journey_chain"
        /// TiedJourneyMatcher's and AnyOrderMatcher's: start, times, positions.
        case tied = "tied_chain"
        case anyOrder = "any_order_chain"
    }

    static func matcher(_ shape: JourneyShape) -> Matcher {
        switch shape.order {
        case .tiesAnyOrder: return .tied
        case .anyOrder: return .anyOrder
        case .sequence: return needsGeneralMatcher(shape) ? .journey : .funnel
        }
    }

    /// Whether the journey needs `journey_chain`: optional steps, a step's own WITHIN or EXCLUDING. STRICT TIME and
    /// SAME keep the greedy chain deepest, and DIRECTLY leaves no choice (MatcherFunctions.funnelChain).
    static func needsGeneralMatcher(_ shape: JourneyShape) -> Bool {
        shape.optional.contains(true) || shape.gapWindows.contains { $0 != nil } || !shape.exclusions.isEmpty
    }

    /// The constructs only the installed functions run, as the language writes them.
    private static func functionConstructs(_ shape: JourneyShape) -> String {
        var constructs: [String] = []
        if shape.optional.contains(true) { constructs.append("optional steps (s?)") }
        if shape.gapWindows.contains(where: { $0 != nil }) { constructs.append("a step's own WITHIN") }
        if !shape.exclusions.isEmpty { constructs.append("EXCLUDING") }
        if shape.order == .tiesAnyOrder { constructs.append("TIES ANY ORDER") }
        if shape.order == .anyOrder { constructs.append("IN ANY ORDER") }
        return constructs.joined(separator: ", ")
    }

    /// The funnel's totals and time quantiles, read from the query's one row.
    static func totals(_ row: ArraySlice<String?>, stepCount n: Int) -> (totals: FunnelTotals, quantiles: [[Double?]]) {
        let row = Array(row)
        var totals = FunnelTotals(stepCount: n)
        for k in 0..<n { totals.customers[k] = Int(row[k] ?? "0") ?? 0 }
        for k in 1..<max(1, n) { totals.inProgress[k] = Int(row[n + k - 1] ?? "0") ?? 0 }
        for k in 0..<n { totals.took[k] = Int(row[2 * n - 1 + k] ?? "0") ?? 0 }
        let quantiles = row[(3 * n - 1)...].map { text -> [Double?] in
            guard let text else { return [nil, nil] }
            let values = PostgresArray.elements(text).map { Double($0) }
            return values.count == 2 ? values : [nil, nil]
        }
        return (totals, quantiles)
    }
}
