// The distinct text values of a property or customer attribute, for the checker's unknown-value warning.

extension EventStore {
    /// The distinct text values property `name` takes over all events, or nil when it has more than `limit`
    /// (an id-like property: listing them would cost more than the warning is worth) or is not in the store.
    /// Read from the columnar copy's column of that property, which a query on it loads anyway.
    package func textValues(ofProperty name: String, limit: Int = 10_000) throws -> [String]? {
        guard try catalog().properties.contains(where: { $0.name == name }) else { return nil }
        let events = try columnarEvents()
        let column = try events.propertyColumn(name) { try propertyColumn(name, of: events, isCancelled: { false }) }
        var texts: [String] = []
        for value in column.values {
            guard case .text(let text) = value else { continue }
            texts.append(text)
            if texts.count > limit { return nil }
        }
        return texts
    }

    /// The distinct text values customer attribute `name` takes, or nil when there are more than `limit`.
    package func textValues(ofAttribute name: String, limit: Int = 10_000) throws -> [String]? {
        guard let path = PredicateSQL.jsonPath(name) else { return nil }
        let statement = try db.prepare("""
            SELECT DISTINCT json_extract(attrs, ?) FROM customers WHERE json_type(attrs, ?) = 'text' LIMIT ?
            """)
        try statement.bind([.text(path), .text(path), .integer(Int64(limit) + 1)])
        var texts: [String] = []
        while try statement.step() { texts.append(statement.text(0) ?? "") }
        return texts.count > limit ? nil : texts
    }
}
