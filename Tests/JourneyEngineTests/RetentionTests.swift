// RETENTION: the engine against the brute-force reference (ReferenceRetention) on random event logs, through the
// whole pipeline and both engines; and the statement's syntax, errors and grid rendering.
//
// Replay or explore: JOURNEYQL_SEED=<n> swift test --filter Retention  (the seed is printed on failure).
import Foundation
import Testing
import JourneyEngine
import JourneyStore

private let retentionSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_261_213

/// 2024-01-01T00:00:00Z, a Monday.
private let t0: Int64 = 1_704_067_200_000
private let day: Int64 = 86_400_000

private func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items.randomElement(using: &rng)! }
private func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

/// A random event log over about four months: repeat purchases at gaps from ties to weeks, so customers come back
/// in the same day, the next week, months later, or never; events at period edges (midnight, Monday, the 1st).
private func randomLog(_ rng: inout SplitMix64) -> (events: String, customers: String) {
    var rows: [String] = []
    // c0 names every stage, touchpoint and property, so every statement checks.
    for (stage, touchpoint) in [("awareness", "ad_click"), ("purchase", "order_paid"), ("consideration", "site_visit")] {
        rows.append(["c0", TimeParser.format(t0 + Int64.random(in: 0..<(120 * 86_400), using: &rng) * 1000),
                     stage, touchpoint, "web", "mobile", "5"].joined(separator: ","))
    }
    var people = ["customer_id,segment", "c0,b2b"]
    let gaps: [Int64] = [0, 0, 1000, 3_600_000, day, 2 * day, 6 * day, 7 * day, 9 * day, 20 * day, 31 * day, 45 * day]
    for c in 1..<Int.random(in: 2...40, using: &rng) {
        // Starts at a random second, or exactly at midnight (often the first of a month or a Monday).
        var time = chance(0.3, &rng)
            ? t0 + Int64(pick([0, 7, 14, 31, 59, 60, 91], &rng)) * day - (chance(0.3, &rng) ? 1000 : 0)
            : t0 + Int64.random(in: 0..<(100 * 86_400), using: &rng) * 1000
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let stage = pick(["awareness", "purchase", "purchase", "consideration", ""], &rng)
            let touchpoint = pick(["ad_click", "order_paid", "site_visit"], &rng)
            let channel = chance(0.1, &rng) ? "" : pick(["web", "email", "social"], &rng)
            let amount = chance(0.3, &rng) ? "" : String(Int.random(in: 0...10, using: &rng))
            rows.append(["c\(c)", TimeParser.format(time), stage, touchpoint, channel, "mobile", amount].joined(separator: ","))
            time += pick(gaps, &rng)
        }
        if chance(0.8, &rng) { people.append("c\(c)," + (chance(0.2, &rng) ? "" : pick(["b2b", "b2c"], &rng))) }
    }
    // Out of time order, so ties are ordered by the log alone.
    rows.shuffle(using: &rng)
    return ((["customer,time,stage,touchpoint,channel,device,amount"] + rows).joined(separator: "\n") + "\n",
            people.joined(separator: "\n") + "\n")
}

/// A random RETENTION statement over the options and clauses it takes.
private func randomStatement(_ rng: inout SplitMix64, hasNow: Bool) -> String {
    let steps = ["purchase", "purchase", "awareness", "purchase[amount > 3]", "order_paid", "ANY", "(awareness | site_visit)"]
    var parts = ["RETENTION OF " + pick(steps, &rng) + " RETURNING " + pick(steps, &rng)]
    var options: [String] = []
    let period = pick(["day", "week", "month"], &rng)
    let periodAsBy = chance(0.25, &rng)
    if !periodAsBy, chance(0.8, &rng) { options.append("EVERY " + period) }
    if chance(0.8, &rng) { options.append("PERIODS \(pick([1, 2, 3, 5, 8, 12, 20], &rng))") }
    if chance(0.35, &rng) { options.append("ON OR AFTER") }
    if chance(0.3, &rng) {
        options.append("WHERE " + pick(["channel = web", "amount > 3", "touchpoint != site_visit", "channel IS NULL OR amount <= 5"], &rng))
    }
    if chance(0.2, &rng) { options.append("FOR b2b") }
    var by: [String] = []
    if periodAsBy { by.append(period) }
    if chance(0.35, &rng) { by.append(pick(["channel", "customer.segment", "amount"], &rng)) }
    if !by.isEmpty { options.append("BY " + by.shuffled(using: &rng).joined(separator: ", ")) }
    if chance(0.3, &rng) {
        let a = Int.random(in: 0...60, using: &rng), b = a + Int.random(in: 0...40, using: &rng)
        func date(_ d: Int) -> String { String(TimeParser.format(t0 + Int64(d) * day).prefix(10)) }
        options.append(pick(["DURING \(date(a)) .. \(date(b))", "SINCE \(date(a))", "BEFORE \(date(b))"]
                            + (hasNow ? ["LAST \(b) days"] : []), &rng))
    }
    parts += options.shuffled(using: &rng)
    return parts.joined(separator: " ")
}

