// ATTRIBUTE: the engine against ReferenceAttribution.swift on random logs (both engines), a Markov case worked by
// hand, exact column sums, and located errors. Replay: JOURNEYQL_SEED=<n> swift test --filter Attribution
import Foundation
import Testing
import JourneyEngine
import JourneyStore

private let attributionSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_261_213

/// 2024-01-01T00:00:00Z.
private let day0: Int64 = 1_704_067_200_000

private func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items.randomElement(using: &rng)! }
private func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

/// Imports `csv` (header customer,time,stage,touchpoint,channel,campaign,amount) into a fresh store.
private func store(_ csv: String, directory: URL, name: String) throws -> Session {
    let path = directory.appendingPathComponent(name + ".csv").path
    try csv.write(toFile: path, atomically: true, encoding: .utf8)
    let session = try Session(storePath: directory.appendingPathComponent(name + ".db").path, access: .create)
    _ = try session.importEvents([path], options: ImportOptions())
    return session
}

private func randomLog(_ rng: inout SplitMix64) -> String {
    let gaps: [Int64] = [0, 0, 1000, 60_000, 3_600_000, 86_400_000, 2 * 86_400_000, 9 * 86_400_000]
    var lines: [String] = []
    for c in 0..<Int.random(in: 10...60, using: &rng) {
        var time = day0 + Int64.random(in: 0..<(20 * 86_400), using: &rng) * 1000
        for _ in 0..<Int.random(in: 1...12, using: &rng) {
            let purchase = chance(0.25, &rng)
            let touchpoint = purchase ? "purchase" : pick(["ad_click", "site_visit", "email_open", "cart_add"], &rng)
            let stage = purchase ? "purchase" : pick(["awareness", "consideration"], &rng)
            let channel = chance(0.12, &rng) ? "" : pick(["web", "email", "social", "paid"], &rng)
            let campaign = chance(0.3, &rng) ? "" : pick(["spring", "summer", "brand"], &rng)
            let amount = purchase && !chance(0.1, &rng) ? pick(["10", "25.5", "0.333", "99.99", "7"], &rng) : ""
            lines.append("c\(c),\(TimeParser.format(time)),\(stage),\(touchpoint),\(channel),\(campaign),\(amount)")
            time += pick(gaps, &rng)
        }
    }
    lines.shuffle(using: &rng)
    return "customer,time,stage,touchpoint,channel,campaign,amount\n" + lines.joined(separator: "\n") + "\n"
}

private func randomAttribution(_ rng: inout SplitMix64) -> String {
    var models = AttributionModel.allCases.map(\.rawValue).shuffled(using: &rng)
    models = Array(models.prefix(Int.random(in: 1...6, using: &rng)))
    var parts = ["MODEL " + models.joined(separator: ", "),
                 "LOOKBACK " + pick(["1 hour", "1 day", "3 days", "10 days", "30 days"], &rng)]
    if models.contains("time_decay"), chance(0.6, &rng) { parts.append("HALF LIFE " + pick(["1 hour", "1 day", "7 days"], &rng)) }
    if chance(0.3, &rng) { parts.append("VALUE amount") }
    if chance(0.7, &rng) { parts.append("BY " + pick(["channel", "touchpoint", "campaign", "stage"], &rng)) }
    if chance(0.25, &rng) { parts.append("WHERE channel <> social") }
    if chance(0.3, &rng) {
        let a = day0 + Int64.random(in: 0...15, using: &rng) * 86_400_000
        parts.append(chance(0.5, &rng) ? "SINCE \(TimeParser.format(a))"
                                       : "DURING \(TimeParser.format(a)) .. \(TimeParser.format(a + 10 * 86_400_000))")
    }
    parts.shuffle(using: &rng)
    let step = pick(["purchase", "purchase", "TOUCHPOINT purchase", "purchase[amount > 20]", "cart_add"], &rng)
    return "ATTRIBUTE \(step) " + parts.joined(separator: " ")
}

