// Issue 14: an import into a large store adds a part to the stored columnar copy instead of rewriting it; the parts
// merged by a new connection must hold what one import of the same files holds, event for event and property for
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

    /// The copy a new connection reads holds the events one import of `files` into a fresh store holds (customer
    /// numbers and positions aside: a fresh store numbers customers by key), and its stored property columns equal
    /// those made from each event's property object.
    static func expectCopyEqualsOneImport(_ path: String, files: [String], properties: [String]) throws {
        let store = try EventStore(path: path)
        let read = try store.columnarEvents()
        #expect(store.columnarOrigin == .storedCopy)
        let directory = try TemporaryDirectory()
        let twin = try EventStore(path: directory.path("twin.db"), access: .create)
        _ = try twin.importEvents(files)
        func unnumbered(_ events: [RawEvent]) -> [RawEvent] { events.map { var e = $0; e.seq = 0; return e } }
        let events = try store.rawEvents()
        #expect(events.count == Int(read.eventCount))
        #expect(unnumbered(events) == unnumbered(try twin.rawEvents()))
        let derived = try store.derivedPropertyColumns(Set(properties), of: read, isCancelled: { false })
        for name in properties {
            let column = try store.propertyColumn(name, of: read, isCancelled: { false })
            let expected = try #require(derived[name])
            #expect(column.valueIndex.map { column.values[Int($0)] } == expected.valueIndex.map { expected.values[Int($0)] },
                    "property \(name)")
        }
        #expect(try store.check() == [])
    }

    /// Import options that store every `events` rows as one batch.
    static func batches(of events: Int) -> ImportOptions {
        var options = ImportOptions()
        options.batchEvents = events
        return options
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
            var files = [try directory.file("base.csv", Self.csv(&random, count: 3_000, customers: 300))]
            do {
                let store = try EventStore(path: path, access: .create)
                _ = try store.importEvents(files)
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
                    files.append(try directory.file("more\(round).csv", text))
                    _ = try store.importEvents([files.last!])
                    // The importing connection's next query reads the parts too.
                    _ = try store.columnarEvents()
                    #expect(store.columnarOrigin == .storedCopy)
                }
                let manifest = try #require(try Self.manifest(path), "seed \(seed), round \(round)")
                #expect(manifest.parts.count == round + 1)
                try Self.expectCopyEqualsOneImport(path, files: files, properties: properties)
            }
        }
    }

    @Test func anImportThatMakesThePartsTooLargeMergesThem() throws {
        var random = SplitMix64(seed: 99)
        let directory = try TemporaryDirectory()
        let path = directory.path("store.db")
        var files = [try directory.file("base.csv", Self.csv(&random, count: 1_600, customers: 100)),
                     try directory.file("a.csv", Self.csv(&random, count: 150, customers: 120))]
        do {
            let store = try EventStore(path: path, access: .create)
            _ = try store.importEvents([files[0]])
            _ = try store.importEvents([files[1]])
        }
        #expect(try Self.manifest(path)?.parts.count == 2)
        do {
            // 150 + 100 appended events are more than an eighth of the base's 1,600: one base again.
            let store = try EventStore(path: path)
            files.append(try directory.file("b.csv", Self.csv(&random, count: 100, customers: 120)))
            _ = try store.importEvents([files[2]])
        }
        #expect(try Self.manifest(path) == nil)
        let store = try EventStore(path: path)
        let version = try store.eventsVersion()
        #expect(version.eventCount == 1_850)
        #expect(try store.readColumnarSection("base", version: version) != nil)
        try Self.expectCopyEqualsOneImport(path, files: files, properties: ["device", "amount"])
    }

    /// An import larger than one batch (`batchEvents`) writes a part per batch and merges them at its end; into a
    /// store with events, its batches become parts of the store's copy. Either way the store reads as one import of
    /// the same files in one batch.
    @Test func importsLargerThanABatchReadAsOne() throws {
        var random = SplitMix64(seed: 7)
        let directory = try TemporaryDirectory()
        let path = directory.path("store.db")
        var files = [try directory.file("base.csv", Self.csv(&random, count: 2_000, customers: 150))]
        _ = try EventStore(path: path, access: .create).importEvents(files, options: Self.batches(of: 300))
        #expect(try Self.manifest(path) == nil)
        try Self.expectCopyEqualsOneImport(path, files: files, properties: ["device", "amount"])
        // 2 batches into a store of 2,000: two parts, not merged (together less than an eighth).
        files.append(try directory.file("more.csv", Self.csv(&random, count: 240, customers: 170,
                                                            properties: ["device", "amount", "coupon"])))
        _ = try EventStore(path: path).importEvents([files[1]], options: Self.batches(of: 120))
        #expect(try Self.manifest(path)?.parts.count == 3)
        try Self.expectCopyEqualsOneImport(path, files: files, properties: ["device", "amount", "coupon"])
    }

    /// Twelve batches: the eighth merges the parts within the import, the last merges again. The importing
    /// connection keeps the merged copy in memory; it reads as the stored one does.
    @Test func partsAreMergedWithinALargeImport() throws {
        var random = SplitMix64(seed: 12)
        let directory = try TemporaryDirectory()
        let path = directory.path("store.db")
        let files = [try directory.file("base.csv", Self.csv(&random, count: 2_100, customers: 160,
                                                             properties: ["device", "amount", "coupon"]))]
        let store = try EventStore(path: path, access: .create)
        _ = try store.importEvents(files, options: Self.batches(of: 180))
        #expect(try Self.manifest(path) == nil)
        #expect(store.columnarOrigin == .madeHere)
        let inMemory = try store.columnarEvents()
        #expect(store.columnarOrigin == .memory)
        #expect(inMemory.eventCount == 2_100)
        let fresh = try EventStore(path: path)
        let stored = try fresh.columnarEvents()
        #expect(inMemory.customers == stored.customers && inMemory.starts == stored.starts
                && inMemory.times == stored.times)
        #expect(inMemory.tripleIndex.map { inMemory.triples[Int($0)] } == stored.tripleIndex.map { stored.triples[Int($0)] })
        #expect(try store.rawEvents() == fresh.rawEvents())
        try Self.expectCopyEqualsOneImport(path, files: files, properties: ["device", "amount", "coupon"])
    }

    /// The customers of several parts, merged two by two, are those a set of them all gives, sorted.
    @Test func distinctUnionEqualsASortedSet() {
        var random = SplitMix64(seed: 5)
        for lists in 0...5 {
            let parts: [[Int64]] = (0..<lists).map { _ in
                Set((0..<Int(random.next() % 50)).map { _ in Int64(random.next() % 80) }).sorted()
            }
            #expect(ColumnarPartMerge.distinctUnion(parts) == Set(parts.flatMap { $0 }).sorted(), "\(parts)")
        }
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
