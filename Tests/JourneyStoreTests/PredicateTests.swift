// Predicate translation on a tiny hand-built store: SQL's three-valued answers, masks, order, EXPLAIN, cancelling.
import Testing
@testable import JourneyStore

@Suite struct PredicateTests {
    /// a: three events (two in the same second), b: one. Only a has attributes.
    static func tinyStore(_ directory: TemporaryDirectory) throws -> EventStore {
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        _ = try store.importEvents([directory.file("events.csv", """
            customer_id,timestamp,stage,touchpoint,channel,amount,device
            a,2024-01-01T00:00:00Z,awareness,ad_click,social,,mobile
            a,2024-01-01T00:00:00Z,consideration,site_visit,web,5,
            a,2024-01-02T00:00:00Z,purchase,checkout_complete,,120.5,desktop
            b,2024-01-03T00:00:00Z,awareness,ad_click,email,abc,mobile
            """)])
        _ = try store.importCustomers(directory.file("customers.csv", "customer_id,segment,employees\na,b2b,40\n"))
        return store
    }

    static let click = "a@2024-01-01T00:00:00Z#1"
    static let visit = "a@2024-01-01T00:00:00Z#1"
    static let buy = "a@2024-01-02T00:00:00Z#1"
    static let other = "b@2024-01-03T00:00:00Z#1"

