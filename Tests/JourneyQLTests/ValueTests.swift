// VALUE: the engine against the brute-force reference (ReferenceValue) on random event logs with a numeric
// property, through the whole pipeline and both engines; a purchase log checked by an independent computation;
// and the statement's syntax and errors.
//
// Replay or explore: JOURNEYQL_SEED=<n> swift test --filter Value  (the seed is printed on failure).
import Foundation
import Testing
import JourneyQL
import JourneyStore

private let valueSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_261_213

/// 2024-01-01T00:00:00Z.
private let t0: Int64 = 1_704_067_200_000

private func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items.randomElement(using: &rng)! }
private func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

/// A random order log in CSV, and a customers file: purchases (as a stage, or the touchpoint order_paid) among
/// other events, gaps from ties to months so horizons cut, amounts that are integers, quarters (exact in binary, so
/// every order of adding gives the same sum), negative refunds, missing, or text.
private func randomLog(_ rng: inout SplitMix64) -> (events: String, customers: String) {
    let gaps: [Int64] = [0, 0, 1000, 3_600_000, 86_400_000, 5 * 86_400_000, 20 * 86_400_000, 60 * 86_400_000]
    var rows: [String] = []
    var people = ["customer_id,segment", "nobody,b2b"]
    for c in 0..<Int.random(in: 1...30, using: &rng) {
        var time = t0 + Int64.random(in: 0..<(90 * 86_400), using: &rng) * 1000
        for _ in 0..<Int.random(in: 1...10, using: &rng) {
            // The first row is a purchase paid by email, so every step the statements name is known to the store.
            let stage = rows.isEmpty ? "purchase" : pick(["awareness", "consideration", "purchase", "purchase", "purchase", "retention", ""], &rng)
            let touchpoint = rows.isEmpty ? "order_paid" : pick(["ad_click", "site_visit", "order_paid", "checkout_complete"], &rng)
            let channel = rows.isEmpty ? "email" : chance(0.1, &rng) ? "" : pick(["web", "email", "social"], &rng)
            let device = pick(["mobile", "desktop"], &rng)
            var amount: String
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1: amount = ""
            case 2: amount = pick(["n/a", "free", "x"], &rng)
            case 3: amount = String(Double(Int.random(in: -40...400, using: &rng)) / 4)
            case 4: amount = "-" + String(Int.random(in: 1...50, using: &rng))
            default: amount = String(Int.random(in: 0...200, using: &rng))
            }
            // The first row carries a number, so the store knows amount as numeric.
            if rows.isEmpty { amount = "10" }
            rows.append(["c\(c)", TimeParser.format(time), stage, touchpoint, channel, device, amount].joined(separator: ","))
            time += pick(gaps, &rng)
        }
        if chance(0.8, &rng) { people.append("c\(c)," + (chance(0.2, &rng) ? "" : pick(["b2b", "b2c"], &rng))) }
    }
    // Out of time order, so ties are ordered by the log alone.
    rows.shuffle(using: &rng)
    return ((["customer,time,stage,touchpoint,channel,device,amount"] + rows).joined(separator: "\n") + "\n",
            people.joined(separator: "\n") + "\n")
}

/// A random VALUE statement over the clauses it takes.
private func randomStatement(_ rng: inout SplitMix64, hasNow: Bool) -> String {
    var clauses: [String] = []
    if chance(0.3, &rng) {
        clauses.append("WHERE " + pick(["channel = web", "device = mobile", "amount > 30", "channel IS NULL OR amount <= 50",
                                        "touchpoint != ad_click"], &rng))
    }
    if chance(0.2, &rng) { clauses.append("FOR b2b") }
    if chance(0.4, &rng) {
        clauses.append("WITHIN " + pick(["1 hour", "1 day", "10 days", "30 days", "90 days", "365 days"], &rng))
    }
    if chance(0.4, &rng) {
        clauses.append("BY " + pick(["channel", "customer.segment", "device", "month", "week", "day", "channel, customer.segment",
                                     "month, device", "amount"], &rng))
    }
    if chance(0.3, &rng) {
        let a = Int.random(in: 0...80, using: &rng), b = a + Int.random(in: 0...40, using: &rng)
        func day(_ d: Int) -> String { String(TimeParser.format(t0 + Int64(d) * 86_400_000).prefix(10)) }
        clauses.append(pick(["DURING \(day(a)) .. \(day(b))", "SINCE \(day(a))", "BEFORE \(day(b))"]
                            + (hasNow ? ["LAST \(b) days"] : []), &rng))
    }
    if chance(0.1, &rng) { clauses.append("LIMIT \(Int.random(in: 0...3, using: &rng))") }
    let step = pick(["purchase", "purchase", "order_paid", "purchase[amount > 20]", "(purchase | order_paid)",
                     "ANY", "STAGE purchase[channel = email]"], &rng)
    return (["VALUE amount FROM \(step)"] + clauses.shuffled(using: &rng)).joined(separator: " ")
}

