// Issue 11 item 9: an import while another connection writes waits for it, says so once, and gives up in our
// words after its timeout; it used to fail at once with SQLite's "database is locked".
import Foundation
import Testing
@testable import JourneyStore

@Suite struct ConcurrentWriterTests {
    @Test func anImportWaitsForTheOtherWriterThenRuns() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store.db")
        let holder = try EventStore(path: path, access: .create)
        let importer = try EventStore(path: path)
        let file = try directory.file("e.csv", "customer_id,timestamp,stage\nc1,2024-01-01,awareness\n")

        // The holder keeps the write lock for 0.5 s, as a long import would.
        try holder.db.execute("BEGIN IMMEDIATE")
        // The holder's connection is used by the other thread only after this one is done with it.
        nonisolated(unsafe) let held = holder
        let release = Thread {
            Thread.sleep(forTimeInterval: 0.5)
            try? held.db.execute("ROLLBACK")
        }
        release.start()
        var phases: [ImportProgress.Phase] = []
        let report = try importer.importEvents([file]) { phases.append($0.phase) }
        #expect(report.imported == 1)
        #expect(phases.filter { $0 == .waitingForWriter }.count == 1)
    }

    @Test func aWriterThatNeverFinishesIsReportedInOurWords() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store.db")
        let holder = try EventStore(path: path, access: .create)
        let importer = try EventStore(path: path)
        try holder.db.execute("BEGIN IMMEDIATE")
        defer { try? holder.db.execute("ROLLBACK") }
        var options = ImportOptions()
        options.writerWaitSeconds = 1
        let started = Date()
        #expect(throws: StoreError.busy(path: path, waitedSeconds: 1)) {
            try importer.importEvents([directory.file("e.csv", "customer_id,timestamp,stage\nc1,2024-01-01,awareness\n")],
                                      options: options)
        }
        #expect(Date().timeIntervalSince(started) >= 1)
        #expect(StoreError.busy(path: path, waitedSeconds: 1).exitCode == 75)
        // Readers keep working meanwhile.
        #expect(try importer.catalog().eventCount == 0)
    }
}
