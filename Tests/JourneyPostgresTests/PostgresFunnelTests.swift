// The PostgreSQL engine against the SQLite engine on random logs and random journeys, and against the hand-worked
// examples of grammar/SEMANTICS.md section 4. One server for the whole suite run; each case its own database.
//
// Replay or explore: JOURNEYQL_SEED=<n> swift test --filter PostgresFunnel  (the seed is printed on failure).
import Foundation
import Testing
import JourneyEngine
@testable import JourneyPostgres
import JourneyQL
import JourneyStore

private let baseSeed: UInt64 = ProcessInfo.processInfo.environment["JOURNEYQL_SEED"].flatMap { UInt64($0) } ?? 20_261_206

/// 2024-01-01T00:00:00Z.
private let t0: Int64 = 1_704_067_200_000

/// Runs `text` on a session and returns its results, or the failure's text.
private func results(_ text: String,
                     _ run: (SourceText, (SessionEvent) -> Void) throws(RunFailure) -> Void) -> Result<[QueryResult], RunFailure> {
    var found: [QueryResult] = []
    do throws(RunFailure) {
        try run(SourceText(text)) { event in
            if case .result(let result) = event { found.append(result) }
            // EXPLAIN CUSTOMER's trace is a message: compared as a one-cell table.
            if case .message(let text) = event, text.hasPrefix("customer '") || text.hasPrefix("no customer is called") {
                found.append(QueryResult(title: "trace", columns: ["trace"], rows: [[.text(text)]]))
            }
        }
        return .success(found)
    } catch {
        return .failure(error)
    }
}

/// A random event log as CSV: few customers, tiny alphabets, many ties in time, properties of both types.
private func randomLog(_ rng: inout SplitMix64) -> (events: String, customers: String) {
    func pick<T>(_ items: [T]) -> T { items.randomElement(using: &rng)! }
    func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    let stages = ["awareness", "consideration", "purchase"]
    let touchpoints = ["ad_click", "site_visit", "cart_add", "purchase"]
    let channels = ["web", "email", "social", "Web"]
    let amounts = ["0", "1", "5", "10", "2.5", "-1", "n/a", "007", "big", ""]
    let increments: [Int64] = [0, 0, 0, 1000, 2000, 5000, 60_000, 600_000, 3_600_000, 86_400_000, 250]
    var lines = ["customer,time,stage,touchpoint,channel,amount,device,price"]
    var customers = ["customer,segment,size"]
    let count = Int.random(in: 20...120, using: &rng)
    for c in 0..<count {
        let id = chance(0.05) ? "ä\(c)" : (chance(0.05) ? "C\(c)" : "c\(c)")
        if chance(0.7) { customers.append("\(id),\(pick(["b2b", "b2c", ""])),\(pick(["1", "5", "20", "x"]))") }
        // Half the customers start on a later day of the first three weeks, so days, ISO weeks (Sundays included)
        // and months of BY and RETENTION differ.
        var time = t0 + Int64.random(in: 0..<600, using: &rng) * 1000
            + (chance(0.5) ? Int64.random(in: 0..<21, using: &rng) * 86_400_000 : 0)
        for _ in 0..<Int.random(in: 1...10, using: &rng) {
            lines.append([id, TimeParser.format(time), chance(0.1) ? "" : pick(stages), chance(0.1) ? "" : pick(touchpoints),
                          chance(0.15) ? "" : pick(channels), pick(amounts), chance(0.3) ? "" : pick(["mobile", "desktop"]),
                          pick(["", "1", "2.5", "0.145", "19.99", "100", "-3", "1e3"])]
                .joined(separator: ","))
            time += pick(increments)
        }
    }
    // The log's order is not time order: import order breaks ties only among equal times.
    let header = lines.removeFirst()
    lines.shuffle(using: &rng)
    return (([header] + lines).joined(separator: "\n") + "\n", customers.joined(separator: "\n") + "\n")
}

