// The linear matchers against the quadratic oracle (QuadraticOracle.swift) on long single-customer histories:
// hundreds to a couple of thousand events of a few kinds, many sharing a millisecond, where sliding windows,
// forward-only pointers and cached groups would show any mistake that short random customers hide.
//
// Replay or explore: JOURNEYQL_SEED=<n> swift test --filter LongHistory
import Foundation
import Testing
@testable import JourneyEngine
import JourneyStore

private let longSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_261_204

/// One random customer: events of a few kinds (each kind a fixed set of steps and exclusions), mostly tied times.
private struct LongCustomer {
    var times: [Int64] = []
    var masks: [UInt64] = []
    var carried: [[CarriedValue]] = [[]]
}

private func longCustomer(events n: Int, steps m: Int, exclusions: Int, _ rng: inout SplitMix64) -> LongCustomer {
    let kinds = Int.random(in: 2...5, using: &rng)
    let kindMasks: [UInt64] = (0..<kinds).map { _ in
        var mask: UInt64 = 0
        for k in 0..<(m + exclusions) where Double.random(in: 0..<1, using: &rng) < (k < m ? 0.45 : 0.3) {
            mask |= 1 << UInt64(k)
        }
        return mask
    }
    // Bursts of one kind now and then, as a bot or a kiosk logs them.
    let increments: [Int64] = [0, 0, 0, 0, 1, 1, 2, 3, 5, 10, 60]
    let values: [CarriedValue] = [.null, .integer(1), .integer(2), .real(1), .real(2.5), .text("a"), .text("b")]
    // The last kind is rare (a purchase among ad clicks), so a deep level is not reached by the first start and
    // every start is tried: what made the old matchers quadratic.
    let rare = Double.random(in: 0.001...0.05, using: &rng)
    var customer = LongCustomer()
    var t: Int64 = 0
    var kind = 0
    for _ in 0..<n {
        if Int.random(in: 0..<4, using: &rng) != 0 {
            kind = Double.random(in: 0..<1, using: &rng) < rare ? kinds - 1 : Int.random(in: 0..<(kinds - 1), using: &rng)
        }
        t += increments.randomElement(using: &rng)! * 1000
        customer.times.append(t)
        customer.masks.append(kindMasks[kind])
        customer.carried[0].append(values.randomElement(using: &rng)!)
    }
    return customer
}

/// A random shape over `m` steps and `e` exclusions (mask bits m..<m+e); optional steps, gaps, windows, order
/// modes and start bounds as the checker allows them.
private func longShape(steps m: Int, exclusions e: Int, span: Int64, _ rng: inout SplitMix64) -> JourneyShape {
    func maybe<T>(_ p: Double, _ value: () -> T) -> T? { Double.random(in: 0..<1, using: &rng) < p ? value() : nil }
    let seconds: [Int64] = [0, 1, 3, 10, 30, 100, 1000]
    var optional = Array(repeating: false, count: m)
    for k in 1..<max(1, m - 1) { optional[k] = Double.random(in: 0..<1, using: &rng) < 0.35 }
    var gaps: [Int64?] = Array(repeating: nil, count: m)
    for k in 1..<max(1, m) { gaps[k] = maybe(0.25) { seconds.randomElement(using: &rng)! * 1000 } }
    let exclusions = (0..<e).map { x -> JourneyShape.Exclusion in
        let from = m > 1 && Bool.random(using: &rng) ? Int.random(in: 0..<(m - 1), using: &rng) : 0
        let to = m > 1 && Bool.random(using: &rng) ? Int.random(in: (from + 1)..<m, using: &rng) : m - 1
        return JourneyShape.Exclusion(bit: m + x, from: from, to: max(from, to))
    }
    var bounds: TimeBounds?
    if Double.random(in: 0..<1, using: &rng) < 0.2 {
        let a = Int64.random(in: 0...max(0, span), using: &rng)
        bounds = TimeBounds(lower: Bool.random(using: &rng) ? a : nil, upper: a + Int64.random(in: 1...max(1, span), using: &rng))
    }
    return JourneyShape(stepCount: m, optional: optional, gapWindows: gaps,
                        window: maybe(0.6) { seconds.randomElement(using: &rng)! * 1000 },
                        directly: Double.random(in: 0..<1, using: &rng) < 0.2,
                        strictTime: Double.random(in: 0..<1, using: &rng) < 0.25,
                        exclusions: exclusions, sameColumn: maybe(0.3) { 0 }, startBounds: bounds)
}

