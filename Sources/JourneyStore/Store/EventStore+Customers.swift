// Customers one at a time and as sets: the customer numbers of a behavioural segment, the ids of listed customers,
// and one customer's whole timeline with every property.
import Foundation

/// A set of the store's customer numbers, ascending and without repeats (a behavioural segment, evaluated).
package struct CustomerNumbers: Sendable, Hashable {
    package let numbers: [Int64]

    package init(_ numbers: some Sequence<Int64>) {
        let given = Array(numbers)
        // Aggregations hand customers over in scan order, ascending already: no set and no sort then.
        if zip(given, given.dropFirst()).allSatisfy({ $0 < $1 }) {
            self.numbers = given
        } else {
            self.numbers = Array(Set(given)).sorted()
        }
    }

    package var count: Int { numbers.count }

    package func contains(_ customer: Int64) -> Bool {
        var low = 0, high = numbers.count
        while low < high {
            let mid = (low + high) / 2
            if numbers[mid] < customer { low = mid + 1 } else { high = mid }
        }
        return low < numbers.count && numbers[low] == customer
    }

    /// The set as a JSON array, the one parameter SQL reads it from (`json_each(?)`).
    package var json: String { "[" + numbers.map(String.init).joined(separator: ",") + "]" }

    /// 1 for each of `customers` (ascending) in the set, else 0: a merge of two sorted lists.
    func membership(of customers: [Int64]) -> [Int8] {
        var table = [Int8](repeating: 0, count: customers.count)
        var j = 0
        for (i, customer) in customers.enumerated() {
            while j < numbers.count, numbers[j] < customer { j += 1 }
            if j < numbers.count, numbers[j] == customer { table[i] = 1 }
        }
        return table
    }
}

extension EventStore {
    /// The customer key (id text) of each of `numbers` that the store has, read in one query with the numbers
    /// bound as one JSON array.
    package func customerKeys(_ numbers: CustomerNumbers) throws -> [Int64: String] {
        guard !numbers.numbers.isEmpty else { return [:] }
        var keys: [Int64: String] = [:]
        keys.reserveCapacity(numbers.count)
        if numbers.count > 10_000 {
            // Many customers: one walk of the table in id order beside the sorted numbers costs less than a JSON
            // array of them, parsed and looked up one by one.
            let statement = try db.prepare("SELECT id, key FROM customers ORDER BY id")
            var j = 0
            let wanted = numbers.numbers
            while j < wanted.count, try statement.step() {
                let id = statement.int64(0)
                while j < wanted.count, wanted[j] < id { j += 1 }
                if j < wanted.count, wanted[j] == id { keys[id] = statement.text(1) ?? "" }
            }
            return keys
        }
        let statement = try db.prepare("SELECT id, key FROM customers WHERE id IN (SELECT value FROM json_each(?))")
        try statement.bind(numbers.json, at: 1)
        while try statement.step() { keys[statement.int64(0)] = statement.text(1) ?? "" }
        return keys
    }

    /// Every customer key, up to `limit` of them (nil when there are more): the candidates for a suggestion.
    package func customerKeys(limit: Int) throws -> [String]? {
        let statement = try db.prepare("SELECT key FROM customers LIMIT ?")
        try statement.bind(Int64(limit + 1), at: 1)
        var keys: [String] = []
        while try statement.step() { keys.append(statement.text(0) ?? "") }
        return keys.count > limit ? nil : keys
    }

    /// One customer's events in (time, import order) order with every field and property decoded, and the
    /// customer's attributes (empty without a customers row or attributes).
    package func timeline(ofCustomer number: Int64) throws -> (events: [RawEvent], attributes: [String: PropertyValue]) {
        let events = try decodedEvents(where: "e.customer = ?", bindings: [.integer(number)], orderBy: "e.time, e.seq") {
            Self.decodedMember($0, type: $1, value: $2)
        }
        let attributesStatement = try db.prepare("SELECT j.key, j.type, j.value FROM customers c, json_each(c.attrs) j WHERE c.id = ?")
        try attributesStatement.bind(number, at: 1)
        var attributes: [String: PropertyValue] = [:]
        while try attributesStatement.step() {
            if let name = attributesStatement.text(0), let value = Self.decodedMember(attributesStatement, type: 1, value: 2) {
                attributes[name] = value
            }
        }
        return (events, attributes)
    }

    /// A JSON member as a property, as `rawEvents` reads them: numbers stay numbers, JSON null is absent, the rest
    /// is text.
    private static func decodedMember(_ statement: Statement, type: Int32, value: Int32) -> PropertyValue? {
        switch statement.text(type) {
        case "integer", "real": .number(statement.double(value))
        case "null", nil: nil
        case "true": .text("true")
        case "false": .text("false")
        default: .text(statement.text(value) ?? "")
        }
    }
}