/// A random plain journey over the log's names: 2–4 steps, a window, filters, a start range, BY, SET now, LIMIT;
/// some with COMPARE, some as CUSTOMERS with a pick, a quarter of the rest as TIMES; and some RETENTION statements.
private func randomJourney(_ rng: inout SplitMix64) -> String {
    func pick<T>(_ items: [T]) -> T { items.randomElement(using: &rng)! }
    func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    let steps = ["awareness", "consideration", "purchase", "ad_click", "site_visit", "cart_add", "ANY",
                 "(ad_click | cart_add)", "purchase[channel = web]", "site_visit[amount > 1]", "touchpoint purchase",
                 "ANY[device = mobile]"]
    if chance(0.05) { return "SHOW CUSTOMER " + pick(["c1", "c2", "c3", "c7", "'c1'", "c999", "C3", "ä4"]) }
    if chance(0.12) {
        var text = "RETENTION OF \(pick(steps)) RETURNING \(pick(steps))"
        if chance(0.7) { text += " EVERY " + pick(["day", "week", "month"]) }
        if chance(0.5) { text += " PERIODS " + pick(["1", "3", "10"]) }
        if chance(0.3) { text += " ON OR AFTER" }
        if chance(0.4) { text += " WHERE " + pick(["channel != email", "amount >= 1", "customer.segment = b2b", "device IS NULL"]) }
        if chance(0.2) { text += " DURING 2024-01-01T00:01:00Z .. 2024-01-03" }
        if chance(0.3) { text += " BY " + pick(["channel", "device", "customer.segment", "amount"]) }
        return text
    }
    if chance(0.12) {
        var text = "VALUE " + pick(["amount", "amount", "amount", "price", "price", "device", "amout"]) + " FROM " + pick(steps)
        if chance(0.4) { text += " WITHIN " + pick(["0 seconds", "1 minute", "1 hour", "1 day", "30 days"]) }
        if chance(0.4) { text += " WHERE " + pick(["channel != email", "amount > 1", "customer.segment = b2b", "device IS NULL"]) }
        if chance(0.2) { text += " " + pick(["SINCE 2024-01-01T00:03:00Z", "DURING 2024-01-01T00:01:00Z .. 2024-01-03"]) }
        if chance(0.4) { text += " BY " + pick(["channel", "device", "customer.segment", "amount", "week", "touchpoint"]) }
        if chance(0.1) { text += " LIMIT " + pick(["0", "1", "3"]) }
        return text
    }
    if chance(0.12) {
        var text = "PATHS " + pick(["AFTER", "BEFORE"]) + " " + pick(steps)
        if chance(0.5) { text += " STEPS " + pick(["1", "2", "4"]) }
        if chance(0.4) { text += " OF " + pick(["touchpoint", "channel", "stage"]) }
        if chance(0.2) { text += " KEEP REPEATS" }
        if chance(0.2) { text += " MIN SHARE " + pick(["10", "30", "50"]) }
        if chance(0.2) { text += " TOP " + pick(["1", "2"]) }
        if chance(0.3) { text += " WHERE " + pick(["channel != email", "amount > 1", "customer.segment = b2b"]) }
        if chance(0.2) { text += " SINCE 2024-01-01T00:03:00Z" }
        if chance(0.3) { text += " BY " + pick(["channel", "customer.segment", "amount", "week"]) }
        return text
    }
    if chance(0.08) {
        var text = "STAGES"
        if chance(0.4) { text += " WHERE " + pick(["channel != email", "amount > 1", "customer.segment = b2b", "device IS NULL"]) }
        if chance(0.3) { text += " " + pick(["SINCE 2024-01-01T00:03:00Z", "DURING 2024-01-01T00:01:00Z .. 2024-01-03"]) }
        if chance(0.4) { text += " BY " + pick(["channel", "device", "customer.segment", "amount", "week", "touchpoint"]) }
        if chance(0.4) { text += " INACTIVE AFTER " + pick(["1 minute", "1 hour", "1 day", "7 days"]) }
        if chance(0.1) { text += " LIMIT " + pick(["0", "1", "3"]) }
        return text
    }
    if chance(0.1) {
        let models = ["first_touch", "last_touch", "linear", "position", "time_decay", "markov"]
            .filter { _ in chance(0.4) }
        var text = "ATTRIBUTE " + pick(steps)
        if chance(0.6) { text += " BY " + pick(["channel", "touchpoint", "stage", "amount", "device", "price"]) }
        text += " MODEL " + (models.isEmpty ? ["linear"] : models).joined(separator: ", ")
        text += " LOOKBACK " + pick(["1 second", "1 minute", "1 hour", "1 day", "30 days"])
        if models.contains("time_decay") && chance(0.5) { text += " HALF LIFE " + pick(["1 second", "1 minute", "1 day"]) }
        if chance(0.3) { text += pick([" VALUE amount", " VALUE price", " VALUE price"]) }
        if chance(0.3) { text += " WHERE " + pick(["channel != email", "amount > 1", "customer.segment = b2b", "device IS NULL"]) }
        if chance(0.2) { text += " " + pick(["SINCE 2024-01-01T00:03:00Z", "DURING 2024-01-01T00:01:00Z .. 2024-01-03"]) }
        if chance(0.2) { text += " LIMIT " + pick(["1", "2"]) }
        return text
    }
    if chance(0.08) {
        // A behavioural segment, then a statement of each kind FOR it (or SHOW SEGMENTS counting it).
        let segment = "SEGMENT seg AS CUSTOMERS FROM \(pick(steps)) TO \(pick(steps))"
            + pick(["", " WITHIN 1 hour", " LIMIT 5", " WITHIN 1 day ORDER BY customer DESC LIMIT 3", " ORDER BY reached LIMIT 4"])
            + pick(["", " CONVERTED", " LOST", " AT 1"])
        let use = pick(["FROM \(pick(steps)) TO \(pick(steps)) FOR seg", "FROM \(pick(steps)) TO \(pick(steps)) FOR seg BY channel",
                        "VALUE price FROM \(pick(steps)) FOR seg", "STAGES FOR seg", "SHOW SEGMENTS", "SHOW DEFINITIONS",
                        "CUSTOMERS FROM \(pick(steps)) TO \(pick(steps)) FOR seg", "RETENTION OF ANY RETURNING ANY FOR seg",
                        "PATHS FROM \(pick(steps)) TO \(pick(steps)) FOR seg", "ATTRIBUTE purchase MODEL linear LOOKBACK 1 day FOR seg"])
        return segment + "; " + use
    }
    let why = chance(0.08)
    let trace = !why && chance(0.09)
    let paths = !trace && chance(0.12)
    let dropoff = !paths && chance(0.1)
    // Middle steps may be optional and carry their own WITHIN (the general matcher, journey_chain).
    let count = Int.random(in: 2...4, using: &rng)
    // TIES ANY ORDER and IN ANY ORDER take none of the chain clauses below (the checker refuses them).
    let unordered = chance(0.15) ? pick([" TIES ANY ORDER", " IN ANY ORDER"]) : nil
    var text = "FROM " + (0..<count).map { k in
        var step = pick(steps)
        if k > 0 && k < count - 1 && unordered == nil {
            if chance(0.25) { step += "?" }
            if chance(0.2) { step += " WITHIN " + pick(["0 seconds", "1 second", "1 minute", "5 minutes", "1 hour"]) }
        }
        return step
    }.joined(separator: " TO ")
    if let unordered {
        text += unordered
    } else {
        if chance(0.2) {
            text += " EXCLUDING " + pick(["site_visit", "ad_click", "consideration", "ANY[channel = email]", "cart_add[amount > 2]"])
            if count > 2 && chance(0.5) { text += " BETWEEN " + pick(["1 AND 2", "2 AND \(count)", "1 AND \(count)"]) }
            if chance(0.2) { text += " EXCLUDING " + pick(["purchase", "touchpoint site_visit"]) }
        }
        if chance(0.15) { text += " STRICT TIME" }
        if chance(0.15) { text += " DIRECTLY" }
        if chance(0.15) { text += " SAME " + pick(["channel", "device", "amount", "stage"]) }
    }
    if chance(0.5) { text += " WITHIN " + pick(["0 seconds", "1 second", "2 seconds", "1 minute", "10 minutes", "1 hour", "1 day", "3 days"]) }
    if chance(0.5) {
        text += " WHERE " + pick(["channel = web", "channel != email", "channel IN (web, Web)", "channel NOT IN (email)",
                                  "amount >= 1", "amount < 5", "amount = 'n/a'", "amount > '1'", "NOT amount > 1",
                                  "device IS NULL", "amount IS NOT NULL", "device LIKE 'mob%'", "device NOT LIKE '%top'",
                                  "customer.segment = b2b", "customer.size > 2", "customer.segment IS NULL",
                                  "customer < 'c5'", "customer LIKE 'c1_'", "amount BETWEEN 1 AND 5",
                                  "time < 2024-01-01T00:20:00Z", "channel = web OR amount > 2",
                                  "stage = awareness OR touchpoint = purchase"])
    }
    if chance(0.25) { text += " " + pick(["SINCE 2024-01-01T00:03:00Z", "BEFORE 2024-01-01T00:05:00Z",
                                          "DURING 2024-01-01T00:01:00Z .. 2024-01-01T00:08:00Z"]) }
    let grouped = chance(0.3)
    if grouped {
        text += " BY " + pick(["channel", "stage", "touchpoint", "device", "amount", "customer.segment", "customer.size",
                               "day", "week", "month", "channel, device", "week, touchpoint"])
    }
    if paths {
        // PATHS takes no BY; its options follow the journey.
        if let by = text.range(of: " BY ") { text = String(text[..<by.lowerBound]) }
        text = "PATHS " + text
        if chance(0.5) { text += pick([" CONVERTED", " LOST", " LOST AT 1", " LOST AT 2"]) }
        if chance(0.3) { text += " OF " + pick(["touchpoint", "channel", "stage"]) }
        if chance(0.2) { text += " KEEP REPEATS" }
        if chance(0.2) { text += " MAX LENGTH " + pick(["1", "2"]) }
        if chance(0.2) { text += " MIN SHARE " + pick(["10", "40"]) }
        if chance(0.2) { text += " TOP " + pick(["1", "3"]) }
        return text
    }
    if why {
        if let by = text.range(of: " BY ") { text = String(text[..<by.lowerBound]) }
        text = "WHY " + text
        if chance(0.6) {
            text += " USING " + (["touchpoint", "channel", "stage", "amount", "device", "price", "customer.segment", "customer.size"]
                .filter { _ in chance(0.35) } + ["channel"]).joined(separator: ", ")
        }
        if chance(0.2) { text += " LIMIT " + pick(["1", "3"]) }
        return text
    }
    if trace {
        // PATHS-free journeys: EXPLAIN CUSTOMER takes no BY or LIMIT either.
        if let by = text.range(of: " BY ") { text = String(text[..<by.lowerBound]) }
        return "EXPLAIN CUSTOMER " + pick(["c1", "c2", "c3", "c5", "c7", "'c1'", "c999", "C3"]) + " " + text
    }
    if dropoff {
        text = "DROPOFF " + text
        if chance(0.4) { text += " NEXT " + pick(["1", "2", "3"]) }
        if chance(0.4) { text += " OF " + pick(["touchpoint", "channel", "stage"]) }
        if chance(0.2) { text += " LIMIT " + pick(["0", "1", "2"]) }
        return text
    }
    if chance(0.1) { text += " LIMIT " + pick(["0", "1", "5"]) }
    if grouped && chance(0.4) { return text + pick([" COMPARE", " COMPARE CONFIDENCE 90", " COMPARE AGAINST web"]) }
    if text.contains("DURING") && chance(0.4) { return text + " COMPARE PREVIOUS" }
    if !grouped && chance(0.25) {
        return "CUSTOMERS " + text + pick(["", " AT 2", " LOST", " LOST AT 1", " CONVERTED", " IN PROGRESS",
                                           " ORDER BY reached DESC", " CONVERTED ORDER BY customer DESC", " LOST ORDER BY start"])
    }
    return chance(0.25) ? "TIMES " + text : text
}