private func describe(_ shape: JourneyShape) -> String {
    "steps \(shape.stepCount) optional \(shape.optional) gaps \(shape.gapWindows) window \(shape.window.map(String.init) ?? "-")"
        + " directly \(shape.directly) strict \(shape.strictTime) exclusions \(shape.exclusions.map { "\($0.bit):\($0.from)-\($0.to)" })"
        + " same \(shape.sameColumn != nil) bounds \(shape.startBounds.map { "\($0.lower.map(String.init) ?? "-")..\($0.upper.map(String.init) ?? "-")" } ?? "-")"
}

/// Customers' sizes: mostly medium, a few long ones (the oracle is quadratic, so these dominate the time).
private func longSizes(_ round: Int, _ rng: inout SplitMix64) -> Int {
    switch round % 10 {
    case 0: Int.random(in: 800...2_000, using: &rng)
    case 1, 2: Int.random(in: 200...600, using: &rng)
    default: Int.random(in: 5...120, using: &rng)
    }
}

@Suite("Long histories: linear matchers vs the quadratic oracle")
struct LongHistoryTests {
    /// Optional steps, gaps, windows, DIRECTLY, STRICT TIME, EXCLUDING (with BETWEEN), SAME and start ranges:
    /// the level and chain of every customer, and the traces of the starts EXPLAIN CUSTOMER shows.
    @Test func generalMatcherAgreesWithTheOracle() throws {
        var rng = SplitMix64(seed: longSeed)
        var mismatches = 0, deep = 0, partial = 0
        for round in 0..<120 where mismatches < 3 {
            let n = longSizes(round, &rng)
            let m = Int.random(in: 1...6, using: &rng)
            let e = Int.random(in: 0...2, using: &rng)
            let customer = longCustomer(events: n, steps: m, exclusions: e, &rng)
            let shape = longShape(steps: m, exclusions: e, span: customer.times.last ?? 0, &rng)
            var engine = JourneyMatcher(shape: shape)
            var oracle = QuadraticJourneyMatcher(shape: shape)
            var got = CustomerMatch(), want = CustomerMatch()
            try engine.match(times: customer.times, masks: customer.masks, carried: customer.carried, into: &got)
            oracle.match(times: customer.times, masks: customer.masks, carried: customer.carried, into: &want)
            if got.level > 1 { deep += 1 }
            if got.level > 0, got.level < m { partial += 1 }
            guard got == want else {
                mismatches += 1
                Issue.record("seed \(longSeed) round \(round), \(n) events, \(describe(shape)): engine \(got.level) \(got.positions), oracle \(want.level) \(want.positions)")
                continue
            }
            // The traces of the starts EXPLAIN CUSTOMER shows (the oracle traces every start; long customers only
            // by sampling, as the oracle's trace is slower still).
            guard n <= 700 else { continue }
            let traced = try engine.trace(times: customer.times, masks: customer.masks, carried: customer.carried,
                                          limit: JourneyTrace.tracedStarts)
            let all = oracle.trace(times: customer.times, masks: customer.masks, carried: customer.carried)
            let expected = traced.traces.map { t in all.first { $0.start == t.start } }
            #expect(traced.match == want)
            #expect(traced.untraced == all.count - traced.traces.count)
            if traced.traces.map(Optional.init) != expected {
                mismatches += 1
                let first = zip(traced.traces, expected).first { $0 != $1 }
                Issue.record("seed \(longSeed) round \(round), \(n) events, \(describe(shape)): trace \(String(describing: first?.0)) vs oracle \(String(describing: first?.1))")
            }
        }
        #expect(deep > 30 && partial > 15, "only \(deep) customers went past step 1, \(partial) stopped short of the last")
    }

