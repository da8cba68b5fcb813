// Whole statements through Session on a tiny hand-written log whose funnels are worked out by hand below,
// plus imports that must fail without changing the store.
import Foundation
import Testing
import JourneyEngine
import JourneyStore

// The log, in file (import) order. Times are 2024-03-01, UTC. Customers c1 and c2 each have two events in
// the same second, written consideration-first, so which one "comes first" is decided by import order alone.
//
//   #   customer time      stage          event       channel  amount
//   1   c3       09:00:00  awareness      ad_click    social
//   2   c1       10:00:00  awareness      ad_click    social
//   3   c1       10:05:00  consideration  site_visit  web
//   4   c2       11:00:00  consideration  site_visit  web
//   5   c1       10:05:00  awareness      ad_click    social          (same second as #3, after it)
//   6   c2       11:00:00  awareness      ad_click    email           (same second as #4, after it)
//   7   c4       08:00:00  awareness      ad_click    email
//   8   c3       09:20:00  awareness      ad_click    social
//   9   c5       07:00:00  consideration  site_visit  web
//  10   c1       10:40:00  purchase       checkout    web      120
//  11   c4       08:01:00  consideration  site_visit  (none)
//  12   c3       09:50:00  purchase       checkout    app      80
//  13   c2       12:00:00  purchase       checkout    web      30
//  14   c5       07:30:00  purchase       checkout    web      n/a
private let events = """
    customer_id,timestamp,stage,event,channel,amount
    c3,2024-03-01T09:00:00Z,awareness,ad_click,social,
    c1,2024-03-01T10:00:00Z,awareness,ad_click,social,
    c1,2024-03-01T10:05:00Z,consideration,site_visit,web,
    c2,2024-03-01T11:00:00Z,consideration,site_visit,web,
    c1,2024-03-01T10:05:00Z,awareness,ad_click,social,
    c2,2024-03-01T11:00:00Z,awareness,ad_click,email,
    c4,2024-03-01T08:00:00Z,awareness,ad_click,email,
    c3,2024-03-01T09:20:00Z,awareness,ad_click,social,
    c5,2024-03-01T07:00:00Z,consideration,site_visit,web,
    c1,2024-03-01T10:40:00Z,purchase,checkout,web,120
    c4,2024-03-01T08:01:00Z,consideration,site_visit,,
    c3,2024-03-01T09:50:00Z,purchase,checkout,app,80
    c2,2024-03-01T12:00:00Z,purchase,checkout,web,30
    c5,2024-03-01T07:30:00Z,purchase,checkout,web,n/a

    """

private let minute = 60_000.0

/// A store in a fresh directory, filled with `events` through an IMPORT statement.
private final class Fixture {
    let directory: URL
    let session: Session

    init(csv: String = events) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        session = try Session(storePath: directory.appendingPathComponent("store.db").path, access: .create)
        let path = try write("events.csv", csv)
        let outcome = run("IMPORT '\(path)'")
        #expect(outcome.failure == nil, "\(outcome.failure?.rendered ?? "")")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ text: String) -> (events: [SessionEvent], failure: RunFailure?) {
        var emitted: [SessionEvent] = []
        do {
            try session.run(SourceText(text)) { emitted.append($0) }
            return (emitted, nil)
        } catch {
            return (emitted, error)
        }
    }

    /// The result rows of a single query.
    func rows(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [[Cell]] {
        let outcome = run(text)
        #expect(outcome.failure == nil, "\(outcome.failure?.rendered ?? "")", sourceLocation: sourceLocation)
        let results = outcome.events.compactMap { if case .result(let r) = $0 { r } else { nil } }
        #expect(results.count == 1, sourceLocation: sourceLocation)
        guard let result = results.first else { return [] }
        // These cases check the section-4 columns; later columns (p90, from start, in progress) have tests of their own.
        let wanted = ["step", "name", "customers", "pct_of_first", "pct_of_previous", "lost", "median_time_from_previous"]
        let indices = wanted.compactMap { result.columns.firstIndex(of: $0) }
        guard indices.count == wanted.count else { return result.rows }
        return result.rows.map { row in indices.map { row[$0] } }
    }
}

/// One funnel row: step, name, customers, % of first, % of previous, lost, median (ms).
private func row(_ step: Int, _ name: String, _ customers: Int, _ ofFirst: Double?, _ ofPrevious: Double?,
                 _ lost: Int?, _ median: Double?) -> [Cell] {
    [.int(Int64(step)), .text(name), .int(Int64(customers)), ofFirst.map(Cell.percent) ?? .null,
     ofPrevious.map(Cell.percent) ?? .null, lost.map { .int(Int64($0)) } ?? .null, median.map(Cell.duration) ?? .null]
}

@Suite("End to end")
struct EndToEndTests {
    @Test func importFillsTheCatalog() throws {
        let f = try Fixture()
        let catalog = f.session.catalog()
        #expect(catalog.eventCount == 14)
        #expect(catalog.customerCount == 5)
        #expect(Set(catalog.stages.map(\.name)) == ["awareness", "consideration", "purchase"])
        #expect(Set(catalog.touchpoints.map(\.name)) == ["ad_click", "site_visit", "checkout"])
        #expect(catalog.channels.first { $0.name == "web" }?.count == 6)
        #expect(catalog.properties.map(\.name) == ["amount"])
    }

