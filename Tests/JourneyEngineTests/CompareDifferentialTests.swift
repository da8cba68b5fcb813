// COMPARE, the engine against ReferenceCompare.swift on random logs: random events are imported into fresh stores
// and random comparisons (BY with AGAINST, CONFIDENCE, LIMIT, WHERE, FOR, windows; two periods by DURING or LAST
// under SET now) run through Session on both engines; every cell of both tables must equal the brute force's, whose
// counts come from the reference evaluator and whose statistics come from formulas of its own. The previous period
// is written out here as a plain DURING, not derived by the engine's code.
// Replay or explore: JOURNEYQL_SEED=<n> swift test --filter CompareDifferential
import Foundation
import Testing
import JourneyEngine
import JourneyStore

private let compareSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_261_213

/// 2024-01-01T00:00:00Z.
private let day0: Int64 = 1_704_067_200_000
private let dayMs: Int64 = 86_400_000

private func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items.randomElement(using: &rng)! }
private func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

/// Random customers over 40 days (ties, repeats and missing values on purpose) with segments, in a fresh store.
private func randomStore(_ rng: inout SplitMix64, directory: URL, index: Int) throws -> Session {
    let stages = ["awareness", "consideration", "purchase"]
    let touchpoints = ["ad_click", "site_visit", "cart_add", "purchase"]
    let channels = ["web", "email", "social", "ads"]
    let gaps: [Int64] = [0, 1000, 60_000, 3_600_000, dayMs, 3 * dayMs, 9 * dayMs]
    var lines: [String] = []
    var customers = "customer_id,segment\n"
    for c in 0..<Int.random(in: 30...160, using: &rng) {
        var time = day0 + Int64.random(in: 0..<(40 * 86_400), using: &rng) * 1000
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let stage = chance(0.1, &rng) ? "" : pick(stages, &rng)
            let touchpoint = chance(0.1, &rng) ? "" : pick(touchpoints, &rng)
            let channel = chance(0.1, &rng) ? "" : pick(channels, &rng)
            lines.append("c\(c),\(TimeParser.format(time)),\(stage),\(touchpoint),\(channel)")
            time += pick(gaps, &rng)
        }
        if chance(0.85, &rng) { customers += "c\(c),\(pick(["b2b", "b2c", "gov"], &rng))\n" }
    }
    lines.shuffle(using: &rng)
    let events = directory.appendingPathComponent("compare-\(index).csv").path
    try ("customer,time,stage,touchpoint,channel\n" + lines.joined(separator: "\n") + "\n")
        .write(toFile: events, atomically: true, encoding: .utf8)
    let customersPath = directory.appendingPathComponent("compare-customers-\(index).csv").path
    try customers.write(toFile: customersPath, atomically: true, encoding: .utf8)
    let session = try Session(storePath: directory.appendingPathComponent("compare-\(index).db").path, access: .create)
    _ = try session.importEvents([events], options: ImportOptions())
    _ = try session.importCustomers(customersPath, options: ImportOptions())
    return session
}

/// A value as a statement writes it (AGAINST), for a key cell of the reference's groups.
private func written(_ cell: Cell) -> String? {
    switch cell {
    case .null: "NULL"
    case .text(let s): "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    default: nil
    }
}

/// A random journey's steps and clauses (no BY, no start range): shared by both kinds of comparison.
private func randomJourney(_ rng: inout SplitMix64) -> (steps: String, clauses: [String]) {
    let steps = pick([["awareness", "purchase"], ["awareness", "consideration", "purchase"], ["ad_click", "cart_add"],
                      ["site_visit", "purchase", "purchase"], ["ANY", "(cart_add | purchase)"]], &rng)
    var clauses: [String] = []
    if chance(0.5, &rng) { clauses.append("WITHIN " + pick(["1 hour", "1 day", "3 days", "10 days"], &rng)) }
    if chance(0.2, &rng) { clauses.append("WHERE channel <> email") }
    if chance(0.15, &rng) { clauses.append("FOR business") }
    if chance(0.1, &rng) { clauses.append("STRICT TIME") }
    return ("FROM " + steps.joined(separator: " TO "), clauses)
}

