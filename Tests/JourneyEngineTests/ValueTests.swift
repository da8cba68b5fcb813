// VALUE: the engine against the brute-force reference (ReferenceValue) on random event logs with a numeric
// property, through the whole pipeline and both engines; a purchase log checked by an independent computation;
// and the statement's syntax and errors.
//
// Replay or explore: JOURNEYQL_SEED=<n> swift test --filter Value  (the seed is printed on failure).
import Foundation
import Testing
import JourneyEngine
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

/// A purchase log as shops export it — customer, time, amount, nothing else — with cents, a refund, a customer who
/// bought once, ties at one instant; imported with MAP and valued as `VALUE amount FROM ANY`. Lifetime value and the
/// share after the first purchase are computed here from the CSV text alone, by plain loops.
@Suite("VALUE: a purchase log checked independently")
struct ValuePurchaseLogTests {
    static let log = """
        customer_ref,ordered_at,amount
        alice,2023-01-03T10:00:00Z,49.90
        bob,2023-01-04T11:30:00Z,120.00
        alice,2023-02-14T09:00:00Z,15.25
        carol,2023-02-20T16:45:00Z,8.99
        bob,2023-03-01T08:00:00Z,-20.00
        dave,2023-03-15T12:00:00Z,300.00
        alice,2023-04-01T18:20:00Z,22.10
        erin,2023-04-02T07:00:00Z,64.00
        bob,2023-05-05T05:05:00Z,75.50
        erin,2023-04-02T07:00:00Z,36.00
        alice,2023-07-19T21:00:00Z,99.99
        frank,2023-08-08T08:08:00Z,12.00
        dave,2024-06-01T12:00:00Z,150.00
        bob,2023-12-24T23:59:00Z,210.40
        gina,2024-01-10T10:10:00Z,45.45
        gina,2024-01-11T10:10:00Z,5.55
        alice,2024-02-29T12:00:00Z,10.01
        """

    struct Order { var customer: String; var time: Date; var amount: Double; var line: Int }

    /// The orders of the CSV text, parsed here with Foundation's ISO 8601 parser.
    static func orders() -> [Order] {
        let parser = ISO8601DateFormatter()
        return log.split(separator: "\n").dropFirst().enumerated().map { i, line in
            let f = line.split(separator: ",").map(String.init)
            return Order(customer: f[0], time: parser.date(from: f[1])!, amount: Double(f[2])!, line: i)
        }
    }

    /// Per customer, the orders in (time, line) order within `horizon` seconds of the first; customers whose
    /// horizon runs past `now` are left out.
    static func lifetimes(horizon: TimeInterval?, now: Date) -> [String: [Double]] {
        var byCustomer: [String: [Order]] = [:]
        for o in orders() { byCustomer[o.customer, default: []].append(o) }
        var result: [String: [Double]] = [:]
        for (customer, list) in byCustomer {
            let sorted = list.sorted { ($0.time, $0.line) < ($1.time, $1.line) }
            let first = sorted[0].time
            if let horizon, first.addingTimeInterval(horizon) > now { continue }
            result[customer] = sorted.filter { horizon == nil || $0.time.timeIntervalSince(first) <= horizon! }.map(\.amount)
        }
        return result
    }

    private func value(_ session: Session, _ text: String) throws -> [String: Cell] {
        var results: [QueryResult] = []
        try session.run(SourceText(text)) { if case .result(let r) = $0 { results.append(r) } }
        let result = try #require(results.first)
        #expect(result.rows.count == 1)
        return Dictionary(uniqueKeysWithValues: zip(result.columns, result.rows[0]))
    }

    private func number(_ cell: Cell?) -> Double? {
        switch cell {
        case .number(let d)?, .percent(let d)?: d
        case .int(let i)?: Double(i)
        default: nil
        }
    }

    @Test func lifetimeValueAndTheShareAfterTheFirstPurchase() throws {
        let directory = try SampleStores.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("orders.csv").path
        try Self.log.write(toFile: path, atomically: true, encoding: .utf8)
        let session = try Session(storePath: directory.appendingPathComponent("store.db").path, access: .create)
        var options = ImportOptions()
        options.mapping = ["customer": "customer_ref", "time": "ordered_at"]
        _ = try session.importEvents([path], options: options)
        let now = Self.orders().map(\.time).max()!

        for (statement, horizon) in [("VALUE amount FROM ANY", nil), ("VALUE amount FROM ANY WITHIN 365 days", 365 * 86_400.0),
                                     ("VALUE amount FROM ANY WITHIN 30 days", 30 * 86_400.0)] as [(String, TimeInterval?)] {
            let lives = Self.lifetimes(horizon: horizon, now: now)
            let totals = lives.values.map { $0.reduce(0, +) }
            let after = lives.values.map { $0.dropFirst().reduce(0, +) }.reduce(0, +)
            let total = totals.reduce(0, +)
            let events = lives.values.map(\.count).reduce(0, +)
            let row = try value(session, statement)
            func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-9 * max(1, abs(b)) } ?? false }
            #expect(number(row["customers"]) == Double(lives.count), "\(statement)")
            #expect(number(row["events"]) == Double(events), "\(statement)")
            #expect(number(row["repeat_customers"]) == Double(lives.values.filter { $0.count >= 2 }.count), "\(statement)")
            #expect(close(number(row["total"]), total), "\(statement): total \(String(describing: row["total"])) against \(total)")
            #expect(close(number(row["avg_per_customer"]), total / Double(lives.count)), "\(statement): lifetime value")
            #expect(close(number(row["after_first"]), after), "\(statement): after first")
            #expect(close(number(row["pct_after_first"]), 100 * after / total), "\(statement): share after the first")
            #expect(close(number(row["avg_per_event"]), total / Double(events)), "\(statement): average order value")
        }
        // The same numbers by hand, all time: alice 49.90 + 15.25 + 22.10 + 99.99 + 10.01 = 197.25 (147.35 after the
        // first); bob 120 − 20 + 75.50 + 210.40 = 385.90 (265.90); carol 8.99 (0); dave 450 (150); erin 64 then 36 at
        // the same instant, logged later (36); frank 12 (0); gina 51 (5.55). 1205.14 in all, 604.80 after the firsts.
        let row = try value(session, "VALUE amount FROM ANY")
        #expect(abs(number(row["total"])! - 1205.14) < 1e-9 && abs(number(row["after_first"])! - 604.80) < 1e-9)
        #expect(abs(number(row["pct_after_first"])! - 100 * 604.80 / 1205.14) < 1e-9)
    }
}