    // FROM awareness TO purchase
    //   c1: starts #2, #5; from #2 the purchase is #10: level 2, gap 40 min.
    //   c2: start #6 (after #4 in import order); purchase #13: level 2, gap 60 min.
    //   c3: start #1; purchase #12: level 2, gap 50 min.
    //   c4: start #7, no purchase: level 1.      c5: no awareness: level 0.
    //   → 4, 3 (75 %, 75 %, lost 1), median of 40, 60, 50 = 50 min.
    @Test func awarenessToPurchase() throws {
        let f = try Fixture()
        #expect(f.rows("FROM awareness TO purchase") == [
            row(1, "awareness", 4, 100, nil, nil, nil),
            row(2, "purchase", 3, 75, 75, 1, 50 * minute),
        ])
    }

    // FROM awareness TO consideration TO purchase
    //   c1: #2 → #3 (5 min) → #10 (35 min): level 3.
    //   c2: start #6; the consideration #4 is before it in (time, import) order: level 1.
    //   c3: no consideration: level 1.    c4: #7 → #11 (1 min), no purchase: level 2.    c5: level 0.
    //   → 4, 2, 1; step 2 median of 5 and 1 min = 3 min; step 3 median 35 min.
    @Test func threeSteps() throws {
        let f = try Fixture()
        #expect(f.rows("FROM awareness TO consideration THEN purchase") == [
            row(1, "awareness", 4, 100, nil, nil, nil),
            row(2, "consideration", 2, 50, 50, 2, 3 * minute),
            row(3, "purchase", 1, 25, 50, 1, 35 * minute),
        ])
    }

    // FROM consideration TO awareness
    //   c1: #3 → #5 (same second, later import): level 2, gap 0.   c2: #4 → #6: level 2, gap 0.
    //   c4: #11, no awareness after: level 1.   c5: #9: level 1.   c3: no consideration.
    //   → 4, 2, median 0.
    @Test func tiesChainInImportOrder() throws {
        let f = try Fixture()
        #expect(f.rows("FROM consideration TO awareness") == [
            row(1, "consideration", 4, 100, nil, nil, nil),
            row(2, "awareness", 2, 50, 50, 2, 0),
        ])
    }

    // FROM awareness TO purchase WITHIN 35 minutes
    //   c1: from #2 the purchase is 40 min away; from #5 (10:05) it is exactly 35 min: level 2, gap 35 min.
    //   c2: 60 min: level 1.   c3: from #1 50 min; from #8 (09:20) 30 min: level 2, gap 30 min.   c4: level 1.
    //   → 4, 2, median of 35 and 30 = 32.5 min.
    @Test func laterStartsAndTheInclusiveWindow() throws {
        let f = try Fixture()
        #expect(f.rows("FROM awareness TO purchase WITHIN 35 minutes") == [
            row(1, "awareness", 4, 100, nil, nil, nil),
            row(2, "purchase", 2, 50, 50, 2, 32.5 * minute),
        ])
        // One second less and c1 no longer converts.
        #expect(f.rows("FROM awareness TO purchase WITHIN 2099s")[1][2] == .int(1))
    }

    // FROM awareness TO purchase WHERE channel != email
    //   #6 and #7 are email; #11 has no channel (unknown, so not admitted either).
    //   c1: #2 → #10, 40 min.  c3: #1 → #12, 50 min.  c2: only a purchase is left.  c4: nothing left.  c5: no awareness.
    //   → 2, 2, median 45 min.
    @Test func whereHidesEventsAndNullIsNotAdmitted() throws {
        let f = try Fixture()
        #expect(f.rows("FROM awareness TO purchase WHERE channel != email") == [
            row(1, "awareness", 2, 100, nil, nil, nil),
            row(2, "purchase", 2, 100, 100, 0, 45 * minute),
        ])
        // NOT IN is NOT (=): an event without a channel is still not admitted. Left: c1, c2 (#4, #13), c3, c5;
        // only c1 has a consideration after some other event (#2 → #3).
        let notIn = f.rows("FROM ANY TO consideration WHERE channel NOT IN (email)")
        #expect(notIn.map { $0[2] } == [.int(4), .int(1)])
    }

    // FROM ANY TO purchase[amount > 100]
    //   Every customer has an event: 5 at step 1. Only #10 (120) has amount > 100 ('n/a' is unknown, 30 and 80 fail).
    //   c1: start #2 (the earliest that reaches level 2) → #10, 40 min.  → 5, 1 (20 %), median 40 min.
    @Test func anyAndAStepFilter() throws {
        let f = try Fixture()
        #expect(f.rows("FROM ANY TO purchase[amount > 100]") == [
            row(1, "ANY", 5, 100, nil, nil, nil),
            row(2, "purchase[amount > 100]", 1, 20, 20, 4, 40 * minute),
        ])
        // Text compared with text: only c5's 'n/a'.
        #expect(f.rows("FROM ANY TO purchase[amount = 'n/a']")[1][2] == .int(1))
    }

    // FROM ad_click TO ad_click
    //   c1: #2 → #5, 5 min.  c3: #1 → #8, 20 min.  c2, c4: one ad_click each: level 1.  c5: none.
    //   → 4, 2, median 12.5 min.
    @Test func aRepeatedStepNeedsTwoEvents() throws {
        let f = try Fixture()
        #expect(f.rows("FROM ad_click TO ad_click") == [
            row(1, "ad_click", 4, 100, nil, nil, nil),
            row(2, "ad_click", 2, 50, 50, 2, 12.5 * minute),
        ])
    }

    @Test func nobodyAtTheFirstStep() throws {
        let f = try Fixture()
        // No event is on sms: nobody starts, and the percentages are null rather than a division by zero.
        #expect(f.rows("FROM checkout TO ad_click WHERE channel = sms") == [
            row(1, "checkout", 0, nil, nil, nil, nil),
            row(2, "ad_click", 0, nil, nil, 0, nil),
        ])
    }

    @Test func aScriptRunsStatementsInOrderAndWarnsAboutUnknownValues() throws {
        let f = try Fixture()
        let outcome = f.run("SHOW STAGES; FROM awareness TO purchase WHERE channel = socail")
        #expect(outcome.failure == nil)
        let results = outcome.events.compactMap { if case .result(let r) = $0 { r } else { nil } }
        #expect(results.count == 2)
        // The last column is the definition of a defined stage (none here).
        #expect(results.first?.rows == [[.int(1), .text("awareness"), .int(6), .null], [.int(2), .text("consideration"), .int(4), .null],
                                        [.int(3), .text("purchase"), .int(4), .null]])
        let warnings = outcome.events.compactMap { if case .diagnostic(let d, _) = $0 { d.id } else { nil } }
        #expect(warnings == ["check.unknown-value"])
    }

    @Test func aCheckErrorStopsTheScriptThere() throws {
        let f = try Fixture()
        let outcome = f.run("SHOW STAGES; FROM awareness TO purchse; SHOW FIELDS")
        #expect(outcome.failure?.diagnostics.map(\.id) == ["check.unknown-step"])
        #expect(outcome.failure?.exitCode == 65)
        #expect(outcome.events.count == 1)
    }

    @Test func parametersAreBoundBeforeChecking() throws {
        let f = try Fixture()
        // Only events from 09:10 on: c3's first awareness (#1) is gone, so its chain is #8 → #12, 30 min;
        // c4 (08:00) and c5 (07:00) drop out.
        f.session.parameters = ["since": "2024-03-01T09:10:00Z", "min": "50"]
        #expect(f.rows("FROM awareness TO purchase WHERE time >= $since") == [
            row(1, "awareness", 3, 100, nil, nil, nil),
            row(2, "purchase", 3, 100, 100, 0, 40 * minute),
        ])
        #expect(f.rows("FROM ANY TO purchase[amount > $min]").map { $0[2] } == [.int(5), .int(2)])
        f.session.parameters = [:]
        #expect(f.run("FROM awareness TO purchase WHERE time >= $since").failure?.diagnostics.map(\.id)
                == ["check.unbound-parameter"])
    }

    @Test func explainShowsTheStepsAndTheScan() throws {
        let f = try Fixture()
        let outcome = f.run("EXPLAIN FROM awareness TO purchase[amount > 100] WITHIN 1 day WHERE channel != email")
        #expect(outcome.failure == nil)
        // The plan is prose for people, printed as one message (as sqlite3 prints its plans).
        guard case .message(let text)? = outcome.events.last else {
            Issue.record("no EXPLAIN message: \(outcome.events)")
            return
        }
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count >= 5)
        #expect(lines.contains { $0.contains("step 2") && $0.contains("mask bit 1") })
        // Queries read the columnar copy, and EXPLAIN says so and why; with the engine set to sqlite, the SQL.
        #expect(lines.contains { $0.hasPrefix("engine: columnar, because") })
        #expect(lines.contains { $0.contains("property columns: amount") })
        #expect(!lines.contains { $0.contains("ORDER BY") })
        f.session.engine = .sqlite
        guard case .message(let sqlText)? = f.run("EXPLAIN FROM awareness TO purchase WITHIN 1 day").events.last else {
            Issue.record("no EXPLAIN message with the sqlite engine")
            return
        }
        #expect(sqlText.contains("engine: SQLite scan, because the session's engine is sqlite"))
        #expect(sqlText.contains("ORDER BY e.customer, e.time, e.seq"))
    }

    @Test func showFieldsListsPropertiesAndAttributes() throws {
        let f = try Fixture()
        let customers = try f.write("customers.csv", "customer_id,segment\nc1,b2b\nc2,smb\n")
        #expect(f.run("IMPORT CUSTOMERS '\(customers)'").failure == nil)
        let fields = f.rows("SHOW FIELDS").compactMap { if case .text(let t)? = $0.first { t } else { nil } }
        #expect(fields.contains("amount") && fields.contains("customer.segment") && fields.contains("channel"))
        // c1 is b2b: only its journey is left.
        #expect(f.rows("FROM awareness TO purchase WHERE customer.segment = b2b").map { $0[2] } == [.int(1), .int(1)])
        // No attribute row (c3, c4, c5) is unknown, so != does not admit them either.
        #expect(f.rows("FROM awareness TO purchase WHERE customer.segment != b2b").map { $0[2] } == [.int(1), .int(1)])
    }

    // MARK: Large conditions

    /// A list of a thousand campaign ids is an ordinary query; it must not hit SQLite's expression depth limit.
    @Test func longInListsRun() throws {
        let f = try Fixture()
        let values = (0..<1500).map { "v\($0)" }.joined(separator: ", ")
        // Social and web only: c1 (#2 → #10) converts; c3 starts (#1) but its purchase is on app.
        #expect(f.rows("FROM awareness TO purchase WHERE channel IN (\(values), social, web)").map { $0[2] }
                == [.int(2), .int(1)])
        // Not email (and not missing): c1 and c3 convert; c2's and c4's awareness are on email.
        #expect(f.rows("FROM awareness TO purchase WHERE channel NOT IN (\(values), email)").map { $0[2] }
                == [.int(2), .int(2)])
        // Every non-purchase event, and the one purchase of 120 (c1's).
        let numbers = (1000..<2500).map(String.init).joined(separator: ", ")
        #expect(f.rows("FROM ANY TO purchase WHERE amount IN (\(numbers), 120) OR stage != purchase").map { $0[2] }
                == [.int(5), .int(1)])
    }

    /// Deep nesting is either answered or rejected as bad input (65), never an internal error (70).
    @Test func deepNestingIsNotAnInternalError() throws {
        let f = try Fixture()
        let outcome = f.run("FROM awareness TO purchase WHERE " + String(repeating: "NOT ", count: 1200) + "channel = web")
        #expect(outcome.failure == nil || outcome.failure?.exitCode == 65, "\(outcome.failure?.rendered ?? "")")
    }

    /// Ids beyond 2^53 (snowflake ids, say) are integers in the store; an equal literal must match them exactly,
    /// which a literal carried as a Double cannot do against SQLite's exact integer/real comparison.
    @Test func largeIntegerPropertiesCompareExactly() throws {
        let f = try Fixture(csv: """
            customer_id,timestamp,stage,order_id
            c1,2024-03-01T10:00:00Z,awareness,1234567890123456789
            c1,2024-03-01T10:01:00Z,purchase,9007199254740993
            c2,2024-03-01T10:00:00Z,awareness,9007199254740992

            """)
        #expect(f.rows("FROM ANY TO ANY WHERE order_id = 1234567890123456789").map { $0[2] } == [.int(1), .int(0)])
        // Only c1's purchase carries ...993; only c2's awareness carries ...992.
        #expect(f.rows("FROM purchase TO ANY WHERE order_id = 9007199254740993").map { $0[2] } == [.int(1), .int(0)])
        #expect(f.rows("FROM awareness TO ANY WHERE order_id = 9007199254740992").map { $0[2] } == [.int(1), .int(0)])
        #expect(f.rows("FROM ANY TO purchase WHERE order_id > 9007199254740992").map { $0[2] } == [.int(1), .int(1)])
    }

    // MARK: Imports that fail

    @Test func malformedImportLeavesTheStoreAsItWas() throws {
        let f = try Fixture()
        let before = try f.session.store.rawEvents()
        let catalogBefore = f.session.catalog()
        // Two good rows, then a time that is not a time: the whole file must be rolled back.
        let bad = try f.write("bad.csv", """
            customer_id,timestamp,stage,event,channel
            c9,2024-03-02T10:00:00Z,awareness,ad_click,tiktok
            c1,2024-03-02T10:00:00Z,purchase,checkout,web
            c9,yesterday,purchase,checkout,web

            """)
        let outcome = f.run("IMPORT '\(bad)'; SHOW STAGES")
        let failure = try #require(outcome.failure)
        #expect(failure.exitCode == 65)
        #expect(failure.rendered.contains("bad.csv"))
        #expect(outcome.events.isEmpty, "nothing after the failed IMPORT runs")
        let catalog = f.session.catalog()
        #expect(catalog.eventCount == catalogBefore.eventCount && catalog.customerCount == catalogBefore.customerCount)
        #expect(!catalog.channels.map(\.name).contains("tiktok"))
        #expect(try f.session.store.rawEvents() == before)
        // The store still works, and a good import afterwards numbers its events after the old ones.
        #expect(f.rows("FROM awareness TO purchase")[1][2] == .int(3))
        let good = try f.write("good.csv", "customer_id,timestamp,stage,event\nc9,2024-03-02T10:00:00Z,awareness,ad_click\n")
        #expect(f.run("IMPORT '\(good)'").failure == nil)
        #expect(f.session.catalog().eventCount == 15)
        let after = try f.session.store.rawEvents()
        #expect(after.map(\.seq).max()! > before.map(\.seq).max()!)
    }

    @Test func importOfAMissingFileOrAnUnknownFormatFails() throws {
        let f = try Fixture()
        let missing = f.directory.appendingPathComponent("nope.csv").path
        #expect(f.run("IMPORT '\(missing)'").failure?.exitCode == 65)
        let text = try f.write("events.txt", "whatever")
        #expect(f.run("IMPORT '\(text)'").failure?.exitCode == 65)
        let noTime = try f.write("notime.csv", "customer_id,stage\nc1,awareness\n")
        #expect(f.run("IMPORT '\(noTime)'").failure?.exitCode == 65)
        #expect(f.session.catalog().eventCount == 14)
    }

    // MARK: Text is compared byte-wise

    /// 'café' written precomposed (U+00E9) and decomposed (e + U+0301) are different bytes, so different values
    /// for SQLite's BINARY collation and for the language (SEMANTICS.md §2); Swift's String == calls them equal.
    @Test func canonicallyEquivalentTextStaysDistinct() throws {
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        #expect(Array(nfc.utf8) != Array(nfd.utf8))
        let f = try Fixture(csv: """
            customer_id,timestamp,stage,event,channel
            n1,2024-03-01T10:00:00Z,awareness,ad_click,\(nfc)
            n1,2024-03-01T10:01:00Z,purchase,checkout,\(nfc)
            n2,2024-03-01T10:00:00Z,awareness,ad_click,\(nfc)
            n2,2024-03-01T10:01:00Z,purchase,checkout,\(nfc)
            n3,2024-03-01T10:00:00Z,awareness,ad_click,\(nfd)
            \(nfd),2024-03-01T10:00:00Z,awareness,ad_click,web
            \(nfc),2024-03-01T10:00:00Z,awareness,ad_click,web

            """)
        // The store keeps both spellings apart, as values and as customer ids.
        #expect(f.session.catalog().channels.count == 3)
        #expect(f.session.catalog().customerCount == 5)
        // Not web: n1, n2 (precomposed) and n3 (decomposed).
        #expect(f.rows("FROM awareness TO purchase WHERE channel != web")[0] == row(1, "awareness", 3, 100, nil, nil, nil))
        #expect(f.rows("FROM awareness TO purchase WHERE channel = '\(nfc)'")
                == [row(1, "awareness", 2, 100, nil, nil, nil), row(2, "purchase", 2, 100, 100, 0, 1 * minute)])
        #expect(f.rows("FROM awareness TO purchase WHERE channel = '\(nfd)'")
                == [row(1, "awareness", 1, 100, nil, nil, nil), row(2, "purchase", 0, 0, 0, 1, nil)])
        #expect(f.rows("FROM awareness TO purchase WHERE customer = '\(nfd)'")[0][2] == .int(1))
    }
}