    /// TIES ANY ORDER: big groups of tied events, the chosen start's chain event by event, and the traces.
    @Test func tiedMatcherAgreesWithTheOracle() throws {
        var rng = SplitMix64(seed: longSeed ^ 0x7135)
        var mismatches = 0, deep = 0, partial = 0
        for round in 0..<150 where mismatches < 3 {
            let n = longSizes(round, &rng)
            let m = Int.random(in: 1...(round % 7 == 0 ? 12 : 5), using: &rng)
            var customer = longCustomer(events: n, steps: m, exclusions: 0, &rng)
            if round % 3 == 0 {
                // Whole bursts in one millisecond.
                for i in customer.times.indices { customer.times[i] = customer.times[i] / 10_000 * 10_000 }
            }
            let seconds: [Int64] = [0, 1, 10, 100, 1000]
            let window: Int64? = Bool.random(using: &rng) ? nil : seconds.randomElement(using: &rng)! * 10_000
            let bounds: TimeBounds? = round % 5 == 4 ? TimeBounds(lower: (customer.times.last ?? 0) / 3, upper: nil) : nil
            var engine = TiedJourneyMatcher(stepCount: m, window: window, startBounds: bounds)
            var oracle = QuadraticTiedMatcher(stepCount: m, window: window, startBounds: bounds)
            var got = CustomerMatch(), want = CustomerMatch()
            try engine.match(times: customer.times, masks: customer.masks, into: &got)
            oracle.match(times: customer.times, masks: customer.masks, into: &want)
            if got.level > 1 { deep += 1 }
            if got.level > 0, got.level < m { partial += 1 }
            guard got == want else {
                mismatches += 1
                Issue.record("seed \(longSeed) round \(round), \(n) events, \(m) steps, window \(window.map(String.init) ?? "-"): engine \(got.level) \(got.positions), oracle \(want.level) \(want.positions)")
                continue
            }
            guard n <= 700 else { continue }
            let traced = try engine.trace(times: customer.times, masks: customer.masks, limit: JourneyTrace.tracedStarts)
            let all = oracle.trace(times: customer.times, masks: customer.masks)
            let expected = traced.traces.map { t in all.first { $0.start == t.start } }
            if traced.traces.map(Optional.init) != expected {
                mismatches += 1
                Issue.record("seed \(longSeed) round \(round): tied trace differs from the oracle's")
            }
        }
        #expect(deep > 30 && partial > 15, "only \(deep) customers went past step 1, \(partial) stopped short of the last")
    }

    /// IN ANY ORDER: windows sliding over long histories (the matching kept as events enter and leave).
    @Test func anyOrderMatcherAgreesWithTheOracle() throws {
        var rng = SplitMix64(seed: longSeed ^ 0xA0A0)
        var mismatches = 0, deep = 0, partial = 0
        for round in 0..<150 where mismatches < 3 {
            let n = longSizes(round, &rng)
            let m = Int.random(in: 1...(round % 7 == 0 ? 12 : 5), using: &rng)
            let customer = longCustomer(events: n, steps: m, exclusions: 0, &rng)
            let seconds: [Int64] = [0, 1, 5, 20, 100, 1000]
            let window: Int64? = round % 4 == 0 ? nil : seconds.randomElement(using: &rng)! * 1000
            let bounds: TimeBounds? = round % 5 == 4 ? TimeBounds(lower: nil, upper: (customer.times.last ?? 0) / 2) : nil
            var engine = AnyOrderMatcher(stepCount: m, window: window, startBounds: bounds)
            var oracle = QuadraticAnyOrderMatcher(stepCount: m, window: window, startBounds: bounds)
            var got = CustomerMatch(), want = CustomerMatch()
            try engine.match(times: customer.times, masks: customer.masks, into: &got)
            oracle.match(times: customer.times, masks: customer.masks, into: &want)
            if got.level > 1 { deep += 1 }
            if got.level > 0, got.level < m { partial += 1 }
            if got != want {
                mismatches += 1
                Issue.record("seed \(longSeed) round \(round), \(n) events, \(m) steps, window \(window.map(String.init) ?? "-"): engine \(got.level) \(got.positions), oracle \(want.level) \(want.positions)")
            }
        }
        #expect(deep > 30 && partial > 15, "only \(deep) customers went past step 1, \(partial) stopped short of the last")
    }
}

