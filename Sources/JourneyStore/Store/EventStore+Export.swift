// The store's rows as another engine loads them: events with their names and property objects, customers with
// their attributes, field counts. The PostgreSQL engine imports a file into a temporary store of this kind (so the
// typing, the time parsing and every error are the SQLite import's) and copies these rows out of it.

/// One event as stored: names instead of codes, the property object as JSON text (numbers and strings only).
package struct StoredEvent: Sendable {
    package var customer: String
    package var time: Int64
    package var seq: Int64
    package var stage: String?
    package var touchpoint: String?
    package var channel: String?
    package var properties: String?
}

extension EventStore {
    /// Calls `body` with every event, in (customer number, time, import order) order.
    package func forEachStoredEvent(_ body: (StoredEvent) throws -> Void) throws {
        let statement = try db.prepare("""
            SELECT c.key, e.time, e.seq, s.value, t.value, h.value, e.props
            FROM events_json e
            JOIN customers c ON c.id = e.customer
            LEFT JOIN dictionary s ON s.col = \(EventColumn.stage.rawValue) AND s.code = e.stage
            LEFT JOIN dictionary t ON t.col = \(EventColumn.touchpoint.rawValue) AND t.code = e.touchpoint
            LEFT JOIN dictionary h ON h.col = \(EventColumn.channel.rawValue) AND h.code = e.channel
            """)
        while try statement.step() {
            try body(StoredEvent(customer: statement.text(0) ?? "", time: statement.int64(1), seq: statement.int64(2),
                                 stage: statement.text(3), touchpoint: statement.text(4), channel: statement.text(5),
                                 properties: statement.text(6)))
        }
    }

    /// Calls `body` with every customer's id and attribute object (JSON text, nil when it has none).
    package func forEachStoredCustomer(_ body: (String, String?) throws -> Void) throws {
        let statement = try db.prepare("SELECT key, attrs FROM customers")
        while try statement.step() {
            try body(statement.text(0) ?? "", statement.text(1))
        }
    }
}
