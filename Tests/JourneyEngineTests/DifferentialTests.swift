// The fast engine against the slow reference on random journeys: random events are written to CSV or JSON Lines,
// imported into a fresh store, and random query text is run through Session (lexer, parser, checker, planner,
// SQL, matcher); every per-step count and median must equal the reference's, evaluated on store.rawEvents().
//
// Replay or explore: JOURNEYQL_SEED=<n> swift test --filter Differential  (the seed is printed on failure).
import Foundation
import Testing
import JourneyEngine
@testable import JourneyStore

/// The seed of a run: fixed, so failures reproduce, unless JOURNEYQL_SEED says otherwise.
private let baseSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_241_123

/// 2024-01-01T00:00:00Z.
private let t0: Int64 = 1_704_067_200_000

// MARK: Random journeys

/// One generated event, as written to the input file.
private struct GeneratedEvent {
    var customer: String
    var time: Int64
    var stage: String?
    var touchpoint: String?
    var channel: String?
    /// The property as the store should read it back, and how it is spelled in the file.
    var amount: (value: PropertyValue, csv: String, json: String)?
    var device: String?
}

private struct GeneratedCase {
    /// In file (import) order.
    var events: [GeneratedEvent]
    /// customer → (segment, size) for the customers file; customers absent here have no row.
    var customers: [(id: String, segment: String?, size: Int?)]
    var asJSONLines: Bool
}

private func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items.randomElement(using: &rng)! }
private func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

private func generateCase(_ rng: inout SplitMix64) -> GeneratedCase {
    // Tiny alphabets so steps repeat; 'purchase' is both a stage and a touchpoint; 'Web' sorts before 'email' by bytes.
    let stages = Array(["awareness", "consideration", "purchase"].shuffled(using: &rng).prefix(Int.random(in: 2...3, using: &rng)))
    let touchpoints = Array(["ad_click", "site_visit", "cart_add", "purchase"].shuffled(using: &rng)
        .prefix(Int.random(in: 2...4, using: &rng)))
    let channels = Array(["web", "email", "social", "Web", "paid_ads"].shuffled(using: &rng).prefix(Int.random(in: 2...4, using: &rng)))
    let amounts: [(PropertyValue, String, String)] = [
        (.number(0), "0", "0"), (.number(1), "1", "1"), (.number(3), "3", "3"), (.number(5), "5", "5"),
        (.number(10), "10", "10"), (.number(2.5), "2.5", "2.5"), (.number(-1), "-1", "-1"), (.number(100), "100", "100"),
        (.text("n/a"), "n/a", "\"n/a\""), (.text("007"), "007", "\"007\""), (.text("big"), "big", "\"big\""),
        (.text("5"), "5", "\"5\""),
    ]
    let customerCount = Int.random(in: 20...200, using: &rng)
    var ids = Set<String>()
    while ids.count < customerCount {
        let n = Int.random(in: 1...999, using: &rng)
        ids.insert(chance(0.05, &rng) ? (chance(0.5, &rng) ? "C\(n)" : "ä\(n)") : "c\(n)")
    }
    let jsonl = chance(0.3, &rng)
    // Steps in milliseconds between a customer's consecutive events: mostly ties and seconds.
    let increments: [Int64] = [0, 0, 0, 0, 1000, 1000, 2000, 3000, 5000, 10_000, 30_000, 60_000, 120_000, 600_000, 250, 500]
    var events: [GeneratedEvent] = []
    var customers: [(String, String?, Int?)] = []
    for id in ids.sorted() {
        var time = t0 + Int64.random(in: 0..<600, using: &rng) * 1000
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            var amount: (PropertyValue, String, String)? = chance(0.75, &rng) ? pick(amounts, &rng) : nil
            // JSON Lines can carry booleans, stored as the text true/false.
            if jsonl, amount != nil, chance(0.05, &rng) { amount = (.text("true"), "true", "true") }
            // In CSV, digits are a number however they are quoted; only JSON can say "5" is text.
            if !jsonl, amount?.0 == .text("5") { amount = (.number(5), "5", "5") }
            events.append(GeneratedEvent(
                customer: id, time: time,
                stage: chance(0.1, &rng) ? nil : pick(stages, &rng),
                touchpoint: chance(0.1, &rng) ? nil : pick(touchpoints, &rng),
                channel: chance(0.15, &rng) ? nil : pick(channels, &rng),
                amount: amount.map { (value: $0.0, csv: $0.1, json: $0.2) },
                device: chance(0.3, &rng) ? nil : pick(["mobile", "desktop", "Mobile"], &rng)))
            time += pick(increments, &rng)
        }
        if chance(0.7, &rng) {
            customers.append((id, chance(0.2, &rng) ? nil : pick(["b2b", "b2c", "smb"], &rng),
                              chance(0.2, &rng) ? nil : Int.random(in: 1...20, using: &rng)))
        }
    }
    // The file interleaves customers and is not in time order: equal times are ordered by this order alone.
    events.shuffle(using: &rng)
    return GeneratedCase(events: events, customers: customers.map { (id: $0.0, segment: $0.1, size: $0.2) },
                         asJSONLines: jsonl)
}

/// Times as the input spells them: ISO with or without milliseconds, or epoch milliseconds.
private func timeText(_ ms: Int64, _ rng: inout SplitMix64) -> String {
    chance(0.2, &rng) ? String(ms) : TimeParser.format(ms)
}

private func eventsFile(_ c: GeneratedCase, _ rng: inout SplitMix64) -> String {
    func quoted(_ s: String?) -> String {
        guard let s else { return "" }
        return chance(0.1, &rng) ? "\"\(s)\"" : s
    }
    if c.asJSONLines {
        return c.events.map { e in
            var members = ["\"customer_id\":\"\(e.customer)\"", "\"timestamp\":\"\(timeText(e.time, &rng))\""]
            for (name, value) in [("stage", e.stage), ("event", e.touchpoint), ("channel", e.channel), ("device", e.device)] {
                if let value { members.append("\"\(name)\":\"\(value)\"") } else if chance(0.3, &rng) { members.append("\"\(name)\":null") }
            }
            if let a = e.amount { members.append("\"amount\":\(a.json)") }
            return "{" + members.shuffled(using: &rng).joined(separator: ",") + "}\n"
        }.joined()
    }
    var text = "customer,time,stage,touchpoint,channel,amount,device\n"
    for e in c.events {
        text += [e.customer, timeText(e.time, &rng), quoted(e.stage), quoted(e.touchpoint), quoted(e.channel),
                 e.amount?.csv ?? "", quoted(e.device)].joined(separator: ",") + "\n"
    }
    return text
}

private func customersFile(_ c: GeneratedCase) -> String {
    "customer_id,segment,size\n" + c.customers.map { "\($0.id),\($0.segment ?? ""),\($0.size.map(String.init) ?? "")\n" }.joined()
}

// MARK: Random queries

/// Definitions made in a case's store, for the generator to use: LET conditions and defined stages.
private struct DefinedNames {
    var lets: [String] = []
    var stages: [String] = []
}

