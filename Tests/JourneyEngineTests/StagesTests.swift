// STAGES, the journey map: the engine against the brute-force reference (ReferenceStages) on random event logs,
// through the whole pipeline and both engines; and the statement's syntax and errors.
//
// Replay or explore: JOURNEYQL_SEED=<n> swift test --filter Stages  (the seed is printed on failure).
import Foundation
import Testing
import JourneyEngine
import JourneyStore

private let stagesSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_261_205

/// 2024-01-01T00:00:00Z.
private let t0: Int64 = 1_704_067_200_000

private func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items.randomElement(using: &rng)! }
private func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

/// A random event log in CSV, and a customers file: few stages so customers move back and forth, gaps from ties to
/// days so stays and churn vary, events without a stage, and sometimes a stage the default order does not know.
private func randomLog(_ rng: inout SplitMix64) -> (events: String, customers: String, stages: [String]) {
    var stages = Array(StoreCatalog.defaultStageOrder.shuffled(using: &rng).prefix(Int.random(in: 1...5, using: &rng)))
    if chance(0.2, &rng) { stages.append("onboarding") }
    let gaps: [Int64] = [0, 0, 1000, 60_000, 3_600_000, 86_400_000, 86_400_000, 3 * 86_400_000, 12 * 86_400_000]
    var lines = ["customer,time,stage,touchpoint,channel,device,amount"]
    // A customer without events keeps the segment attribute known whatever the draw.
    var people = ["customer_id,segment", "nobody,b2b"]
    var rows: [String] = []
    for c in 0..<Int.random(in: 1...40, using: &rng) {
        var time = t0 + Int64.random(in: 0..<(20 * 86_400), using: &rng) * 1000
        for _ in 0..<Int.random(in: 1...9, using: &rng) {
            let stage = chance(0.12, &rng) ? "" : pick(stages, &rng)
            let touchpoint = pick(["ad_click", "site_visit", "cart_add", "order_paid"], &rng)
            let channel = chance(0.1, &rng) ? "" : pick(["web", "email", "social", "Web"], &rng)
            // The first row carries every property, so every statement's fields are known to the store.
            let device = chance(0.3, &rng) && !rows.isEmpty ? "" : pick(["mobile", "desktop"], &rng)
            let amount = chance(0.4, &rng) && !rows.isEmpty ? "" : String(Int.random(in: 0...10, using: &rng))
            rows.append(["c\(c)", TimeParser.format(time), stage, touchpoint, channel, device, amount].joined(separator: ","))
            time += pick(gaps, &rng)
        }
        if chance(0.8, &rng) { people.append("c\(c)," + (chance(0.2, &rng) ? "" : pick(["b2b", "b2c"], &rng))) }
    }
    // Out of time order, so ties are ordered by the log alone.
    rows.shuffle(using: &rng)
    lines += rows
    return (lines.joined(separator: "\n") + "\n", people.joined(separator: "\n") + "\n", stages)
}

/// A random STAGES statement over the clauses it takes.
private func randomStatement(_ rng: inout SplitMix64, hasNow: Bool) -> String {
    var clauses: [String] = []
    if chance(0.3, &rng) {
        clauses.append("WHERE " + pick(["channel = web", "device = mobile", "amount > 3", "touchpoint != cart_add",
                                        "channel IS NULL OR amount <= 5"], &rng))
    }
    if chance(0.2, &rng) { clauses.append("FOR b2b") }
    if chance(0.35, &rng) { clauses.append("BY " + pick(["channel", "customer.segment", "device", "channel, customer.segment",
                                                                 "day", "week", "month", "week, device"], &rng)) }
    if chance(0.3, &rng) {
        let a = Int.random(in: 0...20, using: &rng), b = a + Int.random(in: 0...10, using: &rng)
        func day(_ d: Int) -> String { String(TimeParser.format(t0 + Int64(d) * 86_400_000).prefix(10)) }
        clauses.append(pick(["DURING \(day(a)) .. \(day(b))", "SINCE \(day(a))", "BEFORE \(day(b))"]
                            + (hasNow ? ["LAST \(b) days"] : []), &rng))
    }
    if chance(0.6, &rng) { clauses.append("INACTIVE AFTER " + pick(["1 hour", "1 day", "3 days", "10 days", "30 days"], &rng)) }
    if chance(0.1, &rng) { clauses.append("LIMIT \(Int.random(in: 0...3, using: &rng))") }
    return (["STAGES"] + clauses.shuffled(using: &rng)).joined(separator: " ")
}

private func run(_ session: Session, _ text: String) throws -> [QueryResult] {
    var results: [QueryResult] = []
    try session.run(SourceText(text)) { event in
        if case .result(let r) = event { results.append(r) }
    }
    return results
}