/// First contact (issue 10): literals from parameters, LIMIT 0, SET now as a horizon, trends in time order, and
/// errors that name the real fault. Every count is worked out by hand from the log at the top of this file.
@Suite("First contact statements")
struct FirstContactStatementTests {
    fileprivate func failure(_ fixture: Fixture, _ text: String) -> RunFailure? {
        let outcome = fixture.run(text)
        #expect(outcome.failure != nil, "'\(text)' should fail")
        return outcome.failure
    }

    func customers(_ rows: [[Cell]]) -> [Cell] { rows.map { $0[2] } }

    @Test func parametersStandForDurationsTimesAndCounts() throws {
        let fixture = try Fixture()
        // c3: awareness 09:20 → purchase 09:50 is 30 minutes (the window is inclusive); c1 needs 35, c2 60.
        fixture.session.parameters = ["w": "30 minutes", "short": "30m", "n": "1", "since": "2024-03-01T09:30:00Z"]
        #expect(customers(fixture.rows("FROM awareness TO purchase WITHIN $w")) == [.int(4), .int(1)])
        #expect(customers(fixture.rows("FROM awareness TO purchase WITHIN $short")) == [.int(4), .int(1)])
        // Starts from 09:30: c1 (10:00) and c2 (11:00) start, and both buy.
        #expect(customers(fixture.rows("FROM awareness TO purchase SINCE $since")) == [.int(2), .int(2)])
        #expect(fixture.rows("FROM awareness TO purchase BY channel LIMIT $n").count == 2)

        fixture.session.parameters = ["w": "7 days; SHOW STAGES", "n": "all"]
        #expect(failure(fixture, "FROM awareness TO purchase WITHIN $w")?.diagnostics.first?.id == "parse.bad-parameter")
        #expect(failure(fixture, "FROM awareness TO purchase LIMIT $n")?.diagnostics.first?.id == "parse.bad-parameter")
        #expect(failure(fixture, "FROM awareness TO purchase LAST $nothing")?.diagnostics.first?.id == "check.unbound-parameter")
    }

