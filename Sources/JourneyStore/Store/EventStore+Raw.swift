// The slow, fully decoded view of the store for tests and the reference evaluator, and customer id lookups.

extension EventStore {
    /// Every event with every field decoded, ordered by customer key (byte-wise), then time, then import order.
    package func rawEvents() throws -> [RawEvent] {
        try decodedEvents(orderBy: "c.key, e.time, e.seq") { Self.propertyValue($0, type: $1, value: $2) }
    }

    /// Events of `events_json e` with every field decoded: those `condition` admits (SQL over `e`, its values bound
    /// from `bindings`), in `order`; `member` turns a property's json_each type and value columns into a value.
    func decodedEvents(where condition: String = "TRUE", bindings: [SQLValue] = [], orderBy order: String,
                       member: (Statement, Int32, Int32) -> PropertyValue?) throws -> [RawEvent] {
        let statement = try db.prepare("""
            SELECT c.key, e.time, e.seq, s.value, t.value, h.value, j.key, j.type, j.value
            FROM events_json e
            JOIN customers c ON c.id = e.customer
            LEFT JOIN dictionary s ON s.col = \(EventColumn.stage.rawValue) AND s.code = e.stage
            LEFT JOIN dictionary t ON t.col = \(EventColumn.touchpoint.rawValue) AND t.code = e.touchpoint
            LEFT JOIN dictionary h ON h.col = \(EventColumn.channel.rawValue) AND h.code = e.channel
            LEFT JOIN json_each(e.props) j
            WHERE \(condition)
            ORDER BY \(order)
            """)
        try statement.bind(bindings)
        var events: [RawEvent] = []
        while try statement.step() {
            let seq = statement.int64(2)
            if events.last?.seq != seq {
                events.append(RawEvent(customer: statement.text(0) ?? "", time: statement.int64(1), seq: seq,
                                       stage: statement.text(3), touchpoint: statement.text(4),
                                       channel: statement.text(5)))
            }
            if let name = statement.text(6), let value = member(statement, 7, 8) {
                events[events.count - 1].properties[name] = value
            }
        }
        return events
    }

    /// Every customer's attributes by customer key; customers without attributes map to an empty dictionary.
    package func rawCustomers() throws -> [String: [String: PropertyValue]] {
        let statement = try db.prepare("""
            SELECT c.key, j.key, j.type, j.value FROM customers c LEFT JOIN json_each(c.attrs) j
            """)
        var customers: [String: [String: PropertyValue]] = [:]
        while try statement.step() {
            let key = statement.text(0) ?? ""
            var attributes = customers[key] ?? [:]
            if let name = statement.text(1), let value = Self.propertyValue(statement, type: 2, value: 3) {
                attributes[name] = value
            }
            customers[key] = attributes
        }
        return customers
    }

    /// The customer key (the id text from the input) of the store's customer number `id`, or nil.
    package func customerKey(_ id: Int64) throws -> String? {
        let statement = try db.prepare("SELECT key FROM customers WHERE id = ?")
        try statement.bind(id, at: 1)
        return try statement.step() ? statement.text(0) : nil
    }

    /// The store's customer number for the customer key `key`, or nil when the customer is unknown.
    package func customerID(_ key: String) throws -> Int64? {
        let statement = try db.prepare("SELECT id FROM customers WHERE key = ?")
        try statement.bind(key, at: 1)
        return try statement.step() ? statement.int64(0) : nil
    }

    /// A JSON member as a property: numbers stay numbers, JSON null is absent, everything else is text
    /// (true/false as `true`/`false`, arrays and objects as their JSON text).
    private static func propertyValue(_ statement: Statement, type: Int32, value: Int32) -> PropertyValue? {
        switch statement.text(type) {
        case "integer", "real": .number(statement.double(value))
        case "null", nil: nil
        case "true": .text("true")
        case "false": .text("false")
        default: .text(statement.text(value) ?? "")
        }
    }
}