private func run(_ session: Session, _ text: String) throws -> [QueryResult] {
    var results: [QueryResult] = []
    try session.run(SourceText(text)) { event in
        if case .result(let r) = event { results.append(r) }
    }
    return results
}

@Suite("RETENTION: engine vs reference")
struct RetentionDifferentialTests {
    /// Many random logs, a few statements each, both engines; every cell of both tables must equal the reference's.
    @Test func randomLogsThroughTheWholePipeline() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = 2_000, statementsPerCase = 3
        var failures = 0, compared = 0, returnedLater = 0, leftOut = 0
        for caseIndex in 0..<cases where failures < 5 {
            let seed = retentionSeed &+ UInt64(caseIndex) &* 0x9E37_79B9
            var rng = SplitMix64(seed: seed)
            let log = randomLog(&rng)
            let eventsPath = directory.appendingPathComponent("events-\(caseIndex).csv").path
            let customersPath = directory.appendingPathComponent("customers-\(caseIndex).csv").path
            try log.events.write(toFile: eventsPath, atomically: true, encoding: .utf8)
            try log.customers.write(toFile: customersPath, atomically: true, encoding: .utf8)
            let storePath = directory.appendingPathComponent("store-\(caseIndex).db").path
            let session = try Session(storePath: storePath, access: .create)
            defer { try? FileManager.default.removeItem(atPath: storePath) }
            _ = try session.importEvents([eventsPath], options: ImportOptions())
            _ = try session.importCustomers(customersPath, options: ImportOptions())
            var setup = ["SEGMENT b2b AS customer.segment = 'b2b'"]
            let hasNow = chance(0.4, &rng)
            if hasNow { setup.append("SET now = " + TimeParser.format(t0 + Int64.random(in: 0...(130 * 24), using: &rng) * 3_600_000)) }
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
                guard case .retention(let retention)? = outcome.statement?.resolvingNow(setNow: session.now, clock: 0) else {
                    Issue.record("seed \(seed): \(text) does not check: \(outcome.diagnostics.map(\.id))")
                    failures += 1
                    continue
                }
                let expected = ReferenceRetention.evaluate(retention, events: events, customers: customers, horizon: horizon)
                if expected.cohorts.contains(where: { row in
                    if case .int(let k) = row[row.count - 4], k > 0, case .int(let r) = row[row.count - 2], r > 0 { return true }
                    return false
                }) { returnedLater += 1 }
                if expected.cohorts.contains(where: { $0[$0.count - 2] == .null }) { leftOut += 1 }
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    defer { session.engine = .auto }
                    let results = try run(session, text)
                    compared += 1
                    guard results.count == 2, Reference.rowsAgree(results[0].rows, expected.cohorts),
                          Reference.rowsAgree(results[1].rows, expected.curve) else {
                        failures += 1
                        Issue.record("""
                            seed \(seed) case \(caseIndex), \(engine) engine: \(text)  (setup: \(setup.joined(separator: "; ")))
                            cohorts engine:    \(results.first?.rows ?? [])
                            cohorts reference: \(expected.cohorts)
                            curve engine:    \(results.dropFirst().first?.rows ?? [])
                            curve reference: \(expected.curve)
                            """)
                        continue
                    }
                }
            }
        }
        if failures == 0 {
            #expect(compared == cases * statementsPerCase * 2)
            // The generator must make customers who come back later and periods still open, or it proves little.
            #expect(returnedLater > cases * statementsPerCase / 4, "only \(returnedLater) statements had a return after period 0")
            #expect(leftOut > cases * statementsPerCase / 4, "only \(leftOut) statements left a period out")
        }
    }
}

@Suite("RETENTION: syntax, errors and rendering")
struct RetentionTests {
    private func parse(_ text: String) -> ParseResult { Parser.parse(SourceText(text)) }