// MARK: The whole pipeline on long customers, against the reference

/// A store of a few long customers (a bot, a kiosk) and some short ones: events of five kinds, mostly seconds apart
/// or tied, purchases rare. Returns the session and what the store gives back.
private func longStore(_ directory: URL, _ index: Int, _ rng: inout SplitMix64) throws
    -> (session: Session, events: [RawEvent], customers: [String: [String: PropertyValue]]) {
    let kinds = [("awareness", "ad_click"), ("awareness", "site_visit"), ("consideration", "site_visit"),
                 ("consideration", "cart_add"), ("purchase", "checkout")]
    let channels = ["web", "email", "social"]
    let t0: Int64 = 1_704_067_200_000
    var lines: [String] = []
    var sizes = [Int.random(in: 300...1_500, using: &rng), Int.random(in: 200...600, using: &rng),
                 Int.random(in: 100...300, using: &rng)]
    sizes += (0..<Int.random(in: 5...15, using: &rng)).map { _ in Int.random(in: 1...12, using: &rng) }
    for (c, size) in sizes.enumerated() {
        var t = t0 + Int64.random(in: 0...600, using: &rng) * 1000
        var kind = 0
        let rare = Double.random(in: 0.005...0.05, using: &rng)
        for _ in 0..<size {
            if Int.random(in: 0..<3, using: &rng) != 0 {
                kind = Double.random(in: 0..<1, using: &rng) < rare ? 4 : Int.random(in: 0..<4, using: &rng)
            }
            t += [0, 0, 0, 500, 1000, 1000, 2000, 5000].randomElement(using: &rng)!
            let channel = Double.random(in: 0..<1, using: &rng) < 0.1 ? "" : channels.randomElement(using: &rng)!
            lines.append("c\(c),\(t),\(kinds[kind].0),\(kinds[kind].1),\(channel)")
        }
    }
    // Interleaved customers: equal times are ordered by this file's order alone.
    lines.shuffle(using: &rng)
    let file = directory.appendingPathComponent("long-\(index).csv")
    try ("customer_id,timestamp,stage,touchpoint,channel\n" + lines.joined(separator: "\n") + "\n")
        .write(to: file, atomically: true, encoding: .utf8)
    let session = try Session(storePath: directory.appendingPathComponent("long-\(index).db").path, access: .create)
    _ = try session.importEvents([file.path], options: ImportOptions())
    return (session, try session.store.rawEvents(), try session.store.rawCustomers())
}

