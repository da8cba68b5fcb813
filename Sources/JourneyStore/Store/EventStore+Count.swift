// Counting what predicates admit: events and their customers, or customers on their own (SHOW's counts),
// several predicates in one pass over the table.

extension EventStore {
    /// Predicates counted per query: each takes two result columns, and SQLite allows 2,000.
    static let countBatch = 100

    /// For each predicate, how many events it makes true and how many distinct customers those events belong to;
    /// one scan of the events for up to a hundred predicates.
    package func countMatching(_ predicates: [Predicate]) throws -> [(events: Int, customers: Int)] {
        try dropCachesIfChangedElsewhere()
        var counts: [(events: Int, customers: Int)] = []
        var start = 0
        while start < predicates.count {
            let batch = predicates[start..<min(start + Self.countBatch, predicates.count)]
            var fragment = SQLFragment(sql: "SELECT ")
            for (i, predicate) in batch.enumerated() {
                if i > 0 { fragment.sql += ", " }
                fragment.sql += "coalesce(sum(("
                PredicateSQL.append(predicate, to: &fragment)
                fragment.sql += ") IS TRUE), 0), count(DISTINCT CASE WHEN ("
                PredicateSQL.append(predicate, to: &fragment)
                fragment.sql += ") IS TRUE THEN e.customer END)"
            }
            fragment.sql += " FROM events_json e"
            let statement = try db.prepare(fragment.sql)
            try statement.bind(fragment.bindings)
            let row = try statement.step()
            for i in batch.indices.map({ $0 - start }) {
                counts.append(row ? (Int(statement.int64(Int32(2 * i))), Int(statement.int64(Int32(2 * i + 1)))) : (0, 0))
            }
            start += batch.count
        }
        return counts
    }

    /// How many customers `predicate` makes true, over every customer the store knows (from events or a
    /// customers file), whether or not they have events.
    ///
    /// Meant for predicates over the customer's id and attributes: each customer is read as one event-less row,
    /// so event fields (stage, time, properties, ...) are missing there and compare as unknown.
    package func countCustomers(matching predicate: Predicate) throws -> Int {
        try dropCachesIfChangedElsewhere()
        var fragment = SQLFragment(sql: """
            SELECT count(*) FROM (SELECT id AS customer, NULL AS time, NULL AS seq, NULL AS stage, NULL AS touchpoint,
            NULL AS channel, NULL AS props FROM customers) e WHERE (
            """)
        PredicateSQL.append(predicate, to: &fragment)
        fragment.sql += ") IS TRUE"
        let statement = try db.prepare(fragment.sql)
        try statement.bind(fragment.bindings)
        guard try statement.step() else { return 0 }
        return Int(statement.int64(0))
    }
}
