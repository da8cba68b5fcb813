// Whether a property holds numbers at all: VALUE sums only a property some event gives a number.

extension EventStore {
    /// Whether some event's property `name` is a number (an integer or a real); false for a property only ever
    /// text, true/false, an array or an object, and for a property not in the store. Read from the columnar copy's
    /// column of that property, which a query on it loads anyway.
    package func hasNumericValue(ofProperty name: String) throws -> Bool {
        guard try catalog().properties.contains(where: { $0.name == name }) else { return false }
        let events = try columnarEvents()
        let column = try events.propertyColumn(name) { try propertyColumn(name, of: events, isCancelled: { false }) }
        return column.values.contains { value in
            switch value {
            case .integer, .real: true
            default: false
            }
        }
    }
}