    @Test func limitZeroIsAnEmptyResult() throws {
        let fixture = try Fixture()
        #expect(fixture.rows("FROM awareness TO purchase LIMIT 0").isEmpty)
        #expect(fixture.rows("FROM awareness TO purchase BY channel LIMIT 0").isEmpty)
        let paths = fixture.run("PATHS FROM awareness TO purchase TOP 0")
        #expect(paths.failure == nil)
        let rows = paths.events.compactMap { if case .result(let r) = $0 { r.rows } else { nil } }
        #expect(rows == [[]])
    }

    @Test func setNowHidesLaterEvents() throws {
        let fixture = try Fixture()
        #expect(customers(fixture.rows("FROM awareness TO purchase")) == [.int(4), .int(3)])
        // At 10:30 c1's purchase (10:40) and all of c2 (11:00, 12:00) have not happened: awareness is c1, c3 and
        // c4; only c3 has bought (09:50).
        #expect(customers(fixture.rows("SET now = 2024-03-01T10:30:00Z; FROM awareness TO purchase")) == [.int(3), .int(1)])
    }

    @Test func periodsComeInTimeOrder() throws {
        // Day 1 has one start, day 2 three, day 3 two: by size the order would be 2, 3, 1.
        let csv = """
            customer_id,timestamp,stage,event
            a,2024-03-01T10:00:00Z,awareness,ad
            b,2024-03-02T10:00:00Z,awareness,ad
            c,2024-03-02T11:00:00Z,awareness,ad
            d,2024-03-02T12:00:00Z,awareness,ad
            e,2024-03-03T10:00:00Z,awareness,ad
            f,2024-03-03T11:00:00Z,awareness,ad
            b,2024-03-04T10:00:00Z,purchase,buy

            """
        let fixture = try Fixture(csv: csv)
        let outcome = fixture.run("FROM awareness TO purchase BY day")
        let result = try #require(outcome.events.compactMap { if case .result(let r) = $0 { r } else { nil } }.first)
        let firstSteps = result.rows.filter { $0[1] == .int(1) }.map { [$0[0], $0[3]] }
        #expect(firstSteps == [[.text("2024-03-01"), .int(1)], [.text("2024-03-02"), .int(3)], [.text("2024-03-03"), .int(2)]])
    }

