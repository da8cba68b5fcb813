// Importing events: round trip through rawEvents, typing, NULLs, seq order, atomicity, skipping, mapping, errors.
import Foundation
import Testing
@testable import JourneyStore

@Suite struct ImportTests {
    static let sample = #"""
        customer_id,timestamp,stage,touchpoint,channel,device,amount,note
        c2,2024-01-02T00:00:00Z,purchase,checkout_complete,web,mobile,19.90,"hello, ""world"""
        c1,2024-01-01,awareness,ad_click,social,,,
        c1,2024-01-01,awareness,ad_impression,social,desktop,007,x
        c2,1704067200,,site_visit,,tablet,-3,

        """#
    static let jan1: Int64 = 1_704_067_200_000
    static let jan2: Int64 = 1_704_153_600_000

    /// The catalog's events per stage, touchpoint and channel add up each import's rows (hand-counted), new values
    /// and values an earlier import added alike; NULLs are not counted.
    @Test func dictionaryCountsAddUpAcrossImports() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        _ = try store.importEvents([directory.file("events.csv", Self.sample)])
        func counts(_ values: [NamedCount]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: values.map { ($0.name, $0.count) })
        }
        var catalog = try store.catalog()
        #expect(counts(catalog.stages) == ["purchase": 1, "awareness": 2])
        #expect(counts(catalog.touchpoints) == ["checkout_complete": 1, "ad_click": 1, "ad_impression": 1, "site_visit": 1])
        #expect(counts(catalog.channels) == ["web": 1, "social": 2])

        _ = try store.importEvents([directory.file("more.csv", """
            customer_id,timestamp,stage,touchpoint,channel
            c3,2024-01-03,awareness,site_visit,email
            c1,2024-01-04,purchase,site_visit,web