/// Makes some definitions in the store (or none): LET conditions using LIKE, IS NULL, BETWEEN and one another,
/// a stage defined over touchpoints, and sometimes one that shadows (and widens) a stage of the data.
private func defineRandomly(_ session: Session, _ catalog: StoreCatalog, _ rng: inout SplitMix64) throws -> DefinedNames {
    guard chance(0.7, &rng) else { return DefinedNames() }
    var statements = [
        "LET big = amount \(pick(["> 3", "BETWEEN 1 AND 10", ">= 5"], &rng))",
        "LET webby = channel LIKE '\(pick(["%eb", "_eb", "W%"], &rng))' OR device IS NULL",
        "LET both = big AND NOT webby",
        "LET b2b_ish = customer.segment \(pick(["LIKE 'b2%'", "IS NOT NULL", "BETWEEN 'b' AND 'c'"], &rng))",
        "DEFINE STAGE hot AS touchpoint LIKE '%\\_%' ESCAPE '\\' AND channel IS NOT NULL",
    ]
    var names = DefinedNames(lets: ["big", "webby", "both", "b2b_ish"], stages: ["hot"])
    if chance(0.5, &rng), let shadowed = catalog.stages.map(\.name).randomElement(using: &rng) {
        statements.append("DEFINE STAGE \(shadowed) AS stage = \(shadowed) OR (touchpoint = cart_add AND NOT webby)")
        names.stages.append(shadowed)
    }
    try session.run(SourceText(statements.joined(separator: "; "))) { _ in }
    return names
}

private func randomStep(_ catalog: StoreCatalog, _ rng: inout SplitMix64, allowAlternatives: Bool = true,
                        defined: DefinedNames = DefinedNames()) -> String {
    let stages = catalog.stages.map(\.name), touchpoints = catalog.touchpoints.map(\.name)
    let names = stages + touchpoints + defined.stages
    var base: String
    switch Int.random(in: 0..<10, using: &rng) {
    case 0: base = "ANY"
    case 1 where !stages.isEmpty: base = "stage " + pick(stages, &rng)
    case 2 where !touchpoints.isEmpty: base = "touchpoint " + pick(touchpoints, &rng)
    case 3 where allowAlternatives:
        base = "(" + randomStep(catalog, &rng, allowAlternatives: false, defined: defined) + " | "
            + randomStep(catalog, &rng, allowAlternatives: false, defined: defined) + ")"
    default: base = names.isEmpty ? "ANY" : pick(names, &rng)
    }
    if chance(0.2, &rng) {
        base += "[" + pick(["amount > 3", "amount <= 5", "channel = web", "device != mobile", "amount = 'n/a'",
                            "NOT amount > 3", "channel IN (web, email)", "customer.segment = b2b",
                            "amount BETWEEN 1 AND 5", "device LIKE 'm%'", "channel IS NULL", "NOT device IS NULL"]
                           + defined.lets, &rng) + "]"
    }
    return base
}

private func randomAtom(_ catalog: StoreCatalog, _ rng: inout SplitMix64, defined: DefinedNames = DefinedNames()) -> String {
    let channels = catalog.channels.map(\.name) + ["sms"]
    let someTime = TimeParser.format(t0 + Int64.random(in: 0...900, using: &rng) * 1000)
    if !defined.lets.isEmpty, chance(0.08, &rng) { return pick(defined.lets, &rng) }
    if chance(0.35, &rng) { return randomNewAtom(catalog, &rng) }
    switch Int.random(in: 0..<17, using: &rng) {
    case 0: return "channel = \(pick(channels, &rng))"
    case 1: return "channel != \(pick(channels, &rng))"
    case 2: return "channel < '\(pick(["e", "m", "W", "x"], &rng))'"
    case 3: return "amount > \(pick(["0", "2.5", "3", "-1", "9.99"], &rng))"
    case 4: return "amount <= \(pick(["1", "5", "100"], &rng))"
    case 5: return "amount = \(pick(["'n/a'", "'007'", "5", "'5'", "'true'"], &rng))"
    case 6: return "device = \(pick(["mobile", "Mobile", "'desktop'"], &rng))"
    case 7: return "channel IN (\(pick(channels, &rng)), \(pick(channels, &rng)))"
    case 8: return "channel NOT IN (\(pick(channels, &rng)))"
    case 9: return "time >= \(someTime)"
    case 10: return "time < \(someTime)"
    case 11: return "customer < '\(pick(["c5", "c", "d", "C9"], &rng))'"
    case 12: return "stage = \(pick(catalog.stages.map(\.name) + ["awareness"], &rng))"
    case 13: return "touchpoint != \(pick(catalog.touchpoints.map(\.name) + ["cart_add"], &rng))"
    case 14: return "customer.segment \(pick(["=", "!="], &rng)) \(pick(["b2b", "smb"], &rng))"
    case 15: return "customer.size >= \(Int.random(in: 1...20, using: &rng))"
    default: return "device NOT IN (desktop)"
    }
}

/// LIKE (with GLOB's metacharacters and escapes in the patterns), IS NULL and BETWEEN on every kind of field.
private func randomNewAtom(_ catalog: StoreCatalog, _ rng: inout SplitMix64) -> String {
    let not = chance(0.3, &rng) ? "NOT " : ""
    func time() -> String { TimeParser.format(t0 + Int64.random(in: 0...900, using: &rng) * 1000) }
    switch Int.random(in: 0..<13, using: &rng) {
    case 0: return "channel \(not)LIKE '\(pick(["%eb", "W%", "_eb", "e%l", "%", "*%", "%a%", "s_cial", "[w]%", "?eb"], &rng))'"
    case 1: return "touchpoint \(not)LIKE \(pick(["'%!_%' ESCAPE '!'", "'ad%'", "'%e'", "cart_add", "'%t!_a%' ESCAPE '!'", "'____'"], &rng))"
    case 2: return "device \(not)LIKE \(pick(["'%obile'", "'M%'", "'?obile'", "mobile", "'%O%'"], &rng))"
    case 3: return "amount \(not)LIKE '\(pick(["%5%", "n/%", "0__", "%", "t%"], &rng))'"
    case 4: return "customer \(not)LIKE '\(pick(["c1%", "ä%", "_1%", "C%", "%9"], &rng))'"
    case 5: return "customer.segment \(not)LIKE '\(pick(["b2%", "%b", "smb"], &rng))'"
    case 6:
        let field = pick(["channel", "stage", "touchpoint", "amount", "device", "customer.segment", "customer.size", "customer", "time"], &rng)
        return "\(field) IS \(chance(0.5, &rng) ? "NOT " : "")NULL"
    case 7: return "amount \(not)BETWEEN \(pick(["0", "1", "2.5", "-1"], &rng)) AND \(pick(["3", "5", "100", "0"], &rng))"
    case 8: return "time \(not)BETWEEN \(time()) AND \(time())"
    case 9: return "channel \(not)BETWEEN '\(pick(["W", "a", "e"], &rng))' AND '\(pick(["m", "z", "web"], &rng))'"
    case 10: return "customer.size \(not)BETWEEN \(Int.random(in: 1...10, using: &rng)) AND \(Int.random(in: 5...20, using: &rng))"
    case 11: return "device \(not)BETWEEN 'd' AND '\(pick(["n", "mobile", "Z"], &rng))'"
    default: return "customer \(not)BETWEEN 'c1' AND '\(pick(["c5", "c", "d"], &rng))'"
    }
}