    private func syntax(_ text: String) -> RetentionSyntax? {
        if case .retention(let r)? = parse(text).statements.first { return r }
        return nil
    }

    @Test func optionsAndClausesParseInAnyOrder() throws {
        let r = try #require(syntax("RETENTION OF purchase[amount > 100] RETURNING purchase WHERE channel = web EVERY month BY customer.segment ON OR AFTER PERIODS 6"))
        #expect(r.every?.period == .month)
        #expect(r.periods?.count == 6)
        #expect(r.onOrAfter != nil)
        #expect(r.of.filter != nil)
        #expect(r.clauses.filter != nil && r.clauses.breakdown.count == 1)
        #expect(parse("RETENTION OF a RETURNING b BY month PERIODS 6").diagnostics.isEmpty)
    }

    @Test func optionsGivenTwiceAreParseErrorsAtTheSecond() {
        for (text, at) in [("RETENTION OF a RETURNING b EVERY day EVERY week", 37),
                           ("RETENTION OF a RETURNING b PERIODS 2 PERIODS 3", 37),
                           ("RETENTION OF a RETURNING b BY channel PERIODS 2 BY device", 48)] {
            let d = parse(text).diagnostics
            #expect(d.first?.id == "parse.duplicate-clause", "\(text)")
            #expect(d.first?.range.start == at, "\(text)")
        }
        #expect(parse("RETENTION OF a RETURNING b EVERY year").diagnostics.first?.id == "parse.expected")
        #expect(parse("RETENTION a RETURNING b").diagnostics.first?.id == "parse.expected")
    }

