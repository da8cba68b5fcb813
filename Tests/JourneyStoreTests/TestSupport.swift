// Helpers the store tests share: temporary directories with files in them, and a whole-store snapshot.
import Foundation
@testable import JourneyStore

/// A directory under the system's temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("journeystore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `contents` to a file named `name` and returns its path.
    @discardableResult
    func file(_ name: String, _ contents: String) throws -> String {
        try bytes(name, Array(contents.utf8))
    }

    /// Writes raw bytes to a file named `name` and returns its path.
    @discardableResult
    func bytes(_ name: String, _ contents: [UInt8]) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(contents).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// A path in the directory (nothing is created).
    func path(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }
}

extension EventStore {
    /// Every row of every table, rendered as text in a fixed order: equal snapshots mean equal stores.
    func snapshot() throws -> [String] {
        var rows: [String] = []
        let schema = try db.prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY name")
        while try schema.step() { rows.append("schema: " + (0..<3).map { schema.value($0).description }.joined(separator: " | ")) }
        let tables = try db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        var names: [String] = []
        while try tables.step() { names.append(tables.text(0) ?? "") }
        for name in names {
            let columns = try db.prepare("SELECT * FROM \"\(name)\"").columnCount
            let order = (1...columns).map(String.init).joined(separator: ", ")
            let statement = try db.prepare("SELECT * FROM \"\(name)\" ORDER BY \(order)")
            while try statement.step() {
                let values = (0..<Int32(statement.columnCount)).map { statement.value($0).description }
                rows.append(name + ": " + values.joined(separator: " | "))
            }
        }
        return rows
    }

    /// The names of the store's explicit indexes.
    func indexNames() throws -> [String] {
        try EventStore.indexNames(db)
    }

    /// The events one step predicate admits, as (customer key, time, mask) triples in scan order.
    func admitted(_ step: JourneyStore.Predicate, filter: JourneyStore.Predicate = .constant(true)) throws -> [String] {
        var result: [String] = []
        try scanCustomers(ScanRequest(filter: filter, steps: [step]), isCancelled: { false }) { events in
            let key = (try? self.customerKey(events.customer)) ?? "?"
            for (time, mask) in zip(events.times, events.masks) {
                result.append("\(key)@\(TimeParser.format(time))#\(mask)")
            }
        }
        return result
    }
}

extension StoreError {
    /// The parts of a `.badInput` error, nil for other errors.
    var badInputParts: (file: String, line: Int, column: Int, message: String)? {
        if case .badInput(let file, let line, let column, let message) = self { return (file, line, column, message) }
        return nil
    }
}