/// Every credit column of `result` as label → number, and its sum in hundredths.
private func columns(_ result: QueryResult, models: Int) -> [(credits: [String: Double], units: Int64, shares: Int64)] {
    (0..<models).map { m in
        var credits: [String: Double] = [:]
        var units: Int64 = 0, shares: Int64 = 0
        for row in result.rows {
            guard case .text(let label) = row[0], case .number(let v) = row[1 + 2 * m] else { continue }
            credits[label] = v
            units += Int64((v * 100).rounded())
            if case .percent(let p) = row[2 + 2 * m] { shares += Int64((p * 10).rounded()) }
        }
        return (credits, units, shares)
    }
}

@Suite("Attribution")
struct AttributionTests {
    @Test func randomLogsAgreeWithTheReferenceOnBothEngines() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-attribution-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = 60, queriesPerCase = 40
        var failures = 0, run = 0, untouched = 0, markovs = 0, fractional = 0, customers = 0
        for caseIndex in 0..<cases where failures < 5 {
            let seed = attributionSeed &+ UInt64(caseIndex) &* 0x9E37_79B9
            var rng = SplitMix64(seed: seed)
            let session = try store(randomLog(&rng), directory: directory, name: "log-\(caseIndex)")
            let events = try session.store.rawEvents()
            customers += Set(events.map(\.customer)).count
            let catalog = session.catalog()
            let definitions = try session.definitions()
            for _ in 0..<queriesPerCase where failures < 5 {
                let text = randomAttribution(&rng)
                let source = SourceText(text)
                let parsed = Parser.parse(source)
                guard parsed.diagnostics.isEmpty, let statement = parsed.statements.first,
                      case .attribution(let checked)? = Checker.check(statement, catalog: catalog, source: source,
                                                                       definitions: definitions).statement else {
                    Issue.record("seed \(seed): does not check: \(text)")
                    failures += 1
                    continue
                }
                let a = checked.resolved(setNow: nil, clock: 0)
                let want = Reference.attribution(a, events: events, customers: [:])
                run += 1
                if want.untouched > 0 { untouched += 1 }
                if a.models.contains(.markov), want.total > want.untouched { markovs += 1 }
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    defer { session.engine = .auto }
                    var result: QueryResult?
                    do {
                        try session.run(source) { if case .result(let r) = $0 { result = r } }
                    } catch {
                        failures += 1
                        Issue.record("seed \(seed): \(engine) failed on \(text): \(error)")
                        continue
                    }
                    guard let result else { failures += 1; continue }
                    for (m, column) in columns(result, models: a.models.count).enumerated() {
                        // Each column adds up exactly, credits and shares.
                        var ok = column.units == want.total
                            && (want.total == 0 || column.shares == 1000)
                            && (column.credits["(none)"].map { Int64(($0 * 100).rounded()) } ?? 0) == want.untouched
                        // Each row is its raw credit rounded down or up to a hundredth.
                        var labels = Set(want.credits[m].keys).union(column.credits.keys)
                        labels.remove("(none)")
                        for label in labels {
                            let have = column.credits[label] ?? 0, raw = (want.credits[m][label] ?? 0) / 100
                            if abs(have - raw) >= 0.01 + 1e-7 { ok = false }
                            if have != have.rounded() { fractional += 1 }
                        }
                        if !ok {
                            failures += 1
                            Issue.record("seed \(seed): \(engine): \(text)\nmodel \(a.models[m].rawValue): \(column)\nreference: total \(want.total) none \(want.untouched) \(want.credits[m])")
                        }
                    }
                }
            }
        }
        if failures == 0 {
            #expect(run == cases * queriesPerCase)
            #expect(customers > 1500, "only \(customers) customers' logs")
            #expect(untouched > run / 5, "only \(untouched) statements had a conversion without a touch")
            #expect(markovs > run / 5, "only \(markovs) statements asked markov with touched conversions")
            #expect(fractional > run, "only \(fractional) fractional credits")
        }
    }

    /// A Markov case worked by hand (SEMANTICS.md, "Attribution", the worked example). Paths: c1 start → social →
    /// web → social → conversion; c3 start → web → paid → conversion; c2 start → email → web → null; c5 start →
    /// phone → null. Transitions: start → social, web, email, phone ¼ each; social → web ½, conversion ½; web →
    /// social, paid, null ⅓ each; paid → conversion; email → web; phone → null. P(conversion): x_web = ⅓·x_social
    /// + ⅓, x_social = ½·x_web + ½ gives x_web = 3/5, x_social = 4/5, P = (4/5 + 3/5 + 3/5 + 0)/4 = 1/2.
    /// Without social P = 1/6 (effect 2/3); without web 1/8 (3/4); without paid 1/4 (1/2); without email 7/20
    /// (3/10); phone 0. The effects add up to 133/60; the two touched conversions are shared 80/133, 90/133,
    /// 60/133, 36/133: 0.6015, 0.6767, 0.4511, 0.2707 → 0.60, 0.68 (largest remainder), 0.45, 0.27.
    @Test func markovWorkedByHand() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-markov-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = """
            customer,time,stage,touchpoint,channel,campaign,amount
            c1,2024-01-01T00:00:00Z,awareness,ad_click,social,,
            c1,2024-01-01T00:05:00Z,consideration,site_visit,web,,
            c1,2024-01-01T00:05:00Z,awareness,ad_click,social,,
            c1,2024-01-01T00:40:00Z,purchase,purchase,web,,120
            c2,2024-01-02T10:00:00Z,awareness,email_open,email,,
            c2,2024-01-05T10:00:00Z,consideration,site_visit,web,,
            c3,2024-01-03T09:00:00Z,consideration,product_view,web,,
            c3,2024-01-03T09:30:00Z,awareness,ad_click,paid,,
            c3,2024-01-04T09:30:00Z,purchase,purchase,web,,40
            c4,2024-02-20T12:00:00Z,purchase,purchase,store,,75
            c5,2024-01-15T08:00:00Z,retention,support_call,phone,,

            """
        let session = try store(csv, directory: directory, name: "markov")
        var result: QueryResult?
        try session.run(SourceText("ATTRIBUTE purchase BY channel MODEL markov LOOKBACK 30 days")) {
            if case .result(let r) = $0 { result = r }
        }
        let rows = try #require(result).rows
        #expect(rows == [[.text("web"), .number(0.68), .percent(22.7)], [.text("social"), .number(0.60), .percent(20.0)],
                         [.text("paid"), .number(0.45), .percent(15.0)], [.text("email"), .number(0.27), .percent(9.0)],
                         [.text("(none)"), .number(1), .percent(33.3)]])
        // The reference's iteration gives the same effects.
        let effects = Reference.markovRemovalEffects([(["social", "web", "social"], true), (["web", "paid"], true),
                                                      (["email", "web"], false), (["phone"], false)])
        #expect(abs(effects["social"]! - 2.0 / 3) < 1e-12 && abs(effects["web"]! - 0.75) < 1e-12)
        #expect(abs(effects["paid"]! - 0.5) < 1e-12 && abs(effects["email"]! - 0.3) < 1e-12 && effects["phone"]! < 1e-12)
    }

    /// Three equal thirds cannot each be shown as 0.33: the residue goes to the first row, and the column still
    /// adds up to 1 (and the shares to 100.0%).
    @Test func thirdsAddUpExactly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-thirds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = """
            customer,time,stage,touchpoint,channel,campaign,amount
            c1,2024-01-01T00:00:00Z,awareness,ad_click,social,,
            c1,2024-01-01T00:01:00Z,awareness,ad_click,web,,
            c1,2024-01-01T00:02:00Z,awareness,ad_click,email,,
            c1,2024-01-01T00:03:00Z,purchase,purchase,web,,10

            """
        let session = try store(csv, directory: directory, name: "thirds")
        var result: QueryResult?
        try session.run(SourceText("ATTRIBUTE purchase MODEL linear, position LOOKBACK 1 hour VALUE amount")) {
            if case .result(let r) = $0 { result = r }
        }
        let rows = try #require(result).rows
        // linear: 10/3 each → 3.34, 3.33, 3.33 (equal remainders: the first row in name order gets the cent);
        // position: social first and email last 40% each (4), web between 20% (2).
        #expect(rows == [[.text("email"), .number(3.34), .percent(33.4), .number(4), .percent(40.0)],
                         [.text("social"), .number(3.33), .percent(33.3), .number(4), .percent(40.0)],
                         [.text("web"), .number(3.33), .percent(33.3), .number(2), .percent(20.0)]])
    }

    @Test func errorsAreLocated() throws {
        let catalog = StoreCatalog(touchpoints: [NamedCount(name: "purchase", count: 1)],
                                   channels: [NamedCount(name: "web", count: 1)],
                                   properties: [NamedCount(name: "amount", count: 1)])
        func ids(_ text: String) -> [(String, String)] {
            let source = SourceText(text)
            let parsed = Parser.parse(source)
            if !parsed.diagnostics.isEmpty { return parsed.diagnostics.map { ($0.id, source.slice($0.range)) } }
            let checked = Checker.check(parsed.statements[0], catalog: catalog, source: source, definitions: Definitions())
            return checked.diagnostics.map { ($0.id, source.slice($0.range)) }
        }
        #expect(ids("ATTRIBUTE purchase MODEL linera LOOKBACK 1 day").map(\.0) == ["check.attribution-model"])
        #expect(ids("ATTRIBUTE purchase MODEL linera LOOKBACK 1 day").map(\.1) == ["linera"])
        #expect(ids("ATTRIBUTE purchase MODEL linear").map(\.0) == ["check.attribution-lookback"])
        #expect(ids("ATTRIBUTE purchase MODEL linear LOOKBACK 0 days").map(\.1) == ["0 days"])
        #expect(ids("ATTRIBUTE purchase MODEL linear LOOKBACK -2 days").map(\.1) == ["-2 days"])
        #expect(ids("ATTRIBUTE purchase MODEL linear LOOKBACK 2 days HALF LIFE 1 day").map { $0.0 + " " + $0.1 }
                == ["check.attribution-half-life HALF LIFE 1 day"])
        #expect(ids("ATTRIBUTE purchase MODEL time_decay LOOKBACK 2 days HALF LIFE 0d").map(\.0) == ["check.attribution-half-life"])
        #expect(ids("ATTRIBUTE purchase MODEL linear LOOKBACK 2 days VALUE channel").map { $0.0 + " " + $0.1 }
                == ["check.attribution-value channel"])
        #expect(ids("ATTRIBUTE purchase MODEL linear LOOKBACK 2 days BY customer.segment").map(\.0).first == "check.unknown-attribute")
        #expect(ids("ATTRIBUTE purchase MODEL linear LOOKBACK 2 days BY channel, touchpoint").map(\.0) == ["check.attribution-by"])
        #expect(ids("ATTRIBUTE purchase MODEL linear LOOKBACK 2 days WITHIN 3 days").map { $0.0 + " " + $0.1 }
                == ["check.attribution-clause 3 days"])
        #expect(ids("ATTRIBUTE purchase MODEL linear, linear LOOKBACK 2 days").map(\.0) == ["check.attribution-model"])
        #expect(ids("ATTRIBUTE purchase LOOKBACK 2 days").map(\.0) == ["check.attribution-model"])
        #expect(ids("ATTRIBUTE purchase MODEL linear LOOKBACK 2 days LOOKBACK 3 days").map(\.0) == ["parse.duplicate-clause"])
        #expect(ids("ATTRIBUTE purchase MODEL linear LOOKBACK 2 days VALUE amount").isEmpty)
    }

    @Test func completionAfterAttributeModelAndValue() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try store("customer,time,stage,touchpoint,channel,campaign,amount\nc1,2024-01-01T00:00:00Z,awareness,ad_click,social,spring,\nc1,2024-01-02T00:00:00Z,purchase,purchase,web,,10\n",
                                directory: directory, name: "complete")
        #expect(session.completions(prefix: "", before: "ATTRIBUTE purchase MODEL ").sorted()
                == AttributionModel.allCases.map(\.rawValue).sorted())
        #expect(session.completions(prefix: "m", before: "ATTRIBUTE purchase MODEL linear, ") == ["markov"])
        #expect(session.completions(prefix: "am", before: "ATTRIBUTE purchase MODEL linear LOOKBACK 7 days VALUE ") == ["amount"])
        #expect(session.completions(prefix: "p", before: "ATTRIBUTE ").sorted() == ["purchase"])
    }
}
