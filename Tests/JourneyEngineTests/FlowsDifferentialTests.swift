// Flows, the engine against ReferenceFlows.swift on random journeys: random events are imported into fresh stores
// and random PATHS AFTER|BEFORE and PATHS ... LOST|CONVERTED statements run through Session on both engines; every
// row must equal the brute force's. Replay or explore: JOURNEYQL_SEED=<n> swift test --filter FlowsDifferential
import Foundation
import Testing
import JourneyEngine
import JourneyStore

private let flowSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_261_205

/// 2024-01-01T00:00:00Z.
private let start0: Int64 = 1_704_067_200_000

private func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items.randomElement(using: &rng)! }
private func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

/// Writes random customers' events (ties, repeats and missing values on purpose) and their segments, and imports
/// them into a fresh store.
private func randomStore(_ rng: inout SplitMix64, directory: URL, index: Int) throws -> Session {
    let stages = ["awareness", "consideration", "purchase"]
    let touchpoints = ["ad_click", "site_visit", "cart_add", "purchase"]
    let channels = ["web", "email", "social"]
    let gaps: [Int64] = [0, 0, 0, 1000, 60_000, 3_600_000, 86_400_000, 3 * 86_400_000]
    var lines: [String] = []
    var customers = "customer_id,segment\n"
    for c in 0..<Int.random(in: 20...90, using: &rng) {
        var time = start0 + Int64.random(in: 0..<(20 * 86_400), using: &rng) * 1000
        for _ in 0..<Int.random(in: 1...10, using: &rng) {
            let stage = chance(0.1, &rng) ? "" : pick(stages, &rng)
            let touchpoint = chance(0.1, &rng) ? "" : pick(touchpoints, &rng)
            let channel = chance(0.15, &rng) ? "" : pick(channels, &rng)
            lines.append("c\(c),\(TimeParser.format(time)),\(stage),\(touchpoint),\(channel)")
            time += pick(gaps, &rng)
        }
        if chance(0.8, &rng) { customers += "c\(c),\(pick(["b2b", "b2c"], &rng))\n" }
    }
    // Not in time order: equal times keep the file's order.
    lines.shuffle(using: &rng)
    let events = directory.appendingPathComponent("flows-\(index).csv").path
    try ("customer,time,stage,touchpoint,channel\n" + lines.joined(separator: "\n") + "\n")
        .write(toFile: events, atomically: true, encoding: .utf8)
    let customersPath = directory.appendingPathComponent("flows-customers-\(index).csv").path
    try customers.write(toFile: customersPath, atomically: true, encoding: .utf8)
    let session = try Session(storePath: directory.appendingPathComponent("flows-\(index).db").path, access: .create)
    _ = try session.importEvents([events], options: ImportOptions())
    _ = try session.importCustomers(customersPath, options: ImportOptions())
    return session
}

private let anchors = ["awareness", "purchase", "cart_add", "TOUCHPOINT purchase", "site_visit[channel = web]",
                       "(ad_click | cart_add)", "consideration"]

/// A random flow statement: a tree (AFTER or BEFORE) or PATHS between steps with options, clauses in random order.
private func randomFlow(_ rng: inout SplitMix64) -> String {
    var parts: [String] = []
    let tree = chance(0.6, &rng)
    if chance(0.4, &rng) { parts.append("OF " + pick(["touchpoint", "channel", "stage"], &rng)) }
    if chance(0.3, &rng) { parts.append("KEEP REPEATS") }
    if chance(0.35, &rng) { parts.append("MIN SHARE " + pick(["5", "20", "25", "33.3", "50", "100"], &rng)) }
    if chance(0.35, &rng) { parts.append("TOP \(Int.random(in: 1...3, using: &rng))") }
    if chance(0.25, &rng) { parts.append("WHERE channel <> email") }
    if chance(0.15, &rng) { parts.append("FOR business") }
    if tree {
        if chance(0.7, &rng) { parts.append("STEPS \(Int.random(in: 1...4, using: &rng))") }
        if chance(0.25, &rng) { parts.append("SINCE " + TimeParser.format(start0 + Int64.random(in: 0...15, using: &rng) * 86_400_000)) }
        if chance(0.25, &rng) { parts.append("BY " + pick(["channel", "customer.segment", "stage", "day", "week", "channel, day"], &rng)) }
        parts.shuffle(using: &rng)
        return "PATHS \(chance(0.5, &rng) ? "AFTER" : "BEFORE") \(pick(anchors, &rng)) " + parts.joined(separator: " ")
    }
    let steps = chance(0.4, &rng) ? ["awareness", "consideration", "purchase"]
                                  : [pick(["awareness", "ad_click", "site_visit"], &rng), pick(["purchase", "cart_add"], &rng)]
    if chance(0.4, &rng) { parts.append("MAX LENGTH \(Int.random(in: 1...4, using: &rng))") }
    if chance(0.1, &rng) { parts.append("DIRECTLY") }
    if chance(0.1, &rng) { parts.append("STRICT TIME") }
    switch Int.random(in: 0..<4, using: &rng) {
    case 0: parts.append("CONVERTED")
    case 1: parts.append("LOST AT \(Int.random(in: 1..<steps.count, using: &rng))")
    default: parts.append("LOST")
    }
    parts.shuffle(using: &rng)
    let within = chance(0.6, &rng) ? " WITHIN " + pick(["1 hour", "1 day", "3 days", "10 days"], &rng) : ""
    return "PATHS FROM " + steps.joined(separator: " TO ") + within + " " + parts.joined(separator: " ")
}