/// A journey whose chains stay short-lived (a window of seconds, or DIRECTLY), so the reference can list them all,
/// with the clauses of section 4a at random.
private func longQuery(_ rng: inout SplitMix64) -> String {
    let names = ["awareness", "consideration", "purchase", "ad_click", "site_visit", "cart_add", "checkout"]
    let m = Int.random(in: 2...4, using: &rng)
    var text = "FROM " + names.randomElement(using: &rng)!
    for k in 1..<m {
        text += " TO " + names.randomElement(using: &rng)!
        if k < m - 1, Double.random(in: 0..<1, using: &rng) < 0.3 { text += "?" }
        if k < m - 1, Double.random(in: 0..<1, using: &rng) < 0.25 {
            text += " WITHIN \(["0s", "1s", "3s", "10s"].randomElement(using: &rng)!)"
        }
    }
    var clauses: [String] = []
    let directly = Double.random(in: 0..<1, using: &rng) < 0.25
    if directly { clauses.append("DIRECTLY") }
    if !directly || Bool.random(using: &rng) {
        clauses.append("WITHIN \(["0s", "2s", "5s", "10s", "20s"].randomElement(using: &rng)!)")
    }
    if Double.random(in: 0..<1, using: &rng) < 0.25 { clauses.append("STRICT TIME") }
    if Double.random(in: 0..<1, using: &rng) < 0.45 {
        var exclusion = "EXCLUDING " + names.randomElement(using: &rng)!
        if m > 2, Bool.random(using: &rng) {
            let from = Int.random(in: 1..<m, using: &rng)
            exclusion += " BETWEEN \(from) AND \(Int.random(in: (from + 1)...m, using: &rng))"
        }
        clauses.append(exclusion)
    }
    if Double.random(in: 0..<1, using: &rng) < 0.3 { clauses.append("SAME channel") }
    return text + " " + clauses.shuffled(using: &rng).joined(separator: " ")
}

extension LongHistoryTests {
    /// Section 4a's clauses through the whole pipeline (import, both engines, matching, totals) on stores with
    /// customers of hundreds to 1,500 events, against the reference: every cell of every row. The reference
    /// lists valid chains by extending valid ones; on the short customers it is checked against listing them all.
    @Test func pipelineAgreesWithTheReferenceOnLongCustomers() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("long-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = SplitMix64(seed: longSeed ^ 0x5107E)
        var failures = 0, reached = 0, queries = 0
        for index in 0..<5 where failures < 3 {
            let (session, events, customers) = try longStore(directory, index, &rng)
            let catalog = session.catalog()
            for _ in 0..<10 where failures < 3 {
                let text = longQuery(&rng)
                let source = SourceText(text)
                let parsed = Parser.parse(source)
                guard let statement = parsed.statements.first,
                      case .funnel(let funnel)? = Checker.check(statement, catalog: catalog, source: source).statement else {
                    Issue.record("seed \(longSeed): \(text) does not check")
                    failures += 1
                    continue
                }
                queries += 1
                let expected = Reference.journey(funnel, events: events, customers: customers, enumeration: .validPrefixes)
                if expected.rows.count > 1, expected.rows[1][2] != .int(0) { reached += 1 }
                // The pruned listing against the full one, on the short customers.
                for (id, own) in Dictionary(grouping: events, by: \.customer) where own.count <= 12 {
                    let all = Reference.journeyCustomer(funnel, customer: id, events: own, customers: customers)
                    let pruned = Reference.journeyCustomer(funnel, customer: id, events: own, customers: customers,
                                                           enumeration: .validPrefixes)
                    if all.level != pruned.level || all.chain != pruned.chain {
                        failures += 1
                        Issue.record("seed \(longSeed): \(text): customer \(id): all chains \(all), valid prefixes \(pruned)")
                    }
                }
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    var got: QueryResult?
                    try session.run(SourceText(text)) { if case .result(let r) = $0 { got = r } }
                    guard let got, got.columns == expected.columns, Reference.rowsAgree(got.rows, expected.rows) else {
                        failures += 1
                        Issue.record("seed \(longSeed) store \(index), \(engine): \(text)\nengine \(String(describing: got?.rows))\nreference \(expected.rows)")
                        continue
                    }
                }
                session.engine = .auto
            }
        }
        #expect(queries == 50)
        #expect(reached > 15, "only \(reached) of \(queries) queries had anyone at step 2")
    }
}
