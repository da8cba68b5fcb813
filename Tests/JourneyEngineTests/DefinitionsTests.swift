// Definitions end to end: stored with the data and seen by later sessions, checked when made and on every use,
// cycles, DROP, SET STAGES, SET now, parameters, and SHOW's counts, on a small log worked out by hand.
import Foundation
import Testing
import JourneyEngine
import JourneyStore

// The log. u1's checkout is spelled with capitals (LIKE is case-sensitive); u3's refund carries the stage
// 'purchase', which the defined stage of that name then shadows.
//
//   customer  time              stage          event           channel  amount  device
//   u1        03-01 10:00       awareness      ad_click        social           mobile
//   u1        03-01 10:05                      Checkout_Start  web              mobile
//   u1        03-01 10:10                      order_paid      web      120     mobile
//   u2        03-02 09:00       awareness      ad_click        email            desktop
//   u2        03-02 09:30                      checkout_start  web
//   u2        03-02 10:00                      order_paid      web      30      desktop
//   u3        03-03 08:00       consideration  site_visit                       tablet
//   u3        03-03 08:10       purchase       refund          phone    n/a     tablet
private let events = """
    customer_id,timestamp,stage,event,channel,amount,device
    u1,2024-03-01T10:00:00Z,awareness,ad_click,social,,mobile
    u1,2024-03-01T10:05:00Z,,Checkout_Start,web,,mobile
    u1,2024-03-01T10:10:00Z,,order_paid,web,120,mobile
    u2,2024-03-02T09:00:00Z,awareness,ad_click,email,,desktop
    u2,2024-03-02T09:30:00Z,,checkout_start,web,,
    u2,2024-03-02T10:00:00Z,,order_paid,web,30,desktop
    u3,2024-03-03T08:00:00Z,consideration,site_visit,,,tablet
    u3,2024-03-03T08:10:00Z,purchase,refund,phone,n/a,tablet

    """

/// u4 has attributes and no events; u3 has events and no customers row.
private let customers = """
    customer_id,segment,size
    u1,b2b,40
    u2,b2c,
    u4,b2b,3

    """

private final class Store {
    let directory: URL
    let path: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-defs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("store.db").path
        let session = try Session(storePath: path, access: .create)
        let eventsPath = directory.appendingPathComponent("events.csv").path
        let customersPath = directory.appendingPathComponent("customers.csv").path
        try events.write(toFile: eventsPath, atomically: true, encoding: .utf8)
        try customers.write(toFile: customersPath, atomically: true, encoding: .utf8)
        _ = try session.importEvents([eventsPath], options: ImportOptions())
        _ = try session.importCustomers(customersPath, options: ImportOptions())
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A new session on the store, as a later process would open it.
    func session() throws -> Session { try Session(storePath: path, access: .create) }
}

private struct Outcome {
    var results: [QueryResult] = []
    var messages: [String] = []
    var diagnostics: [Diagnostic] = []
    var failure: RunFailure?

    var errorIDs: [String] { failure?.diagnostics.map(\.id) ?? [] }
}

private func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items.randomElement(using: &rng)! }

private func run(_ session: Session, _ text: String) -> Outcome {
    var outcome = Outcome()
    do {
        try session.run(SourceText(text)) { event in
            switch event {
            case .result(let r): outcome.results.append(r)
            case .message(let m): outcome.messages.append(m)
            case .diagnostic(let d, _): outcome.diagnostics.append(d)
            case .expectation: break
            }
        }
    } catch {
        outcome.failure = error
    }
    return outcome
}

/// The customers column of a one-result funnel.
private func customersPerStep(_ session: Session, _ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Int64] {
    let outcome = run(session, text)
    #expect(outcome.failure == nil, "\(outcome.failure?.rendered ?? "")", sourceLocation: sourceLocation)
    guard let result = outcome.results.first, let column = result.columns.firstIndex(of: "customers") else { return [] }
    return result.rows.map { if case .int(let n) = $0[column] { n } else { -1 } }
}

