// Issue 11 item 6: a damaged store gives a clear error (exit 65) naming it, is never written to, and
// `check()` (journey check) says what is wrong.
import Foundation
import Testing
@testable import JourneyStore

@Suite struct DamagedStoreTests {
    /// A store of 3,000 events whose events table's pages are then overwritten in the middle of the file.
    func damagedStore(_ directory: TemporaryDirectory) throws -> String {
        let path = directory.path("store.db")
        var csv = "customer_id,timestamp,stage,touchpoint\n"
        for i in 0..<3000 { csv += "c\(i % 300),2024-01-\(String(format: "%02d", 1 + i % 28)),awareness,t\(i % 7)\n" }
        do {
            let store = try EventStore(path: path, access: .create)
            try store.importEvents([directory.file("e.csv", csv)])
            try store.checkpoint()
            #expect(try store.check().isEmpty)
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let pageSize = 4096
        // Every other page in the file's middle half gets garbage past its header: b-tree cells point nowhere.
        var page = bytes.count / pageSize / 4
        while page < 3 * bytes.count / pageSize / 4 {
            for i in 0..<64 { bytes[page * pageSize + 40 + i] = 0xA5 }
            page += 2
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func checkFindsTheDamageAndAnImportIsRefusedWithoutWriting() throws {
        let directory = try TemporaryDirectory()
        let path = try damagedStore(directory)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let store = try EventStore(path: path)
        #expect(!(try store.check()).isEmpty)
        let error = try #require(throws: StoreError.self) {
            try store.importEvents([directory.file("more.csv", "customer_id,timestamp,stage\nz,2024-02-01,awareness\n")])
        }
        guard case .damaged(let named, _) = error else { Issue.record("expected .damaged, got \(error)"); return }
        #expect(named == path)
        #expect(error.exitCode == 65)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func sqliteCorruptionIsReportedAsDamageNotAnInternalError() {
        let error = StoreError.damaged(path: "x.db", detail: "database disk image is malformed")
        #expect(error.exitCode == 65)
        #expect(error.description.contains("journey check x.db"))
    }
}
