// CUSTOMERS, behavioural segments and SHOW CUSTOMER: differential tests against the brute-force reference
// (ReferenceCustomers.swift) on thousands of random journeys on both engines, a segment made from behaviour giving
// the same numbers as FOR with the equivalent explicit list, and failing SEGMENTs leaving the definitions as they were.
import Foundation
import JourneyEngine
import JourneyStore
import Testing

private let customersSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_261_205

/// A small random store: customers c0 ... with a few events each over a few days, many ties, some attributes.
private struct RandomStore {
    let directory: URL
    let session: Session
    let events: [RawEvent]
    let customers: [String: [String: PropertyValue]]

    static let stages = ["awareness", "consideration", "cart", "purchase"]
    static let touchpoints = ["ad_click", "site_visit", "email_open", "checkout"]
    static let channels = ["web", "email", "social"]

    init(_ rng: inout SplitMix64, index: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-customers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let t0: Int64 = 1_704_067_200_000  // 2024-01-01
        var lines = ["customer_id,timestamp,stage,touchpoint,channel,amount"]
        var attributes = ["customer_id,segment"]
        for c in 0..<Int.random(in: 3...30, using: &rng) {
            // Times on a coarse grid, so ties are common.
            let count = Int.random(in: 0...9, using: &rng)
            var times = (0..<count).map { _ in t0 + Int64.random(in: 0...40, using: &rng) * 3_600_000 * Int64.random(in: 1...3, using: &rng) }
            times.shuffle(using: &rng)  // import order is not time order
            for t in times {
                let stage = Bool.random(using: &rng) ? Self.stages.randomElement(using: &rng)! : ""
                lines.append("c\(c),\(TimeParser.format(t)),\(stage),\(Self.touchpoints.randomElement(using: &rng)!),"
                             + "\(Self.channels.randomElement(using: &rng)!),\(Int.random(in: 1...9, using: &rng))")
            }
            if Bool.random(using: &rng) { attributes.append("c\(c),\(Bool.random(using: &rng) ? "b2b" : "b2c")") }
        }
        let eventsPath = directory.appendingPathComponent("e.csv").path
        let customersPath = directory.appendingPathComponent("c.csv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: eventsPath, atomically: true, encoding: .utf8)
        try (attributes.joined(separator: "\n") + "\n").write(toFile: customersPath, atomically: true, encoding: .utf8)
        session = try Session(storePath: directory.appendingPathComponent("s\(index).db").path, access: .create)
        if lines.count > 1 { _ = try session.importEvents([eventsPath], options: ImportOptions()) }
        _ = try session.importCustomers(customersPath, options: ImportOptions())
        events = try session.store.rawEvents()
        customers = try session.store.rawCustomers()
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// A random journey (2 to 4 steps, maybe optional steps, a window, EXCLUDING, WHERE, STRICT TIME, a start range).
    func randomJourney(_ rng: inout SplitMix64) -> String {
        // Only names the store has (an unknown step is an error); a store without events gets the fixed names.
        let catalog = session.catalog()
        var names = catalog.stages.map(\.name) + catalog.touchpoints.map(\.name)
        if names.isEmpty { names = Self.touchpoints }
        let count = Int.random(in: 2...4, using: &rng)
        var text = "FROM " + names.randomElement(using: &rng)!
        for k in 1..<count {
            text += " TO " + names.randomElement(using: &rng)!
            if k < count - 1, Int.random(in: 0..<4, using: &rng) == 0 { text += "?" }
        }
        if Bool.random(using: &rng) { text += " WITHIN " + ["1 hour", "1 day", "3 days", "10 days"].randomElement(using: &rng)! }
        if Int.random(in: 0..<5, using: &rng) == 0, let excluded = catalog.touchpoints.map(\.name).randomElement(using: &rng) {
            text += " EXCLUDING touchpoint " + excluded
        }
        if Int.random(in: 0..<5, using: &rng) == 0 { text += " WHERE channel != email" }
        if Int.random(in: 0..<6, using: &rng) == 0 { text += " STRICT TIME" }
        if Int.random(in: 0..<6, using: &rng) == 0 { text += " SINCE 2024-01-03" }
        return text
    }

    /// A random pick for a journey of `steps` steps, as written.
    static func randomPick(steps: Int, _ rng: inout SplitMix64) -> String {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: ""
        case 1: " AT \(Int.random(in: 1...steps, using: &rng))"
        case 2: " LOST AT \(Int.random(in: 1..<steps, using: &rng))"
        case 3: " LOST"
        case 4: " CONVERTED"
        default: " IN PROGRESS"
        }
    }
}

/// The results of running `script` (now reset first, so only the script sets it).
private func results(_ session: Session, _ script: String) throws(RunFailure) -> [QueryResult] {
    session.now = nil
    var out: [QueryResult] = []
    try session.run(SourceText(script)) { if case .result(let r) = $0 { out.append(r) } }
    return out
}

/// The checked CUSTOMERS statement of `text`, with now resolved as a run would.
private func checkedCustomers(_ text: String, _ session: Session, setNow: Int64?) -> CheckedCustomers? {
    let source = SourceText(text)
    guard let statement = Parser.parse(source).statements.first,
          case .customers(let c)? = Checker.check(statement, catalog: session.catalog(), source: source,
                                                  definitions: (try? session.definitions()) ?? Definitions()).statement
    else { return nil }
    return c.resolved(setNow: setNow, clock: 0)
}

@Suite("Customers behind the numbers")
struct CustomersTests {
    /// Random journeys, picks, orders, limits and SET now: every row equals the reference's, on both engines.
    @Test func customerListsAgreeWithTheReference() throws {
        var rng = SplitMix64(seed: customersSeed)
        var compared = 0, nonEmpty = 0, inProgress = 0, lost = 0, failures = 0
        for index in 0..<40 where failures < 5 {
            let store = try RandomStore(&rng, index: index)
            defer { store.remove() }
            for _ in 0..<60 where failures < 5 {
                let journey = store.randomJourney(&rng)
                let steps = journey.components(separatedBy: " TO ").count
                var text = "CUSTOMERS " + journey + RandomStore.randomPick(steps: steps, &rng)
                if Bool.random(using: &rng) {
                    text += " ORDER BY " + ["start", "reached", "customer"].randomElement(using: &rng)!
                    if Bool.random(using: &rng) { text += " DESC" }
                }
                if Int.random(in: 0..<4, using: &rng) == 0 { text += " LIMIT \(Int.random(in: 0...5, using: &rng))" }
                let setNow: Int64? = Int.random(in: 0..<3, using: &rng) == 0
                    ? 1_704_067_200_000 + Int64.random(in: 0...120, using: &rng) * 3_600_000 : nil
                let script = (setNow.map { "SET now = \(TimeParser.format($0)); " } ?? "") + text
                guard let checked = checkedCustomers(text, store.session, setNow: setNow) else {
                    Issue.record("does not check: \(text)")
                    failures += 1
                    continue
                }
                let listed = Reference.customers(checked.funnel, pick: checked.pick, order: checked.order,
                                                 descending: checked.descending, events: store.events,
                                                 customers: store.customers)
                let want = Reference.customerRows(listed, checked.funnel)
                for engine in [Engine.columnar, .sqlite] {
                    store.session.engine = engine
                    defer { store.session.engine = .auto }
                    let got = try results(store.session, script).last
                    if got?.columns != ["customer", "start", "step", "step_name", "reached", "status"] || got?.rows != want {
                        failures += 1
                        Issue.record("\(engine) engine: \(script)\nengine: \(got?.rows ?? [])\nreference: \(want)")
                    }
                }
                compared += 1
                if !want.isEmpty { nonEmpty += 1 }
                if listed.contains(where: { $0.status == "in progress" }) { inProgress += 1 }
                if listed.contains(where: { $0.status == "lost" }) { lost += 1 }
            }
        }
        #expect(compared == 40 * 60)
        // The generator must reach every kind of customer, or the comparison proves little.
        #expect(nonEmpty > compared / 3, "only \(nonEmpty) of \(compared) lists had anyone")
        #expect(inProgress > compared / 50, "only \(inProgress) lists had customers in progress")
        #expect(lost > compared / 10, "only \(lost) lists had lost customers")
    }