private func randomCondition(_ catalog: StoreCatalog, _ rng: inout SplitMix64, depth: Int = 0,
                             defined: DefinedNames = DefinedNames()) -> String {
    switch depth < 3 ? Int.random(in: 0..<6, using: &rng) : 0 {
    case 1: return "NOT (" + randomCondition(catalog, &rng, depth: depth + 1, defined: defined) + ")"
    case 2: return "(" + randomCondition(catalog, &rng, depth: depth + 1, defined: defined) + " AND "
        + randomCondition(catalog, &rng, depth: depth + 1, defined: defined) + ")"
    case 3: return "(" + randomCondition(catalog, &rng, depth: depth + 1, defined: defined) + " OR "
        + randomCondition(catalog, &rng, depth: depth + 1, defined: defined) + ")"
    default: return randomAtom(catalog, &rng, defined: defined)
    }
}

private func randomQuery(_ catalog: StoreCatalog, _ rng: inout SplitMix64, defined: DefinedNames = DefinedNames()) -> String {
    let steps = (0..<Int.random(in: 2...4, using: &rng)).map { _ in randomStep(catalog, &rng, defined: defined) }
    var text = "FROM " + steps[0]
    for step in steps.dropFirst() { text += pick([" TO ", " THEN "], &rng) + step }
    var clauses: [String] = []
    if chance(0.6, &rng) {
        clauses.append("WITHIN " + pick(["0s", "500ms", "1.5s", "1s", "2 seconds", "5s", "10s", "1m", "2 minutes", "10m", "1 hour", "1d"], &rng))
    }
    if chance(0.6, &rng) { clauses.append("WHERE " + randomCondition(catalog, &rng, defined: defined)) }
    return ([text] + clauses.shuffled(using: &rng)).joined(separator: " ")
}

// MARK: Running both sides

/// What the engine's result table says, per step.
private struct EngineRow: Equatable, CustomStringConvertible {
    var customers: Int64
    var pctOfFirst: Double?
    var pctOfPrevious: Double?
    var lost: Int64?
    var median: Double?

    var description: String {
        func show<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "-" }
        return "(\(customers) \(show(pctOfFirst))% \(show(pctOfPrevious))% lost \(show(lost)) median \(show(median)))"
    }
}

private func engineRows(_ session: Session, _ text: String) throws(RunFailure) -> [EngineRow] {
    var result: QueryResult?
    try session.run(SourceText(text)) { event in
        if case .result(let r) = event { result = r }
    }
    guard let result else { return [] }
    func column(_ name: String) -> Int { result.columns.firstIndex(of: name) ?? -1 }
    let (n, first, previous, lost, median) = (column("customers"), column("pct_of_first"), column("pct_of_previous"),
                                              column("lost"), column("median_time_from_previous"))
    return result.rows.map { row in
        func number(_ i: Int) -> Double? {
            guard i >= 0 else { return nil }
            switch row[i] {
            case .percent(let d), .duration(let d), .number(let d): return d
            case .int(let v): return Double(v)
            default: return nil
            }
        }
        func int(_ i: Int) -> Int64? { if i >= 0, case .int(let v) = row[i] { v } else { nil } }
        // Section 4a leaves in-progress customers out of `lost`; the section-4 reference counts them as lost.
        let inProgress = int(column("in_progress")) ?? 0
        return EngineRow(customers: int(n) ?? -1, pctOfFirst: number(first), pctOfPrevious: number(previous),
                         lost: int(lost).map { $0 + inProgress }, median: number(median))
    }
}

/// The rows the reference's totals imply, computed the way the result table is specified (SEMANTICS.md §4).
private func expectedRows(_ totals: ReferenceTotals) -> [EngineRow] {
    let first = totals.customers.first ?? 0
    return totals.customers.indices.map { k in
        let n = totals.customers[k]
        let previous = k > 0 ? totals.customers[k - 1] : n
        return EngineRow(customers: Int64(n),
                         pctOfFirst: first > 0 ? 100.0 * Double(n) / Double(first) : nil,
                         pctOfPrevious: k == 0 ? nil : (previous > 0 ? 100.0 * Double(n) / Double(previous) : nil),
                         lost: k == 0 ? nil : Int64(previous - n),
                         median: k == 0 ? nil : totals.median(k))
    }
}

/// The engine's level per customer key, read through the planner, the store's scan and the matcher directly.
private func engineLevels(_ session: Session, _ funnel: CheckedFunnel) throws -> [String: Int] {
    let plan = Planner(catalog: session.catalog()).planFunnel(funnel)
    var matcher = FunnelMatcher(stepCount: funnel.steps.count, window: funnel.window)
    var byNumber: [Int64: Int] = [:]
    try session.store.scanCustomers(plan.request, isCancelled: { false }) { events in
        byNumber[events.customer] = matcher.match(events).level
    }
    var levels: [String: Int] = [:]
    for (number, level) in byNumber { levels[try session.store.customerKey(number) ?? "#\(number)"] = level }
    return levels
}

private func describe(_ e: RawEvent) -> String {
    let props = e.properties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    return "  +\(Double(e.time - t0) / 1000)s seq \(e.seq) stage=\(e.stage ?? "NULL") touchpoint=\(e.touchpoint ?? "NULL")"
        + " channel=\(e.channel ?? "NULL") \(props)"
}

/// A failure message that lets a person replay and see the difference: seed, query, and the customers that differ.
private func mismatchReport(seed: UInt64, caseIndex: Int, query: String, expected: [EngineRow], got: [EngineRow],
                           session: Session, funnel: CheckedFunnel, reference: ReferenceTotals,
                           events: [RawEvent], customers: [String: [String: PropertyValue]]) -> String {
    var lines = ["seed \(seed) case \(caseIndex) (JOURNEYQL_SEED=\(baseSeed))", "query: \(query)",
                 "reference: \(expected)", "engine:    \(got)"]
    let engine = (try? engineLevels(session, funnel)) ?? [:]
    let keys = Set(engine.keys).union(reference.levels.keys).sorted()
    var shown = 0
    for key in keys where (engine[key] ?? 0) != (reference.levels[key] ?? 0) && shown < 3 {
        shown += 1
        lines.append("customer \(key): reference level \(reference.levels[key] ?? 0), engine level \(engine[key] ?? 0);"
                     + " attributes \(customers[key] ?? [:]); events in (time, seq) order:")
        lines += events.filter { $0.customer == key }.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }.map(describe)
    }
    if shown == 0 { lines.append("(levels agree for every customer: the difference is in the chains' times)") }
    return lines.joined(separator: "\n")
}