@Suite("STAGES: engine vs reference")
struct StagesDifferentialTests {
    /// Many random logs, a few statements each, both engines; every cell of both tables must equal the reference's.
    @Test func randomLogsThroughTheWholePipeline() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-stages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = 1_200, statementsPerCase = 4
        var failures = 0, compared = 0, withTransitions = 0, withChurn = 0, orderErrors = 0
        for caseIndex in 0..<cases where failures < 5 {
            let seed = stagesSeed &+ UInt64(caseIndex) &* 0x9E37_79B9
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
            let present = Set(session.catalog().stages.map(\.name))
            var setup = ["SEGMENT b2b AS customer.segment = 'b2b'"]
            // A stage the default order lacks must be ordered first: the statement says so before anything runs.
            if present.contains("onboarding") || chance(0.4, &rng) {
                if present.contains("onboarding") {
                    do {
                        _ = try run(session, "STAGES")
                        Issue.record("seed \(seed): STAGES ran with 'onboarding' in no order")
                        failures += 1
                    } catch {
                        #expect((error as? RunFailure)?.diagnostics.map(\.id).contains("check.no-stage-order") == true)
                        orderErrors += 1
                    }
                }
                setup.append("SET STAGES " + Array(present).shuffled(using: &rng).joined(separator: ", "))
            }
            // A defined stage that widens (or makes) purchase: an event may then be in two stages, and is in the later.
            if chance(0.3, &rng) {
                setup.insert("DEFINE STAGE purchase AS stage = purchase OR touchpoint = order_paid", at: 1)
                if let i = setup.firstIndex(where: { $0.hasPrefix("SET STAGES") }) {
                    setup[i] = "SET STAGES " + Array(present.union(["purchase"])).shuffled(using: &rng).joined(separator: ", ")
                }
            }
            let hasNow = chance(0.3, &rng)
            if hasNow { setup.append("SET now = " + TimeParser.format(t0 + Int64.random(in: 0...40, using: &rng) * 86_400_000)) }
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
                guard case .stages(let map)? = outcome.statement?.resolvingNow(setNow: session.now, clock: 0) else {
                    Issue.record("seed \(seed): \(text) does not check: \(outcome.diagnostics.map(\.id)); setup \(setup)")
                    failures += 1
                    continue
                }
                let expected = ReferenceStages.evaluate(map, events: events, customers: customers, horizon: horizon)
                if !expected.transitions.isEmpty { withTransitions += 1 }
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    defer { session.engine = .auto }
                    let results = try run(session, text)
                    compared += 1
                    guard results.count == 2,
                          Reference.rowsAgree(results[0].rows, expected.stages),
                          Reference.rowsAgree(results[1].rows, expected.transitions) else {
                        failures += 1
                        Issue.record("""
                            seed \(seed) case \(caseIndex), \(engine) engine: \(text)  (setup: \(setup.joined(separator: "; ")))
                            stages engine:    \(results.first?.rows ?? [])
                            stages reference: \(expected.stages)
                            transitions engine:    \(results.dropFirst().first?.rows ?? [])
                            transitions reference: \(expected.transitions)
                            """)
                        continue
                    }
                }
                if expected.stages.contains(where: { row in row.contains { if case .int(let c) = $0 { c > 0 } else { false } } }),
                   let churned = results(churnIn: expected), churned > 0 {
                    withChurn += 1
                }
            }
        }
        if failures == 0 {
            #expect(compared == cases * statementsPerCase * 2)
            // The generator must make logs with movement and churn, or the comparison proves little.
            #expect(withTransitions > cases * statementsPerCase / 2, "only \(withTransitions) statements had a transition")
            #expect(withChurn > cases * statementsPerCase / 4, "only \(withChurn) statements had a churned customer")
            #expect(orderErrors > cases / 20, "only \(orderErrors) logs needed an order")
        }
    }

    /// The churned customers a reference stages table counts in all.
    private func results(churnIn map: ReferenceStageMap) -> Int? {
        map.stages.reduce(0) { total, row in
            let churned = row[row.count - 2]
            if case .int(let c) = churned { return total + Int(c) }
            return total
        }
    }
}

@Suite("STAGES: syntax and errors")
struct StagesStatementTests {
    private func parse(_ text: String) -> ParseResult { Parser.parse(SourceText(text)) }

    @Test func clausesParseInAnyOrderAroundInactiveAfter() throws {
        let parsed = parse("STAGES INACTIVE AFTER 7 days WHERE channel = web BY customer.segment LIMIT 3 FOR b2b")
        #expect(parsed.diagnostics.isEmpty)
        guard case .stages(let s)? = parsed.statements.first else { Issue.record("not a STAGES statement"); return }
        #expect(s.inactiveAfter?.milliseconds == Int64(7 * 86_400_000))
        #expect(s.clauses.filter != nil && s.clauses.breakdown.count == 1 && s.clauses.limit?.value == 3)
        #expect(s.clauses.segment?.text == "b2b")
        #expect(s.rejected.isEmpty)
    }

