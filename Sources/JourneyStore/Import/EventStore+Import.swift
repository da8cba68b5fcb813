// The import entry points: each call is one transaction that either stores everything or leaves the store as it was.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EventStore {
    /// Imports events from CSV or JSON Lines files, all in one transaction.
    ///
    /// A malformed row aborts the whole call with `StoreError.badInput` naming the file, line and column, and the
    /// store (file, counters, catalog, in-memory caches) is exactly as before, unless `options.skipBadRows` is set,
    /// in which case such rows are left out and listed in the report. An interrupt (`interruptHandle`) aborts the
    /// call with `StoreError.cancelled`, also leaving the store as before.
    package func importEvents(_ files: [String], options: ImportOptions = .init(),
                             progress: ((ImportProgress) -> Void)? = nil) throws -> ImportReport {
        let clock = ContinuousClock()
        let started = clock.now
        ImportTrace.begin()
        db.interruptFlag.lower()
        try waitForOtherWriter(options: options, progress: progress)
        try requireWritable()
        let session = ImportSession(db: db, files: files, options: options, progress: progress)
        let formats = try files.map(session.format(of:))
        let rollbackJournal = session.totalBytes >= Self.rollbackJournalBytes && useRollbackJournal()
        defer { if rollbackJournal { _ = try? setJournalMode("wal") } }
        let expectedRows = session.totalBytes / EventImporter.bytesPerEventEstimate
        let (imported, newCustomers, storedCopy) = try withImportState(expectedRows: expectedRows) { state in
            var importer = try EventImporter(store: self, session: session, state: state)
            for (file, format) in zip(files, formats) {
                switch format {
                case .csv: try importer.importCSV(file)
                case .jsonl: try importer.importJSONLines(file)
                }
                ImportTrace.mark("reading \(file)")
            }
            try importer.finish()
            state = importer.state
            // Ctrl-C up to the commit cancels the whole import (SQLite's interrupt reaches only a running statement).
            if db.interruptFlag.isRaised { throw StoreError.cancelled }
            return (importer.imported, importer.newCustomers, importer.lastCopy)
        }
        ImportTrace.mark("commit")
        if imported > 0 { adoptColumnarCopy(storedCopy) }
        return ImportReport(files: files, imported: imported, skipped: session.skipped, newCustomers: newCustomers,
                            seconds: Self.seconds(since: started, clock))
    }

    /// Imports customer attributes from a CSV or JSON Lines file in one transaction.
    ///
    /// The id column is recognised like the events' customer column (or named by `mapping["customer"]`); every
    /// other column is an attribute, typed like event properties. Re-importing a customer replaces its attributes;
    /// customers not seen before get a number. Errors and `skipBadRows` behave as for `importEvents`.
    package func importCustomers(_ file: String, options: ImportOptions = .init(),
                                progress: ((ImportProgress) -> Void)? = nil) throws -> ImportReport {
        let clock = ContinuousClock()
        let started = clock.now
        ImportTrace.begin()
        db.interruptFlag.lower()
        try waitForOtherWriter(options: options, progress: progress)
        try requireWritable()
        let session = ImportSession(db: db, files: [file], options: options, progress: progress)
        let format = try session.format(of: file)
        // Every row writes its customer's attributes row, so the pages touched grow with the file, not with the
        // store: a rollback journal pays from a smaller file than for events (820,000 customers into version 3's
        // single table: a commit of 0.14 s instead of 0.23 s).
        let rollbackJournal = session.totalBytes >= Self.customersRollbackJournalBytes && useRollbackJournal()
        defer { if rollbackJournal { _ = try? setJournalMode("wal") } }
        // The file is read from now on, while the transaction starts and the stored keys load (see CustomerImporter).
        let importer = CustomerImporter(session: session)
        switch format {
        case .csv: importer.startReading { try $0.importCSV(file) }
        case .jsonl: importer.startReading { try $0.importJSONLines(file) }
        }
        // `write` joins the reading thread on its own paths; this covers a transaction that never reached it.
        defer { importer.stopReading() }
        // Attributes are matched to customers by key for every row, so the state holds every customer.
        let (imported, newCustomers, repeated) = try withImportState(expectedRows: nil, bodyReadsCustomers: true) { state in
            ImportTrace.mark("import state")
            var taken = ImportState()
            swap(&taken, &state)
            state = try importer.write(state: consume taken)
            ImportTrace.mark("attribute names recounted, statistics")
            return (importer.imported, importer.newCustomers, importer.repeated)
        }
        ImportTrace.mark("commit")
        var report = ImportReport(files: [file], imported: imported, skipped: session.skipped, newCustomers: newCustomers,
                            seconds: Self.seconds(since: started, clock))
        report.repeatedCustomers = repeated
        return report
    }

    /// Switches the store from its write-ahead log to a rollback journal for an import, when no other connection
    /// has it open (SQLite refuses the switch otherwise, and the import runs in WAL mode as usual). In WAL mode every
    /// page the import fills goes to the log first, is written again each time the page cache spills it, and once
    /// more by the checkpoint; with a rollback journal a new page is written once, into the file, and only the few
    /// pages that existed before are journaled. The transaction is atomic either way.
    ///
    /// Only imports larger than the page cache gain, so smaller ones (most of them) leave the file untouched.
    private func useRollbackJournal() -> Bool {
        // Another connection makes the switch fail at once instead of waiting for it.
        try? db.execute("PRAGMA busy_timeout = 0")
        defer { try? db.execute("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)") }
        return (try? setJournalMode("delete")) == "delete"
    }

    /// Waits while another connection holds the store's write lock (another import), saying so once through
    /// `progress`; Ctrl-C stops the wait, and after `options.writerWaitSeconds` it gives up with
    /// `StoreError.busy`. SQLite's own busy timeout gave up after 5 s with "database is locked".
    func waitForOtherWriter(options: ImportOptions, progress: ((ImportProgress) -> Void)?) throws {
        try db.execute("PRAGMA busy_timeout = 0")
        defer { try? db.execute("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)") }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(options.writerWaitSeconds)
        var reported = false
        while true {
            do {
                try db.execute("BEGIN IMMEDIATE; ROLLBACK")
                return
            } catch StoreError.sqlite(let code, _) where code & 0xFF == 5 || code & 0xFF == 6 {  // BUSY, LOCKED
                if !reported {
                    progress?(ImportProgress(file: path, rows: 0, bytesRead: 0, totalBytes: 0, phase: .waitingForWriter))
                    reported = true
                }
                if db.interruptFlag.isRaised { throw StoreError.cancelled }
                guard clock.now < deadline else { throw StoreError.busy(path: path, waitedSeconds: options.writerWaitSeconds) }
                usleep(100_000)
            }
        }
    }

    /// Input size from which an import switches to a rollback journal: the page cache's 64 MB.
    static let rollbackJournalBytes: Int64 = 64 << 20
    /// The same for a customers file (see `importCustomers`).
    static let customersRollbackJournalBytes: Int64 = 8 << 20

    @discardableResult
    func setJournalMode(_ mode: String) throws -> String? {
        let statement = try db.prepare("PRAGMA journal_mode = \(mode)")
        return try statement.step() ? statement.text(0)?.lowercased() : nil
    }

    private static func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