@Suite("COMPARE: engine vs reference")
struct CompareDifferentialTests {
    @Test func randomComparisonsThroughTheWholePipeline() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = 30, queriesPerCase = 30
        var failures = 0, queriesRun = 0
        var significant = 0, oneGroup = 0, manyGroups = 0, periods = 0, against = 0, emptyPeriod = 0
        for caseIndex in 0..<cases where failures < 5 {
            let seed = compareSeed &+ UInt64(caseIndex) &* 0x9E37_79B9
            var rng = SplitMix64(seed: seed)
            let session = try randomStore(&rng, directory: directory, index: caseIndex)
            let events = try session.store.rawEvents()
            let customers = try session.store.rawCustomers()
            try session.run(SourceText("SEGMENT business AS customer.segment = b2b;")) { _ in }
            let catalog = session.catalog()
            let definitions = try session.definitions()
            /// The reference's funnel table of a plain journey statement, under `setNow`.
            func referenceTable(_ text: String, setNow: Int64?) throws -> (CheckedFunnel, QueryResult) {
                let source = SourceText(text)
                let statement = try #require(Parser.parse(source).statements.first)
                guard case .funnel(let f)? = Checker.check(statement, catalog: catalog, source: source,
                                                           definitions: definitions).statement else {
                    throw CancellationError()
                }
                let funnel = f.resolved(setNow: setNow, clock: 0)
                return (funnel, Reference.journey(funnel, events: events, customers: customers))
            }
            for _ in 0..<queriesPerCase where failures < 5 {
                let (steps, clauses) = randomJourney(&rng)
                let confidence = pick([90, 95, 95, 99], &rng)
                let level = confidence == 95 && chance(0.5, &rng) ? "" : " CONFIDENCE \(confidence)"
                var script: String
                var setNow: Int64?
                var groups: [ReferenceCompare.Group]
                var labels: [String]
                var reference = 0
                if chance(0.3, &rng) {
                    // Two periods: DURING whole days, or LAST n days under SET now; the previous period written out.
                    periods += 1
                    let current: String, previous: String
                    if chance(0.5, &rng) {
                        let first = Int64.random(in: 5...30, using: &rng), length = Int64.random(in: 1...10, using: &rng)
                        let a = day0 + first * dayMs, b = a + (length - 1) * dayMs
                        current = "DURING \(TimeParser.formatDate(a)) .. \(TimeParser.formatDate(b))"
                        previous = "DURING \(TimeParser.format(a - length * dayMs)) .. \(TimeParser.format(a - 1))"
                    } else {
                        let now = day0 + Int64.random(in: 10...45, using: &rng) * dayMs + Int64.random(in: 0..<dayMs, using: &rng)
                        let d = Int64.random(in: 1...12, using: &rng)
                        setNow = now
                        current = "LAST \(d) days"
                        previous = "DURING \(TimeParser.format(now - 2 * d * dayMs)) .. \(TimeParser.format(now - d * dayMs - 1))"
                    }
                    let plain = steps + " " + clauses.joined(separator: " ")
                    let (funnel, now) = try referenceTable(plain + " " + current, setNow: setNow)
                    let (_, before) = try referenceTable(plain + " " + previous, setNow: setNow)
                    let m = funnel.steps.count
                    groups = ReferenceCompare.groups(before, keyCount: 0, stepCount: m).map { .init(key: [.text("previous")], customers: $0.customers) }
                        + ReferenceCompare.groups(now, keyCount: 0, stepCount: m).map { .init(key: [.text("current")], customers: $0.customers) }
                    labels = funnel.steps.map(\.label)
                    var options = ["COMPARE PREVIOUS" + level]
                    if chance(0.3, &rng) {
                        options.append("AGAINST current")
                        reference = 1
                        against += 1
                    }
                    if groups.contains(where: { $0.customers[0] == 0 }) { emptyPeriod += 1 }
                    var parts = clauses + [current]
                    parts.shuffle(using: &rng)
                    script = steps + " " + parts.joined(separator: " ") + " " + options.joined(separator: " ")
                } else {
                    let by = pick(["channel", "customer.segment", "stage", "channel, customer.segment", "week"], &rng)
                    var parts = clauses + ["BY " + by]
                    if chance(0.2, &rng) { parts.append("LIMIT \(Int.random(in: 1...4, using: &rng))") }
                    parts.shuffle(using: &rng)
                    let (funnel, table) = try referenceTable(steps + " " + parts.joined(separator: " "), setNow: nil)
                    labels = funnel.steps.map(\.label)
                    groups = ReferenceCompare.groups(table, keyCount: funnel.breakdown.count, stepCount: labels.count)
                    var compare = "COMPARE" + level
                    if groups.count >= 2, chance(0.4, &rng) {
                        let chosen = Int.random(in: 0..<groups.count, using: &rng)
                        let values = groups[chosen].key.compactMap(written)
                        if values.count == groups[chosen].key.count {
                            compare += " AGAINST " + values.joined(separator: ", ")
                            reference = chosen
                            against += 1
                        }
                    }
                    // Clauses on either side of COMPARE.
                    let split = Int.random(in: 0...parts.count, using: &rng)
                    script = steps + " " + parts[..<split].joined(separator: " ") + " " + compare + " "
                        + parts[split...].joined(separator: " ")
                }
                if let setNow { script = "SET now = \(TimeParser.format(setNow)); " + script }
                queriesRun += 1
                let want = groups.count >= 2
                    ? ReferenceCompare.tables(groups: groups, labels: labels, confidence: confidence, reference: reference) : nil
                if groups.count < 2 { oneGroup += 1 }
                if groups.count > 2 { manyGroups += 1 }
                if want?.0.contains(where: { $0.last == .text("higher") || $0.last == .text("lower") }) == true { significant += 1 }
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    session.now = nil
                    defer { session.engine = .auto; session.now = nil }
                    var results: [QueryResult] = []
                    do {
                        try session.run(SourceText(script)) { if case .result(let r) = $0 { results.append(r) } }
                    } catch {
                        let ids = error.diagnostics.map(\.id)
                        if want == nil, ids == ["check.compare-groups"] { continue }
                        failures += 1
                        Issue.record("seed \(seed): \(engine) engine failed on \(script): \(ids) \(error)")
                        continue
                    }
                    guard let (table, chi) = want else {
                        failures += 1
                        Issue.record("seed \(seed): \(engine) engine compared \(groups.count) group(s): \(script)")
                        continue
                    }
                    if results.count != 2 || !Reference.rowsAgree(results[0].rows, table) || !Reference.rowsAgree(results[1].rows, chi) {
                        failures += 1
                        Issue.record("seed \(seed): \(engine) engine: \(script)\nengine:    \(results.map(\.rows))\nreference: \(table)\n\(chi)")
                    }
                }
            }
        }
        if failures == 0 {
            #expect(queriesRun == cases * queriesPerCase)
            #expect(significant > queriesRun / 20, "only \(significant) comparisons found a significant difference")
            #expect(oneGroup > 5, "only \(oneGroup) comparisons had fewer than two groups")
            #expect(manyGroups > queriesRun / 5, "only \(manyGroups) comparisons had more than two groups")
            #expect(periods > queriesRun / 5 && against > queriesRun / 10, "\(periods) periods, \(against) AGAINST")
            #expect(emptyPeriod > 3, "only \(emptyPeriod) periods had nobody")
        }
    }
}