    /// A segment made from behaviour gives the same numbers as FOR with the explicit list of its customers (an
    /// attribute segment `customer IN (...)`), and that list is the reference's.
    @Test func behaviouralSegmentEqualsTheExplicitList() throws {
        var rng = SplitMix64(seed: customersSeed &+ 1)
        var compared = 0, nonEmpty = 0, failures = 0
        for index in 0..<25 where failures < 5 {
            let store = try RandomStore(&rng, index: index)
            defer { store.remove() }
            for round in 0..<12 where failures < 5 {
                let journey = store.randomJourney(&rng)
                var pick = RandomStore.randomPick(steps: journey.components(separatedBy: " TO ").count, &rng)
                // Sometimes only the first few of the list: the segment is what CUSTOMERS lists, LIMIT included.
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    pick += " ORDER BY " + ["start", "reached", "customer"].randomElement(using: &rng)!
                        + (Bool.random(using: &rng) ? " DESC" : "") + " LIMIT \(Int.random(in: 0...4, using: &rng))"
                }
                let segment = "seg\(round)"
                guard let checked = checkedCustomers("CUSTOMERS " + journey + pick, store.session, setNow: nil) else {
                    Issue.record("does not check: \(journey + pick)")
                    failures += 1
                    continue
                }
                let members = Reference.customers(checked.funnel, pick: checked.pick, order: checked.order,
                                                  descending: checked.descending, events: store.events,
                                                  customers: store.customers).map(\.customer)
                let list = members.isEmpty ? "customer = 'nobody'" : "customer IN (\(members.map { "'\($0)'" }.joined(separator: ", ")))"
                _ = try results(store.session, "SEGMENT \(segment) AS CUSTOMERS \(journey)\(pick); SEGMENT list\(round) AS \(list)")
                let outer = store.randomJourney(&rng)
                // Every statement that takes a journey keeps the segment's customers, those that plan their scan
                // themselves (DROPOFF, WHY) included; one the journey's clauses do not suit fails alike both ways.
                func rows(_ text: String) -> String {
                    (try? results(store.session, text).map(\.rows)).map { "\($0)" } ?? "refused"
                }
                for statement in ["", "TIMES ", "CUSTOMERS ", "DROPOFF ", "WHY ", "PATHS "] {
                    for engine in [Engine.columnar, .sqlite] {
                        store.session.engine = engine
                        defer { store.session.engine = .auto }
                        let viaBehaviour = rows("\(statement)\(outer) FOR \(segment)")
                        let viaList = rows("\(statement)\(outer) FOR list\(round)")
                        if viaBehaviour != viaList {
                            failures += 1
                            Issue.record("\(engine): \(statement)\(outer) FOR \(segment) (\(journey)\(pick)):\n\(viaBehaviour)\nlist: \(viaList)")
                        }
                    }
                }
                // The segment's own listing is the reference's members.
                let listed = try results(store.session, "CUSTOMERS \(outer) FOR \(segment) ORDER BY customer").last?.rows ?? []
                let outerMembers = Set(members)
                if !listed.allSatisfy({ if case .text(let id) = $0[0] { outerMembers.contains(id) } else { false } }) {
                    failures += 1
                    Issue.record("CUSTOMERS \(outer) FOR \(segment) lists someone outside the segment: \(listed)")
                }
                compared += 1
                if !members.isEmpty { nonEmpty += 1 }
            }
        }
        #expect(compared == 25 * 12)
        #expect(nonEmpty > compared / 3, "only \(nonEmpty) of \(compared) segments had anyone")
    }

