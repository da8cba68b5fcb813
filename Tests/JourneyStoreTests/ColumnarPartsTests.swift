// Issue 14: an import into a large store adds a part to the stored columnar copy instead of rewriting it; the parts
// merged by a new connection must equal the copy built from the events table, event for event and property for
// property, and an import that finds the parts too many or too large merges them back into one base.
import Foundation
import Testing
@testable import JourneyStore

@Suite struct ColumnarPartsTests {
    /// A log of `count` events over customers `c0 ..< c<customers>` (ids from `firstCustomer`), times on a coarse
    /// grid so that many fall on equal instants (ties between parts), and properties that vary by row.
    static func csv(_ random: inout SplitMix64, count: Int, customers: Int, firstCustomer: Int = 0,
                    properties: [String] = ["device", "amount"]) -> String {
        let stages = ["awareness", "consideration", "purchase", "retention"]
        let channels = ["web", "email", "social", ""]
        var text = "customer_id,timestamp,stage,touchpoint,channel" + properties.map { "," + $0 }.joined() + "\n"
        for _ in 0..<count {
            let customer = firstCustomer + Int(random.next() % UInt64(customers))
            let minute = Int(random.next() % 40)
            text += "c\(customer),2024-03-01T10:\(String(format: "%02d", minute)):00Z,\(stages[Int(random.next() % 4)]),"
            text += "t\(random.next() % 6),\(channels[Int(random.next() % 4)])"
            for name in properties {
                switch random.next() % 4 {
                case 0: text += ","
                case 1: text += ",\(name)-\(random.next() % 3)"
                case 2: text += ",\(random.next() % 100)"
                default: text += ",\(Double(random.next() % 1000) / 10)"
                }
            }
            text += "\n"
        }
        return text
    }