/// Writes a generated case to files in `directory` and imports it into a fresh store there; returns the session and
/// what the store gives back (checked against what was generated).
private func importCase(_ generated: GeneratedCase, caseIndex: Int, into directory: URL, seed: UInt64,
                        _ rng: inout SplitMix64) throws
    -> (session: Session, events: [RawEvent], customers: [String: [String: PropertyValue]]) {
    // The events go into one, two or three files, imported in one call or one call per file: import order
    // (and so the order of ties) must run on across files and imports.
    let parts = Int.random(in: 1...3, using: &rng)
    let chunk = (generated.events.count + parts - 1) / parts
    var eventPaths: [String] = []
    for part in 0..<parts {
        var piece = generated
        piece.events = Array(generated.events.dropFirst(part * chunk).prefix(chunk))
        guard !piece.events.isEmpty else { continue }
        let path = directory.appendingPathComponent("events-\(caseIndex)-\(part).\(generated.asJSONLines ? "jsonl" : "csv")").path
        try eventsFile(piece, &rng).write(toFile: path, atomically: true, encoding: .utf8)
        eventPaths.append(path)
    }
    let customersPath = directory.appendingPathComponent("customers-\(caseIndex).csv").path
    try customersFile(generated).write(toFile: customersPath, atomically: true, encoding: .utf8)

    let session = try Session(storePath: directory.appendingPathComponent("store-\(caseIndex).db").path, access: .create)
    let oneCall = chance(0.5, &rng)
    // Small batches write an import in several sorted runs (and make the copy from the table, not from memory).
    var options = ImportOptions()
    if chance(0.5, &rng) { options.batchEvents = Int.random(in: 1...40, using: &rng) }
    // Small parts make the sort move events between parts (and shuffle ties) as a large import does.
    if chance(0.5, &rng) { options.sortPartEvents = Int.random(in: 1...8, using: &rng) }
    func importEvents() throws {
        if oneCall {
            _ = try session.importEvents(eventPaths, options: options)
        } else {
            for path in eventPaths { _ = try session.importEvents([path], options: options) }
        }
    }
    // Customers first or events first: attributes must attach either way.
    if chance(0.5, &rng) {
        _ = try session.importCustomers(customersPath, options: ImportOptions())
        try importEvents()
    } else {
        try importEvents()
        _ = try session.importCustomers(customersPath, options: ImportOptions())
    }
    let events = try session.store.rawEvents()
    let customers = try session.store.rawCustomers()
    try expectRoundTrip(generated, events: events, customers: customers, seed: seed)
    return (session, events, customers)
}

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-diff-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Differential: engine vs reference")
struct DifferentialTests {
    /// Many small stores, many queries each; every per-step number must match exactly.
    @Test func randomJourneysThroughTheWholePipeline() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = 80, queriesPerCase = 60
        var failures = 0, queriesRun = 0, nonTrivial = 0
        var painPoints = PainPointsDifferential.Coverage()
        for caseIndex in 0..<cases where failures < 5 {
            let seed = baseSeed &+ UInt64(caseIndex) &* 0x9E37_79B9
            var rng = SplitMix64(seed: seed)
            let generated = generateCase(&rng)
            let (session, events, customers) = try importCase(generated, caseIndex: caseIndex, into: directory,
                                                              seed: seed, &rng)
            let catalog = session.catalog()
            let defined = try defineRandomly(session, catalog, &rng)
            let definitions = try session.definitions()

            for _ in 0..<queriesPerCase where failures < 5 {
                let query = randomQuery(catalog, &rng, defined: defined)
                let source = SourceText(query)
                let parsed = Parser.parse(source)
                guard parsed.diagnostics.isEmpty, let statement = parsed.statements.first else {
                    Issue.record("seed \(seed): generated query does not parse: \(query) \(parsed.diagnostics.map(\.id))")
                    failures += 1
                    continue
                }
                let checked = Checker.check(statement, catalog: catalog, source: source, definitions: definitions)
                guard case .funnel(let funnel)? = checked.statement else {
                    Issue.record("seed \(seed): generated query does not check: \(query) \(checked.diagnostics.map(\.id))")
                    failures += 1
                    continue
                }
                let reference = Reference.funnel(funnel, events: events, customers: customers)
                let expected = expectedRows(reference)
                queriesRun += 1
                // Every third journey also as DROPOFF and WHY (PainPointsDifferentialTests.swift).
                if queriesRun % 3 == 0 {
                    failures += PainPointsDifferential.compare(
                        journey: query, setNow: nil, funnel: funnel, session: session, events: events,
                        customers: customers, seed: seed, variant: queriesRun / 3, coverage: &painPoints)
                }
                if reference.customers.count > 1, reference.customers[1] > 0 { nonTrivial += 1 }
                // Both engines: the columnar copy and the SQLite scan evaluate conditions independently.
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    defer { session.engine = .auto }
                    let got: [EngineRow]
                    do {
                        got = try engineRows(session, query)
                    } catch {
                        Issue.record("seed \(seed): the \(engine) engine failed on \(query): \(error.rendered)")
                        failures += 1
                        continue
                    }
                    if got != expected {
                        failures += 1
                        Issue.record(Comment(rawValue: "\(engine) engine: " + mismatchReport(
                            seed: seed, caseIndex: caseIndex, query: query, expected: expected, got: got, session: session,
                            funnel: funnel, reference: reference, events: events, customers: customers)))
                    }
                }
            }
        }
        // The generator must produce queries that convert, or the comparison proves little.
        if failures == 0 {
            #expect(queriesRun == cases * queriesPerCase)
            #expect(nonTrivial > queriesRun / 3, "only \(nonTrivial) of \(queriesRun) queries had anyone at step 2")
        }
        if failures == 0 { PainPointsDifferential.expectCoverage(painPoints, queries: queriesRun / 3) }
    }

    /// The matcher alone against the brute force, on many more customers than the store round trip can afford.
    @Test func matcherAgreesWithBruteForceOnRandomMasks() {
        var rng = SplitMix64(seed: baseSeed ^ 0xA11CE)
        var mismatches = 0
        for round in 0..<60_000 where mismatches < 5 {
            let steps = Int.random(in: 1...5, using: &rng)
            let count = Int.random(in: 0...10, using: &rng)
            var times: [Int64] = []
            var t: Int64 = 0
            for _ in 0..<count {
                t += pick([0, 0, 0, 1, 1, 2, 3, 5, 10], &rng)
                times.append(t)
            }
            let density = Double.random(in: 0.1...0.7, using: &rng)
            let fills = times.map { _ in (0..<steps).map { _ in chance(density, &rng) } }
            let masks = fills.map { row in row.enumerated().reduce(UInt64(0)) { $0 | ($1.element ? 1 << UInt64($1.offset) : 0) } }
            let window: Int64? = chance(0.3, &rng) ? nil : Int64.random(in: 0...12, using: &rng)
            var matcher = FunnelMatcher(stepCount: steps, window: window)
            let got = matcher.match(CustomerEvents(customer: 1, times: times, masks: masks))
            let want = Reference.match(times: times, fills: fills, stepCount: steps, window: window)
            if got.level != want.level || got.positions != want.chain {
                mismatches += 1
                let message = "round \(round) (seed \(baseSeed)): steps \(steps) window \(window.map(String.init) ?? "none")"
                    + " times \(times) masks \(masks.map { String($0, radix: 2) }): engine \(got.level) \(got.positions),"
                    + " reference \(want.level) \(want.chain)"
                Issue.record(Comment(rawValue: message))
            }
        }
    }
}