    fileprivate func warnings(_ fixture: Fixture, _ text: String) -> [Diagnostic] {
        let outcome = fixture.run(text)
        #expect(outcome.failure == nil, "\(outcome.failure?.rendered ?? "")")
        return outcome.events.compactMap { if case .diagnostic(let d, _) = $0 { d } else { nil } }
    }

    @Test func aStepTheFilterEmptiesIsWarnedAtThatStep() throws {
        let fixture = try Fixture()
        // Purchases are on web and app only: WHERE channel = email leaves step 2 no event, though purchases exist.
        let text = "FROM awareness TO purchase WHERE channel = email"
        let found = warnings(fixture, text)
        #expect(found.map(\.id) == ["check.unreachable-step"])
        #expect(found.first?.range == SourceRange(18, 26))
        #expect(found.first?.notes.last == "to filter one step only, write it in brackets after that step: awareness[channel = email]")
        // A filter some purchase passes draws nothing, nor does a journey without WHERE.
        #expect(warnings(fixture, "FROM awareness TO purchase WHERE channel IN (email, web)").isEmpty)
        #expect(warnings(fixture, "FROM awareness TO purchase").isEmpty)
        // A property condition no awareness event meets (amount is on purchases only) empties step 1.
        let first = warnings(fixture, "FROM awareness TO purchase WHERE amount > 50")
        #expect(first.map(\.id) == ["check.unreachable-step"])
        #expect(first.first?.range == SourceRange(5, 14))
        // A journey that reaches zero for other reasons (the window) draws nothing.
        #expect(warnings(fixture, "FROM awareness TO purchase WHERE channel IN (social, app) WITHIN 1 minute").isEmpty)
        // Strict mode makes it an error that stops the statement.
        fixture.session.strict = true
        #expect(failure(fixture, text)?.diagnostics.map(\.id) == ["check.unreachable-step"])
    }