@Suite("Definitions")
struct DefinitionsTests {
    @Test func aDefinedStageIsStoredAndSeenByLaterSessions() throws {
        let store = try Store()
        let first = try store.session()
        let made = run(first, "DEFINE STAGE paid AS touchpoint IN (order_paid, checkout_complete)")
        #expect(made.failure == nil)
        #expect(made.messages == ["defined STAGE paid"])
        // A warning for the value no event has, shown when the definition is made.
        #expect(made.diagnostics.map(\.id) == ["check.unknown-value"])

        let later = try store.session()
        #expect(customersPerStep(later, "FROM ad_click TO paid") == [2, 2])
        #expect(customersPerStep(later, "FROM ad_click TO stage paid") == [2, 2])
        // Used again, the definition's warning is not repeated.
        #expect(run(later, "FROM ad_click TO paid").diagnostics.isEmpty)
        #expect(try later.definitions().entries == [.init(kind: .stage, name: "paid", text: "touchpoint IN (order_paid, checkout_complete)")])
        let stored = try #require(try later.store.metadata("definitions"))
        #expect(stored.contains("\"version\":1"))
        #expect(later.completions(prefix: "pa").contains("paid"))

        #expect(run(later, "DEFINE STAGE paid AS touchpoint = order_paid").messages == ["replaced STAGE paid"])
        #expect(run(later, "DROP STAGE paid").messages == ["dropped STAGE paid"])
        #expect(try store.session().definitions().entries.isEmpty)
        #expect(try later.store.metadata("definitions") == nil)
        #expect(run(later, "FROM ad_click TO paid").errorIDs == ["check.unknown-step"])
    }