    @Test func aClauseGivenOnBothSidesOfInactiveAfterIsGivenTwice() {
        let parsed = parse("STAGES BY channel INACTIVE AFTER 1 day BY device")
        #expect(parsed.diagnostics.map(\.id) == ["parse.duplicate-clause"])
        let twice = parse("STAGES INACTIVE AFTER 1 day INACTIVE AFTER 2 days")
        #expect(twice.diagnostics.map(\.id) == ["parse.duplicate-clause"])
        #expect(twice.diagnostics.first?.range == SourceRange(28, 36))
    }

    @Test func journeyOnlyClausesAreLocatedForTheChecker() {
        let text = "STAGES WITHIN 2 days DIRECTLY STRICT TIME IN ANY ORDER EXCLUDING cart_add SAME device"
        let parsed = parse(text)
        #expect(parsed.diagnostics.isEmpty)
        guard case .stages(let s)? = parsed.statements.first else { Issue.record("not a STAGES statement"); return }
        let source = SourceText(text)
        #expect(s.rejected.map(\.clause) == ["WITHIN", "DIRECTLY", "STRICT TIME", "IN ANY ORDER", "EXCLUDING", "SAME"])
        #expect(s.rejected.map { source.slice($0.range) }
                == ["2 days", "DIRECTLY", "STRICT TIME", "IN ANY ORDER", "EXCLUDING cart_add", "device"])
    }

    @Test func inactiveAfterNeedsAfterAndADuration() {
        #expect(parse("STAGES INACTIVE 3 days").diagnostics.map(\.id) == ["parse.expected"])
        #expect(parse("STAGES INACTIVE AFTER soon").diagnostics.map(\.id) == ["parse.expected-duration"])
        #expect(parse("STAGES INACTIVE AFTER").isIncomplete)
    }

    /// The checker on a catalog alone: the order against the data's stages, and the proposed SET STAGES line.
    @Test func stagesOutsideTheOrderAreAnErrorProposingTheOrder() {
        let catalog = StoreCatalog(stages: [NamedCount(name: "awareness", count: 5), NamedCount(name: "trial", count: 4),
                                            NamedCount(name: "purchase", count: 3), NamedCount(name: "churn risk", count: 2)],
                                   stageOrder: ["awareness", "purchase"], eventCount: 14)
        let text = "STAGES BY channel"
        let parsed = parse(text)
        let outcome = Checker.check(parsed.statements[0], catalog: catalog, source: SourceText(text))
        let error = outcome.diagnostics.first { $0.severity == .error }
        #expect(error?.id == "check.no-stage-order")
        #expect(error?.range == SourceRange(0, 6))
        #expect(error?.suggestion == "SET STAGES awareness, purchase, trial, 'churn risk'")
        #expect(outcome.statement == nil)
    }

    @Test func theDefaultOrderServesWhenItHoldsEveryStage() {
        let catalog = StoreCatalog(stages: [NamedCount(name: "purchase", count: 3), NamedCount(name: "awareness", count: 5)],
                                   eventCount: 8)
        let text = "STAGES"
        let outcome = Checker.check(parse(text).statements[0], catalog: catalog, source: SourceText(text))
        guard case .stages(let map)? = outcome.statement else { Issue.record("\(outcome.diagnostics)"); return }
        // Only the stages that occur: consideration, retention and advocacy are in the default order but not the data.
        #expect(map.stages == ["awareness", "purchase"])
        #expect(map.inactiveAfter == 30 * 86_400_000)
        #expect(map.defaultOrder)
    }

    @Test func anEmptyStoreHasNoStagesToMap() {
        let text = "STAGES"
        let outcome = Checker.check(parse(text).statements[0], catalog: StoreCatalog(), source: SourceText(text))
        #expect(outcome.diagnostics.map(\.id) == ["check.no-stage-order"])
    }

    @Test func badInactiveAfterAndJourneyClausesAreCheckErrors() {
        let catalog = StoreCatalog(stages: [NamedCount(name: "awareness", count: 5)], eventCount: 5)
        for (text, id, located) in [("STAGES INACTIVE AFTER 0 days", "check.bad-inactive-after", "0 days"),
                                    ("STAGES INACTIVE AFTER -2h", "check.bad-inactive-after", "-2h"),
                                    ("STAGES TIES ANY ORDER", "check.stages-clause", "TIES ANY ORDER"),
                                    ("STAGES WHERE channel = web WITHIN 1 day", "check.stages-clause", "1 day")] {
            let source = SourceText(text)
            let outcome = Checker.check(parse(text).statements[0], catalog: catalog, source: source)
            let error = outcome.diagnostics.first { $0.severity == .error }
            #expect(error?.id == id, "\(text)")
            #expect(error.map { source.slice($0.range) } == located, "\(text)")
        }
    }
}