    @Test func unknownPropertyAndAttributeValuesAreWarned() throws {
        let fixture = try Fixture()
        let path = try fixture.write("customers.csv", "customer_id,segment\nc1,b2b\nc2,b2c\n")
        #expect(fixture.run("IMPORT CUSTOMERS '\(path)'").failure == nil)
        let property = warnings(fixture, "FROM awareness TO purchase WHERE amount = 'N/A'")
        #expect(property.map(\.id) == ["check.unknown-value"])
        #expect(property.first?.suggestion == "did you mean 'n/a'?")
        let attribute = warnings(fixture, "FROM awareness TO purchase WHERE customer.segment = B2B")
        #expect(attribute.map(\.id) == ["check.unknown-value"])
        #expect(attribute.first?.suggestion == "did you mean 'b2b' or 'b2c'?")
        #expect(warnings(fixture, "FROM awareness TO purchase WHERE customer.segment = b2b").isEmpty)
    }

    @Test func errorsNameTheRealFault() throws {
        let fixture = try Fixture()
        let times = failure(fixture, "TIMES awareness TO purchase")
        #expect(times?.diagnostics.first?.id == "parse.expected")
        #expect(times?.diagnostics.first?.range == SourceRange(6, 15))  // at 'awareness', not at TIMES
        #expect(times?.rendered.contains("expected FROM after TIMES") == true)

        let unknown = failure(fixture, "EXPLAIN CUSTOMER nobody FROM awareness TO purchase")
        #expect(unknown?.exitCode == 65)
        #expect(unknown?.diagnostics.first?.id == "check.unknown-customer")
        #expect(unknown?.diagnostics.first?.range == SourceRange(17, 23))
    }
}

// EXPECT through Session on the log above. The numbers, by hand:
//   FROM awareness TO purchase: 4 -> 3 (75 %, 1 lost), gaps c1 40m, c2 60m, c3 50m: median 50m.
//   BY channel (of the chain's first event): c1 social (#2), c3 social (#1), both convert; c2 email (#6) converts,
//   c4 email (#7) does not. Both groups have 2 at step 1, so they come by name: email, then social.
//   TIMES: converters 3, median 50m; histogram 40m and 50m in 10m - 1h, 60m in 1h - 6h (lower edges included).
//   FROM awareness TO consideration TO purchase: 4 -> 2 -> 1 (see threeSteps).
@Suite("EXPECT end to end")
struct ExpectEndToEndTests {
    private func outcomes(_ events: [SessionEvent]) -> [ExpectationOutcome] {
        events.compactMap { if case .expectation(let o, _) = $0 { o } else { nil } }
    }

    /// A column copied from `--format csv` output carries the unit; EXPECT finds it under that name too.
    @Test func aDurationColumnByItsCSVName() throws {
        let f = try Fixture()
        // Times come from each customer's earliest start: c1 10:00 → 10:40, c3 09:00 → 09:50, c2 11:00 → 12:00;
        // the median of 40, 50 and 60 minutes is 50.
        let run = f.run("FROM awareness TO purchase; EXPECT median_time_from_previous_seconds AT STEP 2 = 50 minutes")
        #expect(run.failure == nil, "\(run.failure?.rendered ?? "")")
        #expect(outcomes(run.events).map(\.holds) == [true])
    }

    private func rendered(_ events: [SessionEvent]) -> [String] {
        events.compactMap { if case .expectation(_, let text) = $0 { text } else { nil } }
    }