    @Test func aDefinedStageShadowsTheDataAndMayExtendIt() throws {
        let session = try Store().session()
        // Inside its own definition `stage = purchase` is the data's stage: u3's refund plus both order_paid events.
        let made = run(session, "DEFINE STAGE purchase AS stage = purchase OR touchpoint = order_paid")
        #expect(made.failure == nil)
        #expect(made.diagnostics.map(\.id) == ["check.defined-stage-shadows"])
        let used = run(session, "FROM awareness TO purchase")
        #expect(used.diagnostics.map(\.id) == ["check.defined-stage-shadows"])
        #expect(customersPerStep(session, "FROM awareness TO purchase") == [2, 2])
        // `stage = purchase` elsewhere means the definition; `!=` its negation.
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE stage = purchase") == [3, 0])
        #expect(customersPerStep(session, "FROM site_visit TO ANY WHERE stage != purchase") == [1, 0])
        #expect(customersPerStep(session, "FROM ad_click TO ANY WHERE stage IN (purchase, awareness)") == [2, 2])

        let stages = try #require(run(session, "SHOW STAGES").results.first)
        #expect(stages.columns == ["order", "stage", "events", "definition"])
        #expect(stages.rows == [
            [.int(1), .text("awareness"), .int(2), .null],
            [.int(2), .text("consideration"), .int(1), .null],
            [.int(3), .text("purchase"), .int(3), .text("stage = purchase OR touchpoint = order_paid")],
        ])
    }

    @Test func likeIsCaseSensitive() throws {
        let session = try Store().session()
        #expect(customersPerStep(session, "FROM ad_click TO ANY[touchpoint LIKE 'checkout%']") == [2, 1])
        #expect(customersPerStep(session, "FROM ad_click TO ANY[touchpoint LIKE '_heckout\\_%' ESCAPE '\\']") == [2, 2])
        #expect(customersPerStep(session, "FROM ad_click TO ANY[touchpoint NOT LIKE 'checkout%' AND touchpoint NOT LIKE 'ad%']") == [2, 2])
        // A number never matches and never fails to match: u1's 120 and u2's 30 are unknown, u3's 'n/a' is text.
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE amount NOT LIKE '1%'") == [1, 0])
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE customer LIKE 'u_'") == [3, 3])
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE customer.segment LIKE 'b2%'") == [2, 2])
    }

    @Test func isNullAndBetween() throws {
        let session = try Store().session()
        // Missing device: only u2's checkout_start; missing channel: u3's site_visit.
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE device IS NULL OR channel IS NULL") == [2, 0])
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE customer.size IS NULL") == [2, 2])
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE customer.size IS NOT NULL") == [1, 1])
        #expect(customersPerStep(session, "FROM ad_click TO order_paid[amount BETWEEN 30 AND 120]") == [2, 2])
        #expect(customersPerStep(session, "FROM ad_click TO order_paid[amount BETWEEN 31 AND 120]") == [2, 1])
        #expect(customersPerStep(session, "FROM ad_click TO order_paid[amount NOT BETWEEN 31 AND 120]") == [2, 1])
        #expect(customersPerStep(session, "FROM ad_click TO ANY WHERE time BETWEEN 2024-03-01T10:00:00Z AND 2024-03-01T10:05:00Z") == [1, 1])
    }

    @Test func letConditionsAndSegments() throws {
        let session = try Store().session()
        #expect(run(session, "LET social = channel IN (social, email); LET big = amount > 100").failure == nil)
        #expect(customersPerStep(session, "FROM ad_click[social] TO order_paid") == [2, 2])
        #expect(customersPerStep(session, "FROM ad_click TO order_paid[big]") == [2, 1])
        #expect(customersPerStep(session, "FROM ad_click TO order_paid WHERE social OR big") == [2, 1])

        #expect(run(session, "SEGMENT b2b AS customer.segment = b2b").messages == ["defined SEGMENT b2b"])
        let segment = run(session, "SEGMENT mobile AS device = mobile")
        #expect(segment.errorIDs == ["check.segment-field"])
        // A LET over customer attributes may be used by a segment; one over events may not, and says where.
        #expect(run(session, "LET large = customer.size >= 10; SEGMENT large_b2b AS b2b_like AND large").errorIDs == ["check.unknown-condition"])
        #expect(run(session, "SEGMENT large_b2b AS customer.segment = b2b AND large").failure == nil)
        let viaLet = run(session, "SEGMENT big_spenders AS big")
        #expect(viaLet.errorIDs == ["check.segment-field"])
        #expect(viaLet.failure?.diagnostics.first?.origin?.name == "LET big")

        let segments = try #require(run(session, "SHOW SEGMENTS").results.first)
        #expect(segments.columns == ["segment", "customers", "events", "definition"])
        // b2b: u1 and u4 (no events); u1 has 3 events. large_b2b: u1 only.
        #expect(segments.rows == [
            [.text("b2b"), .int(2), .int(3), .text("customer.segment = b2b")],
            [.text("large_b2b"), .int(1), .int(3), .text("customer.segment = b2b AND large")],
        ])
        let all = try #require(run(session, "SHOW DEFINITIONS").results.first)
        #expect(all.columns == ["kind", "name", "definition", "events", "customers"])
        #expect(all.rows.map { $0.prefix(2) } == [
            [.text("LET"), .text("social")], [.text("LET"), .text("big")], [.text("SEGMENT"), .text("b2b")],
            [.text("LET"), .text("large")], [.text("SEGMENT"), .text("large_b2b")],
        ])
        // social: u1's ad_click (social) and u2's (email); big: u1's 120.
        #expect(all.rows.map { Array($0.suffix(2)) } == [
            [.int(2), .int(2)], [.int(1), .int(1)], [.int(3), .int(2)], [.int(3), .int(1)], [.int(3), .int(1)],
        ])
    }

    @Test func cyclesAreErrorsAndNothingIsStored() throws {
        let session = try Store().session()
        #expect(run(session, "LET a = b").errorIDs == ["check.unknown-condition"])
        #expect(run(session, "LET a = a").errorIDs == ["check.definition-cycle"])
        #expect(run(session, "LET a = amount > 1; LET b = a AND device = mobile").failure == nil)
        let cycle = run(session, "LET a = b OR channel = web")
        #expect(cycle.errorIDs == ["check.definition-cycle"])
        #expect(cycle.failure?.diagnostics.first?.message.contains("LET a → LET b → LET a") == true)
        #expect(try session.definitions().entry(.condition, "a")?.text == "amount > 1")
        #expect(run(session, "DEFINE STAGE x AS stage = y; DEFINE STAGE y AS stage = x").errorIDs == ["check.definition-cycle"])
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE b") == [1, 0])
    }

    @Test func dropWarnsAboutUsersAndUsersFailLater() throws {
        let session = try Store().session()
        #expect(run(session, "LET a = amount > 1; LET b = a AND device = mobile").failure == nil)
        let unknown = run(session, "DROP LET c")
        #expect(unknown.errorIDs == ["check.unknown-definition"])
        #expect(unknown.failure?.diagnostics.first?.suggestion == "did you mean 'a' or 'b'?")
        #expect(run(session, "DROP SEGMENT a").failure?.diagnostics.first?.notes == ["there is a LET a"])
        let dropped = run(session, "DROP LET a")
        #expect(dropped.diagnostics.map(\.id) == ["check.dropped-in-use"])
        #expect(dropped.messages == ["dropped LET a"])
        let broken = run(session, "FROM ad_click TO ANY WHERE b")
        #expect(broken.errorIDs == ["check.unknown-condition"])
        #expect(broken.failure?.diagnostics.first?.origin == DiagnosticOrigin(name: "LET b", text: "a AND device = mobile"))
        #expect(broken.failure?.rendered.contains("--> LET b:1:1") == true)
        let show = try #require(run(session, "SHOW DEFINITIONS").results.first)
        #expect(show.rows == [[.text("LET"), .text("b"), .text("a AND device = mobile"), .null, .null]])
        #expect(show.notes == ["LET b cannot be counted now: no condition is defined with the name 'a'"])
    }

    @Test func parametersAreBoundWhereADefinitionIsUsed() throws {
        let session = try Store().session()
        #expect(run(session, "LET recent = time >= $since").failure == nil)
        let unbound = run(session, "FROM ANY TO ANY WHERE recent")
        #expect(unbound.errorIDs == ["check.unbound-parameter"])
        #expect(unbound.failure?.diagnostics.first?.origin?.name == "LET recent")
        session.parameters["since"] = "2024-03-02"
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE recent") == [2, 2])
        session.parameters["since"] = "2024-03-03"
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE recent") == [1, 1])
    }

    @Test func stageOrderAndNow() throws {
        let store = try Store()
        let session = try store.session()
        #expect(run(session, "SET STAGES consideration, awarenes").errorIDs == ["check.unknown-stage"])
        #expect(run(session, "SET STAGES consideration, consideration").errorIDs == ["check.duplicate-stage"])
        #expect(run(session, "SET STAGES 'a,b', ' awareness'").errorIDs == ["check.bad-stage-name", "check.bad-stage-name"])
        let set = run(session, "SET STAGES consideration, awareness")
        #expect(set.messages == ["stage order: consideration, awareness"])
        #expect(set.diagnostics.map(\.id) == ["check.unordered-stages"])
        #expect(try store.session().catalog().stageOrder == ["consideration", "awareness"])
        let stages = try #require(run(try store.session(), "SHOW STAGES").results.first)
        #expect(stages.rows.map { $0.prefix(2) } == [[.int(1), .text("consideration")], [.int(2), .text("awareness")],
                                                      [.null, .text("purchase")]])

        #expect(run(session, "SET now = 2024-06-30").messages == ["now is 2024-06-30T00:00:00Z in this session"])
        #expect(session.now == 1_719_705_600_000)
        #expect(try store.session().now == nil)
        session.parameters["today"] = "2024-07-01T12:00:00Z"
        #expect(run(session, "SET now = $today").failure == nil)
        #expect(session.now == 1_719_835_200_000)
        #expect(run(session, "SET now = NULL").messages == ["now is the clock's time again"])
        #expect(session.now == nil)
        #expect(run(session, "SET now = soon").errorIDs == ["check.bad-time"])
    }

    @Test func unreadableStoredDefinitionsAreAnError() throws {
        let session = try Store().session()
        try session.store.setMetadata("definitions", "{not json")
        let outcome = run(session, "SHOW STAGES")
        #expect(outcome.failure?.exitCode == 65)
        #expect(outcome.failure?.rendered.contains("definitions") == true)
    }

    /// Random statements from the pieces of conditions and definitions, run whole (checker, planner, store):
    /// nothing traps, every diagnostic renders against its text, and the stored definitions stay readable.
    @Test func randomDefinitionSoupNeverTraps() throws {
        let session = try Store().session()
        var rng = SplitMix64(seed: 0xDEF5)
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        let starts = ["LET a =", "LET b =", "LET a AS", "DEFINE STAGE purchase AS", "DEFINE STAGE hot AS",
                      "SEGMENT s AS", "SEGMENT t =", "DROP LET a", "DROP STAGE hot", "DROP SEGMENT s", "SET STAGES",
                      "SET now =", "SHOW DEFINITIONS", "SHOW STAGES", "SHOW SEGMENTS", "FROM ad_click TO order_paid WHERE",
                      "FROM ANY TO hot[", "FROM ANY TO purchase FOR s WHERE", "EXPLAIN FROM ANY TO ANY WHERE"]
        let pieces = ["a", "b", "s", "hot", "purchase", "stage", "=", "!=", "<", "LIKE", "NOT", "IS", "NULL", "BETWEEN",
                      "AND", "OR", "ESCAPE", "'x%'", "'!'", "'_'", "1", "120", "amount", "device", "customer.segment",
                      "customer", "time", "2024-03-02", "$since", "(", ")", "]", ",", "IN", "awareness", "mobile"]
        let atoms = ["a", "b", "s", "amount > 1", "device LIKE 'mob%'", "device NOT LIKE '_'", "amount IS NULL",
                     "customer.segment IS NOT NULL", "customer.segment LIKE 'b%' ESCAPE '!'", "amount BETWEEN 1 AND 120",
                     "time NOT BETWEEN 2024-03-02 AND $since", "stage = purchase", "stage != hot", "stage IN (purchase, x)",
                     "customer LIKE 'u%'", "channel IS NULL", "device = null", "time IS NULL", "touchpoint LIKE 'x!'"]
        func condition(_ depth: Int) -> String {
            switch depth < 2 ? Int.random(in: 0..<5, using: &rng) : 0 {
            case 1: return "NOT " + condition(depth + 1)
            case 2: return "(" + condition(depth + 1) + " AND " + condition(depth + 1) + ")"
            case 3: return "(" + condition(depth + 1) + " OR " + condition(depth + 1) + ")"
            default: return pick(atoms, &rng)
            }
        }
        var succeeded = 0
        for _ in 0..<1500 {
            if chance(0.3) { session.parameters["since"] = "2024-03-03" } else { session.parameters = [:] }
            let tail = chance(0.8) ? condition(0)
                : (0..<Int.random(in: 0...8, using: &rng)).map { _ in pick(pieces, &rng) }.joined(separator: " ")
            var text = pick(starts, &rng) + " " + tail
            if text.hasPrefix("FROM ANY TO hot[") { text += "]" }
            let outcome = run(session, text)
            for d in (outcome.failure?.diagnostics ?? []) + outcome.diagnostics {
                _ = DiagnosticRenderer.render(d, in: SourceText(text))
                let bound = d.origin.map { $0.text.utf8.count } ?? text.utf8.count
                #expect(d.range.start >= 0 && d.range.end <= bound, "\(text): \(d.id)")
            }
            #expect(outcome.failure?.exitCode != 70, "\(text): \(outcome.failure?.rendered ?? "")")
            _ = try session.definitions()
            if outcome.failure == nil { succeeded += 1 }
        }
        // The soup must mostly make sense, or it tests only the parser's error paths.
        #expect(succeeded > 300, "only \(succeeded) of 1500 statements ran")
    }

    @Test func hugeExpansionsAreRefusedNotRun() throws {
        let session = try Store().session()
        var script = "LET d0 = amount > 1"
        for i in 1...20 { script += "; LET d\(i) = d\(i - 1) OR d\(i - 1)" }
        let outcome = run(session, script)
        // d15 has 2^16 - 1 nodes, d16 twice that: over the limit of 100,000.
        #expect(outcome.errorIDs == ["check.definition-too-large"])
        #expect(try session.definitions().names(.condition).count == 16)
        // The planner drops repeated terms, so d15 runs as amount > 1: both order_paid events.
        #expect(customersPerStep(session, "FROM ANY TO ANY WHERE d15") == [2, 0])
    }
}