            """)])
        catalog = try store.catalog()
        #expect(counts(catalog.stages) == ["purchase": 2, "awareness": 3])
        #expect(counts(catalog.touchpoints) == ["checkout_complete": 1, "ad_click": 1, "ad_impression": 1, "site_visit": 3])
        #expect(counts(catalog.channels) == ["web": 2, "social": 2, "email": 1])
    }

    /// Two CSV files of one import whose property columns stand in other orders: a row of each has the same
    /// field bytes (so the same raw property key, `CSVEventLayout.RawProperties`) but other properties, and each
    /// keeps its own; a third file's row with the first file's values shares the first file's object.
    @Test func filesWithOtherPropertyColumnsKeepTheirOwnObjects() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let report = try store.importEvents([
            directory.file("a.csv", "customer_id,timestamp,device,plan\nc1,2024-01-01,x,y\nc2,2024-01-01,,y\n"),
            directory.file("b.csv", "customer_id,timestamp,plan,device\nc1,2024-01-02,x,y\nc2,2024-01-02,,y\n"),
            directory.file("c.csv", "customer_id,timestamp,device,plan,note\nc3,2024-01-03,x,y,\n"),
        ])
        #expect(report.imported == 5)
        let events = try store.rawEvents().map { event in
            "\(event.customer) \(event.seq): " + event.properties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        #expect(events == [
            #"c1 1: device=text("x") plan=text("y")"#,
            #"c1 3: device=text("y") plan=text("x")"#,
            #"c2 2: plan=text("y")"#,
            #"c2 4: device=text("y")"#,
            #"c3 5: device=text("x") plan=text("y")"#,
        ])
        // Four distinct objects: c3's is c1's first.
        let db = try Database(path: directory.path("store.db"))
        let objects = try db.prepare("SELECT json FROM props ORDER BY id")
        var texts: [String] = []
        while try objects.step() { texts.append(objects.text(0) ?? "") }
        #expect(texts == [#"{"device":"x","plan":"y"}"#, #"{"plan":"y"}"#, #"{"plan":"x","device":"y"}"#, #"{"device":"y"}"#])
    }

    @Test func roundTripKeepsOrderTypesAndNulls() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let report = try store.importEvents([directory.file("events.csv", Self.sample)])
        #expect(report.imported == 4)
        #expect(report.newCustomers == 2)
        #expect(report.skipped.isEmpty)

        let events = try store.rawEvents()
        #expect(events == [
            RawEvent(customer: "c1", time: Self.jan1, seq: 2, stage: "awareness", touchpoint: "ad_click", channel: "social"),
            RawEvent(customer: "c1", time: Self.jan1, seq: 3, stage: "awareness", touchpoint: "ad_impression", channel: "social",
                     properties: ["device": .text("desktop"), "amount": .text("007"), "note": .text("x")]),
            RawEvent(customer: "c2", time: Self.jan1, seq: 4, stage: nil, touchpoint: "site_visit", channel: nil,
                     properties: ["device": .text("tablet"), "amount": .number(-3)]),
            RawEvent(customer: "c2", time: Self.jan2, seq: 1, stage: "purchase", touchpoint: "checkout_complete", channel: "web",
                     properties: ["device": .text("mobile"), "amount": .number(19.9), "note": .text(#"hello, "world""#)]),
        ])

        let catalog = try store.catalog()
        #expect(catalog.eventCount == 4)
        #expect(catalog.customerCount == 2)
        #expect(catalog.timeRange == Self.jan1...Self.jan2)
        #expect(catalog.stages == [NamedCount(name: "awareness", count: 2), NamedCount(name: "purchase", count: 1)])
        #expect(catalog.channels == [NamedCount(name: "social", count: 2), NamedCount(name: "web", count: 1)])
        #expect(catalog.touchpoints.count == 4)
        #expect(catalog.properties == [NamedCount(name: "amount", count: 3), NamedCount(name: "device", count: 3),
                                       NamedCount(name: "note", count: 2)])
        #expect(catalog.codes[.stage]?["purchase"] != nil)
        #expect(catalog.stageOrder == StoreCatalog.defaultStageOrder)

        // A second import continues the sequence and reuses customers and codes.
        let second = try store.importEvents([directory.file("more.csv", """
            user_id,ts,event,stage
            c1,2024-01-01,ad_click,awareness
            c3,2024-01-01,ad_click,
            """)])
        #expect(second.imported == 2)
        #expect(second.newCustomers == 1)
        let all = try store.rawEvents()
        #expect(all.map(\.seq) == [2, 3, 5, 4, 1, 6])
        #expect(all[2].touchpoint == "ad_click" && all[2].customer == "c1")
        let updated = try store.catalog()
        #expect(updated.eventCount == 6)
        #expect(updated.touchpoints.first == NamedCount(name: "ad_click", count: 3))
        #expect(updated.stages.first == NamedCount(name: "awareness", count: 3))
    }

    @Test func malformedRowRollsBackEverything() throws {
        let directory = try TemporaryDirectory()
        let storePath = directory.path("store.db")
        let store = try EventStore(path: storePath, access: .create)
        _ = try store.importEvents([directory.file("good.csv", Self.sample)])
        try store.setMetadata("stage_order", "awareness,purchase")
        let catalogBefore = try store.catalog()
        let snapshotBefore = try store.snapshot()
        let eventsBefore = try store.rawEvents()
        try store.checkpoint()
        let bytesBefore = try Data(contentsOf: URL(fileURLWithPath: storePath))

        let fine = try directory.file("fine.csv", "customer_id,timestamp\nnew1,2024-03-01\nnew2,2024-03-02\n")
        let bad = try directory.file("bad.csv", """
            customer_id,timestamp,touchpoint
            c9,2024-02-01,brand_new_touchpoint
            c9,2024-13-01,ad_click
            """)
        #expect(throws: StoreError.badInput(file: bad, line: 3, column: 4,
                                            message: "cannot read '2024-13-01' as a time (column 'timestamp')")) {
            try store.importEvents([fine, bad])
        }
        #expect(try store.snapshot() == snapshotBefore)
        #expect(try store.rawEvents() == eventsBefore)
        let catalogAfter = try store.catalog()
        #expect(catalogAfter.eventCount == catalogBefore.eventCount)
        #expect(catalogAfter.touchpoints == catalogBefore.touchpoints)
        #expect(catalogAfter.stageOrder == ["awareness", "purchase"])
        try store.checkpoint()
        #expect(try Data(contentsOf: URL(fileURLWithPath: storePath)) == bytesBefore)

        // The failed import consumed no sequence numbers, customer numbers or codes.
        let report = try store.importEvents([fine])
        #expect(report.newCustomers == 2)
        #expect(try store.rawEvents().filter { $0.customer.hasPrefix("new") }.map(\.seq) == [5, 6])
        #expect(try store.customerID("new1") == 3)
    }

    @Test func fieldCountErrorsPointAtTheFault() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let short = try directory.file("short.csv", "customer_id,timestamp,stage\nc1,2024-01-01,awareness\nc1,2024-01-01\n")
        #expect(throws: StoreError.badInput(file: short, line: 3, column: 14, message: "expected 3 fields, found 2")) {
            try store.importEvents([short])
        }
        let long = try directory.file("long.csv", "customer_id,timestamp\nc1,2024-01-01,extra\n")
        #expect(throws: StoreError.badInput(file: long, line: 2, column: 15, message: "expected 2 fields, found 3")) {
            try store.importEvents([long])
        }
        let quote = try directory.file("quote.csv", "customer_id,timestamp\n\"c1\"x,2024-01-01\n")
        let error = try #require(throws: StoreError.self) { try store.importEvents([quote]) }
        #expect(error.badInputParts?.line == 2)
        #expect(error.badInputParts?.column == 5)
        let missing = try directory.file("missing.csv", "customer_id,timestamp\n,2024-01-01\n")
        #expect(throws: StoreError.badInput(file: missing, line: 2, column: 1, message: "missing customer id (column 'customer_id')")) {
            try store.importEvents([missing])
        }
        #expect(try store.catalog().eventCount == 0)
        // A store's only index is the customers' key index: events live in the columnar copy.
        #expect(try store.indexNames() == ["customers_key"])
        _ = try store.importEvents([directory.file("ok.csv", "customer_id,timestamp,stage\nc1,2024-01-01,awareness\n")])
        #expect(try store.indexNames() == ["customers_key"])
    }

    @Test func skipBadRowsListsThem() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let file = try directory.file("mixed.csv", """
            customer_id,timestamp,touchpoint
            a,2024-01-01,x
            b,yesterday,x
            c,2024-01-02,x
            d,2024-01-03
            "e,2024-01-04,x
            """)
        let report = try store.importEvents([file], options: ImportOptions(skipBadRows: true))
        #expect(report.imported == 2)
        #expect(report.skipped.map(\.line) == [3, 5, 6])
        #expect(report.skipped.map(\.column) == [3, 13, 1])
        #expect(report.skipped[0].message == "cannot read 'yesterday' as a time (column 'timestamp')")
        #expect(report.skipped[1].message == "expected 3 fields, found 2")
        #expect(try store.rawEvents().map(\.customer) == ["a", "c"])
        #expect(report.newCustomers == 2)
    }

    @Test func mappingOverridesRecognition() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let file = try directory.file("mapped.csv", "uid,ts,event,what\nu1,2024-01-01,pageview,signup\n")
        let options = ImportOptions(mapping: ["customer": "uid", "TIME": "ts", "touchpoint": "What"])
        _ = try store.importEvents([file], options: options)
        #expect(try store.rawEvents() == [
            RawEvent(customer: "u1", time: Self.jan1, seq: 1, stage: nil, touchpoint: "signup", channel: nil,
                     properties: ["event": .text("pageview")]),
        ])

        let wrong = ImportOptions(mapping: ["time": "when"])
        let error = try #require(throws: StoreError.self) { try store.importEvents([file], options: wrong) }
        #expect(error.badInputParts?.message.contains("'when', which does not exist (the columns are 'uid', 'ts', 'event', 'what')") == true)

        let unknown = ImportOptions(mapping: ["colour": "what"])
        #expect(throws: StoreError.file(path: file, message: "unknown field 'colour' in the column mapping (fields are customer, time, stage, touchpoint, channel)")) {
            try store.importEvents([file], options: unknown)
        }
        #expect(throws: StoreError.file(path: file, message: "the mapping reads both customer and time from column 'uid'")) {
            try store.importEvents([file], options: ImportOptions(mapping: ["time": "uid", "customer": "UID"]))
        }
        // An empty column name turns recognition off: 'event' becomes a property.
        let plain = try directory.file("plain.csv", "customer_id,timestamp,event\nz,2024-01-01,view\n")
        _ = try store.importEvents([plain], options: ImportOptions(mapping: ["touchpoint": ""]))
        #expect(try store.rawEvents().last?.properties == ["event": .text("view")])
        #expect(try store.rawEvents().last?.touchpoint == nil)
        let noTime = try directory.file("notime.csv", "customer_id,when\nc,2024-01-01\n")
        let timeError = try #require(throws: StoreError.self) { try store.importEvents([noTime]) }
        #expect(timeError.badInputParts?.message.hasPrefix("no time column (looked for timestamp, ts, time, event_time, datetime); the columns are 'customer_id', 'when'") == true)
        #expect(try store.catalog().eventCount == 2)
    }

    @Test func headerProblemsAreReported() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let quoted = try directory.file("q.csv", "customer_id,timestamp,\"a\"\"b\"\nc,2024-01-01,1\n")
        let error = try #require(throws: StoreError.self) { try store.importEvents([quoted]) }
        #expect(error.badInputParts?.column == 23)
        #expect(error.badInputParts?.message.contains("double quote") == true)
        let twice = try directory.file("twice.csv", "customer_id,timestamp,Device,device\n")
        #expect(throws: StoreError.badInput(file: twice, line: 1, column: 30, message: "column 'device' appears twice in the header (columns 3 and 4)")) {
            try store.importEvents([twice])
        }
        let empty = try directory.file("empty.csv", "")
        #expect(throws: StoreError.badInput(file: empty, line: 1, column: 1, message: "the file is empty: a header row naming the columns is required")) {
            try store.importEvents([empty])
        }
        #expect(throws: StoreError.self) { try store.importEvents([directory.path("absent.csv")]) }
        let text = try directory.file("events.txt", "x")
        #expect(throws: StoreError.file(path: text, message: "unknown format: name the file .csv, .jsonl, .ndjson or .json, or give the format")) {
            try store.importEvents([text])
        }
    }

    @Test func jsonLines() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let file = try directory.file("events.jsonl", """
            {"user_id": "u1", "ts": "2024-01-02T00:00:00Z", "event": "cart_add", "price": 12.5, "vip": true, "gone": null, "tags": [1, "a b"], "empty": ""}

