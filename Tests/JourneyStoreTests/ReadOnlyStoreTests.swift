// Issue 11 item 7: a store opened read-only (asked for, or on a file or folder that cannot be written) answers
// queries and writes nothing; every write fails with StoreError.readOnly (exit 65), not SQLite's own error.
import Foundation
import Testing
@testable import JourneyStore

@Suite struct ReadOnlyStoreTests {
    func storeWithEvents(_ directory: TemporaryDirectory) throws -> String {
        let path = directory.path("store.db")
        do {
            let store = try EventStore(path: path, access: .create)
            try store.importEvents([directory.file("e.csv", "customer_id,timestamp,stage\nc1,2024-01-01,awareness\nc1,2024-01-02,purchase\n")])
            try store.checkpoint()
        }
        return path
    }

    @Test func queriesWorkAndNothingIsWritten() throws {
        let directory = try TemporaryDirectory()
        let path = try storeWithEvents(directory)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let store = try EventStore(path: path, access: .readOnly)
        #expect(store.isReadOnly)
        #expect(try store.catalog().eventCount == 2)
        #expect(try store.columnarEvents().eventCount == 2)
        // No WAL, no WAL index, no journal: a read-only folder would have refused to create them.
        for suffix in ["-wal", "-shm", "-journal"] {
            #expect(!FileManager.default.fileExists(atPath: path + suffix), "\(suffix) was created")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func everyWriteIsRefusedInOurWords() throws {
        let directory = try TemporaryDirectory()
        let path = try storeWithEvents(directory)
        let store = try EventStore(path: path, access: .readOnly)
        let refused = StoreError.readOnly(path: path)
        #expect(refused.exitCode == 65)
        #expect(throws: refused) { try store.importEvents([directory.file("more.csv", "customer_id,timestamp,stage\nc2,2024-01-01,awareness\n")]) }
        #expect(throws: refused) { try store.importCustomers(directory.file("c.csv", "customer_id,segment\nc1,b2b\n")) }
        #expect(throws: refused) { try store.setMetadata("note", "x") }
        #expect(throws: refused) { try store.updateMetadata("note") { _ in "x" } }
        #expect(throws: refused) { try store.checkpoint() }
    }

    /// Only an existing store can be opened read-only; a missing one is not made.
    @Test func aMissingStoreIsNotFound() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.path("nothing.db")
        #expect(throws: StoreError.notFound(path: missing)) { try EventStore(path: missing, access: .readOnly) }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
