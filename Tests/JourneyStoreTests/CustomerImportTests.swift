// Importing customers: attributes typed like properties, replacement on re-import, new ids, attribute counts.
import Testing
@testable import JourneyStore

@Suite struct CustomerImportTests {
    @Test func attributesAreStoredAndReplaced() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        _ = try store.importEvents([directory.file("events.csv", "customer_id,timestamp\na,2024-01-01\nb,2024-01-01\n")])

        let first = try store.importCustomers(directory.file("customers.csv", """
            customer_id,segment,region,score
            a,b2b,emea,10
            c,b2c,,2.5

            """))
        #expect(first.imported == 2)
        #expect(first.newCustomers == 1)
        #expect(try store.rawCustomers() == [
            "a": ["segment": .text("b2b"), "region": .text("emea"), "score": .number(10)],
            "b": [:],
            "c": ["segment": .text("b2c"), "score": .number(2.5)],
        ])
        #expect(try store.customerID("c") == 3)
        var catalog = try store.catalog()
        #expect(catalog.customerCount == 3)
        #expect(catalog.customerAttributes == [NamedCount(name: "score", count: 2), NamedCount(name: "segment", count: 2),
                                               NamedCount(name: "region", count: 1)])

        let second = try store.importCustomers(directory.file("again.jsonl", """
            {"id": "a", "segment": "b2c"}
            {"id": "b", "tier": 3}
            """), options: ImportOptions(mapping: ["customer": "id"]))
        #expect(second.imported == 2)
        #expect(second.newCustomers == 0)
        let customers = try store.rawCustomers()
        #expect(customers["a"] == ["segment": .text("b2c")])
        #expect(customers["b"] == ["tier": .number(3)])
        catalog = try store.catalog()
        #expect(catalog.customerAttributes == [NamedCount(name: "segment", count: 2), NamedCount(name: "score", count: 1),
                                               NamedCount(name: "tier", count: 1)])

        // Later events for a customer first seen in a customers file reuse its number.
        _ = try store.importEvents([directory.file("later.csv", "customer_id,timestamp\nc,2024-02-01\n")])
        #expect(try store.rawEvents().last?.customer == "c")
        #expect(try store.customerID("c") == 3)
    }

    /// A customers file small next to the store looks its customers up by key instead of reading every stored key,
    /// and takes the names of the attributes its rows replace off the stored counts: the same customers, numbers and
    /// counts as SQLite's recount, in a new process and again in the same one, and with a customer given twice
    /// (SQLite recounts).
    @Test func smallFilesLookCustomersUp() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store.db")
        do {
            let store = try EventStore(path: path, access: .create)
            var events = "customer_id,timestamp\n", customers = "customer_id,segment,region\n"
            for i in 0..<2000 {
                events += "k\(i),2024-01-01\n"
                customers += "k\(i),s\(i % 3)," + (i % 2 == 0 ? "emea" : "") + "\n"
            }
            _ = try store.importEvents([directory.file("events.csv", events)])
            #expect(!CustomerImporter.looksUpCustomers(fileBytes: Int64(customers.utf8.count), customers: 2000))
            _ = try store.importCustomers(directory.file("all.csv", customers))
            #expect(store.importState?.hasEveryCustomer == true)
        }
        let store = try EventStore(path: path)
        func expectCountsEqualRecount(_ note: Comment) throws {
            let stored = try store.db.prepare("SELECT name, count FROM fields WHERE kind = 1")
            var counted: [String: Int64] = [:]
            while try stored.step() { counted[stored.text(0) ?? ""] = stored.int64(1) }
            let recount = try store.db.prepare("SELECT j.key, count(*) FROM customers c, json_each(c.attrs) j GROUP BY j.key")
            var expected: [String: Int64] = [:]
            while try recount.step() { expected[recount.text(0) ?? ""] = recount.int64(1) }
            #expect(counted == expected, note)
        }
        let small = "customer_id,region,tier\nk4,,gold\nnew1,apac,\nk7,,\n"
        #expect(CustomerImporter.looksUpCustomers(fileBytes: Int64(small.utf8.count), customers: 2000))
        let first = try store.importCustomers(directory.file("small.csv", small))
        #expect(first.imported == 3 && first.newCustomers == 1)
        #expect(store.importState?.hasEveryCustomer == false)
        #expect(try store.customerID("new1") == 2001)
        var customers = try store.rawCustomers()
        #expect(customers.count == 2001)
        #expect(customers["k4"] == ["tier": .text("gold")] && customers["k7"] == [:] && customers["new1"] == ["region": .text("apac")])
        #expect(customers["k6"] == ["segment": .text("s0"), "region": .text("emea")])
        try expectCountsEqualRecount("first small file")
        // k4 lost its segment and region, k7 its segment; new1 brought a region.
        #expect(try store.catalog().customerAttributes == [NamedCount(name: "segment", count: 1998), NamedCount(name: "region", count: 1000),
                                                          NamedCount(name: "tier", count: 1)])

        // Again in this process (the import state, without every customer, is loaded again: all are looked up).
        _ = try store.importCustomers(directory.file("again.jsonl", """
            {"customer_id": "k4", "segment": "x"}
            {"customer_id": "new1", "tier": "silver"}
            {"customer_id": "k10"}
            {"customer_id": "new2", "segment": "y"}
            """))
        customers = try store.rawCustomers()
        #expect(customers["k4"] == ["segment": .text("x")] && customers["new1"] == ["tier": .text("silver")])
        #expect(customers["k10"] == [:] && customers["new2"] == ["segment": .text("y")])
        #expect(try store.customerID("new2") == 2002)
        try expectCountsEqualRecount("second small file")

        // A customer given twice: the last row wins, and SQLite recounts.
        let twice = try store.importCustomers(directory.file("twice.csv", "customer_id,tier\nk20,a\nk20,b\n"))
        #expect(twice.repeatedCustomers == 1)
        #expect(try store.rawCustomers()["k20"] == ["tier": .text("b")])
        try expectCountsEqualRecount("a customer twice")
        #expect(try store.check() == [])
    }

    /// New customers' keys are written 256 a statement and the rest at the end: 700 new customers between stored
    /// ones get the next numbers in file order, each findable by key, and later events reuse them.
    @Test func manyNewCustomersAreNumberedInFileOrder() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        _ = try store.importEvents([directory.file("events.csv", "customer_id,timestamp\na,2024-01-01\nb,2024-01-01\nc,2024-01-01\n")])
        var csv = "customer_id,tier\n"
        for i in 0..<700 {
            csv += "n\(i),t\(i % 7)\n"
            if i == 300 { csv += "b,gold\n" }
        }
        let report = try store.importCustomers(directory.file("customers.csv", csv))
        #expect(report.imported == 701 && report.newCustomers == 700)
        #expect(try store.customerID("n0") == 4 && store.customerID("n255") == 259 && store.customerID("n256") == 260)
        #expect(try store.customerID("n699") == 703 && store.customerID("b") == 2)
        let customers = try store.rawCustomers()
        #expect(customers.count == 703)
        #expect(customers["n512"] == ["tier": .text("t1")] && customers["b"] == ["tier": .text("gold")] && customers["a"] == [:])
        #expect(try store.catalog().customerCount == 703)
        #expect(try store.check() == [])
        _ = try store.importEvents([directory.file("later.csv", "customer_id,timestamp\nn600,2024-02-01\n")])
        #expect(try store.rawEvents().last?.customer == "n600")
        #expect(try store.customerID("n600") == 604)
    }

    /// A customers import counts attribute names while it stores rows and reads back only the stored customers it
    /// did not give: the counts must equal SQLite's recount over the stored attributes, for CSV and JSON Lines, with
    /// empty fields, rows without attributes, a second file giving some customers again and some new ones, and
    /// (falling back to the recount) a customer given twice.
    @Test func attributeCountsEqualTheRecount() throws {
        var rng = SplitMix64(seed: 5)
        for round in 0..<12 {
            let directory = try TemporaryDirectory()
            let store = try EventStore(path: directory.path("store.db"), access: .create)
            for pass in 0..<2 {
                let names = pass == 0 ? ["segment", "region", "score", "tier"] : ["tier", "plan", "segment"]
                var csv = "customer_id," + names.joined(separator: ",") + "\n"
                var jsonl = ""
                let count = Int.random(in: 1...200, using: &rng)
                let first = pass == 0 ? 0 : Int.random(in: 0...150, using: &rng)
                for i in first..<(first + count) {
                    let id = round % 3 == 0 && i == first + count - 1 ? "k\(first)" : "k\(i)"
                    let values = names.map { _ in Bool.random(using: &rng) ? "" : "v\(Int.random(in: 0...3, using: &rng))" }
                    csv += id + "," + values.joined(separator: ",") + "\n"
                    let members = zip(names, values).filter { !$0.1.isEmpty }.map { "\"\($0.0)\": \"\($0.1)\"" }
                    jsonl += "{\"customer_id\": \"\(id)\"" + members.map { ", " + $0 }.joined() + "}\n"
                }
                let file = try (round + pass) % 2 == 0 ? directory.file("c\(pass).csv", csv) : directory.file("c\(pass).jsonl", jsonl)
                _ = try store.importCustomers(file)
                let stored = try store.db.prepare("SELECT name, count FROM fields WHERE kind = 1 ORDER BY name")
                var counted: [String: Int64] = [:]
                while try stored.step() { counted[stored.text(0) ?? ""] = stored.int64(1) }
                let recount = try store.db.prepare(
                    "SELECT j.key, count(*) FROM customers c, json_each(c.attrs) j GROUP BY j.key ORDER BY j.key")
                var expected: [String: Int64] = [:]
                while try recount.step() { expected[recount.text(0) ?? ""] = recount.int64(1) }
                #expect(counted == expected, "round \(round), pass \(pass)")
                #expect(!expected.isEmpty || count < 3)
            }
        }
    }

    @Test func badCustomerRowsFailOrAreSkipped() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let file = try directory.file("customers.csv", "user_id,segment\nx,b2b\n,b2c\ny,b2c,extra\nz,b2b\n")
        #expect(throws: StoreError.badInput(file: file, line: 3, column: 1, message: "missing customer id")) {
            try store.importCustomers(file)
        }
        #expect(try store.rawCustomers().isEmpty)
        let report = try store.importCustomers(file, options: ImportOptions(skipBadRows: true))
        #expect(report.imported == 2)
        #expect(report.skipped.map(\.line) == [3, 4])
        #expect(try store.rawCustomers().keys.sorted() == ["x", "z"])
        let noID = try directory.file("noid.csv", "name,segment\nx,b2b\n")
        let error = try #require(throws: StoreError.self) { try store.importCustomers(noID) }
        #expect(error.badInputParts?.message.hasPrefix("no customer column") == true)
    }
}