    /// A SEGMENT that fails (a cycle, a taken name, a bad pick, an unknown step, a parse error) stores nothing:
    /// the stored definitions are byte for byte what they were.
    @Test func aFailingSegmentLeavesTheDefinitionsAsTheyWere() throws {
        var rng = SplitMix64(seed: customersSeed &+ 2)
        let store = try RandomStore(&rng, index: 0)
        defer { store.remove() }
        _ = try results(store.session, """
            LET webby = channel = web; SEGMENT a AS CUSTOMERS FROM awareness TO purchase LOST;
            SEGMENT b AS CUSTOMERS FROM ad_click TO checkout FOR a; SEGMENT b2b AS customer.segment = 'b2b'
            """)
        let before = try #require(try store.session.store.metadata(Definitions.metadataKey))
        let failing: [(String, DiagnosticID)] = [
            ("SEGMENT a AS CUSTOMERS FROM ad_click TO checkout FOR a", .checkDefinitionCycle),
            ("SEGMENT a AS CUSTOMERS FROM ad_click TO checkout FOR b", .checkDefinitionCycle),
            ("SEGMENT webby AS CUSTOMERS FROM ad_click TO checkout", .checkNameTaken),
            ("SEGMENT c AS CUSTOMERS FROM ad_click TO checkout AT 0", .checkCustomerPick),
            ("SEGMENT c AS CUSTOMERS FROM ad_click TO checkout LOST AT 2", .checkCustomerPick),
            ("SEGMENT a AS CUSTOMERS FROM ad_clik TO checkout", .checkUnknownStep),
            ("SEGMENT a AS CUSTOMERS FROM ad_click TO checkout FOR nobody", .checkUnknownSegment),
            ("SEGMENT a AS CUSTOMERS FROM ad_click TO checkout BY channel", .checkCustomersBy),
            ("SEGMENT a AS CUSTOMERS FROM ad_click TO checkout LOST LOST", .parseDuplicateClause),
            ("SEGMENT a AS CUSTOMERS ad_click TO checkout", .parseExpected),
        ]
        for (statement, id) in failing {
            do {
                _ = try results(store.session, statement)
                Issue.record("\(statement) did not fail")
            } catch {
                #expect(error.diagnostics.first?.id == id.rawValue, "\(statement): \(error.rendered)")
            }
            #expect(try store.session.store.metadata(Definitions.metadataKey) == before, "\(statement)")
        }
        // Redefining a segment replaces it, whichever form either has (as SEGMENT always did).
        var messages: [String] = []
        try store.session.run(SourceText("SEGMENT b2b AS CUSTOMERS FROM ad_click TO checkout CONVERTED")) {
            if case .message(let m) = $0 { messages.append(m) }
        }
        #expect(messages == ["replaced SEGMENT b2b"])
    }

