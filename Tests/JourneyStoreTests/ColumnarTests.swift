// The columnar copy against the SQLite scan it replaces: the same events, masks and carried values for conditions
// over every kind of stored value, and the copy kept inside the store read back by a new connection.
import Testing
@testable import JourneyStore

@Suite struct ColumnarTests {
    /// Values of every JSON type, a huge integer, text that differs only in Unicode normalization, NULL columns,
    /// same-time events, and customers with and without attributes.
    static func mixedStore(_ directory: TemporaryDirectory) throws -> EventStore {
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        _ = try store.importEvents([directory.file("events.jsonl", """
            {"customer_id": "a", "ts": "2024-01-01T00:00:00Z", "stage": "awareness", "touchpoint": "ad_click", "channel": "social", "price": 12.5, "vip": true, "tags": [1, "a b"], "n": 7}
            {"customer_id": "a", "ts": "2024-01-01T00:00:00Z", "stage": "consideration", "touchpoint": "site_visit", "price": 12, "vip": false, "meta": {"k": "v"}, "n": "7"}
            {"customer_id": "a", "ts": "2024-01-02T00:00:00Z", "touchpoint": "checkout", "channel": "web", "price": 9007199254740993, "word": "caf\\u00e9", "gone": null}
            {"customer_id": "b", "ts": "2024-01-03T00:00:00Z", "stage": "awareness", "touchpoint": "ad_click", "channel": "email", "price": "abc", "word": "cafe\\u0301"}
            {"customer_id": "b", "ts": "2024-01-04T00:00:00Z", "stage": "purchase", "touchpoint": "checkout", "channel": "web", "price": -0.5, "n": 7.0}
            {"customer_id": "c", "ts": "2024-01-05T00:00:00Z", "stage": "awareness", "channel": "web"}
            {"customer_id": "c", "ts": "2024-01-06T00:00:00Z", "stage": "awareness", "n": 99999999999999999999, "word": "x\\"y"}
            """)])
        _ = try store.importCustomers(directory.file("customers.csv", "customer_id,segment,employees\na,b2b,40\nc,smb,\n"))
        return store
    }

    static func codes(_ store: EventStore, _ column: EventColumn, _ values: [String]) throws -> Predicate {
        let table = try store.catalog().codes[column] ?? CodeTable()
        return .codes(column, values.compactMap { table[$0] })
    }

    static func predicates(_ store: EventStore) throws -> [Predicate] {
        let awareness = try codes(store, .stage, ["awareness"])
        let checkout = try codes(store, .touchpoint, ["checkout"])
        let web = try codes(store, .channel, ["web"])
        var list: [Predicate] = [
            .constant(true), .constant(false), awareness, checkout, web, .not(web), .codes(.stage, []),
            .isNull(.column(.stage)), .isNull(.column(.channel)), .not(.isNull(.column(.touchpoint))),
            .time(.less, 1_704_153_600_000), .time(.greaterOrEqual, 1_704_153_600_000),
            .customer(.equal, "a"), .customer(.greater, "a"), .like(.customer, LikePattern("_")!),
            .customerAttribute("segment", .equal, .text("b2b")), .customerAttribute("employees", .greater, .number(10)),
            .isNull(.customerAttribute("segment")), .isNull(.customerAttribute("employees")),
            .like(.customerAttribute("segment"), LikePattern("b%")!),
            .property("word", .equal, .text("café")), .property("word", .less, .text("cafe")),
        ]
        for literal in [ScalarValue.number(12), .number(12.5), .integer(9_007_199_254_740_993), .text("abc"), .number(-0.5), .number(0)] {
            for op in Comparison.allCases {
                list.append(.property("price", op, literal))
                list.append(.property("n", op, literal))
            }
        }
        for name in ["price", "vip", "tags", "meta", "gone", "word", "nothing", "bad\"name"] {
            list.append(.isNull(.property(name)))
            list.append(.like(.property(name), LikePattern("%a%")!))
            list.append(.property(name, .equal, .number(1)))
        }
        list.append(.and([awareness, .property("price", .greater, .number(0)), .not(.customer(.equal, "c"))]))
        list.append(.or([checkout, .property("vip", .equal, .number(1)), .isNull(.customerAttribute("segment"))]))
        list.append(.not(.or([.property("price", .less, .number(10)), .constant(false)])))
        return list
    }