@Suite(.serialized) struct PostgresFunnelTests {
    /// A database of its own on `server`, its URL.
    static func database(_ server: TemporaryServer, _ name: String) throws -> String {
        let admin = try PostgresConnection(url: server.url)
        try admin.execute("DROP DATABASE IF EXISTS \(name)")
        try admin.execute("CREATE DATABASE \(name)")
        return server.url.replacingOccurrences(of: "/postgres", with: "/\(name)")
    }

    static func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func randomFunnelsEqualTheSQLiteEngine() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        var kinds: [String: Int] = [:]
        let compared = try Self.compareRandomFunnels(logs: 0..<6, statements: 100, comparedKinds: &kinds) { logNumber in
            try Self.database(server, "diff\(logNumber)")
        }
        #expect(compared > 300)
        // Every kind of statement is among them, not only failures both engines agree on.
        #expect(kinds["TIMES", default: 0] > 20 && kinds[" BY ", default: 0] > 40 && kinds["COMPARE", default: 0] > 10
                && kinds["CUSTOMERS", default: 0] > 20 && kinds["STRICT TIME", default: 0] > 20
                && kinds["DIRECTLY", default: 0] > 20 && kinds["SAME", default: 0] > 20
                && kinds["RETENTION", default: 0] > 20 && kinds["SHOW CUSTOMER", default: 0] > 3
                && kinds["? ", default: 0] > 20 && kinds["EXCLUDING", default: 0] > 20
                && kinds["VALUE", default: 0] > 15 && kinds["PATHS FROM", default: 0] > 15
                && kinds["PATHS AFTER", default: 0] + kinds["PATHS BEFORE", default: 0] > 15
                && kinds["DROPOFF", default: 0] > 15 && kinds["STAGES", default: 0] > 15
                && kinds["ATTRIBUTE", default: 0] > 15 && kinds["SEGMENT", default: 0] > 15
                && kinds["EXPLAIN CUSTOMER", default: 0] > 10 && kinds["WHY", default: 0] > 10
                && kinds["TIES ANY ORDER", default: 0] > 10 && kinds["IN ANY ORDER", default: 0] > 10, "\(kinds)")
    }

    /// Imports random logs into a SQLite store and into the PostgreSQL store `url(log)` gives, runs random journeys on
    /// both, in both chain forms, and expects the same tables (or the same error); returns how many tables matched.
    static func compareRandomFunnels(logs: Range<Int>, statements: Int,
                                     url: (Int) throws -> String) throws -> Int {
        var kinds: [String: Int] = [:]
        return try compareRandomFunnels(logs: logs, statements: statements, comparedKinds: &kinds, url: url)
    }

    /// The same, counting in `comparedKinds` the matching tables of journeys with TIMES, BY and COMPARE.
    static func compareRandomFunnels(logs: Range<Int>, statements: Int, comparedKinds: inout [String: Int],
                                     url: (Int) throws -> String) throws -> Int {
        let folder = try PostgresStoreTests.temporaryFolder("journey-pgdiff")
        defer { try? FileManager.default.removeItem(at: folder) }
        var compared = 0
        for logNumber in logs {
            var rng = SplitMix64(seed: baseSeed &+ UInt64(logNumber))
            let log = randomLog(&rng)
            let events = try Self.write(log.events, "events\(logNumber).csv", in: folder)
            let customers = try Self.write(log.customers, "customers\(logNumber).csv", in: folder)
            let local = try Session(storePath: folder.appendingPathComponent("s\(logNumber).journey").path, access: .create)
            _ = try local.importEvents([events], options: ImportOptions())
            _ = try local.importCustomers(customers, options: ImportOptions())
            let remote = try PostgresSession(url: try url(logNumber), create: true)
            _ = try remote.store.importEvents([events], options: ImportOptions())
            _ = try remote.store.importCustomers(customers, options: ImportOptions())
            for statementNumber in 0..<statements {
                var text = randomJourney(&rng)
                if statementNumber % 7 == 3 { text = "SET now = 2024-01-01T00:12:00Z; " + text + "; SET now = NULL" }
                let expected = results(text) { (source, emit) throws(RunFailure) in try local.run(source, emit: emit) }
                // Both ways of finding chains: plain SQL, and the installed matcher function.
                for form in ChainForm.allCases {
                    remote.chainForm = form
                    let found = results(text) { (source, emit) throws(RunFailure) in try remote.run(source, emit: emit) }
                    let context = "seed \(baseSeed &+ UInt64(logNumber)), statement \(statementNumber), \(form): \(text)"
                    switch (expected, found) {
                    case (.success(let e), .success(let f)):
                        #expect(e.map(\.columns) == f.map(\.columns), "\(context)")
                        #expect(e.map(\.rows) == f.map(\.rows), "\(context)")
                        compared += 1
                        for kind in ["TIMES", " BY ", "COMPARE", "CUSTOMERS", "STRICT TIME", "DIRECTLY", "SAME", "RETENTION",
                                     "SHOW CUSTOMER", "? ", "EXCLUDING", "WITHIN", "VALUE", "PATHS AFTER", "PATHS BEFORE", "PATHS FROM", "DROPOFF", "STAGES", "ATTRIBUTE", "SEGMENT", "EXPLAIN CUSTOMER", "WHY", "TIES ANY ORDER", "IN ANY ORDER"] where text.contains(kind) {
                            comparedKinds[kind, default: 0] += 1
                        }
                    case (_, .failure(let f)) where form == .windows
                        && f.diagnostics.first?.id == DiagnosticID.engineUnsupported.rawValue
                        && f.rendered.contains("without the journeyql matcher functions installed"):
                        break   // the general matchers are functions: plain SQL refuses them by name
                    case (.failure(let e), .failure(let f)):
                        #expect(e.rendered == f.rendered, "\(context)")
                    default:
                        Issue.record("one engine failed: \(context)\nSQLite: \(expected)\nPostgreSQL: \(found)")
                    }
                    // A failed statement stops its text before `SET now = NULL`: clear it, as the text would have.
                    if text.contains("SET now") {
                        _ = results("SET now = NULL") { (source, emit) throws(RunFailure) in try remote.run(source, emit: emit) }
                    }
                }
                if text.contains("SET now") {
                    _ = results("SET now = NULL") { (source, emit) throws(RunFailure) in try local.run(source, emit: emit) }
                }
            }
        }
        return compared
    }

    /// Three servers: journeyql.events hash-partitioned by customer on the first, its partitions postgres_fdw foreign
    /// tables on the other two (asynchronous scans), the matcher extension on all three (as scripts/pg-shards makes).
    @Test func aStoreShardedOverPostgresFdwGivesTheSameNumbers() throws {
        let servers = try (0..<3).map { _ in try TemporaryServer.start() }
        defer { servers.forEach { $0.stop() } }
        let share = try #require(extensionFolder(), "no writable PostgreSQL extension folder (run as root)")
        _ = try MatcherFunctions.writeExtension(to: share)
        let columns = """
            customer text COLLATE "C" NOT NULL, time bigint NOT NULL, seq bigint NOT NULL,
            stage integer, touchpoint integer, channel integer, props jsonb
            """
        var urls: [String] = []
        for log in 0..<3 {
            let name = "sharded\(log)"
            let connections = try servers.map { try PostgresConnection(url: try Self.database($0, name)) }
            for c in connections { try c.executeScript("CREATE SCHEMA journeyql; CREATE EXTENSION journeyql SCHEMA journeyql;") }
            for shard in 1...2 {
                try connections[shard].executeScript("""
                    CREATE TABLE journeyql.events_p\(shard - 1) (\(columns));
                    CREATE INDEX ON journeyql.events_p\(shard - 1) (customer, time, seq);
                    """)
            }
            var setup = "CREATE EXTENSION postgres_fdw;\n"
            for shard in 1...2 {
                setup += """
                    CREATE SERVER shard\(shard) FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1',
                        port '\(servers[shard].port)', dbname '\(name)', async_capable 'true', extensions 'journeyql');
                    CREATE USER MAPPING FOR journey SERVER shard\(shard)
                        OPTIONS (user 'journey', password '\(servers[shard].password)');

                    """
            }
            setup += """
                CREATE TABLE journeyql.events (\(columns)) PARTITION BY HASH (customer);
                CREATE FOREIGN TABLE journeyql.events_p0 PARTITION OF journeyql.events
                    FOR VALUES WITH (MODULUS 2, REMAINDER 0) SERVER shard1 OPTIONS (schema_name 'journeyql', table_name 'events_p0');
                CREATE FOREIGN TABLE journeyql.events_p1 PARTITION OF journeyql.events
                    FOR VALUES WITH (MODULUS 2, REMAINDER 1) SERVER shard2 OPTIONS (schema_name 'journeyql', table_name 'events_p1');
                ALTER DATABASE \(name) SET enable_partitionwise_aggregate = on;
                """
            try connections[0].executeScript(setup)
            urls.append(servers[0].url.replacingOccurrences(of: "/postgres", with: "/\(name)"))
        }
        let compared = try Self.compareRandomFunnels(logs: 0..<3, statements: 30) { urls[$0] }
        #expect(compared > 100)
        // The rows live on the shards, and the per-customer matching is sent to them: the planner weighs shipping
        // the grouping against fetching the rows, so this part uses a realistic log (2,000 customers, 25,000 events).
        let session = try PostgresSession(url: urls[0])
        let generated = FileManager.default.temporaryDirectory.appendingPathComponent("journey-pgshard-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: generated) }
        try JourneyGenerator(customers: 2000, seed: 7, scenario: .retail).writeEvents(to: generated.path)
        _ = try session.store.importEvents([generated.path], options: ImportOptions())
        for (shard, server) in servers.enumerated().dropFirst() {
            let count = try PostgresConnection(url: server.url.replacingOccurrences(of: "/postgres", with: "/sharded0"))
                .execute("SELECT count(*) FROM journeyql.events_p\(shard - 1)").rows[0][0]
            #expect(Int(count ?? "0")! > 0)
        }
        // The general matcher too, with BY (the start's keys picked from per-customer arrays).
        for (text, function) in [("FROM awareness TO purchase WITHIN 1 hour WHERE channel != email", "funnel_chain"),
                                 ("FROM awareness TO consideration? TO purchase EXCLUDING touchpoint support_call BY channel",
                                  "journey_chain"),
                                 ("FROM consideration TO awareness TIES ANY ORDER WITHIN 7 days BY channel", "tied_chain"),
                                 ("FROM purchase TO awareness IN ANY ORDER WITHIN 30 days", "any_order_chain")] {
            var messages: [String] = []
            try session.run(SourceText("EXPLAIN " + text)) { event in
                if case .message(let text) = event { messages.append(text) }
            }
            let plan = messages.joined(separator: "\n")
            #expect(plan.components(separatedBy: "Async Foreign Scan").count == 3, "\(plan)")
            let remote = plan.split(separator: "\n").filter { $0.contains("Remote SQL: SELECT") }
            #expect(remote.count == 2 && remote.allSatisfy { $0.contains("journeyql.\(function)(array_agg(") }, "\(plan)")
            #expect(plan.contains("GROUP BY customer") || plan.contains("GROUP BY 1"), "\(plan)")
        }
    }

    /// A database that installed the extension at 1.0 (funnel_chain alone, as the previous release wrote it) takes
    /// this version's functions by `ALTER EXTENSION journeyql UPDATE`, and a session then trusts and uses them.
    @Test func theExtensionUpdatesFromOnePointZero() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let share = try #require(extensionFolder(), "no writable PostgreSQL extension folder (run as root)")
        _ = try MatcherFunctions.writeExtension(to: share)
        // The 1.0 script as the previous release wrote it.
        try Data(("\\echo Use \"CREATE EXTENSION journeyql\" to load this file. \\quit\n"
                  + MatcherFunctions.funnelChain(schema: nil) + "\n").utf8)
            .write(to: URL(fileURLWithPath: share + "/journeyql--1.0.sql"))
        let url = try Self.database(server, "extupdate")
        let connection = try PostgresConnection(url: url)
        try connection.executeScript("CREATE SCHEMA journeyql; CREATE EXTENSION journeyql VERSION '1.0' SCHEMA journeyql;")
        #expect(!MatcherFunctions.exists(MatcherFunctions.tiedChainSignature, on: connection))
        try connection.execute("ALTER EXTENSION journeyql UPDATE")
        #expect(try connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'journeyql'").rows.first?.first
                == MatcherFunctions.version)
        #expect(MatcherFunctions.current(on: connection))
        let folder = try PostgresStoreTests.temporaryFolder("journey-pgextupdate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let session = try PostgresSession(url: url, create: true)
        _ = try session.store.importEvents([try Self.write(PostgresStoreTests.workedExample, "worked.csv", in: folder)], options: ImportOptions())
        let found = results("FROM awareness TO purchase TIES ANY ORDER WITHIN 1 hour") { (source, emit) throws(RunFailure) in
            try session.run(source, emit: emit)
        }
        #expect((try? found.get())?.first?.rows.count == 2, "\(found)")
    }

    /// PostgreSQL's extension folder, when this process may write it.
    func extensionFolder() -> String? {
        let root = "/usr/share/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        return versions.reversed().map { "\(root)/\($0)/extension" }
            .first { FileManager.default.fileExists(atPath: $0 + "/plpgsql.control") && access($0, W_OK) == 0 }
    }
}