    /// Located errors: AT 0, LOST AT the last step, BY, an unknown customer with a suggestion.
    @Test func badInputIsLocated() throws {
        var rng = SplitMix64(seed: customersSeed &+ 3)
        let store = try RandomStore(&rng, index: 0)
        defer { store.remove() }
        let cases: [(String, DiagnosticID, String)] = [
            ("CUSTOMERS FROM awareness TO purchase AT 0", .checkCustomerPick, "0"),
            ("CUSTOMERS FROM awareness TO purchase AT 3", .checkCustomerPick, "3"),
            ("CUSTOMERS FROM awareness TO purchase LOST AT 2", .checkCustomerPick, "2"),
            ("CUSTOMERS FROM awareness TO purchase BY channel", .checkCustomersBy, "channel"),
            ("CUSTOMERS FROM awareness TO purchase ORDER BY time", .parseExpected, "time"),
            ("CUSTOMERS awareness TO purchase", .parseExpected, "awareness"),
            ("SHOW CUSTOMER c999", .checkUnknownCustomer, "c999"),
        ]
        for (text, id, at) in cases {
            do {
                _ = try results(store.session, text)
                Issue.record("\(text) did not fail")
            } catch {
                let d = error.diagnostics.first
                #expect(d?.id == id.rawValue, "\(text): \(error.rendered)")
                if let d { #expect(SourceText(text).slice(d.range) == at, "\(text): \(error.rendered)") }
            }
        }
        do {
            _ = try results(store.session, "SHOW CUSTOMER c01")
        } catch {
            #expect(error.diagnostics.first?.suggestion?.contains("'c0'") == true || error.diagnostics.first?.suggestion?.contains("'c1'") == true,
                    "\(error.rendered)")
        }
    }

    /// SHOW CUSTOMER lists every event of the customer with every property, in (time, import order) order.
    @Test func showCustomerIsTheWholeTimeline() throws {
        var rng = SplitMix64(seed: customersSeed &+ 4)
        for index in 0..<10 {
            let store = try RandomStore(&rng, index: index)
            defer { store.remove() }
            for (id, events) in Dictionary(grouping: store.events, by: \.customer) {
                let result = try #require(try results(store.session, "SHOW CUSTOMER '\(id)'").first)
                #expect(Array(result.columns.prefix(4)) == ["time", "stage", "touchpoint", "channel"])
                let amount = result.columns.firstIndex(of: "amount")
                let ordered = events.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
                let want: [[Cell]] = ordered.map { e in
                    [.time(e.time), e.stage.map(Cell.text) ?? .null, e.touchpoint.map(Cell.text) ?? .null,
                     e.channel.map(Cell.text) ?? .null,
                     { if case .number(let d)? = e.properties["amount"] { .number(d) } else { .null } }()]
                }
                let got = result.rows.map { row in Array(row.prefix(4)) + [amount.map { row[$0] } ?? .null] }
                #expect(got == want, "SHOW CUSTOMER \(id)")
                if let segment = store.customers[id]?["segment"], case .text(let s) = segment {
                    let column = try #require(result.columns.firstIndex(of: "customer.segment"))
                    #expect(result.rows.allSatisfy { $0[column] == .text(s) })
                }
            }
        }
    }

