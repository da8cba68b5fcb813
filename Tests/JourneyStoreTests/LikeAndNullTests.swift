// LIKE and IS NULL predicates: the pattern matcher against SQLite's GLOB on random patterns, their SQL's
// three-valued answers on a tiny store, GLOB metacharacters in the data, and the counting queries SHOW uses.
import Testing
@testable import JourneyStore

@Suite struct LikeAndNullTests {
    private func pattern(_ text: String, escape: Unicode.Scalar? = nil) -> LikePattern { LikePattern(text, escape: escape)! }

    @Test func patternsMatchWholeValuesCaseSensitively() {
        #expect(pattern("check%").matches("checkout_complete"))
        #expect(!pattern("Check%").matches("checkout_complete"))
        #expect(!pattern("checkout_").matches("checkout_complete"))
        #expect(pattern("%_%").matches("x") && !pattern("%_%").matches(""))
        #expect(pattern("%").matches("") && pattern("").matches("") && !pattern("").matches("a"))
        #expect(pattern("_").matches("ä") && !pattern("__").matches("ä"))
        #expect(pattern("a%b%c").matches("aXbYbZc") && !pattern("a%b%c").matches("acb"))
        #expect(pattern("%%a%%").matches("bab"))
        #expect(pattern("a!_%", escape: "!").matches("a_b") && !pattern("a!_%", escape: "!").matches("ab"))
        #expect(pattern("100!%", escape: "!").matches("100%") && !pattern("100!%", escape: "!").matches("1000"))
        #expect(pattern("a!!", escape: "!").matches("a!"))
        #expect(LikePattern("a!", escape: "!") == nil)
        #expect(pattern("a*?[%_").glob == "a[*][?][[]*?")
        #expect(pattern("it's").description == "'it''s'")
        #expect(pattern("a!%", escape: "!").description == "'a!%' ESCAPE '!'")
    }

    /// The matcher (used on dictionary values) and SQLite's GLOB of the rewritten pattern (used on properties,
    /// attributes and customer ids) must agree on every value, whatever characters the pattern and value hold.
    @Test func matcherAgreesWithSQLiteGlob() throws {
        let directory = try TemporaryDirectory()
        let db = try Database(path: directory.path("glob.db"))
        let statement = try db.prepare("SELECT ? GLOB ?")
        var rng = SplitMix64(seed: 77)
        let patternAlphabet: [String] = ["a", "b", "%", "_", "*", "?", "[", "]", "!", "ä", "A", "^", "-"]
        let valueAlphabet: [String] = ["a", "b", "*", "?", "[", "]", "!", "ä", "A", "^", "-", "%", "_"]
        var mismatches = 0
        for _ in 0..<5000 where mismatches < 5 {
            let p = (0..<Int.random(in: 0...6, using: &rng)).map { _ in patternAlphabet.randomElement(using: &rng)! }.joined()
            let v = (0..<Int.random(in: 0...6, using: &rng)).map { _ in valueAlphabet.randomElement(using: &rng)! }.joined()
            guard let like = LikePattern(p, escape: Bool.random(using: &rng) ? "!" : nil) else { continue }
            statement.reset()
            try statement.bind([.text(v), .text(like.glob)])
            _ = try statement.step()
            let sqlite = statement.int64(0) == 1
            if sqlite != like.matches(v) {
                mismatches += 1
                Issue.record("'\(v)' LIKE \(like): matcher \(like.matches(v)), GLOB '\(like.glob)' \(sqlite)")
            }
        }
    }

    @Test func likeIsThreeValued() throws {
        let directory = try TemporaryDirectory()
        let store = try PredicateTests.tinyStore(directory)
        let (click, visit, buy, other) = (PredicateTests.click, PredicateTests.visit, PredicateTests.buy, PredicateTests.other)
        let mobile = Predicate.like(.property("device"), pattern("mob%"))
        #expect(try store.admitted(mobile) == [click, other])
        // The visit has no device: unknown, under NOT too.
        #expect(try store.admitted(.not(mobile)) == [buy])
        // Numbers are unknown: only 'abc' is text.
        #expect(try store.admitted(.like(.property("amount"), pattern("%"))) == [other])
        #expect(try store.admitted(.not(.like(.property("amount"), pattern("%")))) == [])
        #expect(try store.admitted(.like(.column(.channel), pattern("%e%"))) == [visit, other])
        #expect(try store.admitted(.not(.like(.column(.channel), pattern("%e%")))) == [click])
        #expect(try store.admitted(.like(.customer, pattern("a"))) == [click, visit, buy])
        #expect(try store.admitted(.not(.like(.customer, pattern("a")))) == [other])
        #expect(try store.admitted(.like(.customerAttribute("segment"), pattern("B2B"))) == [])
        #expect(try store.admitted(.like(.customerAttribute("segment"), pattern("b2_"))) == [click, visit, buy])
        #expect(try store.admitted(.not(.like(.customerAttribute("segment"), pattern("x%")))) == [click, visit, buy])
        #expect(try store.admitted(.like(.property("bad\"name"), pattern("%"))) == [])
    }