private func runRows(_ session: Session, _ text: String) throws -> [[Cell]]? {
    session.now = nil
    var rows: [[Cell]]?
    try session.run(SourceText(text)) { if case .result(let r) = $0 { rows = r.rows } }
    return rows
}

@Suite("Flows: engine vs reference")
struct FlowsDifferentialTests {
    @Test func randomFlowsThroughTheWholePipeline() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-flows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = 40, queriesPerCase = 40
        var failures = 0, queriesRun = 0, journeys = 0
        var deepTrees = 0, folded = 0, lostPaths = 0, cut = 0, inProgress = 0
        for caseIndex in 0..<cases where failures < 5 {
            let seed = flowSeed &+ UInt64(caseIndex) &* 0x9E37_79B9
            var rng = SplitMix64(seed: seed)
            let session = try randomStore(&rng, directory: directory, index: caseIndex)
            let events = try session.store.rawEvents()
            let customers = try session.store.rawCustomers()
            journeys += Set(events.map(\.customer)).count
            try session.run(SourceText("SEGMENT business AS customer.segment = b2b;")) { _ in }
            let catalog = session.catalog()
            let definitions = try session.definitions()
            for _ in 0..<queriesPerCase where failures < 5 {
                let text = randomFlow(&rng)
                // SET now: later events are not there yet, and windows still open at now are in progress, not lost.
                let setNow: Int64? = chance(0.25, &rng) ? start0 + Int64.random(in: 5...25, using: &rng) * 86_400_000 : nil
                let script = (setNow.map { "SET now = \(TimeParser.format($0)); " } ?? "") + text
                let source = SourceText(text)
                let parsed = Parser.parse(source)
                guard parsed.diagnostics.isEmpty, let statement = parsed.statements.first else {
                    Issue.record("seed \(seed): does not parse: \(text) \(parsed.diagnostics.map(\.id))")
                    failures += 1
                    continue
                }
                let checked = Checker.check(statement, catalog: catalog, source: source, definitions: definitions)
                guard case .flows(let written)? = checked.statement else {
                    Issue.record("seed \(seed): does not check as a flow: \(text) \(checked.diagnostics.map(\.id))")
                    failures += 1
                    continue
                }
                let flows = written.resolved(setNow: setNow, clock: 0)
                let want = flows.spec.kind.isTree ? Reference.flowTree(flows, events: events, customers: customers)
                                                  : Reference.flowPaths(flows, events: events, customers: customers)
                queriesRun += 1
                if want.contains(where: { $0.contains(.int(3)) && flows.spec.kind.isTree }) { deepTrees += 1 }
                if want.contains(where: { $0.contains(.text("(other)")) }) { folded += 1 }
                if case .lost = flows.spec.kind, want.count > 1 { lostPaths += 1 }
                // LOST under SET now with a window: some customer below the last step was still in progress.
                if case .lost = flows.spec.kind, let now = setNow, let w = flows.funnel.window,
                   Reference.journeyCustomers(flows.funnel, events: events, customers: customers).values.contains(where: {
                       $0.level > 0 && $0.level < flows.funnel.steps.count && $0.start!.time + w > now
                   }) { inProgress += 1 }
                if want.contains(where: { if case .text(let t) = $0[1] { t.hasSuffix("…") } else { false } }) { cut += 1 }
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    defer { session.engine = .auto }
                    do {
                        let have = try runRows(session, script) ?? []
                        if !Reference.rowsAgree(have, want) {
                            failures += 1
                            Issue.record("seed \(seed): \(engine) engine: \(script)\nengine:    \(have)\nreference: \(want)")
                        }
                    } catch {
                        failures += 1
                        Issue.record("seed \(seed): \(engine) engine failed on \(script): \(error)")
                    }
                }
                // CONVERTED alone is PATHS as it always was.
                if flows.spec == FlowSpec.plainConverted(flows.spec), text.contains("CONVERTED") {
                    let plain = text.replacingOccurrences(of: "CONVERTED", with: "")
                    if try runRows(session, plain) != runRows(session, text) {
                        failures += 1
                        Issue.record("seed \(seed): \(text) differs from \(plain)")
                    }
                }
            }
        }
        if failures == 0 {
            #expect(queriesRun == cases * queriesPerCase)
            #expect(journeys > 1000)
            #expect(deepTrees > queriesRun / 10, "only \(deepTrees) trees reached level 3")
            #expect(folded > queriesRun / 20, "only \(folded) results folded a branch")
            #expect(lostPaths > queriesRun / 20, "only \(lostPaths) LOST results had more than one path")
            #expect(cut > queriesRun / 50, "only \(cut) results cut a path at MAX LENGTH")
            #expect(inProgress > 10, "only \(inProgress) LOST results left customers in progress out")
        }
    }
}

private extension FlowSpec {
    /// `spec` with nothing but CONVERTED: TOP, WHERE and the journey aside, PATHS without options.
    static func plainConverted(_ spec: FlowSpec) -> FlowSpec? {
        guard spec.kind == .converted, spec.column == .touchpoint, !spec.keepRepeats, spec.minShare == nil,
              spec.maxLength == nil else { return nil }
        return spec
    }
}