private func run(_ session: Session, _ text: String) throws -> [QueryResult] {
    var results: [QueryResult] = []
    try session.run(SourceText(text)) { event in
        if case .result(let r) = event { results.append(r) }
    }
    return results
}

@Suite("VALUE: engine vs reference")
struct ValueDifferentialTests {
    /// Thousands of random logs, a few statements each, both engines; every cell must equal the reference's
    /// (counts exactly, sums, averages, quantiles and percentages to a relative 1e-9).
    @Test func randomLogsThroughTheWholePipeline() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-value-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = 2_000, statementsPerCase = 3
        var failures = 0, compared = 0, withRepeats = 0, withAfterFirst = 0, withNoValue = 0, withOpen = 0
        for caseIndex in 0..<cases where failures < 5 {
            let seed = valueSeed &+ UInt64(caseIndex) &* 0x9E37_79B9
            var rng = SplitMix64(seed: seed)
            let log = randomLog(&rng)
            let eventsPath = directory.appendingPathComponent("events-\(caseIndex).csv").path
            let customersPath = directory.appendingPathComponent("customers-\(caseIndex).csv").path
            try log.events.write(toFile: eventsPath, atomically: true, encoding: .utf8)
            try log.customers.write(toFile: customersPath, atomically: true, encoding: .utf8)
            let storePath = directory.appendingPathComponent("store-\(caseIndex).db").path
            let session = try Session(storePath: storePath, access: .create)
            defer {
                try? FileManager.default.removeItem(atPath: storePath)
                try? FileManager.default.removeItem(atPath: eventsPath)
                try? FileManager.default.removeItem(atPath: customersPath)
            }
            _ = try session.importEvents([eventsPath], options: ImportOptions())
            _ = try session.importCustomers(customersPath, options: ImportOptions())
            var setup = ["SEGMENT b2b AS customer.segment = 'b2b'"]
            let hasNow = chance(0.3, &rng)
            if hasNow { setup.append("SET now = " + TimeParser.format(t0 + Int64.random(in: 0...200, using: &rng) * 86_400_000)) }
            for statement in setup { _ = try run(session, statement) }
            let events = try session.store.rawEvents()
            let customers = try session.store.rawCustomers()
            let horizon = session.now ?? events.map(\.time).max()

            for _ in 0..<statementsPerCase where failures < 5 {
                let text = randomStatement(&rng, hasNow: hasNow)
                let source = SourceText(text)
                let parsed = Parser.parse(source)
                guard parsed.diagnostics.isEmpty, let statement = parsed.statements.first else {
                    Issue.record("seed \(seed): \(text) does not parse: \(parsed.diagnostics.map(\.id))")
                    failures += 1
                    continue
                }
                let outcome = try session.check(statement, source: source)
                guard case .value(let value)? = outcome.statement?.resolvingNow(setNow: session.now, clock: 0) else {
                    Issue.record("seed \(seed): \(text) does not check: \(outcome.diagnostics.map(\.id))")
                    failures += 1
                    continue
                }
                let expected = ReferenceValue.evaluate(value, events: events, customers: customers, horizon: horizon)
                let keyCount = value.journey.breakdown.count
                for row in expected.rows {
                    if case .int(let r) = row[keyCount + 3], r > 0 { withRepeats += 1 }
                    if case .number(let a) = row[keyCount + 12], a != 0 { withAfterFirst += 1 }
                    if case .int(let n) = row[keyCount + 14], n > 0 { withNoValue += 1 }
                }
                if expected.open > 0 { withOpen += 1 }
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    defer { session.engine = .auto }
                    let results = try run(session, text)
                    compared += 1
                    guard results.count == 1, ReferenceValue.rowsAgree(results[0].rows, expected.rows) else {
                        failures += 1
                        Issue.record("""
                            seed \(seed) case \(caseIndex), \(engine) engine: \(text)  (setup: \(setup.joined(separator: "; ")))
                            engine:    \(results.first?.rows ?? [])
                            reference: \(expected.rows)
                            """)
                        continue
                    }
                    // The note counts the customers left out with an open horizon, as the reference does.
                    let openNote = results[0].notes.contains { $0.contains("had not ended by") }
                    if openNote != (expected.open > 0) {
                        failures += 1
                        Issue.record("seed \(seed): \(text): open note \(openNote), reference left out \(expected.open)")
                    }
                }
            }
        }
        if failures == 0 {
            #expect(compared == cases * statementsPerCase * 2)
            // The generator must make repeat buyers, value after the first, unvalued events and open horizons.
            #expect(withRepeats > cases / 2, "only \(withRepeats) rows had a repeat customer")
            #expect(withAfterFirst > cases / 2, "only \(withAfterFirst) rows had value after the first")
            #expect(withNoValue > cases / 2, "only \(withNoValue) rows had an event without a value")
            #expect(withOpen > cases / 20, "only \(withOpen) statements left a customer out with an open horizon")
        }
    }
}