    static func scan(_ source: EventSource, _ request: ScanRequest) throws -> [String] {
        var out: [String] = []
        try source.scanCustomers(request, isCancelled: { false }) { events in
            for i in events.times.indices {
                out.append("\(events.customer)@\(events.times[i])#\(events.masks[i]) \(events.carried.map { "\($0[i])" })")
            }
        }
        return out
    }

    @Test func columnarScanEqualsTheSQLiteScan() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.mixedStore(directory)
        let columnar = ColumnarSource(events: try store.columnarEvents(), store: store)
        let predicates = try Self.predicates(store)
        let carry: [CarriedField] = [.column(.channel), .column(.stage), .property("price"), .property("vip"),
                                     .property("tags"), .property("meta"), .property("word"), .property("gone")]
        var compared = 0
        for (index, step) in predicates.enumerated() {
            // Each condition as a step, as a filter, and beside another step; every admitted event once as well.
            let other = predicates[(index * 7 + 3) % predicates.count]
            let requests = [
                ScanRequest(filter: .constant(true), steps: [step], carry: carry),
                ScanRequest(filter: step, steps: [.constant(true)]),
                ScanRequest(filter: other, steps: [step, other], deliverAll: true, carry: [.property("price")]),
            ]
            for request in requests {
                let sqlite = try Self.scan(store, request)
                let fromColumns = try Self.scan(columnar, request)
                #expect(fromColumns == sqlite, "condition \(step), request \(request)")
                compared += 1
            }
        }
        #expect(compared == predicates.count * 3)
    }

    /// With `onlyStarters`, the columnar scan skips customers by their triple summary: it must still deliver every
    /// customer of the full scan that has an event for step 1, each with all its events, through the arrays and
    /// through the raw columns (the per-event path and the branchless one), and skip some customers.
    @Test func onlyStartersKeepsEveryCustomerWithStepOne() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.mixedStore(directory)
        let columnar = ColumnarSource(events: try store.columnarEvents(), store: store)
        let predicates = try Self.predicates(store)
        var skippedSome = false
        for (index, first) in predicates.enumerated() {
            let second = predicates[(index * 5 + 1) % predicates.count]
            var request = ScanRequest(filter: .constant(true), steps: [first, second])
            let full = try Self.scan(store, request)
            request.onlyStarters = true
            // The full scan's lines of customers with some event whose mask has bit 0.
            let starters = Set(full.filter { line in
                let mask = UInt64(line.split(separator: "#")[1].split(separator: " ")[0])!
                return mask & 1 == 1
            }.map { $0.split(separator: "@")[0] })
            let expected = full.filter { starters.contains($0.split(separator: "@")[0]) }
            #expect(try Self.scan(columnar, request).filter { starters.contains($0.split(separator: "@")[0]) } == expected)
            let scan = try columnar.prepare(request, partitions: 2, isCancelled: { false })
            var raw: [String] = []
            for k in 0..<scan.partitionCount {
                try scan.scanColumns(partition: k, isCancelled: { false }) { columns in
                    for i in columns.times.indices { raw.append("\(columns.customer)@\(columns.times[i])#\(columns.masks[i]) []") }
                }
            }
            let delivered = Set(raw.map { $0.split(separator: "@")[0] })
            // Every starter is delivered whole. Customers beyond them may be delivered too: they have an event of a
            // triple that can fill step 1, though not this event (a property condition decides that per event).
            #expect(delivered.isSuperset(of: starters), "condition \(first)")
            #expect(raw.filter { starters.contains($0.split(separator: "@")[0]) }
                    == expected.map { $0.replacingOccurrences(of: #" \[.*\]$"#, with: " []", options: .regularExpression) })
            if delivered.count < Set(full.map { $0.split(separator: "@")[0] }).count { skippedSome = true }
        }
        #expect(skippedSome)
    }

    @Test func partitionsTogetherDeliverEveryCustomerOnce() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.mixedStore(directory)
        let columnar = ColumnarSource(events: try store.columnarEvents(), store: store)
        let request = ScanRequest(filter: .constant(true), steps: [.constant(true)])
        let whole = try Self.scan(columnar, request)
        for partitions in 1...5 {
            let scan = try columnar.prepare(request, partitions: partitions, isCancelled: { false })
            var parts: [String] = []
            for k in 0..<scan.partitionCount {
                try scan.scan(partition: k, isCancelled: { false }) { events in
                    for i in events.times.indices { parts.append("\(events.customer)@\(events.times[i])#\(events.masks[i]) []") }
                }
            }
            #expect(parts == whole.map { $0.replacingOccurrences(of: " []", with: "") + " []" })
        }
    }

    @Test func importsKeepTheCopyInTheStoreForTheNextConnection() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store.db")
        let built: ColumnarEvents
        do {
            // The import ends by building the copy, base columns and every property.
            let store = try Self.mixedStore(directory)
            built = try store.columnarEvents()
            #expect(store.columnarOrigin == .memory)
        }
        let reopened = try EventStore(path: path, access: .create)
        let read = try reopened.columnarEvents()
        #expect(reopened.columnarOrigin == .storedCopy)
        #expect(read.customers == built.customers && read.starts == built.starts && read.times == built.times)
        #expect(read.tripleIndex.map { read.triples[Int($0)] } == built.tripleIndex.map { built.triples[Int($0)] })
        let stored = try #require(try reopened.readColumnarSection("property:price", version: read.version))
        let price = try stored.withUnsafeBytes { try ColumnarCodec.decodeProperty($0, eventCount: read.eventCount) }
        #expect(price.valueIndex.map { price.values[Int($0)] }
                == [.real(12.5), .integer(12), .integer(9_007_199_254_740_993), .text("abc"), .real(-0.5), .missing, .missing])

        // Another import replaces the copy: the old version's rows are gone, the new one has the new event.
        let before = read.version
        _ = try reopened.importEvents([directory.file("more.csv", "customer_id,timestamp,stage,price\nd,2024-02-01T00:00:00Z,awareness,3\n")])
        let after = try reopened.columnarEvents()
        #expect(after.eventCount == built.eventCount + 1)
        #expect(try reopened.readColumnarSection("base", version: before) == nil)
        let newPrice = try #require(try reopened.readColumnarSection("property:price", version: after.version))
        let column = try newPrice.withUnsafeBytes { try ColumnarCodec.decodeProperty($0, eventCount: after.eventCount) }
        #expect(column.valueIndex.map { column.values[Int($0)] }.last == .integer(3))
    }

    /// A property column missing from the copy (a section lost, or a property no import stored) is made from each
    /// event's property object, and kept for the next process.
    @Test func aMissingPropertyColumnIsMadeFromTheObjectsAndKept() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.mixedStore(directory)
        let events = try store.columnarEvents()
        let stored = try store.propertyColumn("price", of: events, isCancelled: { false })
        let emptied = try EventStore(path: directory.path("store.db"), access: .create)
        try emptied.db.execute("DELETE FROM columnar WHERE name LIKE 'property:price#%'")
        let read = try emptied.columnarEvents()
        #expect(try emptied.readColumnarSection("property:price", version: read.version) == nil)
        _ = try ColumnarSource(events: read, store: emptied)
            .prepare(ScanRequest(filter: .constant(true), steps: [.property("price", .greater, .number(1))]),
                     partitions: 1, isCancelled: { false })
        let kept = try #require(try emptied.readColumnarSection("property:price", version: read.version))
        let column = try kept.withUnsafeBytes { try ColumnarCodec.decodeProperty($0, eventCount: read.eventCount) }
        #expect(column.valueIndex.map { column.values[Int($0)] } == stored.valueIndex.map { stored.values[Int($0)] })
    }

    @Test func keepingAMadeColumnDoesNotWaitForAnotherWriter() throws {
        let directory = try TemporaryDirectory()
        _ = try Self.mixedStore(directory).columnarEvents()
        let writer = try EventStore(path: directory.path("store.db"), access: .create)
        try writer.db.execute("DELETE FROM columnar WHERE name LIKE 'property:price#%'")
        try writer.db.execute("BEGIN IMMEDIATE")
        let reader = try EventStore(path: directory.path("store.db"), access: .create)
        let started = ContinuousClock.now
        let read = try reader.columnarEvents()
        _ = try reader.propertyColumn("price", of: read, isCancelled: { false })
        // The busy timeout is 5 s; skipping the write must not come near it.
        #expect(ContinuousClock.now - started < .seconds(2))
        try writer.db.execute("COMMIT")
        #expect(try reader.readColumnarSection("property:price", version: read.version) == nil)
        // With the writer gone, the next connection keeps it.
        let next = try EventStore(path: directory.path("store.db"), access: .create)
        _ = try next.propertyColumn("price", of: try next.columnarEvents(), isCancelled: { false })
        #expect(try next.readColumnarSection("property:price", version: read.version) != nil)
    }

    /// The copy is where the events are: a damaged one is reported (by queries, SQL and `check`), never read.
    @Test func aDamagedCopyIsReportedNotRead() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.mixedStore(directory)
        _ = try store.columnarEvents()
        try store.db.execute("UPDATE columnar SET data = substr(data, 1, length(data) / 2) WHERE name LIKE 'base#%'")
        let reopened = try EventStore(path: directory.path("store.db"), access: .create)
        #expect(throws: StoreError.self) { try reopened.columnarEvents() }
        #expect(throws: StoreError.self) { try reopened.rawEvents() }
        let problems = try reopened.check()
        #expect(problems.count == 1 && problems[0].hasPrefix("the events cannot be read"), "\(problems)")
        // Each section is read by check, the import sequence numbers too (which queries do not read).
        for section in ["props", "seq", "property:price"] {
            let fresh = try TemporaryDirectory()
            try Self.mixedStore(fresh).db.execute("UPDATE columnar SET data = substr(data, 1, 10) WHERE name LIKE '\(section)#%'")
            let found = try EventStore(path: fresh.path("store.db")).check()
            #expect(found.count == 1 && found.first?.hasPrefix("the events cannot be read") == true, "\(section): \(found)")
        }
    }

    @Test func codecRoundTripsExtremeValues() throws {
        let events = ColumnarEvents(
            version: EventsVersion(eventCount: 4, nextSeq: 99), customers: [-5, 0, Int64.max],
            starts: [0, 2, 3, 4], times: [Int64.min, Int64.max, -1, 0], tripleIndex: [0, 1, 1, 0],
            triples: [CodeTriple(stage: nil, touchpoint: Int64.max, channel: -3), CodeTriple(stage: 0, touchpoint: nil, channel: nil)])
        let decoded = try ColumnarCodec.encode(events).withUnsafeBytes { try ColumnarCodec.decodeBase($0) }
        #expect(decoded.customers == events.customers && decoded.starts == events.starts && decoded.times == events.times)
        #expect(decoded.tripleIndex == events.tripleIndex && decoded.triples == events.triples && decoded.version == events.version)
        let column = PropertyColumn(valueIndex: [3, 0, 1, 2],
                                    values: [.missing, .text("é"), .real(-0.0), .json("[1]")])
        let back = try ColumnarCodec.encode(column).withUnsafeBytes { try ColumnarCodec.decodeProperty($0, eventCount: 4) }
        #expect(back.valueIndex == column.valueIndex && back.values == column.values)
    }

    /// Random customers in blocks of 1 to 9 customers (the blocks are decoded on several threads), and the same
    /// columns in version 1's single stream, written here by hand as the code before blocks wrote them.
    @Test func blocksAndVersion1DecodeAlike() throws {
        var rng = JourneyStore.SplitMix64(seed: 77)
        for round in 0..<40 {
            let customerCount = Int.random(in: 1...60, using: &rng)
            var customers: [Int64] = [], starts: [Int32] = [0], times: [Int64] = []
            var id = Int64.random(in: -1000...1000, using: &rng)
            for _ in 0..<customerCount {
                id += Int64.random(in: 1...500, using: &rng)
                customers.append(id)
                var t = Int64.random(in: -1_000_000...1_000_000_000, using: &rng)
                for _ in 0..<Int.random(in: 1...(round % 4 == 0 ? 300 : 5), using: &rng) {
                    t += Int64.random(in: 0...100_000, using: &rng)
                    times.append(t)
                }
                starts.append(Int32(times.count))
            }
            let triples = (0..<Int.random(in: 1...min(300, times.count), using: &rng)).map { CodeTriple(stage: Int64($0), touchpoint: nil, channel: 1) }
            let tripleIndex = times.map { _ in UInt32.random(in: 0..<UInt32(triples.count), using: &rng) }
            let events = ColumnarEvents(version: EventsVersion(eventCount: Int64(times.count), nextSeq: Int64(times.count) + 5),
                                        customers: customers, starts: starts, times: times, tripleIndex: tripleIndex,
                                        triples: triples)
            let blocked = ColumnarCodec.encode(events, blockCustomers: Int.random(in: 1...9, using: &rng))
            var v1 = ByteWriter()
            v1.bytes += ColumnarCodec.baseMagicVersion1
            v1.varint(UInt64(times.count)); v1.varint(UInt64(times.count + 5))
            v1.varint(UInt64(customerCount)); v1.varint(UInt64(triples.count))
            for triple in triples {
                for column in EventColumn.allCases { v1.varint(triple[column].map { ColumnarCodec.zigzag($0) &+ 1 } ?? 0) }
            }
            var previous: Int64 = 0
            for c in 0..<customerCount {
                v1.varint(ColumnarCodec.zigzag(customers[c] - previous))
                previous = customers[c]
                v1.varint(UInt64(starts[c + 1] - starts[c]))
                v1.varint(ColumnarCodec.zigzag(times[Int(starts[c])]))
                for i in Int(starts[c]) + 1 ..< Int(starts[c + 1]) { v1.varint(UInt64(times[i] - times[i - 1])) }
            }
            v1.fixedWidth(tripleIndex, maximum: UInt32(triples.count - 1))
            for bytes in [blocked, v1.bytes] {
                let decoded = try bytes.withUnsafeBytes { try ColumnarCodec.decodeBase($0) }
                #expect(decoded.customers == customers && decoded.starts == starts && decoded.times == times, "round \(round)")
                #expect(decoded.tripleIndex == tripleIndex && decoded.triples == triples && decoded.version == events.version)
            }
            // Cut short, or a block's length off by one: an error, never a crash or wrong columns.
            for damaged in [Array(blocked.dropLast()), Array(blocked.prefix(blocked.count / 2))] {
                #expect(throws: StoreError.self) { try damaged.withUnsafeBytes { try ColumnarCodec.decodeBase($0) } }
            }
        }
    }
}

