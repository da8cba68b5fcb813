// WHY as one PostgreSQL query grouped by customer: each customer's journey span and the features in it are worked
// out where their events are (journeyql.why_features over journey_chain's chain); the coordinator counts the
// converters and the lost showing each feature, and PainPoints.whyResult ranks them as for SQLite.
import JourneyEngine
import JourneyStore

enum WhySQL {
    /// Rows (kind, c|l, feature, customers): kind 0 counts the converters (c) and the lost (l); kind 1 counts, per
    /// feature `f|key`, those of each showing it.
    static func compile(_ plan: FunnelPlan, fields: [EventField]) throws(PostgresUnsupported) -> PostgresSQL {
        try FunnelSQL.requireSupported(plan)
        var q = PostgresSQL()
        let keys = fields.map { AttributionSQL.keyExpression($0, &q) }
        let attributes = fields.indices.filter { if case .customerAttribute = fields[$0] { true } else { false } }
        try FunnelSQL.admittedEvents(plan, &q, extra: ["ARRAY[\(keys.joined(separator: ", "))]::text[] AS keys"],
                                     readsAttributes: !attributes.isEmpty)
        let chain = FunnelSQL.eventChainCall(plan, &q)
        let window = plan.window.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let horizon = plan.horizon.map { q.bind(String($0), as: "bigint") } ?? "NULL::bigint"
        let columns = "ARRAY[" + attributes.map { String($0 + 1) }.joined(separator: ", ") + "]::integer[]"
        q.sql += "k AS (\n  SELECT journeyql.why_features(\(chain), \(FunnelSQL.ordered("time")), \(FunnelSQL.ordered("keys")), "
        q.sql += "\(columns), \(plan.shape.stepCount), \(window), \(horizon)) AS w\n  FROM r\n  GROUP BY customer\n)\n"
        q.sql += "SELECT 0, w[1], NULL::text, count(*) FROM k WHERE w IS NOT NULL GROUP BY 2\n"
        q.sql += "UNION ALL\n"
        q.sql += "SELECT 1, w[1], f, count(*) FROM k CROSS JOIN LATERAL unnest(w[2:]) AS f WHERE w IS NOT NULL GROUP BY 2, 3"
        return q
    }

    /// The converters, the lost and each feature's counts from the query's rows.
    static func counts(_ rows: [[String?]], fields: [EventField])
        -> (converters: Int, lost: Int, counts: [PainPoints.Feature: (converters: Int, lost: Int)]) {
        var converters = 0, lost = 0
        var counts: [PainPoints.Feature: (converters: Int, lost: Int)] = [:]
        for row in rows {
            let customers = Int(row[3] ?? "0") ?? 0
            let converted = row[1] == "c"
            if row[0] == "0" {
                if converted { converters = customers } else { lost = customers }
                continue
            }
            guard let text = row[2], let bar = text.firstIndex(of: "|"), let f = Int(text[..<bar]), f < fields.count
            else { continue }
            let key = String(text[text.index(after: bar)...])
            let value: PainPoints.ValueKey?
            if fields[f].column != nil {
                value = Int64(key.dropFirst()).map { .code($0) }
            } else {
                value = PainPoints.ValueKey(AttributionSQL.value(key))
            }
            guard let value else { continue }
            let feature = PainPoints.Feature(field: f, value: value)
            if converted { counts[feature, default: (0, 0)].converters += customers }
            else { counts[feature, default: (0, 0)].lost += customers }
        }
        return (converters, lost, counts)
    }
}