            {"user_id": 42, "ts": 1704067200, "event": "view", "meta": {"k": "v"}, "stage": "consideration"}\r
            """)
        let report = try store.importEvents([file])
        #expect(report.imported == 2)
        #expect(try store.rawEvents() == [
            RawEvent(customer: "42", time: Self.jan1, seq: 2, stage: "consideration", touchpoint: "view", channel: nil,
                     properties: ["meta": .text(#"{"k":"v"}"#)]),
            RawEvent(customer: "u1", time: Self.jan2, seq: 1, stage: nil, touchpoint: "cart_add", channel: nil,
                     properties: ["price": .number(12.5), "vip": .text("true"), "tags": .text(#"[1,"a b"]"#)]),
        ])
        let bad = try directory.file("bad.ndjson", "{\"user_id\": \"u\", \"ts\": \"2024-01-01\"}\n{\"user_id\": \"u\", \"ts\" \"x\"}\n")
        #expect(throws: StoreError.badInput(file: bad, line: 2, column: 23, message: "invalid JSON: expected ':' after the member name")) {
            try store.importEvents([bad])
        }
        let badTime = try directory.file("badtime.json", "{\"user_id\": \"u\", \"ts\": \"2024-02-30\"}\n")
        #expect(throws: StoreError.badInput(file: badTime, line: 1, column: 24, message: "cannot read '2024-02-30' as a time (member 'ts')")) {
            try store.importEvents([badTime])
        }
        let array = try directory.file("array.json", "[{\"user_id\": \"u\"}]\n")
        let error = try #require(throws: StoreError.self) { try store.importEvents([array]) }
        #expect(error.badInputParts?.message.contains("found an array") == true)
        #expect(try store.catalog().eventCount == 2)
    }

    @Test func invalidUTF8IsRejectedWhereItIs() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let bytes = Array("customer_id,timestamp,note\nc1,2024-01-01,ok\nc2,2024-01-01,b".utf8) + [0xFF, 0xFE] + Array("d\n".utf8)
        let file = try directory.bytes("bad-utf8.csv", bytes)
        #expect(throws: StoreError.badInput(file: file, line: 3, column: 15, message: "invalid UTF-8 (column 'note')")) {
            try store.importEvents([file])
        }
        let report = try store.importEvents([file], options: ImportOptions(skipBadRows: true))
        #expect(report.imported == 1 && report.skipped.map(\.line) == [3])
    }

    @Test func jsonLinesSkipsAndLocatesBadLines() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let file = try directory.file("mixed.jsonl", """
            {"customer": "a", "time": "2024-01-01"}
            {"customer": "b"}
            {"customer": true, "time": "2024-01-01"}
            {"customer": "c", "time": "2024-01-01", "we\\"ird": 1}
            not json
            {"customer": "d", "time": 1704067200000}
            """)
        let report = try store.importEvents([file], options: ImportOptions(skipBadRows: true))
        #expect(report.imported == 2)
        #expect(report.skipped.map(\.line) == [2, 3, 4, 5])
        #expect(report.skipped.map(\.column) == [1, 14, 41, 1])
        #expect(report.skipped[0].message == "missing time (looked for timestamp, ts, time, event_time, datetime; the members are 'customer')")
        #expect(report.skipped[1].message == "a customer id must be text or a number (member 'customer')")
        #expect(report.skipped[3].message == "invalid JSON: expected a JSON object ('{') at the start of the line")
        #expect(try store.rawEvents().map(\.customer) == ["a", "d"])
    }

    @Test func formatOptionOverridesExtension() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let file = try directory.file("events.data", "customer_id,timestamp\nx,2024-01-01\n")
        let report = try store.importEvents([file], options: ImportOptions(format: .csv))
        #expect(report.imported == 1)
    }

    @Test func progressIsReported() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        var text = "customer_id,timestamp\n"
        for i in 0..<250_000 { text += "c\(i % 1000),\(1_704_067_200 + i)\n" }
        let file = try directory.file("big.csv", text)
        var reports: [ImportProgress] = []
        let report = try store.importEvents([file]) { reports.append($0) }
        #expect(report.imported == 250_000)
        // Rows as they are read, then as they are stored (none, then all: one batch).
        let reading = reports.filter { $0.phase == .reading }
        let writing = reports.filter { $0.phase == .writing }
        #expect(reading.map(\.rows) == [100_000, 200_000, 250_000])
        #expect(reading.last?.bytesRead == Int64(text.utf8.count))
        #expect(reading.last?.totalBytes == Int64(text.utf8.count))
        #expect(writing.map(\.written) == [0, 250_000])
        #expect(writing.allSatisfy { $0.rows == 250_000 })
        #expect(writing.last?.fraction == 1)
        #expect(reports.map(\.phase) == reading.map { _ in .reading } + writing.map { _ in .writing })
        #expect(reports.last?.rows == 250_000)
    }

    @Test func interruptCancelsAnImport() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        var text = "customer_id,timestamp\n"
        for i in 0..<20_000 { text += "c\(i),2024-01-01\n" }
        let file = try directory.file("big.csv", text)
        let handle = store.interruptHandle
        // The first progress report (at the end of the first file) interrupts; the import notices within 4096 rows.
        #expect(throws: StoreError.cancelled) {
            try store.importEvents([file, file, file, file, file, file]) { _ in handle.interrupt() }
        }
        #expect(try store.catalog().eventCount == 0)
    }

    @Test func smallImportIntoManyCustomersLooksThemUp() throws {
        let directory = try TemporaryDirectory()
        do {
            // 2,000 customers, k0000 ... k1999, numbered 1 ... 2000 in key order.
            let store = try EventStore(path: directory.path("store.db"), access: .create)
            var text = "customer_id,timestamp\n"
            for i in 0..<2000 { text += "k\(String(i + 10000).dropFirst()),2024-01-01\n" }
            _ = try store.importEvents([directory.file("many.csv", text)])
            #expect(try store.customerID("k0000") == 1 && store.customerID("k1999") == 2000)
        }
        // Another process: it has no import state yet.
        let store = try EventStore(path: directory.path("store.db"), access: .create)

        // A 3-row file (about 2 rows by its size) against 2,000 customers: they are looked up, not all read.
        let small = try directory.file("small.csv", "customer_id,timestamp\nk0500,2024-02-01\nnew1,2024-02-01\nk1999,2024-02-02\n")
        #expect(try ImportState.load(store, expectedRows: Int64(small.utf8.count) / EventImporter.bytesPerEventEstimate).hasEveryCustomer == false)
        let first = try store.importEvents([small])
        #expect(first.imported == 3 && first.newCustomers == 1)
        #expect(try store.customerID("k0500") == 501 && store.customerID("new1") == 2001 && store.customerID("k1999") == 2000)
        #expect(store.importState?.hasEveryCustomer == false)

        // Again in the same process: the customers looked up before are known, the others looked up again.
        let second = try store.importEvents([directory.file("again.csv", "customer_id,timestamp\nnew1,2024-03-01\nk0001,2024-03-01\nnew2,2024-03-01\n")])
        #expect(second.newCustomers == 1)
        #expect(try store.customerID("new2") == 2002 && store.customerID("k0001") == 2)
        #expect(try store.catalog().customerCount == 2002)

        // A larger import in the same process reads every customer instead of looking each up.
        var larger = "customer_id,timestamp\n"
        for i in 0..<2000 { larger += "k\(String(i + 10000).dropFirst()),2024-04-01\n" }
        #expect(Int64(larger.utf8.count) / EventImporter.bytesPerEventEstimate * ImportState.customersPerRowForLookups >= 2002)
        let third = try store.importEvents([directory.file("larger.csv", larger)])
        #expect(third.newCustomers == 0)
        #expect(store.importState?.hasEveryCustomer == true)

        // Attributes need every customer: the state is read whole, and they attach to the right ones.
        _ = try store.importCustomers(directory.file("attributes.csv", "customer_id,tier\nk0500,gold\nnew2,silver\nnew3,bronze\n"))
        #expect(store.importState?.hasEveryCustomer == true)
        #expect(try store.customerID("new3") == 2003)
        let customers = try store.rawCustomers()
        #expect(customers.count == 2003)
        #expect(customers["k0500"] == ["tier": .text("gold")] && customers["new2"] == ["tier": .text("silver")])
        let events = try store.rawEvents()
        #expect(events.count == 4006)
        #expect(events.filter { $0.customer == "k0500" }.count == 3 && events.filter { $0.customer == "new1" }.count == 2)
    }

    @Test func jsonLinesOfManyShapesCountEveryProperty() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        // 100 member lists, met in turn three times: more than the parser remembers (64), so shapes are forgotten
        // and met again, and their counts must still add up.
        var text = ""
        for i in 0..<300 {
            text += "{\"customer_id\":\"c\(i % 7)\",\"timestamp\":\"2024-01-01T00:00:\(String(i % 60 + 100).dropFirst())Z\",\"p\(i % 100)\":\(i),\"common\":\"x\"}\n"
        }
        let report = try store.importEvents([directory.file("shapes.jsonl", text)])
        #expect(report.imported == 300)
        let properties = try store.catalog().properties
        #expect(properties.count == 101)
        #expect(properties.first { $0.name == "common" }?.count == 300)
        #expect(properties.filter { $0.name.hasPrefix("p") }.allSatisfy { $0.count == 3 })
        let events = try store.rawEvents()
        #expect(events.filter { $0.properties["p42"] != nil }.map { $0.properties["p42"] } == [.number(42), .number(142), .number(242)])
    }

    @Test func interruptWhileWritingLeavesTheStoreAsItWas() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        _ = try store.importEvents([directory.file("first.csv", "customer_id,timestamp\nkept,2024-01-01\n")])
        var text = "customer_id,timestamp,device\n"
        for i in 0..<150_000 { text += "c\(i % 5000),\(1_704_067_200 + i),d\(i % 3)\n" }
        let file = try directory.file("big.csv", text)
        let handle = store.interruptHandle
        // Interrupted once the file is read, while the other core sorts and this one writes the rows.
        #expect(throws: StoreError.cancelled) {
            try store.importEvents([file]) { if $0.phase == .writing && $0.written > 0 { handle.interrupt() } }
        }
        #expect(try store.catalog().eventCount == 1)
        #expect(try store.rawEvents().map(\.customer) == ["kept"])
        #expect(try store.catalog().customerCount == 1)
        // The same import then goes through whole.
        let report = try store.importEvents([file])
        #expect(report.imported == 150_000 && report.newCustomers == 5000)
        #expect(try store.catalog().eventCount == 150_001)
        #expect(try store.catalog().properties.map(\.name) == ["device"])
    }

    @Test func jsonLinesFieldsOfEveryKind() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        // Fields given as numbers, booleans, escaped strings and padded times; properties likewise.
        let file = try directory.file("kinds.jsonl", #"""
            {"customer_id": 4200, "timestamp": " 2024-01-01T00:00:00Z ", "stage": "aw\"are", "touchpoint": 12345, "channel": true, "x": "a\nb", "n": -1.5e3, "e": "caf\u00e9"}
            {"customer_id": "c\u0031", "timestamp": 1704153600, "stage": "", "touchpoint": null, "channel": "web", "n": 0}
            """#)
        #expect(try store.importEvents([file]).imported == 2)
        #expect(try store.rawEvents() == [
            RawEvent(customer: "4200", time: Self.jan1, seq: 1, stage: "aw\"are", touchpoint: "12345", channel: "true",
                     properties: ["x": .text("a\nb"), "n": .number(-1500), "e": .text("café")]),
            RawEvent(customer: "c1", time: Self.jan2, seq: 2, stage: nil, touchpoint: nil, channel: "web",
                     properties: ["n": .number(0)]),
        ])
    }
}