    /// A store with purchases, and the check of `text` (its error ids and where they are).
    private func checked(_ text: String) throws -> [(String, Int)] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try Session(storePath: directory.appendingPathComponent("s.db").path, access: .create)
        let file = directory.appendingPathComponent("events.csv")
        try "customer,time,stage,touchpoint,channel\nc1,2024-01-01T00:00:00Z,purchase,order_paid,web\n"
            .write(to: file, atomically: true, encoding: .utf8)
        _ = try session.importEvents([file.path], options: ImportOptions())
        let source = SourceText(text)
        let parsed = Parser.parse(source)
        let statement = try #require(parsed.statements.first)
        return try session.check(statement, source: source).diagnostics.filter { $0.severity == .error }
            .map { ($0.id, $0.range.start) }
    }

    @Test func badRetentionsAreLocatedCheckErrors() throws {
        #expect(try checked("RETENTION OF purchase EVERY week").map(\.0) == ["check.retention-no-returning"])
        #expect(try checked("RETENTION OF purchase EVERY week").map(\.1) == [13])
        #expect(try checked("RETENTION OF purchase RETURNING purchase PERIODS 0").map(\.0) == ["check.retention-periods"])
        #expect(try checked("RETENTION OF purchase RETURNING purchase PERIODS 367").map(\.1) == [49])
        #expect(try checked("RETENTION OF purchase RETURNING purchase WITHIN 30 days").map(\.0) == ["check.retention-clause"])
        #expect(try checked("RETENTION OF purchase RETURNING purchase WITHIN 30 days").map(\.1) == [48])
        #expect(try checked("RETENTION OF purchase RETURNING purchase LIMIT 3").map(\.0) == ["check.retention-clause"])
        #expect(try checked("RETENTION OF purchase RETURNING purchase DIRECTLY").map(\.0) == ["check.retention-clause"])
        #expect(try checked("RETENTION OF purchase RETURNING purchase EVERY week BY month").map(\.0) == ["check.retention-period-twice"])
        #expect(try checked("RETENTION OF purchase RETURNING purchase EVERY week BY month").map(\.1) == [55])
        #expect(try checked("RETENTION OF purchse RETURNING purchase").map(\.0) == ["check.unknown-step"])
        #expect(try checked("RETENTION OF purchase RETURNING purchase BY week PERIODS 4").isEmpty)
    }

    @Test func aTableDrawsTheCohortsAsAShadedGridOnlyOnATerminal() throws {
        let columns = [ColumnInfo("cohort", type: .text), ColumnInfo("size", type: .integer), ColumnInfo("period", type: .integer),
                       ColumnInfo("customers", type: .integer), ColumnInfo("returning", type: .integer),
                       ColumnInfo("pct", type: .percent)]
        var result = QueryResult(title: "r", columns: columns, rows: [
            [.text("2024-01"), .int(4), .int(0), .int(4), .int(4), .percent(100)],
            [.text("2024-01"), .int(4), .int(1), .int(4), .int(1), .percent(25)],
            [.text("2024-02"), .int(2), .int(0), .int(2), .int(1), .percent(50)],
            [.text("2024-02"), .int(2), .int(1), .int(0), .null, .null],
        ])
        result.grid = ResultGrid(rowColumns: [0, 1], across: 2, value: 5)
        let plain = TableRenderer(options: RenderOptions(style: .ascii)).render(result)
        #expect(plain.contains("| 2024-01 |    4 | 100.0% | 25.0% |"), "\(plain)")
        #expect(plain.contains("| 2024-02 |    2 |  50.0% |       |"), "\(plain)")
        let terminal = TableRenderer(options: RenderOptions(bars: true, style: .ascii)).render(result)
        #expect(terminal.contains("| 2024-01 |    4 | # 100.0% | : 25.0% |"), "\(terminal)")
        #expect(terminal.contains("| 2024-02 |    2 |  + 50.0% |         |"), "\(terminal)")
        // csv keeps the long rows.
        #expect(CSVRenderer.render(result).split(separator: "\n").count == 5)
    }

    /// Through a session on the tiny store, every format: a table draws the grid (shaded on a terminal), the others
    /// keep the long rows with their types.
    @Test func everyFormatFromTheLibrary() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try Session(storePath: directory.appendingPathComponent("s.db").path, access: .create)
        _ = try session.importEvents([SampleStores.samplesDirectory.appendingPathComponent("tiny-events.csv").path],
                                     options: ImportOptions())
        let results = try run(session, "RETENTION OF awareness RETURNING purchase EVERY week PERIODS 6")
        try #require(results.count == 2)
        #expect(results[0].columns == ["cohort", "size", "period", "customers", "returning", "pct"])
        #expect(results[0].rows[0] == [.text("2024-01-01"), .int(3), .int(0), .int(3), .int(2), .percent(200.0 / 3)])
        #expect(results[0].rows[13] == [.text("2024-01-08"), .int(1), .int(6), .int(0), .null, .null])
        #expect(results[1].rows[0] == [.int(0), .int(4), .int(2), .percent(50)])
        let terminal = ResultRenderer.render(results[0], format: .table, options: .terminal(width: 120, color: false))
        #expect(terminal.contains("│ 2024-01-01 │    3 │ ▓ 66.7% │ ░ 0.0% │"), "\(terminal)")
        #expect(terminal.contains("│ 2024-01-08 │    1 │  ░ 0.0% │ ░ 0.0% │ ░ 0.0% │ ░ 0.0% │ ░ 0.0% │ ░ 0.0% │        │"), "\(terminal)")
        let table = ResultRenderer.render(results[0], format: .table)
        #expect(table.contains("│ 2024-01-01 │    3 │ 66.7% │ 0.0% │"), "\(table)")
        #expect(!table.contains("│ period"))
        let csv = ResultRenderer.render(results[0], format: .csv)
        #expect(csv.split(separator: "\n").count == 15 && csv.hasPrefix("cohort,size,period,customers,returning,pct\n"))
        let json = ResultRenderer.render(results[0], format: .json)
        #expect(json.contains("{\"cohort\":\"2024-01-08\",\"size\":1,\"period\":6,\"customers\":0,\"returning\":null,\"pct\":null}"))
        let markdown = ResultRenderer.render(results[0], format: .markdown)
        #expect(markdown.contains("| cohort "))
        #expect(ResultRenderer.render(results[0], format: .jsonl).split(separator: "\n").count == 14)
    }

    @Test func completionOffersStepsAfterOfAndReturningAndPeriodsAfterEvery() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try Session(storePath: directory.appendingPathComponent("s.db").path, access: .create)
        _ = try session.importEvents([SampleStores.samplesDirectory.appendingPathComponent("tiny-events.csv").path],
                                     options: ImportOptions())
        #expect(session.completions(prefix: "pu", before: "RETENTION OF ") == ["purchase"])
        #expect(session.completions(prefix: "", before: "RETENTION OF purchase RETURNING ").contains("checkout_complete"))
        #expect(session.completions(prefix: "", before: "RETENTION OF purchase RETURNING purchase EVERY ") == ["day", "week", "month"])
        // OF elsewhere (PATHS ... OF) still offers the columns.
        #expect(session.completions(prefix: "", before: "PATHS AFTER cart_add OF ") == ["touchpoint", "channel", "stage"])
    }
}
