// The typed views of every analysis, read as an embedder reads them: only `import JourneyQL`. Every expected number
// is one worked by hand in the comments of samples/*.jql or in grammar/SEMANTICS.md's worked examples (each assertion
// says where it comes from), never one copied from a run.
import Foundation
import JourneyQL
import Testing

private let samples = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("samples")

/// A new store in a temporary folder holding the sample events `events` and, when given, the customers `customers`
/// (as the `-- store:` headers of samples/*.jql build them: `tiny`, `tiny customers`, `orders`).
private func sampleStore(events: String, customers: String?) async throws -> (Store, URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let store = try Store(path: folder.appendingPathComponent("store.db").path, access: .create)
    var statements = "IMPORT '\(samples.appendingPathComponent(events).path)'"
    if let customers {
        statements += "; IMPORT CUSTOMERS '\(samples.appendingPathComponent(customers).path)'"
    }
    _ = try await store.query(statements)
    return (store, folder)
}

/// `-- store: tiny customers` (or `-- store: tiny` without them): samples/tiny-events.csv, 5 customers, 13 events.
private func tinyStore(customers: Bool = true) async throws -> (Store, URL) {
    try await sampleStore(events: "tiny-events.csv", customers: customers ? "tiny-customers.csv" : nil)
}

/// `-- store: orders` (samples/value.jql): samples/orders-events.csv and orders-customers.csv.
private func ordersStore() async throws -> (Store, URL) {
    try await sampleStore(events: "orders-events.csv", customers: "orders-customers.csv")
}

/// Whether `value` is within `tolerance` of `expected` (percentages may be rounded in the table).
private func near(_ value: Double?, _ expected: Double, _ tolerance: Double = 0.01) -> Bool {
    guard let value else { return false }
    return abs(value - expected) <= tolerance
}

/// An ISO 8601 instant in milliseconds since 1970-01-01T00:00:00Z.
private func milliseconds(_ text: String) -> Int64 {
    let date = ISO8601DateFormatter().date(from: text)!
    return Int64((date.timeIntervalSince1970 * 1000).rounded())
}

/// The names of the typed views a result has.
private func views(_ result: StatementResult) -> [String] {
    var names: [String] = []
    if result.funnel != nil { names.append("funnel") }
    if result.timeToConvert != nil { names.append("timeToConvert") }
    if result.timeDistribution != nil { names.append("timeDistribution") }
    if result.paths != nil { names.append("paths") }
    if result.stages != nil { names.append("stages") }
    if result.stageTransitions != nil { names.append("stageTransitions") }
    if result.flowTree != nil { names.append("flowTree") }
    if result.customerList != nil { names.append("customerList") }
    if result.dropoff != nil { names.append("dropoff") }
    if result.why != nil { names.append("why") }
    if result.valueSummary != nil { names.append("valueSummary") }
    if result.comparison != nil { names.append("comparison") }
    if result.comparisonTest != nil { names.append("comparisonTest") }
    if result.retention != nil { names.append("retention") }
    if result.retentionCurve != nil { names.append("retentionCurve") }
    if result.attribution != nil { names.append("attribution") }
    return names
}

@Suite struct AnalysisReportTests {
    // MARK: Which view a result has