@Suite struct PropertyReaderTests {
    /// The columnar copy reads plain objects itself and must get exactly SQLite's values: many random numbers in
    /// every short form (integers, decimals, negative, leading zeros after the point), text with and without
    /// escapes, repeated keys, nested values, and keys it does not read.
    @Test func valuesEqualJSONExtract() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        var rng = SplitMix64(seed: 0xBEEF)
        var lines: [String] = []
        for i in 0..<3000 {
            let whole = Int64.random(in: -99_999...99_999_999, using: &rng)
            let digits = Int.random(in: 0...6, using: &rng)
            let fraction = digits == 0 ? "" : "." + String(repeating: "0", count: Int.random(in: 0...2, using: &rng))
                + String(Int.random(in: 0...9999, using: &rng)).prefix(digits)
            let number = "\(whole)\(fraction)"
            let extra: String
            switch i % 6 {
            case 0: extra = #", "n": 1, "n": "second""#
            case 1: extra = #", "t": "tab\tand \"quote\"""#
            case 2: extra = #", "t": {"nested": [1, 2]}"#
            case 3: extra = #", "t": 12345678901234567890"#
            case 4: extra = #", "t": 1.5e3"#
            default: extra = #", "t": "plain é""#
            }
            lines.append(#"{"customer_id": "c\#(i % 50)", "ts": \#(1_704_067_200 + i), "n": \#(number)\#(extra)}"#)
        }
        _ = try store.importEvents([directory.file("events.jsonl", lines.joined(separator: "\n"))])
        let events = try store.columnarEvents()
        let columns = try store.derivedPropertyColumns(["n", "t", "absent"], of: events, isCancelled: { false })
        let statement = try store.db.prepare("""
            SELECT json_type(props, '$."n"'), json_extract(props, '$."n"'), json_type(props, '$."t"'), json_extract(props, '$."t"')
            FROM events_json ORDER BY customer, time, seq
            """)
        func stored(_ type: String?, _ value: SQLValue) -> StoredValue {
            switch (type, value) {
            case (nil, _), ("null", _): .missing
            case (_, .integer(let i)) where type == "integer" || type == "real": .integer(i)
            case (_, .real(let d)): .real(d)
            case ("text", .text(let t)): .text(t)
            case ("true", _): .boolean(true)
            case ("false", _): .boolean(false)
            case (_, .text(let t)): .json(t)
            default: .missing
            }
        }
        var event = 0, mismatches = 0
        while try statement.step() {
            let n = stored(statement.text(0), statement.value(1)), t = stored(statement.text(2), statement.value(3))
            let gotN = columns["n"]!.values[Int(columns["n"]!.valueIndex[event])]
            let gotT = columns["t"]!.values[Int(columns["t"]!.valueIndex[event])]
            if gotN != n || gotT != t {
                mismatches += 1
                if mismatches <= 5 { Issue.record("event \(event): n \(gotN) vs SQLite \(n); t \(gotT) vs \(t)") }
            }
            event += 1
        }
        #expect(event == 3000 && mismatches == 0)
        #expect(columns["absent"]!.values == [.missing])
    }
}