@Suite("VALUE: syntax and errors")
struct ValueStatementTests {
    private func parse(_ text: String) -> ParseResult { Parser.parse(SourceText(text)) }

    @Test func clausesParseInAnyOrder() throws {
        let parsed = parse("VALUE amount FROM purchase[amount > 0] BY month WITHIN 365 days FOR b2b WHERE channel = web LIMIT 3")
        #expect(parsed.diagnostics.isEmpty)
        guard case .value(let v)? = parsed.statements.first else { Issue.record("not a VALUE statement"); return }
        #expect(v.property.name.text == "amount")
        #expect(v.journey.steps.count == 1 && v.journey.steps[0].filter != nil)
        #expect(v.journey.within?.milliseconds == Int64(365 * 86_400_000))
        #expect(v.journey.breakdown.count == 1 && v.journey.segment?.text == "b2b" && v.journey.limit?.value == 3)
        #expect(v.rejected.isEmpty)
    }

    @Test func chainClausesAreLocatedForTheChecker() {
        let text = "VALUE amount FROM purchase DIRECTLY STRICT TIME TIES ANY ORDER EXCLUDING cart_add SAME device"
        guard case .value(let v)? = parse(text).statements.first else { Issue.record("not a VALUE statement"); return }
        let source = SourceText(text)
        #expect(v.rejected.map(\.clause) == ["DIRECTLY", "STRICT TIME", "TIES ANY ORDER", "EXCLUDING", "SAME"])
        #expect(v.rejected.map { source.slice($0.range) }
                == ["DIRECTLY", "STRICT TIME", "TIES ANY ORDER", "EXCLUDING cart_add", "device"])
    }

    @Test func malformedStatementsAreLocated() {
        #expect(parse("VALUE amount FROM a TO b").diagnostics.first?.range == SourceRange(20, 22))
        #expect(parse("VALUE amount purchase").diagnostics.map(\.id) == ["parse.expected"])
        #expect(parse("VALUE FROM purchase").diagnostics.first?.range == SourceRange(6, 10))
        #expect(parse("VALUE amount FROM").isIncomplete)
        #expect(parse("VALUE amount FROM purchase WITHIN 1 day WITHIN 2 days").diagnostics.map(\.id) == ["parse.duplicate-clause"])
    }

    /// The checker on a catalog alone: an unknown property suggests the nearest; fields every event has are not
    /// numbers; a customer attribute is not an event's value.
    @Test func propertiesAreCheckedAgainstTheCatalog() {
        let catalog = StoreCatalog(stages: [NamedCount(name: "purchase", count: 3)],
                                   properties: [NamedCount(name: "amount", count: 3), NamedCount(name: "quantity", count: 3)],
                                   customerAttributes: [NamedCount(name: "segment", count: 2)], eventCount: 3)
        func check(_ text: String) -> CheckOutcome {
            Checker.check(parse(text).statements[0], catalog: catalog, source: SourceText(text))
        }
        let unknown = check("VALUE amout FROM purchase")
        #expect(unknown.diagnostics.first?.id == "check.unknown-field")
        #expect(unknown.diagnostics.first?.range == SourceRange(6, 11))
        #expect(unknown.diagnostics.first?.suggestion == "did you mean 'amount'?")
        for text in ["VALUE channel FROM purchase", "VALUE time FROM purchase", "VALUE customer.segment FROM purchase",
                     "VALUE stage FROM purchase"] {
            #expect(check(text).diagnostics.first?.id == "check.value-not-numeric", "\(text)")
            #expect(check(text).diagnostics.first?.range.start == 6, "\(text)")
        }
        let zero = check("VALUE amount FROM purchase WITHIN 0 days")
        #expect(zero.diagnostics.map(\.id) == ["check.value-clause"])
        guard case .value(let v)? = check("VALUE quantity FROM purchase WITHIN 30 days BY customer.segment").statement else {
            Issue.record("does not check"); return
        }
        #expect(v.property == "quantity" && v.journey.window == Int64(30 * 86_400_000) && v.journey.steps.count == 1)
    }
}