    @Test func expectationsThatHoldSayOk() throws {
        let f = try Fixture()
        let run = f.run("""
            FROM awareness TO purchase;
            EXPECT ROWS = 2;
            EXPECT customers AT STEP 1 = 4;
            EXPECT customers AT STEP purchase BETWEEN 3 AND 3;
            EXPECT pct_of_first AT STEP 2 = 75;
            EXPECT lost AT STEP 2 = 1;
            EXPECT median_time_from_previous AT STEP 2 = 50 minutes;
            EXPECT median_time_from_previous AT STEP 2 < 1 hour;
            EXPECT pct_of_previous AT STEP 1 IS NULL;
            """)
        #expect(run.failure == nil, "\(run.failure?.rendered ?? "")")
        let found = outcomes(run.events)
        #expect(found.count == 8)
        #expect(found.allSatisfy { $0.holds }, "\(found.map(\.summary))")
        #expect(rendered(run.events)[5] == "ok: median_time_from_previous at step 2 is 50m (= 50m)")
    }

    @Test func failedExpectationsAreReportedAndTheScriptGoesOn() throws {
        let f = try Fixture()
        let run = f.run("""
            FROM awareness TO purchase;
            EXPECT customers AT STEP 2 BETWEEN 4 AND 5;
            EXPECT median_time_from_previous AT STEP 2 = 50 minutes;
            FROM awareness TO consideration TO purchase;
            EXPECT customers AT STEP 3 = 2;
            EXPECT pct_of_previous AT STEP 2 = 50;
            """)
        #expect(run.failure == nil, "\(run.failure?.rendered ?? "")")
        #expect(outcomes(run.events).map(\.holds) == [false, true, false, true])
        #expect(run.events.filter { if case .result = $0 { true } else { false } }.count == 2)
        let failures = outcomes(run.events).compactMap(\.diagnostic)
        #expect(failures.map(\.id) == ["expect.failed", "expect.failed"])
        let first = rendered(run.events)[0]
        #expect(first.contains("error: EXPECT failed: customers at step 2 is 3; expected between 4 and 5 [expect.failed]"))
        #expect(first.contains("--> <input>:2:1"))
        #expect(rendered(run.events)[2].contains("customers at step 3 is 1; expected = 2"))
        #expect(rendered(run.events)[2].contains("--> <input>:5:1"))
    }

    @Test func theScriptsFaultsAreErrors() throws {
        let f = try Fixture()
        // No statement has given a result yet (IMPORT gives a message).
        let none = f.run("EXPECT ROWS = 1")
        #expect(none.failure?.diagnostics.map(\.id) == ["expect.no-result"])
        #expect(none.failure?.exitCode == 65)
        // An unknown column stops the script: what follows does not run.
        let unknown = f.run("FROM awareness TO purchase; EXPECT custmers AT STEP 1 = 4; EXPECT ROWS = 2")
        #expect(unknown.failure?.diagnostics.map(\.id) == ["expect.unknown-column"])
        #expect(unknown.failure?.diagnostics.first?.suggestion == "did you mean 'customers'?")
        #expect(unknown.failure?.exitCode == 65)
        #expect(outcomes(unknown.events).isEmpty)
        #expect(f.run("EXPECT median_time_from_previous AT STEP 2 < 2").failure?.diagnostics.map(\.id) == ["expect.type-mismatch"])
        #expect(f.run("EXPECT customers AT STEP 2 = NULL").failure?.diagnostics.map(\.id) == ["check.expect-null"])
    }

    @Test func thePreviousResultIsTheLastStatementsThatGaveOne() throws {
        let f = try Fixture()
        // Definitions and EXPECT give no result: the journey's is still the one checked.
        let kept = f.run("FROM awareness TO purchase; LET s = channel = social; EXPECT ROWS = 2; EXPECT ROWS = 2")
        #expect(outcomes(kept.events).map(\.holds) == [true, true])
        // Across runs (REPL entries) too.
        #expect(outcomes(f.run("EXPECT customers AT STEP 2 = 3").events).map(\.holds) == [true])
        #expect(f.session.previousResults.count == 1)
        // A statement that fails leaves none, so an EXPECT cannot pass on the older result.
        #expect(f.run("FROM awareness TO purchse").failure != nil)
        #expect(f.session.previousResults.isEmpty)
        #expect(f.run("EXPECT ROWS = 2").failure?.diagnostics.map(\.id) == ["expect.no-result"])
        // So does one that does not parse.
        _ = f.run("SHOW STAGES")
        #expect(f.run("FROM awareness TO;").failure != nil)
        #expect(f.session.previousResults.isEmpty)
        // A failed EXPECT, or one with an error (of checking or of parsing), keeps it.
        _ = f.run("SHOW STAGES")
        #expect(f.run("EXPECT stge AT ROW 1 = x").failure != nil)
        #expect(f.run("SHOW STAGES; EXPECT ROWS;").failure != nil)
        #expect(f.run("EXPECT ROWS = 4; -- a comment; and more\n EXPECT ROWS ==").failure != nil)
        let last = f.run("EXPECT ROWS = 4; EXPECT ROWS = 3")
        #expect(outcomes(last.events).map(\.holds) == [false, true], "\(last.failure?.rendered ?? "")")
    }