/// COMPARE over the random journeys of DifferentialTests (optional steps, gap windows, exclusions, SAME, ties, any
/// order, FOR, SET now): every journey with BY is also asked with COMPARE appended, on both engines, and must equal
/// ReferenceCompare over the reference's own funnel table of that journey.
enum CompareDifferential {
    struct Coverage {
        var compared = 0, oneGroup = 0
    }

    /// Returns how many comparisons failed (each recorded as an issue).
    static func compare(journey text: String, setNow: Int64?, funnel: CheckedFunnel, table: QueryResult,
                        session: Session, seed: UInt64, coverage: inout Coverage) -> Int {
        guard !funnel.breakdown.isEmpty else { return 0 }
        let script = (setNow.map { "SET now = \(TimeParser.format($0)); " } ?? "") + text + " COMPARE"
        let labels = funnel.steps.map(\.label)
        let groups = ReferenceCompare.groups(table, keyCount: funnel.breakdown.count, stepCount: labels.count)
        let want = groups.count >= 2 ? ReferenceCompare.tables(groups: groups, labels: labels, confidence: 95, reference: 0) : nil
        coverage.compared += 1
        if want == nil { coverage.oneGroup += 1 }
        var failures = 0
        for engine in [Engine.columnar, .sqlite] {
            session.engine = engine
            session.now = nil
            defer { session.engine = .auto; session.now = nil }
            var results: [QueryResult] = []
            do {
                try session.run(SourceText(script)) { if case .result(let r) = $0 { results.append(r) } }
            } catch {
                if want == nil, error.diagnostics.map(\.id) == ["check.compare-groups"] { continue }
                failures += 1
                Issue.record("seed \(seed): \(engine) engine failed on \(script): \(error.rendered)")
                continue
            }
            guard let (rows, chi) = want, results.count == 2, Reference.rowsAgree(results[0].rows, rows),
                  Reference.rowsAgree(results[1].rows, chi) else {
                failures += 1
                Issue.record("seed \(seed): \(engine) engine: \(script)\nengine:    \(results.map(\.rows))\nreference: \(String(describing: want))")
                continue
            }
        }
        return failures
    }
}
