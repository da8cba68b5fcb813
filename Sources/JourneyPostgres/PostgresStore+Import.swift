// The import into PostgreSQL: the file is read by the SQLite import into a temporary store (so the column roles,
// the time formats, the property typing, every error with its line and column, and the skip-bad-rows report are
// exactly the local tool's), then copied into the database with COPY in one transaction. Nothing reaches the
// database unless the whole file read; a failure in the database rolls everything back.
import Foundation
import JourneyStore

extension PostgresStore {
    /// Imports event files; the new events follow every earlier event in import order.
    package func importEvents(_ files: [String], options: ImportOptions,
                              progress: ((ImportProgress) -> Void)? = nil) throws -> ImportReport {
        let started = ContinuousClock.now
        return try withStagingStore { staging in
            var report = try staging.importEvents(files, options: options, progress: progress)
            let stagingCatalog = try staging.catalog()
            report.newCustomers = try transaction { try copyEvents(from: staging, catalog: stagingCatalog) }
            // Fresh statistics, so the planner sizes the per-customer grouping right (and, over postgres_fdw, pushes
            // it to the servers holding the partitions).
            try connection.execute("ANALYZE journeyql.events")
            report.seconds = Self.seconds(since: started)
            return report
        }
    }

    /// Imports a customers file: each customer's attributes replace the ones it had.
    package func importCustomers(_ file: String, options: ImportOptions,
                                 progress: ((ImportProgress) -> Void)? = nil) throws -> ImportReport {
        let started = ContinuousClock.now
        return try withStagingStore { staging in
            var report = try staging.importCustomers(file, options: options, progress: progress)
            report.newCustomers = try transaction { try copyCustomers(from: staging) }
            report.seconds = Self.seconds(since: started)
            return report
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Runs `body` with an empty SQLite store in a temporary folder, removed afterwards.
    private func withStagingStore<T>(_ body: (EventStore) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journey-pg-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let staging = try EventStore(path: folder.appendingPathComponent("staging.journey").path, access: .create)
        return try body(staging)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try connection.execute("BEGIN")
        do {
            // One writer at a time: a second import waits here until the first commits.
            try connection.execute("LOCK TABLE journeyql.meta IN SHARE ROW EXCLUSIVE MODE")
            let value = try body()
            try connection.execute("COMMIT")
            return value
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Copies the staging store's events, numbered after the store's last event; returns how many customers are new.
    private func copyEvents(from staging: EventStore, catalog: StoreCatalog) throws -> Int {
        let meta = try self.meta()
        let nextSeq = Int64(meta["next_seq"] ?? "1") ?? 1
        var codes = try dictionaryCodes()
        // New values get the next free codes of their column.
        for column in EventColumn.allCases {
            var next = (codes[column]?.entries.map(\.code).max() ?? 0) + 1
            for value in catalog.values(of: column) where codes[column]?[value.name] == nil {
                try connection.execute("INSERT INTO journeyql.dictionary(col, code, value, events) VALUES ($1, $2, $3, 0)",
                                       parameters: [String(column.rawValue), String(next), value.name])
                codes[column, default: CodeTable()].insert(value.name, code: next)
                next += 1
            }
            for value in catalog.values(of: column) {
                try connection.execute("UPDATE journeyql.dictionary SET events = events + $3 WHERE col = $1 AND value = $2",
                                       parameters: [String(column.rawValue), value.name, String(value.count)])
            }
        }
        var maxSeq: Int64 = 0
        // A partitioned events table (sharded over postgres_fdw) is loaded through a staging table: PostgreSQL 15
        // sends COPY's rows to foreign partitions one INSERT at a time, an INSERT ... SELECT in batches (batch_size).
        let partitioned = try connection.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = 'journeyql.events'::regclass")
            .rows.first?.first == "t"
        let target = partitioned ? "journey_staged_events" : "journeyql.events"
        if partitioned {
            try connection.execute("CREATE TEMP TABLE journey_staged_events (LIKE journeyql.events) ON COMMIT DROP")
        }
        try connection.copyIn("COPY \(target)(customer, time, seq, stage, touchpoint, channel, props) FROM STDIN") { copy in
            try staging.forEachStoredEvent { event in
                maxSeq = max(maxSeq, event.seq)
                try copy.row([event.customer, String(event.time), String(event.seq + nextSeq - 1),
                              event.stage.flatMap { codes[.stage]?[$0] }.map(String.init),
                              event.touchpoint.flatMap { codes[.touchpoint]?[$0] }.map(String.init),
                              event.channel.flatMap { codes[.channel]?[$0] }.map(String.init),
                              event.properties])
            }
        }
        if partitioned { try connection.execute("INSERT INTO journeyql.events SELECT * FROM journey_staged_events") }
        try connection.execute("CREATE TEMP TABLE journey_new_customers(customer text COLLATE \"C\") ON COMMIT DROP")
        try connection.copyIn("COPY journey_new_customers(customer) FROM STDIN") { copy in
            try staging.forEachStoredCustomer { customer, _ in try copy.row([customer]) }
        }
        let added = try connection.execute("""
            WITH added AS (INSERT INTO journeyql.customers(customer) SELECT customer FROM journey_new_customers
                           ON CONFLICT (customer) DO NOTHING RETURNING 1)
            SELECT count(*) FROM added
            """)
        let newCustomers = Int(added.rows.first?.first.flatMap { $0 } ?? "0") ?? 0
        for property in catalog.properties {
            try connection.execute("""
                INSERT INTO journeyql.fields(kind, name, count) VALUES (0, $1, $2)
                ON CONFLICT (kind, name) DO UPDATE SET count = journeyql.fields.count + EXCLUDED.count
                """, parameters: [property.name, String(property.count)])
        }
        if let range = catalog.timeRange {
            let oldCount = Int(meta["event_count"] ?? "0") ?? 0
            let low = oldCount > 0 ? min(range.lowerBound, Int64(meta["min_time"] ?? "") ?? range.lowerBound) : range.lowerBound
            let high = oldCount > 0 ? max(range.upperBound, Int64(meta["max_time"] ?? "") ?? range.upperBound) : range.upperBound
            try setMeta(["event_count": String(oldCount + catalog.eventCount), "min_time": String(low),
                         "max_time": String(high), "next_seq": String(nextSeq + maxSeq)])
        }
        try recountCustomers()
        return newCustomers
    }

    /// Copies the staging store's customers with their attributes; returns how many are new.
    private func copyCustomers(from staging: EventStore) throws -> Int {
        try connection.execute("CREATE TEMP TABLE journey_new_customers(customer text COLLATE \"C\", attrs jsonb) ON COMMIT DROP")
        try connection.copyIn("COPY journey_new_customers(customer, attrs) FROM STDIN") { copy in
            try staging.forEachStoredCustomer { customer, attributes in try copy.row([customer, attributes]) }
        }
        let before = try count("SELECT count(*) FROM journeyql.customers")
        try connection.execute("""
            INSERT INTO journeyql.customers(customer, attrs) SELECT customer, attrs FROM journey_new_customers
            ON CONFLICT (customer) DO UPDATE SET attrs = EXCLUDED.attrs
            """)
        try connection.execute("DELETE FROM journeyql.fields WHERE kind = 1")
        try connection.execute("""
            INSERT INTO journeyql.fields(kind, name, count)
            SELECT 1, j.key, count(*) FROM journeyql.customers c, jsonb_each(c.attrs) j GROUP BY j.key
            """)
        try recountCustomers()
        return try count("SELECT count(*) FROM journeyql.customers") - before
    }

    private func recountCustomers() throws {
        try setMeta(["customer_count": String(try count("SELECT count(*) FROM journeyql.customers"))])
    }

    private func count(_ sql: String) throws -> Int {
        Int(try connection.execute(sql).rows.first?.first.flatMap { $0 } ?? "0") ?? 0
    }

    func setMeta(_ values: [String: String]) throws {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            try connection.execute("""
                INSERT INTO journeyql.meta(key, value) VALUES ($1, $2)
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                """, parameters: [key, value])
        }
    }

    /// Value → code, per column (byte-wise: Swift's `==` on strings would make canonically equivalent names one).
    private func dictionaryCodes() throws -> [EventColumn: CodeTable] {
        var codes: [EventColumn: CodeTable] = [:]
        for row in try connection.execute("SELECT col, code, value FROM journeyql.dictionary").rows {
            guard let column = EventColumn(rawValue: Int(row[0] ?? "") ?? 0), let code = Int64(row[1] ?? "") else { continue }
            codes[column, default: CodeTable()].insert(row[2] ?? "", code: code)
        }
        return codes
    }
}