    @Test func eachResultHasExactlyItsOwnView() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [(String, [[String]])] = [
            ("FROM awareness TO purchase", [["funnel"]]),
            ("TIMES FROM awareness TO purchase", [["timeToConvert"], ["timeDistribution"]]),
            ("PATHS FROM awareness TO purchase", [["paths"]]),
            ("PATHS FROM awareness TO purchase LOST", [["paths"]]),
            ("PATHS FROM awareness TO purchase CONVERTED", [["paths"]]),
            ("PATHS AFTER awareness", [["flowTree"]]),
            ("PATHS BEFORE purchase", [["flowTree"]]),
            ("STAGES", [["stages"], ["stageTransitions"]]),
            ("CUSTOMERS FROM awareness TO purchase", [["customerList"]]),
            ("DROPOFF FROM awareness TO purchase", [["dropoff"], ["dropoff"]]),
            ("WHY FROM awareness TO purchase", [["why"]]),
            ("VALUE amount FROM purchase", [["valueSummary"]]),
            ("FROM awareness TO purchase BY customer.segment COMPARE", [["comparison"], ["comparisonTest"]]),
            ("RETENTION OF awareness RETURNING purchase", [["retention"], ["retentionCurve"]]),
            ("ATTRIBUTE purchase MODEL linear LOOKBACK 30 days", [["attribution"]]),
            ("ATTRIBUTE purchase MODEL linear, markov LOOKBACK 30 days", [["attribution"]]),
            ("SHOW CUSTOMER c1", [[]]),
        ]
        for (statement, expected) in cases {
            let results = try await store.query(statement)
            #expect(results.map(views) == expected, "\(statement)")
        }
        // DROPOFF's two parts are told apart by their kind.
        let dropoff = try await store.query("DROPOFF FROM awareness TO purchase")
        #expect(dropoff.map { $0.dropoff?.kind } == [.next, .last])
    }

    // MARK: TIMES, part 1

    @Test func timeDistributionBucketsTheTimesToConvert() async throws {
        let (store, folder) = try await tinyStore(customers: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let times = try await store.query("TIMES FROM awareness TO purchase")
        #expect(times[0].timeDistribution == nil)
        #expect(times[1].timeToConvert == nil)
        let report = try #require(times[1].timeDistribution)
        #expect(report.groupColumns.isEmpty)
        let group = try #require(report.groups.first)
        #expect(report.groups.count == 1)
        #expect(group.key.isEmpty)
        // SEMANTICS.md "Time to convert": the fixed buckets, lower edges inclusive, empty ones included.
        let labels = ["< 1m", "1m - 10m", "10m - 1h", "1h - 6h", "6h - 1d", "1d - 7d", "7d - 30d", ">= 30d"]
        #expect(group.buckets.map(\.label) == labels)
        // tiny.jql: "40m in 10m-1h, 24h in 1d-7d (lower edges are inclusive), 41d in >= 30d", of 3 converters.
        #expect(group.buckets.map(\.customers) == [0, 0, 1, 0, 0, 1, 0, 1])
        for index in [2, 5, 7] { #expect(near(group.buckets[index].percent, 100.0 / 3)) }
        #expect(group.buckets[0].percent == 0)

        // tiny.jql: within 1 day by the first step's channel, c1 social 40m, c3 paid_ads 24h; email (c2) converts
        // nobody, so its buckets have no percentage.
        let byChannel = try #require(try await store.query("TIMES FROM awareness TO purchase WITHIN 1 day BY channel")[1]
            .timeDistribution)
        #expect(byChannel.groupColumns == ["channel"])
        #expect(byChannel.groups.map(\.key) == [[.text("social")], [.text("email")], [.text("paid_ads")]])
        #expect(byChannel.groups.allSatisfy { $0.buckets.map(\.label) == labels })
        #expect(byChannel.groups[0].buckets[2].customers == 1)
        #expect(byChannel.groups[0].buckets[2].percent == 100)
        #expect(byChannel.groups[1].buckets.allSatisfy { $0.customers == 0 && $0.percent == nil })
        #expect(byChannel.groups[2].buckets[5].customers == 1)
        #expect(byChannel.groups[2].buckets[5].percent == 100)
    }

    // MARK: PATHS FROM a TO b

    @Test func convertersPathsAreRanked() async throws {
        let (store, folder) = try await tinyStore(customers: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try #require(try await store.query("PATHS FROM awareness TO purchase").first)
        #expect(result.funnel == nil)
        let report = try #require(result.paths)
        #expect(report.population == .converters)
        // tiny.jql: c1 ad_click > site_visit > ad_click > checkout_complete, c3 ad_click > checkout_complete,
        // c4 social_post_view > site_visit > checkout_complete; one customer each, ranked by text.
        #expect(report.paths.map(\.touchpoints) == [
            ["ad_click", "checkout_complete"],
            ["ad_click", "site_visit", "ad_click", "checkout_complete"],
            ["social_post_view", "site_visit", "checkout_complete"],
        ])
        #expect(report.paths.map(\.rank) == [1, 2, 3])
        #expect(report.paths.map(\.customers) == [1, 1, 1])
        #expect(report.paths.allSatisfy { near($0.percent, 100.0 / 3) })

        // tiny.jql: with WHERE only ad_click and checkout events, c1's and c3's paths are both
        // ad_click > checkout_complete: 2 customers, all of the converters; TOP 1 keeps it.
        let top = try #require(try await store.query(
            "PATHS FROM awareness TO purchase WHERE touchpoint IN (ad_click, checkout_complete) TOP 1")[0].paths)
        #expect(top.paths.count == 1)
        #expect(top.paths[0].touchpoints == ["ad_click", "checkout_complete"])
        #expect(top.paths[0].customers == 2)
        #expect(top.paths[0].percent == 100)

        // customers.jql: CONVERTED over the browsers segment is c3's path alone.
        let browsers = try #require(try await store.query("""
            SEGMENT browsers AS CUSTOMERS FROM awareness TO consideration TO purchase LOST;
            PATHS FROM consideration TO purchase FOR browsers;
            DROP SEGMENT browsers
            """).compactMap(\.paths).first)
        #expect(browsers.paths.map(\.touchpoints) == [["product_view", "ad_click", "checkout_complete"]])
        #expect(browsers.paths.first?.percent == 100)
    }

    @Test func lostPathsAreRankedOverTheLost() async throws {
        let (store, folder) = try await tinyStore(customers: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        // flows.jql: c2 is lost at 2 (email_open > site_visit), c3 at 1 (ad_click > checkout_complete); 50% each,
        // ranked by text.
        let lost = try #require(try await store.query("PATHS FROM awareness TO consideration TO purchase LOST")[0].paths)
        #expect(lost.population == .lost)
        #expect(lost.paths.map(\.rank) == [1, 2])
        #expect(lost.paths.map(\.touchpoints) == [["ad_click", "checkout_complete"], ["email_open", "site_visit"]])
        #expect(lost.paths.map(\.customers) == [1, 1])
        #expect(lost.paths.map(\.percent) == [50, 50])
        // flows.jql: LOST AT 2 keeps c2 alone.
        let atTwo = try #require(try await store.query(
            "PATHS FROM awareness TO consideration TO purchase LOST AT 2")[0].paths)
        #expect(atTwo.population == .lost)
        #expect(atTwo.paths.map(\.touchpoints) == [["email_open", "site_visit"]])
        #expect(atTwo.paths.map(\.percent) == [100])
        // SEMANTICS.md "Flows" worked example: within 1 day c2 (email_open; its visit is three days out) and c4
        // (social_post_view > site_visit) are lost, 50% each.
        let window = try #require(try await store.query("PATHS FROM awareness TO purchase WITHIN 1 day LOST")[0].paths)
        #expect(window.paths.map(\.touchpoints) == [["email_open"], ["social_post_view", "site_visit"]])
        #expect(window.paths.map(\.percent) == [50, 50])
    }

    @Test func minShareFoldsTheRestIntoAnUnrankedOtherRow() async throws {
        let (store, folder) = try await tinyStore(customers: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        // tiny.jql: three converters, one path each (33.3%), ranked by text. SEMANTICS.md "Flows": MIN SHARE 30 lists
        // all three, TOP 1 keeps the first, and a last row (other), with no rank, counts the 2 not listed.
        let report = try #require(try await store.query("PATHS FROM awareness TO purchase MIN SHARE 30 TOP 1")[0].paths)
        #expect(report.population == .converters)
        #expect(report.paths.count == 2)
        #expect(report.paths[0].rank == 1)
        #expect(report.paths[0].touchpoints == ["ad_click", "checkout_complete"])
        #expect(near(report.paths[0].percent, 100.0 / 3))
        #expect(report.paths[1].rank == nil)
        #expect(report.paths[1].touchpoints == ["(other)"])
        #expect(report.paths[1].customers == 2)
        #expect(near(report.paths[1].percent, 200.0 / 3))
        // The shares add up to 100%.
        #expect(near(report.paths.map(\.percent).reduce(0, +), 100))

        // Every lost path is 50% (flows.jql); at MIN SHARE 60 none is listed and (other) holds both lost customers.
        let folded = try #require(try await store.query(
            "PATHS FROM awareness TO consideration TO purchase LOST MIN SHARE 60")[0].paths)
        #expect(folded.population == .lost)
        #expect(folded.paths.map(\.rank) == [nil])
        #expect(folded.paths.map(\.touchpoints) == [["(other)"]])
        #expect(folded.paths.map(\.customers) == [2])
        #expect(folded.paths.map(\.percent) == [100])
    }

    // MARK: STAGES

    @Test func theJourneyMapCountsEachStage() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query("STAGES")
        #expect(results.count == 2)
        #expect(results[1].stages == nil)
        let report = try #require(results[0].stages)
        #expect(report.groupColumns.isEmpty)
        #expect(report.groups.count == 1)
        let stages = try #require(report.groups.first?.stages)
        #expect(stages.map(\.order) == [1, 2, 3, 4])
        #expect(stages.map(\.name) == ["awareness", "consideration", "purchase", "retention"])
        // stages.jql: reached awareness 4, consideration 4, purchase 3, retention 1, of 5 customers.
        #expect(stages.map(\.reached) == [4, 4, 3, 1])
        #expect(stages.map(\.percentReached) == [80, 80, 60, 20])
        // stages.jql: furthest consideration c2; purchase c1, c3, c4; retention c5.
        #expect(stages.map(\.furthest) == [0, 1, 3, 1])
        #expect(stages.map(\.percentFurthest) == [0, 20, 60, 20])
        // stages.jql: awareness stays 5m, 3d, 24h, 0s: median 12h 2m 30s; consideration 0s, 30m, 41d: 30m.
        #expect(stages[0].medianTimeInStage == .seconds(12 * 3600 + 2 * 60 + 30))
        #expect(stages[1].medianTimeInStage == .seconds(30 * 60))
        #expect(stages[2].medianTimeInStage == nil)
        #expect(stages[3].medianTimeInStage == nil)
        #expect(stages.map(\.movedOn) == [4, 3, 0, 0])
        // stages.jql: quiet for 30 days: c1 and c3 (purchase), c2 (consideration), c5 (retention).
        #expect(stages.map(\.churned) == [0, 1, 2, 1])
        #expect(stages[0].percentChurned == 0)
        #expect(stages[1].percentChurned == 25)
        #expect(near(stages[2].percentChurned, 200.0 / 3))
        #expect(stages[3].percentChurned == 100)
    }

    /// A BY field may share an analysis column's name: `STAGES BY stage` has two `stage` columns, the group key's
    /// first. The report reads each stage's name from the analysis's own column, not the key's.
    @Test func aKeyNamedLikeAColumnDoesNotShadowIt() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query("STAGES BY stage")
        let report = try #require(results[0].stages)
        #expect(report.groupColumns == ["stage"])
        #expect(report.groups.count > 1)
        for group in report.groups {
            // Every group lists the store's four stages in their order (stages.jql's default order).
            #expect(group.stages.map(\.name) == ["awareness", "consideration", "purchase", "retention"])
        }
        let moves = try #require(results[1].stageTransitions)
        #expect(moves.groupColumns == ["stage"])
    }

    @Test func stageTransitionsHaveDirections() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query("STAGES")
        #expect(results[0].stageTransitions == nil)
        let report = try #require(results[1].stageTransitions)
        #expect(report.groupColumns.isEmpty)
        let moves = try #require(report.groups.first?.transitions)
        // stages.jql: out of awareness 5 (3 forward, 2 skipping consideration), out of consideration 3 (2 back to
        // awareness, 1 forward); by the order of from, then of to.
        #expect(moves.map(\.from) == ["awareness", "awareness", "consideration", "consideration"])
        #expect(moves.map(\.to) == ["consideration", "purchase", "awareness", "purchase"])
        #expect(moves.map(\.direction) == [.forward, .skipped, .back, .forward])
        #expect(moves.map(\.transitions) == [3, 2, 2, 1])
        // stages.jql's transitions per customer: awareness > consideration c1, c2, c4; awareness > purchase c1, c3;
        // consideration > awareness c1, c3; consideration > purchase c4: nobody makes one twice.
        #expect(moves.map(\.customers) == [3, 2, 2, 1])
        #expect(near(moves[0].percentOfFrom, 60))
        #expect(near(moves[1].percentOfFrom, 40))
        #expect(near(moves[2].percentOfFrom, 200.0 / 3))
        #expect(near(moves[3].percentOfFrom, 100.0 / 3))

        // stages.jql: only social events: c1's two awareness events are one stage (no transition); c4 moves on to
        // consideration at once: one forward move.
        let social = try #require(try await store.query("STAGES WHERE channel = social")[1].stageTransitions)
        let only = try #require(social.groups.first?.transitions)
        #expect(only.count == 1)
        #expect(only.first?.from == "awareness")
        #expect(only.first?.to == "consideration")
        #expect(only.first?.direction == .forward)
        #expect(only.first?.percentOfFrom == 100)
    }

    @Test func stagesBySegmentHaveANullGroup() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query("STAGES BY customer.segment INACTIVE AFTER 40 days")
        let map = try #require(results[0].stages)
        #expect(map.groupColumns == ["customer.segment"])
        // stages.jql: no segment (c4, c5) and b2b (c1, c3) are two each, the missing key first; b2c is c2 alone.
        #expect(map.groups.map(\.key) == [[.null], [.text("b2b")], [.text("b2c")]])
        let b2b = map.groups[1].stages
        #expect(b2b.map(\.reached) == [2, 2, 2, 0])
        #expect(b2b.map(\.percentReached) == [100, 100, 100, 0])
        // stages.jql: b2b's stays: awareness 5m and 24h, consideration 0s and 30m (median 15m).
        #expect(b2b[0].medianTimeInStage == .seconds(12 * 3600 + 2 * 60 + 30))
        #expect(b2b[1].medianTimeInStage == .seconds(15 * 60))
        // Inactive after 40 days (before Jan 11 12:00): c1 (Jan 1) and c3 (Jan 4) in purchase, c2 (Jan 5) in
        // consideration; c5's retention event (Jan 15) is 36 days before Feb 20 and c4 is active: none churned.
        #expect(b2b.map(\.churned) == [0, 0, 2, 0])
        #expect(b2b[2].percentChurned == 100)
        #expect(b2b[3].percentChurned == nil)
        #expect(map.groups[2].stages[1].churned == 1)
        #expect(map.groups[0].stages.map(\.churned) == [0, 0, 0, 0])
        // c4 and c5 reach one stage each of awareness, consideration, purchase (c4) and retention (c5).
        #expect(map.groups[0].stages.map(\.reached) == [1, 1, 1, 1])
        #expect(map.groups[0].stages.map(\.percentReached) == [50, 50, 50, 50])

        let moves = try #require(results[1].stageTransitions)
        #expect(moves.groupColumns == ["customer.segment"])
        #expect(moves.groups.map(\.key) == [[.null], [.text("b2b")], [.text("b2c")]])
        // b2b: c1 awareness > consideration > awareness > purchase, c3 consideration > awareness > purchase.
        let b2bMoves = moves.groups[1].transitions
        #expect(b2bMoves.map(\.direction) == [.forward, .skipped, .back])
        #expect(b2bMoves.map(\.transitions) == [1, 2, 2])
        #expect(b2bMoves[2].percentOfFrom == 100)
    }

    // MARK: PATHS AFTER / BEFORE

    @Test func flowTreesAfterAndBefore() async throws {
        let (store, folder) = try await tinyStore(customers: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try #require(try await store.query("PATHS AFTER consideration STEPS 2 OF stage").first)
        #expect(result.paths == nil)
        let after = try #require(result.flowTree)
        #expect(after.groupColumns.isEmpty)
        let nodes = try #require(after.groups.first?.nodes)
        // flows.jql: after the first consideration c1 and c3 awareness > purchase, c2 (end), c4 purchase > (end).
        // Level 1: awareness 2 (50%), then (end) and purchase 1 each, by bytes; depth first.
        #expect(nodes.map(\.level) == [0, 1, 2, 1, 1, 2])
        #expect(nodes.map(\.name) == ["consideration", "awareness", "purchase", "(end)", "purchase", "(end)"])
        #expect(nodes.map(\.parent) == [[], ["consideration"], ["consideration", "awareness"], ["consideration"],
                                        ["consideration"], ["consideration", "purchase"]])
        #expect(nodes.map(\.customers) == [4, 2, 2, 1, 1, 1])
        #expect(nodes.map(\.percentOfAnchor) == [100, 50, 50, 25, 25, 25])
        #expect(nodes.map(\.percentOfParent) == [nil, 50, 100, 25, 25, 100])

        // flows.jql: channels before the first purchase, nearest first: c1 social, web; c3 paid_ads, web;
        // c4 social, (start). Parents in time order, ending at the anchor.
        let before = try #require(try await store.query("PATHS BEFORE purchase STEPS 2 OF channel")[0].flowTree)
        let back = try #require(before.groups.first?.nodes)
        #expect(back.map(\.name) == ["purchase", "social", "(start)", "web", "paid_ads", "web"])
        #expect(back.map(\.customers) == [3, 2, 1, 1, 1, 1])
        #expect(back[2].parent == ["social", "purchase"])
        #expect(back[5].parent == ["paid_ads", "purchase"])
        #expect(near(back[1].percentOfAnchor, 200.0 / 3))
        #expect(back[2].percentOfParent == 50)
        #expect(back[5].percentOfParent == 100)

        // SEMANTICS.md "Flows" worked example: after awareness, level 1 site_visit 3 of 4 (75%), checkout_complete 1
        // (25%); under site_visit (end), ad_click and checkout_complete one each (33.3% of the parent), by bytes.
        let awareness = try #require(try await store.query("PATHS AFTER awareness")[0].flowTree?.groups.first?.nodes)
        let levelOne = awareness.filter { $0.level == 1 }
        #expect(levelOne.map(\.name) == ["site_visit", "checkout_complete"])
        #expect(levelOne.map(\.percentOfAnchor) == [75, 25])
        let underVisit = awareness.filter { $0.level == 2 && $0.parent == ["awareness", "site_visit"] }
        #expect(underVisit.map(\.name) == ["(end)", "ad_click", "checkout_complete"])
        #expect(underVisit.allSatisfy { $0.customers == 1 && near($0.percentOfParent, 100.0 / 3) })
    }

    @Test func flowTreeMinShareFoldsIntoOther() async throws {
        let (store, folder) = try await tinyStore(customers: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        // flows.jql: everyone's first event, one step on: site_visit for c1, c2, c4 (60%); ad_click for c3 (20%)
        // folds below 30%; c5's support_call is its last event: (end), never folded. (other) comes last.
        let tree = try #require(try await store.query("PATHS AFTER ANY STEPS 1 MIN SHARE 30 TOP 1")[0].flowTree)
        let nodes = try #require(tree.groups.first?.nodes)
        #expect(nodes.map(\.name) == ["ANY", "site_visit", "(end)", "(other)"])
        #expect(nodes.map(\.customers) == [5, 3, 1, 1])
        #expect(nodes.map(\.percentOfAnchor) == [100, 60, 20, 20])
        #expect(nodes.dropFirst().allSatisfy { $0.parent == ["ANY"] && $0.level == 1 })
    }

    // MARK: CUSTOMERS

    @Test func customerListsHaveStatuses() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try #require(try await store.query("CUSTOMERS FROM awareness TO consideration TO purchase").first)
        #expect(result.funnel == nil)
        #expect(result.paths == nil)
        let list = try #require(result.customerList)
        // customers.jql: by start, c1 (3 steps, purchase 00:40) and c4 (purchase Feb 20) convert; c2 reaches
        // consideration on Jan 5 and stops; c3's awareness (09:30) comes after its only consideration: step 1.
        #expect(list.customers.map(\.id) == ["c1", "c2", "c3", "c4"])
        #expect(list.customers.map(\.step) == [3, 2, 1, 3])
        #expect(list.customers.map(\.stepName) == ["purchase", "consideration", "awareness", "purchase"])
        #expect(list.customers.map(\.status) == [.converted, .lost, .lost, .converted])
        #expect(list.customers.map(\.start) == ["2024-01-01T00:00:00Z", "2024-01-02T10:00:00Z", "2024-01-03T09:30:00Z",
                                                "2024-01-10T12:00:00Z"].map(milliseconds))
        #expect(list.customers.map(\.reached) == ["2024-01-01T00:40:00Z", "2024-01-05T10:00:00Z",
                                                  "2024-01-03T09:30:00Z", "2024-02-20T12:00:00Z"].map(milliseconds))

        // customers.jql: as of Jan 4 00:00 with a 30-day window, c2 and c3 are still inside their windows.
        let inProgress = try #require(try await store.query("""
            SET now = 2024-01-04T00:00:00Z;
            CUSTOMERS FROM awareness TO purchase WITHIN 30 days IN PROGRESS
            """).compactMap(\.customerList).first)
        #expect(inProgress.customers.map(\.id) == ["c2", "c3"])
        #expect(inProgress.customers.map(\.status) == [.inProgress, .inProgress])
        #expect(inProgress.customers.map(\.step) == [1, 1])

        // customers.jql: the two latest to buy without email events: c4 (Feb 20), then c3 (Jan 4).
        let latest = try #require(try await store.query(
            "CUSTOMERS FROM awareness TO purchase WHERE channel != email CONVERTED ORDER BY reached DESC LIMIT 2")[0]
            .customerList)
        #expect(latest.customers.map(\.id) == ["c4", "c3"])
        #expect(latest.customers.map(\.status) == [.converted, .converted])
        #expect(latest.customers.map(\.step) == [2, 2])
    }

    // MARK: DROPOFF

    @Test func dropoffSaysWhatTheLostDidNextAndLast() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query("DROPOFF FROM awareness THEN consideration TO purchase")
        #expect(results.count == 2)
        let next = try #require(results[0].dropoff)
        let last = try #require(results[1].dropoff)
        #expect(next.kind == .next)
        #expect(last.kind == .last)
        #expect(next.field == "touchpoint")
        #expect(last.field == "touchpoint")
        #expect(next.groupColumns.isEmpty)
        // dropoff.jql: c3 is lost at step 1 and checks out next (24h later); c2 is lost at consideration and does
        // nothing after.
        #expect(next.entries.map(\.step) == [1, 2])
        #expect(next.entries.map(\.stepName) == ["awareness", "consideration"])
        #expect(next.entries.map(\.lost) == [1, 1])
        #expect(next.entries.map(\.value) == ["checkout_complete", "(nothing after)"])
        #expect(next.entries.map(\.customers) == [1, 1])
        #expect(next.entries.map(\.percentOfLost) == [100, 100])
        #expect(next.entries.allSatisfy { $0.medianTimeSinceStep == nil })
        #expect(last.entries.map(\.value) == ["checkout_complete", "(nothing after)"])
        #expect(last.entries.map(\.medianTimeSinceStep) == [.seconds(86400), nil])
    }

    @Test func dropoffNextTwoOfChannel() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query("DROPOFF FROM awareness TO purchase WITHIN 30 days NEXT 2 OF channel")
        let next = try #require(results[0].dropoff)
        let last = try #require(results[1].dropoff)
        #expect(next.field == "channel")
        #expect(last.field == "channel")
        // SEMANTICS.md "Drop-off" worked example: c2 and c4 lost at step 1. Next: social → store 1 (50%), web 1
        // (50%), by bytes. Last: store 1 after 41 days (3,542,400 s), web 1 after 3 days.
        #expect(next.entries.map(\.value) == ["social → store", "web"])
        #expect(next.entries.map(\.lost) == [2, 2])
        #expect(next.entries.map(\.customers) == [1, 1])
        #expect(next.entries.map(\.percentOfLost) == [50, 50])
        #expect(last.entries.map(\.value) == ["store", "web"])
        #expect(last.entries.map(\.medianTimeSinceStep) == [.seconds(3_542_400), .seconds(3 * 86400)])
    }

    @Test func dropoffBySegment() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query(
            "DROPOFF FROM awareness THEN consideration TO purchase BY customer.segment")
        let next = try #require(results[0].dropoff)
        let last = try #require(results[1].dropoff)
        #expect(next.groupColumns == ["customer.segment"])
        // dropoff.jql: c3 (b2b) is lost at awareness, c2 (b2c) at consideration; c4 (no segment) and c1 buy, so the
        // group without a segment has no rows.
        #expect(next.entries.map(\.key) == [[.text("b2b")], [.text("b2c")]])
        #expect(next.entries.map(\.step) == [1, 2])
        #expect(next.entries.map(\.value) == ["checkout_complete", "(nothing after)"])
        #expect(last.entries.map(\.key) == [[.text("b2b")], [.text("b2c")]])
        #expect(last.entries.map(\.medianTimeSinceStep) == [.seconds(86400), nil])
    }

    // MARK: WHY

    @Test func whyRanksFeaturesBothWays() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try #require(try await store.query("WHY FROM awareness TO purchase USING touchpoint").first)
        #expect(result.dropoff == nil)
        let why = try #require(result.why)
        // SEMANTICS.md "Why" worked example: converters c1, c3, c4 (A = 3), lost c2 (B = 1). Spans: c1 ad_click,
        // site_visit, ad_click; c3 ad_click; c4 social_post_view, site_visit; c2 email_open, site_visit.
        // ad_click 2/0: odds 3, chi-square 4/3; social_post_view 1/0: (2/1)(2/3) = 4/3; email_open 0/1: 0.125,
        // chi-square 4; site_visit 2/1: 0.75, chi-square 4(0 - 1)^2 / (3 * 1 * 3 * 1) = 4/9.
        #expect(why.factors.map(\.feature) == ["touchpoint = 'ad_click'", "touchpoint = 'social_post_view'",
                                               "touchpoint = 'email_open'", "touchpoint = 'site_visit'"])
        #expect(why.factors.map(\.direction) == [.convertsMore, .convertsMore, .convertsLess, .convertsLess])
        #expect(why.factors.map(\.converters) == [2, 1, 0, 2])
        #expect(why.factors.map(\.lost) == [0, 0, 1, 1])
        #expect(near(why.factors[0].oddsRatio, 3, 1e-9))
        #expect(near(why.factors[1].oddsRatio, 4.0 / 3, 1e-9))
        #expect(near(why.factors[2].oddsRatio, 0.125, 1e-9))
        #expect(near(why.factors[3].oddsRatio, 0.75, 1e-9))
        #expect(near(why.factors[0].pValue, erfc((2.0 / 3).squareRoot()), 1e-9))   // 0.248
        #expect(near(why.factors[2].pValue, erfc(2.0.squareRoot()), 1e-9))         // 0.0455
        #expect(near(why.factors[3].pValue, erfc((2.0 / 9).squareRoot()), 1e-9))
        #expect(near(why.factors[0].percentOfConverters, 200.0 / 3))
        #expect(why.factors[0].percentOfLost == 0)
        #expect(why.factors[2].percentOfConverters == 0)
        #expect(why.factors[2].percentOfLost == 100)

        // dropoff.jql: within a day converters c1, c3, lost c2, c4: web (c1) and paid_ads (c3) odds 3, email (c2)
        // 1/3; social (c1 and c4) has odds 1, in neither list. Equal ratios by a + b, then bytes.
        let channel = try #require(try await store.query(
            "WHY FROM awareness TO purchase WITHIN 1 day USING channel")[0].why)
        #expect(channel.factors.map(\.feature) == ["channel = 'paid_ads'", "channel = 'web'", "channel = 'email'"])
        #expect(channel.factors.map(\.direction) == [.convertsMore, .convertsMore, .convertsLess])
        #expect(near(channel.factors[2].oddsRatio, 1.0 / 3, 1e-9))
        #expect(channel.factors.map(\.percentOfConverters) == [50, 50, 0])
    }

    // MARK: VALUE

    @Test func valueSummaryMatchesTheWorkedExample() async throws {
        let (store, folder) = try await ordersStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try #require(try await store.query("VALUE amount FROM purchase").first)
        #expect(result.funnel == nil)
        let report = try #require(result.valueSummary)
        #expect(report.groupColumns.isEmpty)
        let all = try #require(report.groups.first)
        #expect(report.groups.count == 1)
        #expect(all.key.isEmpty)
        // value.jql: 13 purchases of 6 customers (2.17 each); 4 of 6 repeat (66.7 %).
        #expect(all.customers == 6)
        #expect(all.events == 13)
        #expect(near(all.eventsPerCustomer, 13.0 / 6, 1e-9))
        #expect(all.repeatCustomers == 4)
        #expect(near(all.percentRepeat, 200.0 / 3))
        // value.jql: 10 amounts sum to 607.5, 60.75 per order; median 45, p90 110.
        #expect(all.total == 607.5)
        #expect(near(all.averagePerEvent, 60.75, 1e-9))
        #expect(near(all.medianPerEvent, 45, 1e-9))
        #expect(near(all.p90PerEvent, 110, 1e-9))
        // value.jql: customer totals 180, 20, 180, 200, 27.5: 121.5 on average, median 180, p90 192.
        #expect(near(all.averagePerCustomer, 121.5, 1e-9))
        #expect(near(all.medianPerCustomer, 180, 1e-9))
        #expect(near(all.p90PerCustomer, 192, 1e-9))
        // value.jql: 395 after each first purchase, 65.0 % of 607.5; three purchases have no number.
        #expect(near(all.afterFirst, 395, 1e-9))
        #expect(near(all.percentAfterFirst, 395 / 607.5 * 100))
        #expect(all.eventsWithoutValue == 3)

        // value.jql: a year from each first purchase: 4 customers, 520, 320 after the first (SEMANTICS.md: 61.5 %).
        let year = try #require(try await store.query("VALUE amount FROM purchase WITHIN 365 days")[0]
            .valueSummary?.groups.first)
        #expect(year.customers == 4)
        #expect(near(year.total, 520, 1e-9))
        #expect(near(year.afterFirst, 320, 1e-9))
        #expect(near(year.percentAfterFirst, 320 / 520.0 * 100))
    }

    @Test func valueByMonthAndBySegment() async throws {
        let (store, folder) = try await ordersStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        // value.jql: January (o1, o2) 200, 40 % after the first; February (o3, o4) 380, 78.9 %; March (o5) nothing
        // to sum; December (o6) 27.5, 15 of it after the first.
        let months = try #require(try await store.query("VALUE amount FROM purchase BY month")[0].valueSummary)
        #expect(months.groupColumns == ["month"])
        #expect(months.groups.map(\.key) == [[.text("2024-01")], [.text("2024-02")], [.text("2024-03")],
                                             [.text("2024-12")]])
        #expect(months.groups.map(\.customers) == [2, 2, 1, 1])
        #expect(months.groups.map(\.total) == [200, 380, nil, 27.5])
        #expect(near(months.groups[0].percentAfterFirst, 40))
        #expect(near(months.groups[1].percentAfterFirst, 300 / 380.0 * 100))
        #expect(months.groups[2].percentAfterFirst == nil)
        #expect(months.groups[2].averagePerEvent == nil)
        #expect(near(months.groups[3].afterFirst, 15, 1e-9))

        // By hand from value.jql's purchases: b2c o2 (20), o3 (80, 40, 60), o6 (12.5, 15); b2b o1 (100, 50, 30),
        // o4 (none, 'n/a', 200); o5 (no segment, one purchase without an amount). More customers first.
        let segments = try #require(try await store.query("VALUE amount FROM purchase BY customer.segment")[0]
            .valueSummary)
        #expect(segments.groupColumns == ["customer.segment"])
        #expect(segments.groups.map(\.key) == [[.text("b2c")], [.text("b2b")], [.null]])
        #expect(segments.groups.map(\.customers) == [3, 2, 1])
        #expect(segments.groups.map(\.events) == [6, 6, 1])
        #expect(segments.groups.map(\.repeatCustomers) == [2, 2, 0])
        #expect(segments.groups.map(\.total) == [227.5, 380, nil])
        #expect(segments.groups.map(\.eventsWithoutValue) == [0, 2, 1])
        // b2c customers' sums 20, 180, 27.5: median 27.5; b2b 180, 200: median 190. After the first: b2c 100 + 15,
        // b2b 80 + 200.
        #expect(near(segments.groups[0].medianPerCustomer, 27.5, 1e-9))
        #expect(near(segments.groups[1].medianPerCustomer, 190, 1e-9))
        #expect(near(segments.groups[0].afterFirst, 115, 1e-9))
        #expect(near(segments.groups[1].afterFirst, 280, 1e-9))
        #expect(segments.groups[2].averagePerCustomer == nil)
        #expect(segments.groups[2].percentRepeat == 0)
    }

    // MARK: COMPARE

    @Test func comparisonOfSegmentsAgainstTheLargest() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query("FROM awareness TO purchase BY customer.segment COMPARE")
        #expect(results.count == 2)
        #expect(results[0].funnel == nil)
        #expect(results[0].comparisonTest == nil)
        #expect(results[1].comparison == nil)
        let report = try #require(results[0].comparison)
        #expect(report.groupColumns == ["customer.segment"])
        #expect(report.steps.map(\.number) == [1, 2])
        #expect(report.steps.map(\.name) == ["awareness", "purchase"])
        // compare.jql: b2b 2 of 2 (the reference, the largest), no segment (c4) 1 of 1, b2c 0 of 1.
        let purchase = report.steps[1].groups
        #expect(purchase.map(\.key) == [[.text("b2b")], [.null], [.text("b2c")]])
        #expect(report.steps[0].groups.map(\.customers) == [2, 1, 1])
        #expect(purchase.map(\.customers) == [2, 1, 0])
        #expect(purchase.map(\.rate) == [100, 100, 0])
        // Step 1 is 100% of itself: no interval, no test.
        #expect(report.steps[0].groups.allSatisfy { $0.rateInterval == nil && $0.pValue == nil && $0.difference == nil })
        #expect(report.steps[0].groups[0].verdict == .reference)
        #expect(report.steps[0].groups.dropFirst().allSatisfy { $0.verdict == nil })
        // compare.jql: Wilson 95% of 2/2 [34.24%, 100%], of 1/1 [20.65%, 100%], of 0/1 [0%, 79.35%].
        let b2b = try #require(purchase[0].rateInterval)
        #expect(near(b2b.lowerBound, 34.24) && near(b2b.upperBound, 100))
        let none = try #require(purchase[1].rateInterval)
        #expect(near(none.lowerBound, 20.65) && near(none.upperBound, 100))
        let b2c = try #require(purchase[2].rateInterval)
        #expect(near(b2c.lowerBound, 0) && near(b2c.upperBound, 79.35))
        #expect(purchase[0].verdict == .reference)
        #expect(purchase[0].difference == nil)
        // compare.jql: no segment equals b2b (0 points, no variance: p NULL); b2c − b2b = −100 points,
        // Newcombe [−100, +3.05], p = 0.0833; nothing significant.
        #expect(purchase[1].difference == 0)
        #expect(purchase[1].pValue == nil)
        #expect(purchase[1].verdict == .notSignificant)
        #expect(near(purchase[2].difference, -100, 1e-9))
        let difference = try #require(purchase[2].differenceInterval)
        #expect(near(difference.lowerBound, -100) && near(difference.upperBound, 3.05))
        #expect(near(purchase[2].pValue, 0.0833, 0.0001))
        #expect(purchase[2].verdict == .notSignificant)

        // compare.jql: chi-square over the three: 4 with 2 df, p = e^−2 = 0.135.
        let test = try #require(results[1].comparisonTest)
        #expect(test.steps.count == 1)
        #expect(test.steps[0].number == 2)
        #expect(test.steps[0].name == "purchase")
        #expect(test.steps[0].groups == 3)
        #expect(near(test.steps[0].chiSquare, 4, 1e-9))
        #expect(test.steps[0].degreesOfFreedom == 2)
        #expect(near(test.steps[0].pValue, exp(-2.0), 1e-9))
        #expect(test.steps[0].groupsDiffer == false)
    }

    @Test func comparisonAgainstAGroupAndOfPeriods() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        // compare.jql: against b2c at 90%: b2b reaches consideration 1 of 2, Wilson 90% [12.09%, 87.91%];
        // b2b − b2c = −50 points, z = −0.866, p = 0.386.
        let against = try #require(try await store.query(
            "FROM awareness THEN consideration TO purchase BY customer.segment COMPARE AGAINST b2c CONFIDENCE 90")[0]
            .comparison)
        let consideration = against.steps[1].groups
        #expect(consideration.map(\.key) == [[.text("b2b")], [.null], [.text("b2c")]])
        #expect(consideration.map(\.verdict) == [.notSignificant, .notSignificant, .reference])
        #expect(consideration[0].rate == 50)
        let wilson = try #require(consideration[0].rateInterval)
        #expect(near(wilson.lowerBound, 12.09) && near(wilson.upperBound, 87.91))
        #expect(consideration[0].difference == -50)
        #expect(near(consideration[0].pValue, 0.386, 0.001))
        // Purchase: b2b 1 of 2 (c1), b2c 0, none 1 of 1; b2b's step rate is 1 of 1.
        #expect(against.steps[2].groups.map(\.customers) == [1, 1, 0])
        #expect(against.steps[2].groups[0].stepRate == 100)

        // compare.jql / SEMANTICS.md: the week of Jan 8 (c4, 1 of 1) against the week before (2 of 3):
        // +33.33 points, Newcombe [−50.54, +79.23], p = 0.505 = the chi-square's (0.444 = z², 1 df).
        let periods = try await store.query("FROM awareness TO purchase DURING 2024-01-08 .. 2024-01-14 COMPARE PREVIOUS")
        let report = try #require(periods[0].comparison)
        #expect(report.groupColumns == ["period"])
        let purchase = report.steps[1].groups
        #expect(purchase.map(\.key) == [[.text("previous")], [.text("current")]])
        #expect(purchase.map(\.customers) == [2, 1])
        #expect(near(purchase[0].rate, 200.0 / 3))
        #expect(purchase[0].verdict == .reference)
        #expect(near(purchase[1].difference, 100.0 / 3))
        let interval = try #require(purchase[1].differenceInterval)
        #expect(near(interval.lowerBound, -50.54) && near(interval.upperBound, 79.23))
        #expect(near(purchase[1].pValue, 0.505, 0.001))
        #expect(purchase[1].verdict == .notSignificant)
        let test = try #require(periods[1].comparisonTest?.steps.first)
        #expect(test.groups == 2)
        #expect(near(test.chiSquare, 4.0 / 9, 1e-9))
        #expect(test.degreesOfFreedom == 1)
        #expect(near(test.pValue, purchase[1].pValue ?? -1, 1e-9))
        #expect(test.groupsDiffer == false)
    }

    // MARK: RETENTION

    @Test func retentionCohortsAndCurve() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query("RETENTION OF awareness RETURNING purchase EVERY week PERIODS 6")
        #expect(results.count == 2)
        #expect(results[0].retentionCurve == nil)
        #expect(results[1].retention == nil)
        let table = try #require(results[0].retention)
        #expect(table.groupColumns.isEmpty)
        // retention.jql: the week of Jan 1 holds c1, c2, c3; the week of Jan 8 holds c4.
        #expect(table.cohorts.map(\.period) == ["2024-01-01", "2024-01-08"])
        #expect(table.cohorts.map(\.size) == [3, 1])
        #expect(table.cohorts.allSatisfy { $0.key.isEmpty && $0.periods.map(\.number) == Array(0...6) })
        // retention.jql: c1 and c3 buy in their own week: 2 of 3 in period 0; nobody later.
        let first = table.cohorts[0].periods
        #expect(first.map(\.customers) == Array(repeating: 3, count: 7))
        #expect(first.map(\.returning) == [2, 0, 0, 0, 0, 0, 0])
        #expect(near(first[0].percent, 200.0 / 3))
        #expect(first[6].percent == 0)
        // retention.jql: c4's period 6 ends Feb 26, after now: left out (customers 0, blank).
        let second = table.cohorts[1].periods
        #expect(second.map(\.customers) == [1, 1, 1, 1, 1, 1, 0])
        #expect(second[5].returning == 0)
        #expect(second[6].returning == nil)
        #expect(second[6].percent == nil)

        // retention.jql: the curve: period 0 is 2 of 4; periods 1 to 5 0 of 4; period 6 only the Jan 1 cohort's 3.
        let curve = try #require(results[1].retentionCurve)
        #expect(curve.groupColumns.isEmpty)
        let periods = try #require(curve.groups.first?.periods)
        #expect(periods.map(\.number) == Array(0...6))
        #expect(periods.map(\.customers) == [4, 4, 4, 4, 4, 4, 3])
        #expect(periods.map(\.returning) == [2, 0, 0, 0, 0, 0, 0])
        #expect(periods[0].percent == 50)
        #expect(periods[6].percent == 0)
    }

    @Test func retentionBySegmentOnOrAfter() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query(
            "RETENTION OF awareness RETURNING purchase EVERY week PERIODS 6 ON OR AFTER BY customer.segment")
        let table = try #require(results[0].retention)
        #expect(table.groupColumns == ["customer.segment"])
        // retention.jql: b2b (c1, c3: 2 customers) first, then the groups of 1, no segment before b2c.
        #expect(table.cohorts.map(\.key) == [[.text("b2b")], [.null], [.text("b2c")]])
        #expect(table.cohorts.map(\.period) == ["2024-01-01", "2024-01-08", "2024-01-01"])
        #expect(table.cohorts.map(\.size) == [2, 1, 1])
        // b2b: c1 and c3 buy in period 0 and never again.
        #expect(table.cohorts[0].periods.map(\.returning) == [2, 0, 0, 0, 0, 0, 0])
        // retention.jql: c4 (no segment) bought in period 6, so it counts in periods 0 ... 5 (period 6 not ended).
        let c4 = table.cohorts[1].periods
        #expect(c4.prefix(6).allSatisfy { $0.customers == 1 && $0.returning == 1 && $0.percent == 100 })
        #expect(c4[6].customers == 0)
        #expect(c4[6].returning == nil)
        // c2 (b2c) never buys.
        #expect(table.cohorts[2].periods.allSatisfy { $0.returning == 0 && $0.percent == 0 })

        let curve = try #require(results[1].retentionCurve)
        #expect(curve.groupColumns == ["customer.segment"])
        #expect(curve.groups.map(\.key) == [[.text("b2b")], [.null], [.text("b2c")]])
        #expect(curve.groups[0].periods[0].percent == 100)
        #expect(curve.groups[1].periods.prefix(6).allSatisfy { $0.percent == 100 })
        // The curve's period 6 for c4's group: no cohort has ended it.
        #expect(curve.groups[1].periods[6].customers == 0)
        #expect(curve.groups[1].periods[6].percent == nil)
    }

    // MARK: ATTRIBUTE

    @Test func attributionWithOneModel() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try #require(try await store.query(
            "ATTRIBUTE purchase BY touchpoint MODEL position LOOKBACK 7 days").first)
        // One model's columns are `conversions` and `share`.
        #expect(result.columnIndex("conversions") != nil)
        #expect(result.columnIndex("share") != nil)
        let report = try #require(result.attribution)
        #expect(report.field == "touchpoint")
        #expect(report.measure == .conversions)
        #expect(report.models == [.position])
        // attribution.jql: position within 7 days: c1 ad_click 0.4 + 0.4, site_visit 0.2; c3 product_view and
        // ad_click 0.5 each; c4 (none). By credit, (none) last.
        #expect(report.entries.map(\.value) == ["ad_click", "product_view", "site_visit", "(none)"])
        let credits = report.entries.map { $0.credit(.position)?.credit ?? -1 }
        #expect(zip(credits, [1.3, 0.5, 0.2, 1]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(report.entries.allSatisfy { $0.credits.count == 1 && $0.credit(.linear) == nil })
        // Shares of the 3 conversions, in tenths of a percent, adding up to 100.
        let shares = report.entries.map { $0.credits[0].share ?? -1 }
        #expect(zip(shares, [43.3, 16.7, 6.7, 33.3]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(near(shares.reduce(0, +), 100, 1e-9))

        // attribution.jql: only the purchases since Jan 4 (c3's and c4's): c3's last touch paid_ads, c4 (none).
        let since = try #require(try await store.query(
            "ATTRIBUTE purchase MODEL last_touch LOOKBACK 30 days SINCE 2024-01-04")[0].attribution)
        #expect(since.field == "channel")
        #expect(since.models == [.lastTouch])
        #expect(since.entries.map(\.value) == ["paid_ads", "(none)"])
        #expect(since.entries.map { $0.credits[0].credit } == [1, 1])
        #expect(since.entries.map { $0.credits[0].share } == [50, 50])
    }

    @Test func attributionWithEveryModel() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = try #require(try await store.query("""
            ATTRIBUTE purchase BY channel MODEL first_touch, last_touch, linear, position, time_decay, markov \
            LOOKBACK 30 days
            """)[0].attribution)
        #expect(report.field == "channel")
        #expect(report.measure == .conversions)
        #expect(report.models == [.firstTouch, .lastTouch, .linear, .position, .timeDecay, .markov])
        #expect(report.models == AttributionReport.Model.allCases)
        // attribution.jql: ordered by first_touch, most first, then by name: social 1, web 1, then email 0 and
        // paid_ads 0; (none) last.
        #expect(report.entries.map(\.value) == ["social", "web", "email", "paid_ads", "(none)"])
        #expect(report.entries.allSatisfy { $0.credits.map(\.model) == report.models })
        func credits(_ model: AttributionReport.Model) -> [Double] {
            report.entries.map { $0.credit(model)?.credit ?? -1 }
        }
        func same(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 } }
        // attribution.jql: c4's touches are 41 days before its purchase: (none) 1 in every column.
        #expect(same(credits(.firstTouch), [1, 1, 0, 0, 1]))
        #expect(same(credits(.lastTouch), [1, 0, 0, 1, 1]))
        #expect(same(credits(.linear), [0.67, 0.83, 0, 0.5, 1]))
        // position: c1 40/20/40 (social 0.8, web 0.2), c3 50/50 (web 0.5, paid_ads 0.5).
        #expect(same(credits(.position), [0.8, 0.7, 0, 0.5, 1]))
        #expect(same(credits(.timeDecay), [0.67, 0.83, 0, 0.5, 1]))
        // markov: 80/133, 90/133, 60/133, 36/133 of the 2 touched purchases: 0.60, 0.68, 0.45, 0.27.
        #expect(same(credits(.markov), [0.6, 0.68, 0.27, 0.45, 1]))
        // Every column adds up to the 3 conversions, and every share column to 100%.
        for model in report.models {
            #expect(abs(credits(model).reduce(0, +) - 3) < 1e-9, "\(model)")
            let shares = report.entries.map { $0.credit(model)?.share ?? -1 }
            #expect(abs(shares.reduce(0, +) - 100) < 1e-9, "\(model)")
        }
        // Three equal thirds of first_touch: the extra tenth to the row higher in the table.
        #expect(report.entries.map { $0.credit(.firstTouch)?.share } == [33.4, 33.3, 0, 0, 33.3])
    }

    @Test func attributionOfValue() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        // attribution.jql: c1's 120 (social 80, web 40), c3's 40 (web 20, paid_ads 20), c4's 75 to (none): 235.
        // markov shares the 160 of touched purchases: social 48.12, web 54.135 (+ the last cent), paid_ads 36.09,
        // email 21.654.
        let several = try #require(try await store.query(
            "ATTRIBUTE purchase MODEL linear, markov VALUE amount LOOKBACK 30 days")[0].attribution)
        #expect(several.measure == .value)
        #expect(several.models == [.linear, .markov])
        #expect(several.entries.map(\.value) == ["social", "web", "paid_ads", "email", "(none)"])
        let linear = several.entries.map { $0.credit(.linear)?.credit ?? -1 }
        let markov = several.entries.map { $0.credit(.markov)?.credit ?? -1 }
        #expect(zip(linear, [80, 60, 20, 0, 75]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(zip(markov, [48.12, 54.14, 36.09, 21.65, 75]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(abs(markov.reduce(0, +) - 235) < 1e-9)

        // One model with VALUE: the columns are `value` and `share`; email earns nothing and is not listed.
        let result = try #require(try await store.query(
            "ATTRIBUTE purchase MODEL linear VALUE amount LOOKBACK 30 days").first)
        #expect(result.columnIndex("value") != nil)
        #expect(result.columnIndex("conversions") == nil)
        let one = try #require(result.attribution)
        #expect(one.measure == .value)
        #expect(one.models == [.linear])
        #expect(one.entries.map(\.value) == ["social", "web", "paid_ads", "(none)"])
        #expect(one.entries.map { $0.credits[0].credit } == [80, 60, 20, 75])
        // Shares of 235 in tenths: 34.04, 25.53, 8.51, 31.91 rounded down (99.9), the last tenth to social.
        #expect(one.entries.map { $0.credits[0].share } == [34.1, 25.5, 8.5, 31.9])
    }

    @Test func attributionLimitFoldsIntoOther() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        // attribution.jql's linear credits: web 0.83, social 0.67, paid_ads 0.5, (none) 1. SEMANTICS.md: LIMIT 1 keeps
        // web and folds social and paid_ads (1.17) into (other), just before (none).
        let report = try #require(try await store.query(
            "ATTRIBUTE purchase MODEL linear LOOKBACK 30 days LIMIT 1")[0].attribution)
        #expect(report.entries.map(\.value) == ["web", "(other)", "(none)"])
        let credits = report.entries.map { $0.credits[0].credit }
        #expect(zip(credits, [0.83, 1.17, 1]).allSatisfy { abs($0 - $1) < 1e-9 })
    }
}