/// The store gives back exactly what was generated: fields, property types, and import order as seq order.
private func expectRoundTrip(_ generated: GeneratedCase, events: [RawEvent],
                             customers: [String: [String: PropertyValue]], seed: UInt64) throws {
    try #require(events.count == generated.events.count, "seed \(seed): \(events.count) events stored, \(generated.events.count) written")
    for (stored, written) in zip(events.sorted { $0.seq < $1.seq }, generated.events) {
        var properties: [String: PropertyValue] = [:]
        if let a = written.amount { properties["amount"] = a.value }
        if let d = written.device { properties["device"] = .text(d) }
        let same = stored.customer == written.customer && stored.time == written.time && stored.stage == written.stage
            && stored.touchpoint == written.touchpoint && stored.channel == written.channel && stored.properties == properties
        if !same {
            Issue.record("seed \(seed): stored \(stored), written \(written)")
            return
        }
    }
    for c in generated.customers {
        var attributes: [String: PropertyValue] = [:]
        if let s = c.segment { attributes["segment"] = .text(s) }
        if let n = c.size { attributes["size"] = .number(Double(n)) }
        #expect(customers[c.id] == attributes, "seed \(seed): customer \(c.id)")
    }
}

// MARK: The full journey statement (SEMANTICS.md §4a)

/// Spreads customers over days, weeks and months (BY day/week/month, long windows, start ranges), keeping each
/// customer's events as generated.
private func spreadOverDays(_ generated: inout GeneratedCase, _ rng: inout SplitMix64) {
    var offset: [String: Int64] = [:]
    for id in Set(generated.events.map(\.customer)).sorted() {
        offset[id] = pick([0, 0, 0, 1, 2, 5, 6, 7, 13, 30, 31, 45] as [Int64], &rng) * 86_400_000
    }
    for i in generated.events.indices { generated.events[i].time += offset[generated.events[i].customer]! }
}

/// Gives some channels and devices the text "café" precomposed or decomposed: equal to Swift's `==`, two values
/// to SQL and to the language (grouping, SAME, comparisons are byte for byte).
private func mixNormalizationForms(_ generated: inout GeneratedCase, _ rng: inout SplitMix64) {
    let forms = ["caf\u{E9}", "cafe\u{301}"]
    for i in generated.events.indices {
        if chance(0.15, &rng) { generated.events[i].channel = pick(forms, &rng) }
        if chance(0.15, &rng) { generated.events[i].device = pick(forms, &rng) }
    }
}

/// Gives customers more events (copies of their own at nearby times, anywhere in the file), so chains have more
/// choices; a copy may fall just before 2024 (day, week and month keys across a year).
private func densify(_ generated: inout GeneratedCase, _ rng: inout SplitMix64) {
    for event in generated.events where chance(0.6, &rng) {
        var copy = event
        copy.time += pick([0, 0, 250, 1000, 5000, 60_000, -1000, -600_000] as [Int64], &rng)
        if chance(0.3, &rng) { copy.touchpoint = generated.events.randomElement(using: &rng)!.touchpoint }
        generated.events.insert(copy, at: Int.random(in: 0...generated.events.count, using: &rng))
    }
}

/// Adds many `page_view` events without a stage around each customer's own, so the journey's steps become rare and
/// the store serves the scan from its indexes rather than in clustered order.
private func addFiller(_ generated: inout GeneratedCase, _ rng: inout SplitMix64) {
    let channels = Array(Set(generated.events.compactMap(\.channel))).sorted()
    for (customer, own) in Dictionary(grouping: generated.events, by: \.customer).sorted(by: { $0.key < $1.key }) {
        let first = own.map(\.time).min()!, last = own.map(\.time).max()!
        for _ in 0..<Int.random(in: 80...120, using: &rng) {
            let time = first - 60_000 + Int64.random(in: 0...((last - first + 120_000) / 250), using: &rng) * 250
            generated.events.append(GeneratedEvent(
                customer: customer, time: time, stage: nil, touchpoint: "page_view",
                channel: chance(0.2, &rng) ? nil : pick(channels, &rng), amount: nil,
                device: chance(0.3, &rng) ? nil : pick(["mobile", "desktop"], &rng)))
        }
    }
    generated.events.shuffle(using: &rng)
}

/// Durations as written, with their length in milliseconds.
private let journeyDurations: [(text: String, ms: Int64)] = [
    ("0s", 0), ("500ms", 500), ("1s", 1000), ("1.5s", 1500), ("2 seconds", 2000), ("5s", 5000), ("10s", 10_000),
    ("1m", 60_000), ("2 minutes", 120_000), ("10m", 600_000), ("1 hour", 3_600_000), ("1d", 86_400_000),
    ("7 days", 7 * 86_400_000), ("30d", 30 * 86_400_000),
]

/// A random journey statement, with what the checker must make of its clauses (so the checker is tested too,
/// and the reference does not rest on it for anything but conditions).
private struct JourneyQuery {
    var steps: [String]
    var connectors: [String]
    /// The gap window written after step k, if any (never on the first or the last step).
    var gaps: [(text: String, ms: Int64)?]
    var optional: [Bool]
    /// Clauses after the steps, in order; `nil` marks where the WHERE clause goes.
    var clauses: [String?]
    var condition: String?
    /// `SET now = ...` run before the statement.
    var setNow: Int64?

    var window: Int64?
    var directly = false
    var strictTime = false
    var exclusions: [(from: Int, to: Int)] = []
    var same: EventField?
    var startBounds: TimeBounds?
    var breakdown: [BreakdownKey] = []
    var limit: Int?

    /// The statement; `customer` restricts it to one customer (to find who differs).
    func text(customer: String? = nil) -> String {
        var text = "FROM " + steps[0]
        for k in 1..<steps.count {
            text += connectors[k] + steps[k]
            if let gap = gaps[k] { text += " WITHIN " + gap.text }
        }
        // The WHERE with the customer restriction added, if either is present.
        var filter: String?
        switch (condition, customer) {
        case (let c?, let id?): filter = "(\(c)) AND customer = '\(id)'"
        case (let c?, nil): filter = c
        case (nil, let id?): filter = "customer = '\(id)'"
        case (nil, nil): filter = nil
        }
        for clause in clauses {
            if let clause {
                text += " " + clause
            } else if let where_ = filter {
                text += " WHERE " + where_
                filter = nil
            }
        }
        if let filter { text += " WHERE " + filter }
        return text
    }

    /// The full script: `SET now` first when the query fixes it.
    func script(customer: String? = nil) -> String {
        (setNow.map { "SET now = \(TimeParser.format($0)); " } ?? "") + text(customer: customer)
    }

