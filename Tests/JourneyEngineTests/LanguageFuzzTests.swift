// A seeded, grammar-aware fuzzer for the lexer, parser, checker and statement splitter, run for a bounded time:
// random token soups, grammar examples cut and spliced, and the inputs that once crashed or hung (issue 11).
// Every input must come back as statements or diagnostics (never a crash) and within a time bound.
// JOURNEY_FUZZ_SECONDS=60 swift test --filter LanguageFuzzTests runs it longer; JOURNEY_FUZZ_SEED picks the seed.
import Foundation
import Testing
@testable import JourneyEngine
import JourneyStore

@Suite("Language fuzzing")
struct LanguageFuzzTests {
    /// The project's seeded generator (JourneyStore's SplitMix64), so a failing input can be made again from its seed.
    struct Random {
        var rng: SplitMix64
        init(state: UInt64) { rng = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { rng.next() }
        mutating func below(_ n: Int) -> Int { Int.random(in: 0..<max(1, n), using: &rng) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static let words = Parser.keywords + [
        "awareness", "consideration", "purchase", "ad_click", "cart_add", "channel", "social", "web", "device",
        "mobile", "amount", "customer.segment", "b2b", "time", "stage", "touchpoint", "$w", "$n", "$since",
        "2024-01-01", "2024-01-31T10:00:00Z", "30", "7d", "2h", "0", "-1", "1e309", "'x'", "'it''s'", "'", "''",
        "(", ")", "[", "]", ",", ";", "|", "?", "=", "!=", "<>", "<", "<=", ">", ">=", "..", ".", "-", "*",
        "--", "\n", "\t", " ", "\u{0}", "\u{FEFF}", "é", "😀", "\r", "\\",
    ]

    /// Inputs that crashed, hung or blew up before: each must stay handled.
    static let seeds: [String] = [
        "FROM awareness TO purchase WHERE channel IN (" + (0..<2000).map { "v\($0)" }.joined(separator: ", ") + ")",
        "SET STAGES " + Array(repeating: "awareness", count: 2000).joined(separator: ", "),
        "FROM " + String(repeating: "x", count: 200_000) + " TO purchase",
        String(repeating: "(", count: 5000) + "channel = web" + String(repeating: ")", count: 5000),
        String(repeating: "SHOW CHANNELS;\n", count: 2000),
        String(repeating: "\n", count: 20_000) + "FROM x TO y",
        "\u{FEFF}FROM awareness TO purchase",
        "PATHS FROM awareness TO purchase TOP 0",
        "TIMES awareness TO purchase",
        "FROM awareness TO purchase LIMIT 0 WITHIN $w",
        "EXPECT customers AT STEP 99 BETWEEN 1 AND",
        "FROM awareness TO purchase WHERE device = 'mo\u{0}bile'",
    ]

    static let catalog = TestCatalog.make(stages: ["awareness", "consideration", "purchase"],
                                          touchpoints: ["ad_click", "cart_add", "checkout"],
                                          channels: ["social", "web"], properties: ["device", "amount"],
                                          attributes: ["segment"])

    /// Lexes, parses, splits and checks `text`; returns how long it took.
    func exercise(_ text: String) -> Duration {
        ContinuousClock().measure {
            var splitter = StatementSplitter()
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) { _ = splitter.add(line: String(line)) }
            _ = splitter.finish()
            _ = Session.completeness(of: text)
            let source = SourceText(text, name: "<fuzz>")
            let parsed = Parser.parse(source, parameters: ["w": "7 days", "n": "3", "since": "2024-01-01"])
            for statement in parsed.statements {
                let outcome = Checker.check(statement, catalog: Self.catalog, source: source,
                                            parameters: ["w": "7 days"], knownValues: { _ in ["mobile", "desktop"] })
                for d in DiagnosticRenderer.capped(outcome.diagnostics) { _ = DiagnosticRenderer.render(d, in: source) }
            }
            for d in DiagnosticRenderer.capped(parsed.diagnostics) { _ = DiagnosticRenderer.render(d, in: source) }
        }
    }

    @Test func knownTroubleStaysHandledAndFast() {
        for seed in Self.seeds {
            let elapsed = exercise(seed)
            #expect(elapsed < .seconds(10), "\(elapsed) for an input starting \(seed.prefix(60).debugDescription)")
        }
    }

    @Test func randomInputsNeverCrashOrHang() {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["JOURNEY_FUZZ_SECONDS"].flatMap(Double.init) ?? 3
        var random = Random(state: environment["JOURNEY_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_241_204)
        let examples = Self.seeds.filter { $0.utf8.count < 200 } + [
            "FROM awareness TO consideration? TO purchase WITHIN 30 days BY channel LIMIT 5",
            "FROM ad_click TO cart_add WITHIN 2h WHERE channel IN (social, web) AND device != mobile",
            "FROM ANY TO (cart_add | checkout) TO purchase[amount > 100] EXCLUDING ad_click BETWEEN 1 AND 2",
            "LET paid = channel IN (social); SEGMENT b AS customer.segment = b2b; FROM awareness TO purchase FOR b",
            "EXPLAIN CUSTOMER c1 FROM awareness TO purchase SAME device TIES ANY ORDER",
            "EXPECT pct_of_first AT STEP purchase WHERE channel = web BETWEEN 1 AND 2; EXPECT ROWS = 3",
        ]
        let deadline = ContinuousClock.now + .seconds(seconds)
        var count = 0
        while ContinuousClock.now < deadline {
            let text: String
            switch random.below(3) {
            case 0:  // a soup of the language's tokens
                text = (0..<random.below(40)).map { _ in random.pick(Self.words) }.joined(separator: random.pick([" ", "", "\n"]))
            case 1:  // an example with a piece cut out and another spliced in
                var chars = Array(random.pick(examples))
                if !chars.isEmpty {
                    let at = random.below(chars.count), length = random.below(8)
                    chars.removeSubrange(at..<min(chars.count, at + length))
                    chars.insert(contentsOf: random.pick(Self.words), at: min(chars.count, random.below(chars.count + 1)))
                }
                text = String(chars)
            default:  // random bytes, invalid UTF-8 included
                text = String(decoding: (0..<random.below(120)).map { _ in UInt8(truncatingIfNeeded: random.next()) }, as: UTF8.self)
            }
            let elapsed = exercise(text)
            #expect(elapsed < .seconds(2), "\(elapsed) for \(text.debugDescription)")
            count += 1
        }
        #expect(count > 100, "only \(count) inputs in \(seconds) s")
    }
}