/// The hand-worked examples, import atomicity, passwords and refusals, on one server.
@Suite(.serialized) struct PostgresStoreTests {
    /// grammar/SEMANTICS.md section 4, "Worked examples": one customer's events in import order (minutes).
    static let workedExample = """
        customer,time,stage,touchpoint
        ann,2024-01-01T00:00:00Z,awareness,ad_click
        ann,2024-01-01T00:05:00Z,consideration,site_visit
        ann,2024-01-01T00:05:00Z,awareness,ad_click
        ann,2024-01-01T00:40:00Z,purchase,checkout_complete

        """

    /// A new temporary folder for a test's files; the caller removes it.
    static func temporaryFolder(_ prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A store on `server` holding the worked example, and the example's file (in `folder`).
    static func workedExampleStore(_ server: TemporaryServer, in folder: URL) throws -> (session: PostgresSession, file: String) {
        let file = try PostgresFunnelTests.write(workedExample, "worked.csv", in: folder)
        let session = try PostgresSession(url: server.url, create: true)
        _ = try session.store.importEvents([file], options: ImportOptions())
        return (session, file)
    }

    /// Step counts and the median time from the previous step (minutes) of each step ≥ 2.
    static func funnel(_ session: PostgresSession, _ text: String) throws -> (counts: [Int64], gaps: [Double?]) {
        guard case .success(let found) = results(text, { (source, emit) throws(RunFailure) in try session.run(source, emit: emit) }),
              let table = found.first else {
            Issue.record("\(text) failed")
            return ([], [])
        }
        let customers = table.columns.firstIndex(of: "customers")!
        let median = table.columns.firstIndex(of: "median_time_from_previous")!
        let counts = table.rows.map { row -> Int64 in if case .int(let n) = row[customers] { n } else { -1 } }
        let gaps = table.rows.dropFirst().map { row -> Double? in
            if case .duration(let ms) = row[median] { ms / 60_000 } else { nil }
        }
        return (counts, gaps)
    }

    @Test func theWorkedExamplesOfSection4() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let folder = try PostgresStoreTests.temporaryFolder("journey-pgworked")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (session, _) = try Self.workedExampleStore(server, in: folder)
        // Each expectation is the page's own sentence about the example.
        var found = try Self.funnel(session, "FROM awareness TO purchase")
        #expect(found.counts == [1, 1] && found.gaps == [40])   // chain (#1, #4), gap 40 minutes
        found = try Self.funnel(session, "FROM awareness TO consideration")
        #expect(found.counts == [1, 1] && found.gaps == [5])    // from #1, consideration is #2
        found = try Self.funnel(session, "FROM consideration TO awareness")
        #expect(found.counts == [1, 1] && found.gaps == [0])    // #3 comes after #2 in import order: gap 0
        found = try Self.funnel(session, "FROM awareness TO consideration TO purchase WITHIN 30 minutes")
        #expect(found.counts == [1, 1, 0] && found.gaps == [5, nil])  // purchase at 40 min > 30: level 2
        found = try Self.funnel(session, "FROM awareness TO purchase WITHIN 35 minutes")
        #expect(found.counts == [1, 1] && found.gaps == [35])   // the later start #3 reaches deeper: gap 35
        found = try Self.funnel(session, "FROM ad_click TO ad_click")
        #expect(found.counts == [1, 1] && found.gaps == [5])    // one event never fills both steps
    }