    /// The differences between what the checker read and what was written, if any.
    func disagreements(with f: CheckedFunnel) -> [String] {
        var out: [String] = []
        func expect<T: Equatable>(_ what: String, _ got: T, _ want: T) {
            if got != want { out.append("\(what): checker \(got), written \(want)") }
        }
        expect("steps", f.steps.count, steps.count)
        guard f.steps.count == steps.count else { return out }
        expect("optional", f.steps.map(\.optional), optional)
        expect("gap windows", f.steps.map(\.gapWindow), gaps.map { $0?.ms })
        expect("window", f.window, window)
        expect("DIRECTLY", f.directly, directly)
        expect("STRICT TIME", f.strictTime, strictTime)
        // Clauses are shuffled after generation, so compare the exclusions' spans in any order.
        expect("EXCLUDING", f.exclusions.map { "\($0.from)-\($0.to)" }.sorted(), exclusions.map { "\($0.from)-\($0.to)" }.sorted())
        expect("SAME", f.same, same)
        expect("start", f.resolved(setNow: setNow, clock: 0).startBounds, startBounds)
        expect("BY", f.breakdown, breakdown)
        expect("LIMIT", f.limit, limit)
        return out
    }
}

/// A step-like target for EXCLUDING: a name, `touchpoint t`, `stage s`, `(a | b)`, rarely ANY, maybe with a filter.
private func randomExclusionTarget(_ catalog: StoreCatalog, _ rng: inout SplitMix64) -> String {
    let stages = catalog.stages.map(\.name), touchpoints = catalog.touchpoints.map(\.name)
    var target: String
    switch Int.random(in: 0..<10, using: &rng) {
    case 0: target = "ANY"
    case 1, 2: target = "touchpoint " + pick(touchpoints, &rng)
    case 3: target = "stage " + pick(stages, &rng)
    case 4: target = "(\(pick(touchpoints, &rng)) | stage \(pick(stages, &rng)))"
    default: target = pick(stages + touchpoints, &rng)
    }
    if chance(0.25, &rng) {
        target += "[" + pick(["channel = web", "amount > 3", "device = mobile", "channel IN (email, social)"], &rng) + "]"
    }
    return target
}

/// A time as a query writes it: the full instant, or (when `dateOnly`) the date alone, meaning its midnight.
private func timeLiteral(_ ms: Int64, dateOnly: Bool) -> (text: String, ms: Int64) {
    if dateOnly {
        let midnight = ms - ((ms % 86_400_000) + 86_400_000) % 86_400_000
        return (TimeParser.formatDate(midnight), midnight)
    }
    return (TimeParser.format(ms), ms)
}

/// A random journey over the store's values. With `narrowSteps`, no step is ANY or the filler's `page_view`
/// (the reference enumerates chains over the events each step matches).
private func randomJourneyQuery(_ catalog: StoreCatalog, events: [RawEvent], narrowSteps: Bool,
                                _ rng: inout SplitMix64) -> JourneyQuery {
    let count = Int.random(in: 2...4, using: &rng)
    var steps = (0..<count).map { _ in
        var step = randomStep(catalog, &rng)
        while narrowSteps, step.contains("ANY") || step.contains("page_view") { step = randomStep(catalog, &rng) }
        return step
    }
    var optional = Array(repeating: false, count: count)
    var gaps: [(text: String, ms: Int64)?] = Array(repeating: nil, count: count)
    for k in 1..<(count - 1) {
        if chance(0.35, &rng) {
            optional[k] = true
            steps[k] += "?"
        }
        if chance(0.25, &rng) { gaps[k] = pick(journeyDurations, &rng) }
    }
    var q = JourneyQuery(steps: steps, connectors: steps.map { _ in pick([" TO ", " THEN "], &rng) }, gaps: gaps,
                         optional: optional, clauses: [], condition: nil)
    var clauses: [String?] = []
    if chance(0.5, &rng) {
        let window = pick(journeyDurations, &rng)
        q.window = window.ms
        clauses.append("WITHIN " + window.text)
    }
    if chance(0.15, &rng) {
        q.directly = true
        clauses.append("DIRECTLY")
    }
    if chance(0.2, &rng) {
        q.strictTime = true
        clauses.append("STRICT TIME")
    }
    for _ in 0..<(chance(0.35, &rng) ? (chance(0.3, &rng) ? 2 : 1) : 0) {
        var clause = "EXCLUDING " + randomExclusionTarget(catalog, &rng)
        if chance(0.4, &rng) {
            let i = Int.random(in: 1..<count, using: &rng), j = Int.random(in: (i + 1)...count, using: &rng)
            // A step may also be named as written (without its `?`) when that names it alone.
            let written = steps.map { $0.hasSuffix("?") ? String($0.dropLast()) : $0 }
            func reference(_ n: Int) -> String {
                let text = written[n - 1]
                let bare = text != "ANY" && text.allSatisfy { $0.isLetter || $0 == "_" }
                    && written.filter { $0 == text }.count == 1
                return bare && chance(0.4, &rng) ? text : String(n)
            }
            clause += " BETWEEN \(reference(i)) AND \(reference(j))"
            q.exclusions.append((i - 1, j - 1))
        } else {
            q.exclusions.append((0, count - 1))
        }
        clauses.append(clause)
    }
    if chance(0.2, &rng) {
        let (text, field): (String, EventField) = pick([
            ("device", .property("device")), ("channel", .channel), ("amount", .property("amount")), ("stage", .stage),
            ("touchpoint", .touchpoint),
        ], &rng)
        q.same = field
        clauses.append("SAME " + text)
    }
    let latest = events.map(\.time).max() ?? t0
    if chance(0.25, &rng) {
        // Near the data: the latest event, give or take up to a day.
        q.setNow = latest + pick([-86_400_000, -3_600_000, -60_000, 0, 0, 60_000, 86_400_000] as [Int64], &rng)
    }
    if chance(0.3, &rng) {
        // Around some event's time, so the range cuts through the data.
        let anchor = (events.randomElement(using: &rng)?.time ?? t0) + Int64.random(in: -120...120, using: &rng) * 1000
        switch Int.random(in: 0..<(q.setNow == nil ? 3 : 4), using: &rng) {
        case 0:
            let lower = timeLiteral(anchor, dateOnly: chance(0.2, &rng))
            let span = pick([0, 1000, 60_000, 600_000, 86_400_000, 10 * 86_400_000] as [Int64], &rng)
            let dateOnly = chance(0.4, &rng)
            let upper = timeLiteral(anchor + span, dateOnly: dateOnly)
            clauses.append("DURING \(lower.text) .. \(upper.text)")
            // Inclusive; a date alone runs to the end of that day.
            q.startBounds = TimeBounds(lower: lower.ms, upper: dateOnly ? upper.ms + 86_400_000 : upper.ms + 1)
        case 1:
            let lower = timeLiteral(anchor, dateOnly: chance(0.3, &rng))
            clauses.append("SINCE " + lower.text)
            q.startBounds = TimeBounds(lower: lower.ms, upper: nil)
        case 2:
            let upper = timeLiteral(anchor, dateOnly: chance(0.3, &rng))
            clauses.append("BEFORE " + upper.text)
            q.startBounds = TimeBounds(lower: nil, upper: upper.ms)
        default:
            let span = pick(journeyDurations.filter { $0.ms > 0 }, &rng)
            clauses.append("LAST " + span.text)
            q.startBounds = TimeBounds(lower: q.setNow! - span.ms, upper: q.setNow! + 1)
        }
    }
    if chance(0.35, &rng) {
        q.condition = randomCondition(catalog, &rng)
        clauses.append(nil)
    }
    if chance(0.35, &rng) {
        let keys: [(String, BreakdownKey)] = [
            ("channel", .field(.channel)), ("channel", .field(.channel)), ("customer.segment", .field(.customerAttribute("segment"))),
            ("day", .startDay), ("week", .startWeek), ("month", .startMonth), ("device", .field(.property("device"))),
            ("stage", .field(.stage)), ("customer.size", .field(.customerAttribute("size"))), ("amount", .field(.property("amount"))),
        ]
        var chosen = [pick(keys, &rng)]
        if chance(0.3, &rng) {
            let second = pick(keys, &rng)
            if second.1 != chosen[0].1 { chosen.append(second) }
        }
        q.breakdown = chosen.map(\.1)
        clauses.append("BY " + chosen.map(\.0).joined(separator: ", "))
        if chance(0.3, &rng) {
            q.limit = Int.random(in: 1...3, using: &rng)
            clauses.append("LIMIT \(q.limit!)")
        }
    }
    if q.breakdown.isEmpty, chance(0.05, &rng) {
        // Without BY there is one group; LIMIT keeps it.
        q.limit = Int.random(in: 1...2, using: &rng)
        clauses.append("LIMIT \(q.limit!)")
    }
    q.clauses = clauses.shuffled(using: &rng)
    return q
}