    /// TIES ANY ORDER and IN ANY ORDER: random customers whose few events share a few minutes; every listed
    /// customer's start, deepest step, time reached and status equal the brute force's (OrderModeReference).
    @Test(arguments: [" TIES ANY ORDER", " IN ANY ORDER"])
    func orderModesAgreeWithBruteForce(_ clause: String) throws {
        var rng = SplitMix64(seed: customersSeed &+ (clause.contains("TIES") ? 5 : 6))
        let stages = ["a", "b", "c"]
        var compared = 0, nonEmpty = 0, open = 0
        for round in 0..<20 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jq-cust-modes-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var byCustomer: [String: [(time: Int64, stage: String)]] = [:]
            var csv = "customer_id,timestamp,stage,touchpoint\n"
            for c in 0..<30 {
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    let minute = Int64.random(in: 0...3, using: &rng), stage = stages.randomElement(using: &rng)!
                    byCustomer["c\(c)", default: []].append((minute * 60_000, stage))
                    csv += "c\(c),2024-01-01T00:0\(minute):00Z,\(stage),t\n"
                }
            }
            let file = directory.appendingPathComponent("e.csv")
            try csv.write(to: file, atomically: true, encoding: .utf8)
            let session = try Session(storePath: directory.appendingPathComponent("s\(round).db").path, access: .create)
            _ = try session.importEvents([file.path], options: ImportOptions())
            let horizon = byCustomer.values.flatMap { $0.map(\.time) }.max()! + 1_704_067_200_000
            for _ in 0..<10 {
                let steps = (0..<Int.random(in: 2...3, using: &rng)).map { _ in stages.randomElement(using: &rng)! }
                let window: Int64? = Bool.random(using: &rng) ? nil : Int64.random(in: 0...3, using: &rng) * 60_000
                let pick = RandomStore.randomPick(steps: steps.count, &rng)
                let text = "CUSTOMERS FROM " + steps.joined(separator: " TO ") + (window.map { " WITHIN \($0 / 1000)s" } ?? "")
                    + clause + pick
                let checked = try #require(checkedCustomers(text, session, setNow: nil), "\(text)")
                var want: [[Cell]] = []
                for (customer, logged) in byCustomer {
                    // The order: time, then import order (a stable sort of the log).
                    let events = logged.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
                        .map { (time: $0.element.time + 1_704_067_200_000, stage: $0.element.stage) }
                    let (level, times) = clause.contains("TIES")
                        ? OrderModeReference.ties(events, steps: steps, window: window)
                        : OrderModeReference.anyOrder(events, steps: steps, window: window)
                    guard level >= 1 else { continue }
                    let isOpen = window.map { times[0] + $0 > horizon } ?? false
                    let m = steps.count
                    let kept: Bool
                    switch checked.pick {
                    case .started: kept = true
                    case .atLeast(let k): kept = level >= k
                    case .lostAt(let k): kept = level == k && level < m && !isOpen
                    case .lost: kept = level < m && !isOpen
                    case .converted: kept = level == m
                    case .inProgress: kept = level < m && isOpen
                    }
                    guard kept else { continue }
                    if isOpen { open += 1 }
                    want.append([.text(customer), .time(times[0]), .int(Int64(level)), .text(steps[level - 1]),
                                 .time(times[level - 1]), .text(level == m ? "converted" : (isOpen ? "in progress" : "lost"))])
                }
                // By start, then id byte for byte.
                want.sort { a, b in
                    if a[1] != b[1], case .time(let x) = a[1], case .time(let y) = b[1] { return x < y }
                    if case .text(let x) = a[0], case .text(let y) = b[0] { return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) }
                    return false
                }
                for engine in [Engine.columnar, .sqlite] {
                    session.engine = engine
                    defer { session.engine = .auto }
                    let got = try results(session, text).last?.rows ?? []
                    #expect(got == want, "\(engine): \(text)\nengine: \(got)\nreference: \(want)")
                }
                compared += 1
                if !want.isEmpty { nonEmpty += 1 }
            }
        }
        #expect(compared == 200)
        #expect(nonEmpty > compared / 3)
        #expect(open > 0, "no customer was in progress")
    }

    /// Completion offers ORDER BY's keys in CUSTOMERS and the segments after FOR.
    @Test func completion() throws {
        var rng = SplitMix64(seed: customersSeed &+ 7)
        let store = try RandomStore(&rng, index: 0)
        defer { store.remove() }
        _ = try results(store.session, "SEGMENT lost_ones AS CUSTOMERS \(store.randomJourney(&rng)) LOST; SEGMENT loyal AS customer.segment = 'b2b'")
        #expect(store.session.completions(prefix: "re", before: "CUSTOMERS FROM a TO b ORDER BY ") == ["reached"])
        #expect(store.session.completions(prefix: "lo", before: "FROM a TO b FOR ") == ["lost_ones", "loyal"])
    }
}