    @Test func isNullIsTwoValued() throws {
        let directory = try TemporaryDirectory()
        let store = try PredicateTests.tinyStore(directory)
        let (click, visit, buy, other) = (PredicateTests.click, PredicateTests.visit, PredicateTests.buy, PredicateTests.other)
        #expect(try store.admitted(.isNull(.property("amount"))) == [click])
        #expect(try store.admitted(.not(.isNull(.property("amount")))) == [visit, buy, other])
        #expect(try store.admitted(.isNull(.column(.channel))) == [buy])
        #expect(try store.admitted(.not(.isNull(.column(.channel)))) == [click, visit, other])
        #expect(try store.admitted(.isNull(.customerAttribute("segment"))) == [other])
        #expect(try store.admitted(.isNull(.customerAttribute("employees"))) == [other])
        #expect(try store.admitted(.isNull(.customer)) == [])
        #expect(try store.admitted(.not(.isNull(.customer))) == [click, visit, buy, other])
        #expect(try store.admitted(.isNull(.property("bad\"name"))) == [click, visit, buy, other])
        // The same through the unindexed form of the scan (as a filter) and through the indexed one (as a step).
        #expect(try store.admitted(.constant(true), filter: .isNull(.column(.channel))) == [buy])
    }

    @Test func globMetacharactersInTheDataAreLiteral() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let rows = ["a*b", "a?b", "a[b]", "A*B", "ä", "a%b", "a_b"].enumerated().map { i, device in
            "c\(i),2024-01-01T00:00:00Z,awareness,ad_click,\(device)"
        }
        _ = try store.importEvents([directory.file("events.csv", "customer_id,timestamp,stage,touchpoint,device\n" + rows.joined(separator: "\n"))])
        func devices(_ p: LikePattern) throws -> [String] {
            try store.admitted(.like(.property("device"), p)).map { String($0.prefix { $0 != "@" }) }
        }
        #expect(try devices(pattern("a*b")) == ["c0"])
        #expect(try devices(pattern("a?b")) == ["c1"])
        #expect(try devices(pattern("a[b]")) == ["c2"])
        #expect(try devices(pattern("%]")) == ["c2"])
        #expect(try devices(pattern("a_b")) == ["c0", "c1", "c5", "c6"])
        #expect(try devices(pattern("a\\%b", escape: "\\")) == ["c5"])
        #expect(try devices(pattern("a\\_b", escape: "\\")) == ["c6"])
        #expect(try devices(pattern("_")) == ["c4"])
        #expect(try devices(pattern("a%")) == ["c0", "c1", "c2", "c5", "c6"])
    }

    @Test func translationText() {
        let like = PredicateSQL.translate(.like(.property("device"), pattern("m_%")))
        #expect(like.sql == "(CASE WHEN json_type(e.props, ?) = 'text' THEN json_extract(e.props, ?) END) GLOB ?")
        #expect(like.bindings == [.text("$.\"device\""), .text("$.\"device\""), .text("m?*")])
        #expect(PredicateSQL.translate(.like(.customer, pattern("c%"))).sql == "e.customer IN (SELECT id FROM customers WHERE key GLOB ?)")
        #expect(PredicateSQL.translate(.isNull(.column(.stage))).sql == "(e.stage IS NULL)")
        #expect(PredicateSQL.translate(.isNull(.property("amount"))).sql == "(coalesce(json_type(e.props, ?), 'null') = 'null')")
        #expect(PredicateSQL.translate(.isNull(.customer)).sql == "0")
        // NOT stays above LIKE and IS NULL: there is no complementary pattern, and IS NULL is never unknown anyway.
        #expect(PredicateSQL.normalized(.not(.or([.like(.customer, pattern("a")), .isNull(.column(.channel))])))
                == .and([.not(.like(.customer, pattern("a"))), .not(.isNull(.column(.channel)))]))
    }

    @Test func countsForShow() throws {
        let directory = try TemporaryDirectory()
        let store = try PredicateTests.tinyStore(directory)
        let counts = try store.countMatching([.isNull(.property("amount")), .constant(true), .constant(false),
                                              .customerAttribute("segment", .equal, .text("b2b"))])
        #expect(counts.map(\.events) == [1, 4, 0, 3])
        #expect(counts.map(\.customers) == [1, 2, 0, 1])
        #expect(try store.countMatching(Array(repeating: .constant(true), count: 250)).count == 250)
        #expect(try store.countCustomers(matching: .customerAttribute("segment", .equal, .text("b2b"))) == 1)
        #expect(try store.countCustomers(matching: .isNull(.customerAttribute("segment"))) == 1)
        // Event fields are missing on the customers' own rows: unknown, never counted.
        #expect(try store.countCustomers(matching: .not(.codes(.stage, [1]))) == 0)
        #expect(try store.countCustomers(matching: .constant(true)) == 2)
    }
}