    @Test func groupsOfABreakdownAndTheTablesOfTimes() throws {
        let f = try Fixture()
        let by = f.run("""
            FROM awareness TO purchase BY channel;
            EXPECT ROWS = 4;
            EXPECT channel AT ROW 1 = email;
            EXPECT customers AT STEP 2 WHERE channel = email = 1;
            EXPECT customers AT STEP purchase WHERE channel = social = 2;
            EXPECT lost AT STEP 2 WHERE channel = email = 1;
            EXPECT customers AT STEP 2 WHERE channel = tiktok = 0;
            EXPECT customers WHERE channel = social = 2;
            """)
        #expect(by.failure == nil, "\(by.failure?.rendered ?? "")")
        #expect(outcomes(by.events).map(\.holds) == [true, true, true, true, true, false, false])
        #expect(outcomes(by.events)[5].summary == "customers at step 2 where channel = 'tiktok': no row of the result matches")
        #expect(outcomes(by.events)[6].summary == "customers where channel = 'social': 2 rows match, not one")

        let times = f.run("""
            TIMES FROM awareness TO purchase;
            EXPECT converters = 3;
            EXPECT median = 50 minutes;
            EXPECT customers WHERE time_to_convert = '10m - 1h' = 2;
            EXPECT customers WHERE time_to_convert = '1h - 6h' = 1;
            EXPECT ROWS = 1;
            """)
        #expect(times.failure == nil, "\(times.failure?.rendered ?? "")")
        #expect(outcomes(times.events).allSatisfy { $0.holds }, "\(outcomes(times.events).map(\.summary))")
    }

    @Test func completionOffersTheColumnsOfThePreviousResult() throws {
        let f = try Fixture()
        _ = f.run("FROM awareness TO purchase")
        #expect(f.session.completions(prefix: "cu", before: "EXPECT ") == ["customers"])
        #expect(f.session.completions(prefix: "R", before: "EXPECT ") == ["ROWS", "RESULT"])
        #expect(f.session.completions(prefix: "pct", before: "SHOW STAGES; EXPECT customers AT STEP 2 WHERE ")
                == ["pct_of_first", "pct_of_previous"])
        // Outside an EXPECT, WHERE still offers fields and values.
        #expect(!f.session.completions(prefix: "ch", before: "FROM awareness TO purchase WHERE ").contains("customers"))
    }

    @Test func parametersStandForValuesAndSteps() throws {
        let f = try Fixture()
        f.session.parameters = ["low": "1", "high": "2", "gap": "1 hour", "ch": "email", "step": "purchase"]
        let run = f.run("""
            FROM awareness TO purchase BY channel;
            EXPECT customers AT STEP $step WHERE channel = $ch BETWEEN $low AND $high;
            EXPECT median_time_from_previous AT STEP 2 WHERE channel = $ch = $gap;
            """)
        #expect(run.failure == nil, "\(run.failure?.rendered ?? "")")
        #expect(outcomes(run.events).map(\.holds) == [true, true])
        #expect(f.run("EXPECT ROWS = $missing").failure?.diagnostics.map(\.id) == ["check.unbound-parameter"])
    }

    /// RESULT compares the CSV `journey --format csv` prints, written here by hand: p90 of 40m, 50m, 60m is
    /// 50m + 0.8 × 10m = 58m (3480 s).
    @Test func theWholeResultAgainstAFileBesideTheScript() throws {
        let f = try Fixture()
        let csv = """
            step,name,customers,pct_of_first,pct_of_previous,lost,median_time_from_previous_seconds,p90_time_from_previous_seconds,median_time_from_start_seconds,p90_time_from_start_seconds
            1,awareness,4,100,,,,,,
            2,purchase,3,75,75,1,3000,3480,3000,3480

            """
        _ = try f.write("funnel.csv", csv)
        _ = try f.write("moved.csv", csv.replacing("2,purchase,3,75", with: "2,purchase,4,100"))
        // The script's folder is the fixture's directory: a relative path is read from there.
        let script = f.directory.appendingPathComponent("checks.jql").path
        func run(_ text: String) -> (events: [SessionEvent], failure: RunFailure?) {
            var events: [SessionEvent] = []
            do {
                try f.session.run(SourceText(text, name: script)) { events.append($0) }
                return (events, nil)
            } catch {
                return (events, error)
            }
        }
        let same = run("FROM awareness TO purchase; EXPECT RESULT = 'funnel.csv'")
        #expect(same.failure == nil, "\(same.failure?.rendered ?? "")")
        #expect(outcomes(same.events).map(\.summary) == ["the result equals 'funnel.csv' (3 lines)"])

        let moved = run("EXPECT RESULT = 'moved.csv'")
        let failure = try #require(outcomes(moved.events).first?.diagnostic)
        #expect(failure.message == "EXPECT failed: the result differs from 'moved.csv' at line 3")
        #expect(failure.notes.prefix(2) == ["expected: 2,purchase,4,100,75,1,3000,3480,3000,3480",
                                            "seen:     2,purchase,3,75,75,1,3000,3480,3000,3480"])

        // Inline, the CSV starts on the line after the quote.
        let inline = run("EXPECT RESULT = '\n" + csv + "'")
        #expect(outcomes(inline.events).map(\.holds) == [true])

        // From a text without a file (-c, stdin), a relative path is read from the current directory.
        let missing = run("EXPECT RESULT = 'nowhere/funnel.csv'")
        #expect(missing.failure?.diagnostics.map(\.id) == ["expect.no-file"])
        #expect(missing.failure?.exitCode == 66)
        #expect(missing.failure?.rendered.contains(f.directory.appendingPathComponent("nowhere/funnel.csv").path) == true)
        let absolute = f.run("EXPECT RESULT = '\(f.directory.appendingPathComponent("funnel.csv").path)'")
        #expect(outcomes(absolute.events).map(\.holds) == [true])
    }
}