    @Test func propertiesAreThreeValued() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.tinyStore(directory)
        let amountOver10 = Predicate.property("amount", .greater, .number(10))
        #expect(try store.admitted(amountOver10) == [Self.buy])
        // Missing amounts and the text 'abc' are unknown, so NOT keeps only the known small number.
        #expect(try store.admitted(Predicate.not(amountOver10)) == [Self.visit])
        #expect(try store.admitted(Predicate.property("amount", .equal, .text("abc"))) == [Self.other])
        #expect(try store.admitted(Predicate.property("amount", .notEqual, .text("abc"))) == [])
        #expect(try store.admitted(Predicate.or([amountOver10, .not(amountOver10)])) == [Self.visit, Self.buy])
        #expect(try store.admitted(Predicate.property("device", .less, .text("e"))) == [Self.buy])
        #expect(try store.admitted(Predicate.property("nothing", .equal, .text("x"))) == [])
        #expect(try store.admitted(Predicate.not(.property("nothing", .equal, .text("x")))) == [])
        #expect(try store.admitted(Predicate.not(.property("bad\"name", .equal, .text("x")))) == [])
    }

    @Test func codesTimeAndCustomers() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.tinyStore(directory)
        let codes = try store.catalog().codes
        let web = try #require(codes[.channel]?["web"])
        let email = try #require(codes[.channel]?["email"])
        #expect(try store.admitted(Predicate.codes(.channel, [web, email])) == [Self.visit, Self.other])
        #expect(try store.admitted(Predicate.not(.codes(.channel, [web, email]))) == [Self.click])
        // An empty code set is false, except on a NULL column where it is unknown.
        #expect(try store.admitted(Predicate.codes(.channel, [])) == [])
        #expect(try store.admitted(Predicate.not(.codes(.channel, []))) == [Self.click, Self.visit, Self.other])
        #expect(try store.admitted(Predicate.time(.greaterOrEqual, 1_704_153_600_000)) == [Self.buy, Self.other])
        #expect(try store.admitted(Predicate.customer(.equal, "b")) == [Self.other])
        #expect(try store.admitted(Predicate.customer(.less, "b")) == [Self.click, Self.visit, Self.buy])
        #expect(try store.admitted(Predicate.not(.customer(.notEqual, "a"))) == [Self.click, Self.visit, Self.buy])
        #expect(try store.admitted(Predicate.and([])) == [Self.click, Self.visit, Self.buy, Self.other])
        #expect(try store.admitted(Predicate.or([])) == [])
        #expect(try store.admitted(Predicate.constant(true), filter: Predicate.constant(false)) == [])
    }

    @Test func customerAttributesAreThreeValued() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.tinyStore(directory)
        let b2b = Predicate.customerAttribute("segment", .equal, .text("b2b"))
        #expect(try store.admitted(b2b) == [Self.click, Self.visit, Self.buy])
        // a is b2b (false under NOT); b has no attributes (unknown): nobody.
        #expect(try store.admitted(Predicate.not(b2b)) == [])
        #expect(try store.admitted(Predicate.customerAttribute("employees", .greaterOrEqual, .number(40))) == [Self.click, Self.visit, Self.buy])
        // A number literal against a text attribute is unknown.
        #expect(try store.admitted(Predicate.customerAttribute("segment", .notEqual, .number(1))) == [])
    }

    @Test func masksAndOrderPerCustomer() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.tinyStore(directory)
        let codes = try store.catalog().codes
        let click = try #require(codes[.touchpoint]?["ad_click"])
        let purchase = try #require(codes[.stage]?["purchase"])
        let request = ScanRequest(filter: .not(.customer(.equal, "zzz")),
                                  steps: [.codes(.touchpoint, [click]), .codes(.stage, [purchase]), .constant(true)])
        var seen: [CustomerEvents] = []
        try store.scanCustomers(request, isCancelled: { false }) { seen.append($0) }
        #expect(seen.map(\.customer) == [1, 2])
        #expect(seen.first?.times == [1_704_067_200_000, 1_704_067_200_000, 1_704_153_600_000])
        #expect(seen.first?.masks == [0b101, 0b100, 0b110])
        #expect(seen.last?.masks == [0b101])

        // Bit 63 comes back as the high bit of a UInt64.
        let wide = ScanRequest(filter: .constant(true), steps: Array(repeating: .constant(false), count: 63) + [.customer(.equal, "b")])
        var masks: [UInt64] = []
        try store.scanCustomers(wide, isCancelled: { false }) { masks += $0.masks }
        #expect(masks == [1 << 63])

        var none = 0
        try store.scanCustomers(ScanRequest(filter: .constant(true), steps: []), isCancelled: { false }) { _ in none += 1 }
        #expect(none == 0)
    }

    @Test func translationText() {
        let fragment = PredicateSQL.translate(.and([.not(.property("amount", .greater, .number(10))),
                                                    .codes(.stage, [1, 2]), .or([])]))
        #expect(fragment.sql == "((CASE WHEN json_type(e.props, ?) IN ('integer','real') THEN json_extract(e.props, ?) END) <= ? AND e.stage IN (?,?) AND 0)")
        #expect(fragment.bindings == [.text("$.\"amount\""), .text("$.\"amount\""), .real(10), .integer(1), .integer(2)])
        #expect(PredicateSQL.translate(.codes(.channel, [])).sql == "(CASE WHEN e.channel IS NULL THEN NULL ELSE 0 END)")
        #expect(PredicateSQL.translate(.customer(.lessOrEqual, "k")).sql == "e.customer IN (SELECT id FROM customers WHERE key <= ?)")
    }

    @Test func normalizationPushesNotsDownAndFlattens() {
        let p = Predicate.property("a", .less, .text("x"))
        #expect(PredicateSQL.normalized(.not(.not(p))) == p)
        #expect(PredicateSQL.normalized(.not(.and([p, .codes(.stage, [1])])))
                == .or([.property("a", .greaterOrEqual, .text("x")), .not(.codes(.stage, [1]))]))
        #expect(PredicateSQL.normalized(.or([.or([p, .constant(false)]), .and([p])])) == .or([p, p]))
        #expect(PredicateSQL.normalized(.and([p, .or([p, .constant(true)])])) == p)
        #expect(PredicateSQL.normalized(.and([p, .not(.constant(true))])) == .constant(false))
        #expect(PredicateSQL.normalized(.not(.or([]))) == .and([]))
        #expect(PredicateSQL.normalized(.not(.customer(.lessOrEqual, "k"))) == .customer(.greater, "k"))
        #expect(Comparison.allCases.allSatisfy { $0.complement.complement == $0 })
        for op in Comparison.allCases {
            for (a, b) in [(1, 2), (2, 2), (3, 2)] { #expect(op.holds(a, b) != op.complement.holds(a, b)) }
        }
    }

    @Test func deepAndWidePredicatesStayWithinSQLiteLimits() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.tinyStore(directory)
        var deep = Predicate.property("amount", .greater, .number(10))
        for _ in 0..<1201 { deep = .not(deep) }
        #expect(try store.admitted(deep) == [Self.visit])
        var nested = Predicate.constant(true)
        for level in 0..<300 { nested = level % 2 == 0 ? .and([nested, .constant(true)]) : .or([nested, .constant(false)]) }
        #expect(try store.admitted(nested).count == 4)
        // A genuine alternation of AND and OR cannot be flattened; a few dozen levels still run.
        let amount = Predicate.property("amount", .greater, .number(1))
        var alternating = Predicate.customer(.equal, "a")
        for level in 0..<40 { alternating = level % 2 == 0 ? .and([alternating, .not(.constant(false)), amount]) : .or([alternating, amount]) }
        #expect(try store.admitted(alternating) == [Self.visit, Self.buy])
        let wide = Predicate.or((0..<5000).map { .property("amount", .equal, .number(Double($0) + 0.5)) })
        #expect(try store.admitted(wide) == [Self.buy])
        #expect(try store.admitted(Predicate.not(wide)) == [Self.visit])
        let sql = PredicateSQL.translate(wide).sql
        #expect(sql.prefix(4) == "((((")
        #expect(!sql.hasPrefix("((((((("))
    }

    @Test func explainShowsSQLBindingsAndPlan() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.tinyStore(directory)
        let request = ScanRequest(filter: .time(.less, 5), steps: [.property("campaign", .equal, .text("it's")), .codes(.stage, [1])])
        let explanation = try store.explain(request)
        #expect(explanation.sql == ScanQuery(request).fragment.sql)
        #expect(explanation.sql.contains("e.stage IN (?)"))
        #expect(explanation.sql.hasSuffix("ORDER BY e.customer, e.time, e.seq"))
        #expect(explanation.sql.hasPrefix("SELECT e.customer, e.time, (((CASE WHEN json_type"))
        #expect(explanation.bindings == ["'$.\"campaign\"'", "'$.\"campaign\"'", "'it''s'", "1", "5",
                                         "'$.\"campaign\"'", "'$.\"campaign\"'", "'it''s'", "1"])
        #expect(!explanation.plan.isEmpty)
        #expect(explanation.plan.contains { $0.contains("events") || $0.contains(" e ") || $0.hasPrefix("SCAN e") || $0.hasPrefix("SEARCH e") })
    }

    /// The events come from `journey_events` in (customer, time, seq) order: the scan's ORDER BY needs no sort,
    /// and a condition on the customer narrows the table's scan to the customers it allows.
    @Test func theEventsTableIsReadInOrder() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        _ = try store.importEvents([directory.bytes("events.csv", JourneyGenerator(customers: 300, seed: 8, scenario: .retail).eventsCSV())])
        let catalog = try store.catalog()
        let awareness = try #require(catalog.codes[.stage]?["awareness"])
        let plan = try store.explain(ScanRequest(filter: .constant(true), steps: [.codes(.stage, [awareness])])).plan
        #expect(!plan.joined().contains("TEMP B-TREE"), "\(plan)")
        func rows(_ sql: String, _ bindings: [SQLValue] = []) throws -> [[Int64]] {
            let statement = try store.db.prepare(sql)
            try statement.bind(bindings)
            var out: [[Int64]] = []
            while try statement.step() { out.append((0..<3).map { statement.int64(Int32($0)) }) }
            return out
        }
        let all = try rows("SELECT customer, time, seq FROM events")
        #expect(all.count == Int(catalog.eventCount))
        #expect(all == all.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(all.map { $0[2] }.sorted() == Array(1...Int64(all.count)))
        // Ranges of customers, as SQLite hands them to the table's plan, against the whole table filtered here.
        for (sql, keep) in [("customer = ?", { (c: Int64) in c == 7 }), ("customer > ?", { $0 > 7 }),
                            ("customer >= ?", { $0 >= 7 }), ("customer < ?", { $0 < 7 }), ("customer <= ?", { $0 <= 7 })] {
            for value: SQLValue in [.integer(7), .real(7.0)] {
                #expect(try rows("SELECT customer, time, seq FROM events WHERE \(sql)", [value]) == all.filter { keep($0[0]) }, "\(sql)")
            }
        }
        #expect(try rows("SELECT customer, time, seq FROM events WHERE customer > 6.5 AND customer < 9.5") == all.filter { (7...9).contains($0[0]) })
        #expect(try rows("SELECT customer, time, seq FROM events WHERE customer = 'x'").isEmpty)
        #expect(try rows("SELECT customer, time, seq FROM events WHERE customer BETWEEN 3 AND 4") == all.filter { (3...4).contains($0[0]) })
    }

    @Test func scansCanBeCancelled() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let generator = JourneyGenerator(customers: 2000, seed: 3, scenario: .retail)
        _ = try store.importEvents([directory.bytes("events.csv", generator.eventsCSV())])
        var calls = 0
        #expect(throws: StoreError.cancelled) {
            try store.scanCustomers(ScanRequest(filter: .constant(true), steps: [.constant(true)]),
                                    isCancelled: { true }) { _ in calls += 1 }
        }
        // A filter that admits nothing still stops: SQLite polls while skipping rows.
        #expect(throws: StoreError.cancelled) {
            try store.scanCustomers(ScanRequest(filter: .time(.less, 0), steps: [.constant(true)]), isCancelled: { true }) { _ in }
        }
        var customers = 0
        try store.scanCustomers(ScanRequest(filter: .constant(true), steps: [.constant(true)]), isCancelled: { false }) { _ in customers += 1 }
        #expect(customers == 2000)
    }
}