    @Test func aFailedImportLeavesTheStoreAsItWas() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let folder = try PostgresStoreTests.temporaryFolder("journey-pgatomic")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (session, good) = try Self.workedExampleStore(server, in: folder)
        let bad = try PostgresFunnelTests.write("customer,time,stage\nbob,2024-01-02T00:00:00Z,awareness\nbob,not a time,purchase\n",
                                                "bad.csv", in: folder)
        let before = try session.store.connection.execute("SELECT customer, time, seq, stage FROM journeyql.events ORDER BY seq")
        let meta = try session.store.meta()
        do {
            _ = try session.store.importEvents([good, bad], options: ImportOptions())
            Issue.record("a file with a bad time imported")
        } catch let error as StoreError {
            // The error names the file, the line and the column, as the SQLite import's does.
            #expect("\(error)".contains("bad.csv:3:"), "\(error)")
        }
        #expect(try session.store.connection.execute("SELECT customer, time, seq, stage FROM journeyql.events ORDER BY seq") == before)
        #expect(try session.store.meta() == meta)
        // A second import numbers its events after the first's: import order runs across imports.
        _ = try session.store.importEvents([good], options: ImportOptions())
        let seqs = try session.store.connection.execute("SELECT seq FROM journeyql.events ORDER BY seq").rows.map { $0[0]! }
        #expect(seqs == (1...8).map(String.init))
        #expect(session.catalog().eventCount == 8)
    }

    @Test func passwordsStayOutOfExplainAndErrors() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let session = try PostgresSession(url: server.url, create: true)
        var messages: [String] = []
        let explained = results("EXPLAIN FROM ANY TO ANY") { (source, emit) throws(RunFailure) in
            try session.run(source) { event in
                if case .message(let text) = event { messages.append(text) }
                emit(event)
            }
        }
        if case .failure(let failure) = explained { Issue.record("EXPLAIN failed: \(failure.rendered)") }
        let text = messages.joined(separator: "\n")
        #expect(text.contains("SQL sent:") && text.contains("GROUP BY customer"), "\(text)")
        #expect(text.contains("journey:***@127.0.0.1") && !text.contains(server.password), "\(text)")
        #expect(PostgresConnection.redactingURLs(in: ".open postgres://ann:pw1@db/x 'postgresql://b:pw2@h/y'")
                == ".open postgres://ann:***@db/x 'postgresql://b:***@h/y'")
        #expect(PostgresConnection.redacting("postgres://db/x?sslmode=require&password=pw3") == "postgres://db/x?sslmode=require&password=***")
    }

    @Test func theLibraryOpensADatabaseURL() async throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let folder = try PostgresStoreTests.temporaryFolder("journey-pglib")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try PostgresFunnelTests.write(Self.workedExample, "worked.csv", in: folder)
        let writer = try JourneyQL.Store(path: server.url, access: .create)
        _ = try await writer.query("IMPORT '\(file)'")
        let reader = try JourneyQL.Store(path: server.url, access: .readOnly)
        let results = try await reader.query("FROM awareness TO purchase WITHIN 35 minutes")
        let funnel = try #require(results.first?.funnel)
        // SEMANTICS.md section 4: the later start #3 reaches purchase within 35 minutes.
        #expect(funnel.groups.first?.steps.map(\.customers) == [1, 1])
        do {
            _ = try await reader.query("IMPORT '\(file)'")
            Issue.record("a read-only store imported")
        } catch {
            #expect(error.code == .readOnly, "\(error)")
        }
    }

    /// journeyql.fsum in the database and ExactSum in Swift give the same double for the same values in any order
    /// (VALUE's totals rely on it), including where adding in turn would not.
    @Test func theDatabasesExactSumIsExactSum() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let session = try PostgresSession(url: try PostgresFunnelTests.database(server, "fsum"), create: true)
        var rng = SplitMix64(seed: 11)
        var cases: [[Double]] = [[Double](repeating: 0.1, count: 10), [1e100, 1.0, -1e100], [1, 1e-16, 1e-16],
                                 [9_007_199_254_740_992.0, -0.5, -0x1p-54], []]
        for _ in 0..<60 {
            cases.append((0..<Int.random(in: 1...30, using: &rng)).map { _ in
                Double(Int.random(in: -100_000...100_000, using: &rng)) / [1, 3, 100, 1e6][Int.random(in: 0..<4, using: &rng)]
                    * [1, 1e-12, 1e12][Int.random(in: 0..<3, using: &rng)]
            })
        }
        var differsFromAddingInTurn = 0
        for values in cases {
            var exact = ExactSum()
            for v in values { exact.add(v) }
            let array = "{" + values.shuffled(using: &rng).map { "\($0)" }.joined(separator: ",") + "}"
            let found = try session.store.connection.execute(
                "SELECT journeyql.fsum(x ORDER BY o) FROM unnest($1::float8[]) WITH ORDINALITY AS u(x, o)",
                parameters: [array]).rows[0][0]
            #expect(found.flatMap(Double.init) == (values.isEmpty ? nil : exact.value), "\(values)")
            if values.reduce(0, +) != exact.value { differsFromAddingInTurn += 1 }
        }
        #expect(differsFromAddingInTurn >= 4)
    }

    /// A store whose functions an earlier version installed is not trusted with them: read-only, what needs them is
    /// refused by name; opened for writing, they are made again at this version.
    @Test func functionsOfAnEarlierVersionAreMadeAgain() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let folder = try PostgresStoreTests.temporaryFolder("journey-pgversion")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (owner, _) = try Self.workedExampleStore(server, in: folder)
        try owner.store.connection.executeScript("""
            UPDATE journeyql.meta SET value = '1.0' WHERE key = 'functions_version';
            DROP FUNCTION journeyql.step_reach(bigint[],integer,integer,integer,integer,integer);
            CREATE FUNCTION journeyql.step_reach(masks bigint[], lo integer, hi integer, from_step integer, pin integer,
                steps integer) RETURNS integer LANGUAGE sql AS 'SELECT 0';
            """)
        let text = "FROM awareness TO purchase TIES ANY ORDER WITHIN 1 hour"
        let stale = try PostgresSession(url: server.url, access: .readOnly)
        switch results(text, { (source, emit) throws(RunFailure) in try stale.run(source, emit: emit) }) {
        case .success: Issue.record("ran with functions of an earlier version")
        case .failure(let failure): #expect(failure.diagnostics.first?.id == "engine.unsupported", "\(failure.rendered)")
        }
        let fresh = try PostgresSession(url: server.url, access: .readWrite)
        let found = results(text) { (source, emit) throws(RunFailure) in try fresh.run(source, emit: emit) }
        #expect((try? found.get())?.first?.rows.count == 2, "\(found)")
        let result = try fresh.store.connection.execute(
            "SELECT pg_get_function_result('journeyql.step_reach(bigint[],integer,integer,integer,integer,integer)'::regprocedure)")
        #expect(result.rows.first?.first == "integer[]")
        #expect(try fresh.store.meta()["functions_version"] == MatcherFunctions.version)
    }

    /// In a database without the installed functions (a user who may not create them opens it read-only), what
    /// needs them is refused by name, and what plain SQL computes still runs.
    @Test func whatItCannotComputeExactlyItRefusesByName() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let folder = try PostgresStoreTests.temporaryFolder("journey-pgrefuse")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (owner, _) = try Self.workedExampleStore(server, in: folder)
        try owner.store.connection.execute("DROP FUNCTION journeyql.stage_walk(bigint[],bigint[],integer,bigint,bigint,bigint,bigint)")
        let session = try PostgresSession(url: server.url, access: .readOnly)
        for (text, construct) in [("FROM awareness TO consideration? TO purchase", "optional steps (s?) without the journeyql matcher functions"),
                                  ("FROM awareness TO purchase TIES ANY ORDER", "TIES ANY ORDER without the journeyql matcher functions"),
                                  ("STAGES", "STAGES without the journeyql functions"),
                                  ("PATHS AFTER awareness", "PATHS AFTER/BEFORE without the journeyql functions")] {
            switch results(text, { (source, emit) throws(RunFailure) in try session.run(source, emit: emit) }) {
            case .success: Issue.record("\(text) ran on PostgreSQL")
            case .failure(let failure):
                #expect(failure.diagnostics.first?.id == "engine.unsupported", "\(failure.rendered)")
                #expect(failure.rendered.contains("does not run \(construct)"), "\(failure.rendered)")
            }
        }
        let funnel = results("FROM awareness TO purchase WITHIN 1 hour") { (source, emit) throws(RunFailure) in
            try session.run(source, emit: emit)
        }
        #expect((try? funnel.get())?.first?.rows.count == 2)
    }
}
