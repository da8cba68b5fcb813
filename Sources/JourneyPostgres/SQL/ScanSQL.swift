// One customer's admitted events as a scan request asks for them (times, step masks, carried values), read from
// PostgreSQL for the statements that look at a single customer (EXPLAIN CUSTOMER): its matchers then run here.
import JourneyEngine
import JourneyStore

enum ScanSQL {
    /// The events `request` admits, in (time, seq) order, as the SQLite store delivers them; nil when none is
    /// admitted. The request's filter names the customer (JourneyTrace.request), so the query reads one customer.
    static func customerEvents(_ request: ScanRequest, on connection: PostgresConnection) throws -> CustomerEvents? {
        var q = PostgresSQL()
        q.sql = "SELECT e.time, "
        if request.steps.isEmpty { q.sql += "0::bigint" }
        for (k, condition) in request.steps.enumerated() {
            if k > 0 { q.sql += " | " }
            q.sql += "(CASE WHEN "
            try PostgresPredicate.append(condition, to: &q)
            q.sql += " THEN \(FunnelSQL.bit(k))::bigint ELSE 0::bigint END)"
        }
        for field in request.carry {
            switch field {
            case .column(let column): q.sql += ", 'number', e.\(column.name)::text"
            case .property(let name):
                let key = q.bind(name, as: "text")
                q.sql += ", jsonb_typeof(e.props -> \(key)), (e.props -> \(key)) #>> '{}'"
            }
        }
        let readsAttributes = ([request.filter] + request.steps).contains(where: PostgresPredicate.readsAttributes)
        q.sql += " FROM journeyql.events e"
        if readsAttributes { q.sql += " LEFT JOIN journeyql.customers c ON c.customer = e.customer" }
        q.sql += " WHERE "
        try PostgresPredicate.append(request.filter, to: &q)
        q.sql += " ORDER BY e.time, e.seq"
        let rows = try connection.execute(q.sql, parameters: q.parameters).rows
        guard !rows.isEmpty else { return nil }
        var events = CustomerEvents(customer: 0, carried: Array(repeating: [], count: request.carry.count))
        for row in rows {
            events.times.append(Int64(row[0] ?? "0") ?? 0)
            events.masks.append(UInt64(bitPattern: Int64(row[1] ?? "0") ?? 0))
            for f in request.carry.indices {
                events.carried[f].append(value(kind: row[2 + 2 * f], text: row[3 + 2 * f]))
            }
        }
        return events
    }

    /// A carried value from its JSON type and text, as SQLite's json_extract gives it: an integer, a real, text,
    /// true/false as 1/0, nothing for null or a missing key.
    static func value(kind: String?, text: String?) -> CarriedValue {
        guard let kind, let text else { return .null }
        switch kind {
        case "number":
            if let integer = Int64(text) { return .integer(integer) }
            return Double(text).map { .real($0) } ?? .text(text)
        case "boolean": return .integer(text == "true" ? 1 : 0)
        case "null": return .null
        default: return .text(text)
        }
    }
}