/// The last result of running `script` through the whole engine; "now" is reset first, so only the script sets it.
private func engineResult(_ session: Session, _ script: String) throws(RunFailure) -> QueryResult? {
    session.now = nil
    var result: QueryResult?
    try session.run(SourceText(script)) { event in
        if case .result(let r) = event { result = r }
    }
    return result
}

private func show(_ rows: [[Cell]]) -> String {
    rows.map { row in
        "  " + row.map { cell -> String in
            switch cell {
            case .null: "-"
            case .int(let i): "\(i)"
            case .number(let d): "#\(d)"
            case .text(let s): "'\(s)'"
            case .percent(let d): "\(d)%"
            case .duration(let d): "\(d)ms"
            case .time(let t): TimeParser.format(t)
            }
        }.joined(separator: " | ")
    }.joined(separator: "\n")
}

/// Seed, query, both tables, and the customers whose own result differs (each run alone with `customer = '...'`).
private func journeyMismatchReport(seed: UInt64, query: JourneyQuery, funnel: CheckedFunnel, session: Session,
                                   expected: QueryResult, got: QueryResult, events: [RawEvent],
                                   customers: [String: [String: PropertyValue]]) -> String {
    var lines = ["seed \(seed) (JOURNEYQL_SEED=\(baseSeed))", "query: \(query.script())",
                 "columns:   \(expected.columns)", "engine columns: \(got.columns)",
                 "reference:\n\(show(expected.rows))", "engine:\n\(show(got.rows))"]
    if got.columns == expected.columns {
        let rows = min(got.rows.count, expected.rows.count)
        if let r = (0..<rows).first(where: { !zip(got.rows[$0], expected.rows[$0]).allSatisfy(Reference.cellsAgree) }),
           let c = got.rows[r].indices.first(where: { !Reference.cellsAgree(got.rows[r][$0], expected.rows[r][$0]) }) {
            lines.append("first difference: row \(r + 1), column \(expected.columns[c]): engine \(got.rows[r][c]),"
                         + " reference \(expected.rows[r][c])")
        } else if got.rows.count != expected.rows.count {
            lines.append("first difference: engine \(got.rows.count) rows, reference \(expected.rows.count)")
        }
    }
    let horizon = events.map(\.time).max()
    var shown = 0
    for (customer, own) in Dictionary(grouping: events, by: \.customer).sorted(by: { $0.key < $1.key }) where shown < 2 {
        let want = Reference.journey(funnel, events: own, customers: customers, horizon: horizon)
        let have = try? engineResult(session, query.script(customer: customer))
        if let have, have.columns == want.columns, Reference.rowsAgree(have.rows, want.rows) { continue }
        shown += 1
        let matched = Reference.journeyCustomer(funnel, customer: customer, events: own, customers: customers)
        lines.append("customer \(customer) alone: \(matched); attributes \(customers[customer] ?? [:])")
        lines.append("reference:\n\(show(want.rows))\nengine:\n\(have.map { show($0.rows) } ?? "(failed)")")
        lines.append("events in (time, seq) order (chains index the admitted ones):")
        lines += own.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }.map(describe)
    }
    if shown == 0 { lines.append("(every customer agrees alone: the difference is in grouping, ordering or the horizon)") }
    return lines.joined(separator: "\n")
}