    /// The copy a new connection reads equals the one built from the table, properties included.
    static func expectCopyEqualsTheTable(_ path: String, properties: [String]) throws {
        let store = try EventStore(path: path)
        let read = try store.columnarEvents()
        #expect(store.columnarOrigin == .storedCopy)
        let built = try store.buildColumnar(version: read.version, isCancelled: { false })
        #expect(read.customers == built.customers)
        #expect(read.starts == built.starts)
        #expect(read.times == built.times)
        #expect(read.tripleIndex.map { read.triples[Int($0)] } == built.tripleIndex.map { built.triples[Int($0)] })
        let fromTable = try store.loadPropertyColumns(Set(properties), expectedCount: read.eventCount, isCancelled: { false })
        for name in properties {
            let column = try store.propertyColumn(name, of: read, isCancelled: { false })
            let expected = try #require(fromTable[name])
            #expect(column.valueIndex.map { column.values[Int($0)] } == expected.valueIndex.map { expected.values[Int($0)] },
                    "property \(name)")
        }
    }

    static func manifest(_ path: String) throws -> ColumnarManifest? {
        let store = try EventStore(path: path)
        return store.storedManifest(version: try store.eventsVersion())
    }

    @Test func appendsAddPartsThatMergeToTheTable() throws {
        for seed in UInt64(1)...6 {
            var random = SplitMix64(seed: seed)
            let directory = try TemporaryDirectory()
            let path = directory.path("store.db")
            do {
                let store = try EventStore(path: path, access: .create)
                _ = try store.importEvents([directory.file("base.csv", Self.csv(&random, count: 3_000, customers: 300))])
            }
            #expect(try Self.manifest(path) == nil)
            var properties = ["device", "amount"]
            for round in 1...4 {
                // Old customers and new ones; the last round brings a property the earlier parts lack.
                if round == 4 { properties.append("coupon") }
                let text = Self.csv(&random, count: 40 + Int(random.next() % 60), customers: 330,
                                    firstCustomer: Int(random.next() % 40), properties: properties)
                do {
                    let store = try EventStore(path: path)
                    _ = try store.importEvents([directory.file("more\(round).csv", text)])
                    // The importing connection's next query reads the parts too.
                    _ = try store.columnarEvents()
                    #expect(store.columnarOrigin == .storedCopy)
                }
                let manifest = try #require(try Self.manifest(path), "seed \(seed), round \(round)")
                #expect(manifest.parts.count == round + 1)
                try Self.expectCopyEqualsTheTable(path, properties: properties)
            }
        }
    }

    @Test func anImportThatMakesThePartsTooLargeMergesThem() throws {
        var random = SplitMix64(seed: 99)
        let directory = try TemporaryDirectory()
        let path = directory.path("store.db")
        do {
            let store = try EventStore(path: path, access: .create)
            _ = try store.importEvents([directory.file("base.csv", Self.csv(&random, count: 1_600, customers: 100))])
            _ = try store.importEvents([directory.file("a.csv", Self.csv(&random, count: 150, customers: 120))])
        }
        #expect(try Self.manifest(path)?.parts.count == 2)
        do {
            // 150 + 100 appended events are more than an eighth of the base's 1,600: one base again.
            let store = try EventStore(path: path)
            _ = try store.importEvents([directory.file("b.csv", Self.csv(&random, count: 100, customers: 120))])
        }
        #expect(try Self.manifest(path) == nil)
        let store = try EventStore(path: path)
        let version = try store.eventsVersion()
        #expect(version.eventCount == 1_850)
        #expect(try store.readColumnarSection("base", version: version) != nil)
        try Self.expectCopyEqualsTheTable(path, properties: ["device", "amount"])
    }

    /// Small appends into a store over `recentEventsFrom` events keep their rows in `events_recent`; an import that
    /// rewrites the whole copy moves them into `events`. Throughout, the store reads as its twin that kept every row
    /// in `events`: the same events through `events_json` and the SQLite scan, a columnar copy equal to the tables,
    /// and `check` finds nothing.
    @Test func recentEventsReadAsOneTable() throws {
        var random = SplitMix64(seed: 7)
        let directory = try TemporaryDirectory()
        let paths = [directory.path("recent.db"), directory.path("twin.db")]
        var files = [try directory.file("base.csv", Self.csv(&random, count: 2_000, customers: 150))]
        for path in paths {
            _ = try EventStore(path: path, access: .create).importEvents([files[0]])
        }
        var recentOptions = ImportOptions()
        recentOptions.recentEventsFrom = 1_000
        func recentRows() throws -> Int64? {
            let store = try EventStore(path: paths[0])
            guard try Schema.hasRecentEvents(store.db) else { return nil }
            let count = try store.db.prepare("SELECT count(*) FROM events_recent")
            return try count.step() ? count.int64(0) : nil
        }
        func expectTwins(_ round: Int) throws {
            let stores = try paths.map { try EventStore(path: $0) }
            #expect(try stores[0].rawEvents() == stores[1].rawEvents(), "round \(round)")
            let request = ScanRequest(filter: .constant(true), steps: [.constant(true)], carry: [.property("device")])
            #expect(try ColumnarTests.scan(stores[0], request) == ColumnarTests.scan(stores[1], request))
            #expect(try stores[0].check() == [])
            try Self.expectCopyEqualsTheTable(paths[0], properties: ["device", "amount"])
        }
        var appended: Int64 = 0
        for round in 1...3 {
            let count = 30 + Int(random.next() % 40)
            files.append(try directory.file("more\(round).csv", Self.csv(&random, count: count, customers: 170)))
            _ = try EventStore(path: paths[0]).importEvents([files.last!], options: recentOptions)
            _ = try EventStore(path: paths[1]).importEvents([files.last!])
            appended += Int64(count)
            #expect(try recentRows() == appended, "round \(round)")
            try expectTwins(round)
        }
        // More than an eighth of the base at once: the copy is rewritten whole, and the recent rows move.
        files.append(try directory.file("large.csv", Self.csv(&random, count: 400, customers: 170)))
        _ = try EventStore(path: paths[0]).importEvents([files.last!], options: recentOptions)
        _ = try EventStore(path: paths[1]).importEvents([files.last!])
        #expect(try recentRows() == nil)
        try expectTwins(4)
        // A copy rebuilt from the tables while recent rows exist reads both.
        files.append(try directory.file("last.csv", Self.csv(&random, count: 20, customers: 170)))
        _ = try EventStore(path: paths[0]).importEvents([files.last!], options: recentOptions)
        _ = try EventStore(path: paths[1]).importEvents([files.last!])
        #expect(try recentRows() == 20)
        let store = try EventStore(path: paths[0])
        try store.db.execute("DELETE FROM columnar")
        let rebuilt = try EventStore(path: paths[0]).columnarEvents()
        let twin = try EventStore(path: paths[1]).columnarEvents()
        #expect(rebuilt.times == twin.times && rebuilt.customers == twin.customers)
    }

    @Test func manifestsThatDoNotChainAreRefused() throws {
        let v = { (n: Int64) in EventsVersion(eventCount: n, nextSeq: n + 1) }
        let good = ColumnarManifest(base: v(10)).appending(v(12)).appending(v(15))
        let decoded = try good.encode().withUnsafeBytes { try ColumnarManifest.decode($0) }
        #expect(decoded == good)
        #expect(decoded.parts.map(\.eventCount) == [10, 2, 3])
        var gap = good
        gap.parts[2].from = v(13)
        #expect(throws: StoreError.self) { try gap.encode().withUnsafeBytes { try ColumnarManifest.decode($0) } }
    }
}