extension DifferentialTests {
    /// Optional steps, gap windows, DIRECTLY, STRICT TIME, EXCLUDING, SAME, start ranges, BY and LIMIT against
    /// `Reference.journey`: every column of every row must match.
    @Test func randomFullJourneysThroughTheWholePipeline() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = 30, queriesPerCase = 30
        var failures = 0, queriesRun = 0
        // What the generated queries exercised, so a generator gone quiet is noticed.
        var reachedStep2 = 0, skipped = 0, inProgress = 0, grouped = 0, indexed = 0, pathsRanked = 0
        var painPoints = PainPointsDifferential.Coverage()
        var comparisons = CompareDifferential.Coverage()
        for caseIndex in 0..<cases where failures < 5 {
            let seed = baseSeed &+ 0x4A4F_5552 &+ UInt64(caseIndex) &* 0x9E37_79B9
            var rng = SplitMix64(seed: seed)
            var generated = generateCase(&rng)
            spreadOverDays(&generated, &rng)
            if chance(0.3, &rng) { mixNormalizationForms(&generated, &rng) }
            if chance(0.3, &rng) { densify(&generated, &rng) }
            let filler = caseIndex % 6 == 5
            if filler { addFiller(&generated, &rng) }
            let (session, events, customers) = try importCase(generated, caseIndex: caseIndex, into: directory,
                                                              seed: seed, &rng)
            let catalog = session.catalog()

            for _ in 0..<queriesPerCase where failures < 5 {
                let query = randomJourneyQuery(catalog, events: events, narrowSteps: filler, &rng)
                let source = SourceText(query.text())
                let parsed = Parser.parse(source)
                guard parsed.diagnostics.isEmpty, let statement = parsed.statements.first else {
                    Issue.record("seed \(seed): generated query does not parse: \(query.text()) \(parsed.diagnostics.map(\.id))")
                    failures += 1
                    continue
                }
                let checked = Checker.check(statement, catalog: catalog, source: source)
                guard case .funnel(let written)? = checked.statement else {
                    Issue.record("seed \(seed): generated query does not check: \(query.text()) \(checked.diagnostics.map(\.id))")
                    failures += 1
                    continue
                }
                let disagreements = query.disagreements(with: written)
                guard disagreements.isEmpty else {
                    Issue.record("seed \(seed): the checker misreads \(query.text()): \(disagreements)")
                    failures += 1
                    continue
                }
                let funnel = written.resolved(setNow: query.setNow, clock: 0)
                let expected = Reference.journey(funnel, events: events, customers: customers)
                if filler, let explained = try? session.store.explain(Planner(catalog: catalog).planFunnel(funnel).request),
                   explained.plan.contains(where: { $0.contains("INDEX") }) { indexed += 1 }
                // Both engines answer every query: the columnar copy (what queries use) and the SQLite scan.
                var answers: [(engine: Engine, result: QueryResult)] = []
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    defer { session.engine = .auto }
                    do {
                        guard let result = try engineResult(session, query.script()) else {
                            Issue.record("seed \(seed): no result from the \(engine) engine for \(query.script())")
                            continue
                        }
                        answers.append((engine, result))
                    } catch {
                        Issue.record("seed \(seed): the \(engine) engine failed on \(query.script()): \(error.rendered)")
                    }
                }
                guard answers.count == 2 else {
                    failures += 1
                    continue
                }
                queriesRun += 1
                let customersColumn = expected.columns.firstIndex(of: "customers")!
                let stepColumn = expected.columns.firstIndex(of: "step")!
                if expected.rows.contains(where: { $0[stepColumn] == .int(2) && $0[customersColumn] != .int(0) }) {
                    reachedStep2 += 1
                }
                if let took = expected.columns.firstIndex(of: "took"),
                   expected.rows.contains(where: { $0[took] != $0[customersColumn] }) { skipped += 1 }
                if let open = expected.columns.firstIndex(of: "in_progress"),
                   expected.rows.contains(where: { if case .int(let n) = $0[open] { n > 0 } else { false } }) { inProgress += 1 }
                if expected.rows.count > funnel.steps.count { grouped += 1 }

                // TIMES over the same journey: per group, the converters and the median and p90 of their time to
                // convert are the reference's last-step count (chains filling it) and times from the start.
                let timesScript = (query.setNow.map { "SET now = \(TimeParser.format($0)); " } ?? "") + "TIMES " + query.text()
                var timesResults: [QueryResult] = []
                do {
                    session.now = nil
                    try session.run(SourceText(timesScript)) { if case .result(let r) = $0 { timesResults.append(r) } }
                } catch {
                    Issue.record("seed \(seed): TIMES failed on \(timesScript): \(error.rendered)")
                    failures += 1
                }
                if timesResults.count == 2 {
                    let keys = funnel.breakdown.count
                    let step = expected.columns.firstIndex(of: "step")!
                    let filled = expected.columns.firstIndex(of: "took") ?? expected.columns.firstIndex(of: "customers")!
                    let median = expected.columns.firstIndex(of: "median_time_from_start")!
                    let p90 = expected.columns.firstIndex(of: "p90_time_from_start")!
                    let want = expected.rows.filter { $0[step] == .int(Int64(funnel.steps.count)) }
                        .map { Array($0[0..<keys]) + [$0[filled], $0[median], $0[p90]] }
                    let stats = timesResults[0]
                    let have = stats.rows.map { row -> [Cell] in
                        let at = { (name: String) in row[stats.columns.firstIndex(of: name)!] }
                        return Array(row[0..<keys]) + [at("converters"), at("median"), at("p90")]
                    }
                    if !Reference.rowsAgree(have, want) {
                        failures += 1
                        Issue.record("seed \(seed): \(timesScript)\nTIMES: \(have)\nreference: \(want)")
                    }
                    let histogramTotal = timesResults[1].rows.reduce(Int64(0)) { sum, row in
                        if case .int(let n) = row[keys + 1] { sum + n } else { sum }
                    }
                    let converters = stats.rows.reduce(Int64(0)) { sum, row in
                        if case .int(let n) = row[keys] { sum + n } else { sum }
                    }
                    if histogramTotal != converters {
                        failures += 1
                        Issue.record("seed \(seed): \(timesScript): the histogram holds \(histogramTotal) of \(converters) converters")
                    }
                } else if failures == 0 {
                    Issue.record("seed \(seed): TIMES gave \(timesResults.count) results")
                    failures += 1
                }
                // PATHS over the same journey (no BY; the reference knows §4a's order rules only), on both engines.
                if funnel.breakdown.isEmpty, !funnel.tiesAnyOrder, !funnel.anyOrder {
                    let want = Reference.paths(funnel, events: events, customers: customers)
                    let pathsScript = (query.setNow.map { "SET now = \(TimeParser.format($0)); " } ?? "") + "PATHS " + query.text()
                    for engine in [Engine.columnar, .sqlite] {
                        session.engine = engine
                        defer { session.engine = .auto }
                        session.now = nil
                        var have: [[Cell]] = []
                        do {
                            try session.run(SourceText(pathsScript)) { if case .result(let r) = $0 { have = r.rows.map { Array($0[0..<3]) } } }
                        } catch {
                            Issue.record("seed \(seed): PATHS failed on \(pathsScript): \(error.rendered)")
                        }
                        if have != want {
                            failures += 1
                            Issue.record("seed \(seed): \(engine) engine: \(pathsScript)\nPATHS: \(have)\nreference: \(want)")
                        }
                    }
                    if want.count > 1 { pathsRanked += 1 }
                }
                // DROPOFF and WHY over the same journey (PainPointsDifferentialTests.swift).
                if !funnel.tiesAnyOrder, !funnel.anyOrder {
                    failures += PainPointsDifferential.compare(
                        journey: query.text(), setNow: query.setNow, funnel: funnel, session: session, events: events,
                        customers: customers, seed: seed, variant: queriesRun, coverage: &painPoints)
                }
                // COMPARE over the same journey when it has BY (CompareDifferentialTests.swift).
                failures += CompareDifferential.compare(journey: query.text(), setNow: query.setNow, funnel: funnel,
                                                        table: expected, session: session, seed: seed, coverage: &comparisons)
                for (engine, got) in answers where got.columns != expected.columns || !Reference.rowsAgree(got.rows, expected.rows) {
                    failures += 1
                    session.engine = engine
                    defer { session.engine = .auto }
                    Issue.record(Comment(rawValue: "\(engine) engine: " + journeyMismatchReport(
                        seed: seed, query: query, funnel: funnel, session: session, expected: expected, got: got,
                        events: events, customers: customers)))
                }
            }
        }
        if failures == 0 {
            #expect(queriesRun == cases * queriesPerCase)
            #expect(reachedStep2 > queriesRun / 4, "only \(reachedStep2) of \(queriesRun) queries had anyone at step 2")
            #expect(skipped > queriesRun / 50, "only \(skipped) queries skipped an optional step")
            #expect(inProgress > queriesRun / 100, "only \(inProgress) queries had customers in progress")
            #expect(grouped > queriesRun / 20, "only \(grouped) queries had more than one group")
            #expect(indexed > 0, "no query was served from an index")
            #expect(pathsRanked > 5, "only \(pathsRanked) PATHS queries ranked more than one path")
        }
        if failures == 0 { PainPointsDifferential.expectCoverage(painPoints, queries: queriesRun) }
        if failures == 0 {
            #expect(comparisons.compared > queriesRun / 10 && comparisons.compared > comparisons.oneGroup * 2,
                    "COMPARE ran on \(comparisons.compared) journeys, \(comparisons.oneGroup) of one group")
        }
    }
}
