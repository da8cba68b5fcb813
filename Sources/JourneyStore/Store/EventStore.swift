// The SQLite-backed event store: opening a file, its metadata, and the catalog the checker and REPL read.
import Foundation

/// A durable, indexed store of customer journeys in one SQLite file.
///
/// One instance owns one connection and is used from one thread at a time; `interruptHandle` is the exception
/// and may be used from any thread to stop a running scan or import.
package final class EventStore: EventSource {
    /// The store's file.
    package let path: String
    let db: Database
    /// Opened read-only (asked for, or the file or its folder cannot be written): writes throw `StoreError.readOnly`.
    package let isReadOnly: Bool
    /// `PRAGMA data_version` when the whole file last passed a quick check (see `requireWritable`).
    var intactAtVersion: Int64?

    /// The catalog as last computed; nil after anything that changes it.
    var cachedCatalog: StoreCatalog?
    /// Dictionaries, customer ids and counters an import extends; nil until an import needs them, and
    /// dropped whenever an import fails so the next one reloads them from the (rolled back) file.
    var importState: ImportState?
    /// The columnar copy of the events, once a query has asked for it (see `columnarEvents`).
    var cachedColumnar: ColumnarEvents?
    /// Where the last `columnarEvents()` found its copy.
    package internal(set) var columnarOrigin: ColumnarOrigin = .memory
    /// `PRAGMA data_version` when the caches were last known to match the file. Another connection's commit
    /// changes it (this connection's own commits do not), and then both caches are dropped.
    var cacheVersion: Int64 = 0
    /// The table of customers' numbers and keys: `customer_keys`, or in a version 3 store opened read-only the
    /// `customers` table (the view over `customer_keys` reads the attributes' table too when counting).
    private(set) var customerKeysTable = "customer_keys"

    /// How long a statement waits for another connection's write lock.
    static let busyTimeoutMilliseconds = 5000

    /// Opens the store at `path`; with `.create`, a missing or empty file becomes a new store.
    ///
    /// Throws `StoreError.notFound` for a missing or empty file opened `.readWrite`, and `StoreError.schema`
    /// when the file is a store of a newer or unknown version, or not a store at all. A file that is not a
    /// store is refused before anything is written to it (its bytes stay as they were).
    package init(path: String, access: StoreAccess = .readWrite) throws {
        self.path = path
        let isNew = Self.isMissingOrEmpty(path)
        if isNew, access != .create { throw StoreError.notFound(path: path) }
        if !isNew { try Self.requireSQLiteHeader(path) }
        isReadOnly = access == .readOnly || (!isNew && !Self.isWritable(path))
        if isReadOnly {
            db = try Self.openReadOnly(path)
            try db.execute("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)")
            try Schema.requireStore(db)
            if try Schema.requireReadableVersion(db) < 4 { customerKeysTable = "customers" }
            try db.execute("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456;")
            cacheVersion = try db.dataVersion()
            try db.registerVirtualTable(EventsTable.name, source: EventsTable(store: self))
            return
        }
        db = try Database(path: path, flags: isNew ? .standard : [.readWrite, .noMutex])
        try db.execute("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)")
        // Whether the file is a store is read before the first write: journal_mode = WAL changes the file.
        if !isNew { try Schema.requireStore(db) }
        // journal_mode answers with a row, which execute ignores; WAL lets readers run beside an import. A large
        // import in another process runs with a rollback journal and holds the lock this switch needs: the store
        // is then opened as it is (that import switches it back to WAL when it ends).
        do {
            try db.execute("PRAGMA journal_mode = WAL")
        } catch StoreError.sqlite(let code, _) where code & 0xFF == 5 {}
        try db.execute("""
            PRAGMA synchronous = NORMAL;
            PRAGMA cache_size = -65536;
            PRAGMA temp_store = MEMORY;
            PRAGMA mmap_size = 268435456;
            """)
        let found = try Schema.prepare(db)
        try db.registerVirtualTable(EventsTable.name, source: EventsTable(store: self))
        if found == 2 { try upgradeFromVersion2() }
        if found <= 3 { try Schema.upgradeFromVersion3(db) }
        cacheVersion = try db.dataVersion()
    }

    /// Whether this process may write the file and create files beside it (SQLite's journal and WAL index).
    static func isWritable(_ path: String) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        return access(path, W_OK) == 0 && access(folder.isEmpty ? "." : folder, W_OK) == 0
    }

    /// Opens a store without writing anything. With no WAL content beside it the file is opened immutable (no
    /// locks, no WAL index to create, which a read-only folder would refuse); with some, SQLite must read the
    /// log, which needs its index file to exist already.
    static func openReadOnly(_ path: String) throws -> Database {
        let absolute = URL(fileURLWithPath: path).path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let escaped = absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.int64Value ?? 0
        let query = walSize > 0 ? "mode=ro" : "immutable=1"
        do {
            return try Database(path: "file:\(escaped)?\(query)", flags: [.readOnly, .noMutex, .uri])
        } catch {
            throw StoreError.file(path: path, message: "cannot be read without write access: it has changes in "
                                  + "\(path)-wal not yet copied into it (open it once where it can be written)")
        }
    }

    /// Throws `StoreError.readOnly` on a store opened read-only, and `StoreError.damaged` when the tables a
    /// write touches fail SQLite's quick check (all of them for nil): nothing is written into a damaged file,
    /// where a write could spread the damage and still report success. A whole-store check is remembered until
    /// another connection changes the file.
    ///
    /// A store larger than `wholeCheckBytes` is checked table by table for its small tables only (the catalog
    /// and the property objects): a whole check reads every page (1.4 s for the events of a 10M-event store),
    /// which would make an append cost what the store holds rather than what it adds. In the large tables an
    /// import writes (events, customers, columnar), SQLite checks each page it reads on the way, and a damaged
    /// one aborts the import and rolls it back; `journey check` checks every page.
    func requireWritable(checking tables: [String]? = nil) throws {
        if isReadOnly { throw StoreError.readOnly(path: path) }
        if let tables {
            for table in tables { try requireIntact(try quickCheck(table: table)) }
            return
        }
        let version = try db.dataVersion()
        if intactAtVersion == version { return }
        if storeBytes() > Self.wholeCheckBytes {
            for table in Self.smallTables { try requireIntact(try quickCheck(table: table)) }
        } else {
            try requireIntact(try quickCheck(table: nil))
        }
        intactAtVersion = version
    }

    /// Up to this size (file and write-ahead log) an import checks the whole store first: about 0.2 s.
    static let wholeCheckBytes: Int64 = 64 << 20

    /// The tables a large store's import checks first: they are small, and read or rewritten whole.
    static let smallTables = ["meta", "counters", "dictionary", "fields", "props"]

    /// The store file's size plus its write-ahead log's.
    private func storeBytes() -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }

    private func requireIntact(_ problems: [String]) throws {
        guard problems.isEmpty else {
            throw StoreError.damaged(path: path, detail: problems.prefix(3).joined(separator: "; ")
                                     + (problems.count > 3 ? "; and \(problems.count - 3) more" : ""))
        }
    }

    /// `PRAGMA quick_check`, of one table and its indexes or of the whole file: the problems found (none: intact).
    func quickCheck(table: String?) throws -> [String] {
        let statement = try db.prepare(table.map { "PRAGMA quick_check(\($0))" } ?? "PRAGMA quick_check")
        var problems: [String] = []
        while try statement.step() {
            let line = statement.text(0) ?? ""
            if line != "ok" { problems += line.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("***") } }
        }
        return problems
    }

    /// `PRAGMA integrity_check` of the whole store, then the store's own rules (every event's customer exists,
    /// the counters agree with the table): the problems found, empty for a sound store. For `journey check`.
    package func check() throws -> [String] {
        var problems: [String] = []
        let integrity = try db.prepare("PRAGMA integrity_check")
        while try integrity.step() {
            let line = integrity.text(0) ?? ""
            if line != "ok" { problems.append(line) }
        }
        guard problems.isEmpty else { return problems }
        // The events are the columnar copy: every part and column of it must decode.
        do {
            let events = try columnarEvents()
            _ = try propsColumn(of: events)
            _ = try seqColumn(of: events)
            for property in try catalog().properties {
                _ = try propertyColumn(property.name, of: events, isCancelled: { false })
            }
        } catch {
            problems.append("the events cannot be read: \(error)")
            return problems
        }
        let orphans = try db.prepare("SELECT count(*) FROM events WHERE customer NOT IN (SELECT id FROM customers)")
        if try orphans.step(), orphans.int64(0) > 0 {
            problems.append("\(orphans.int64(0)) events belong to no customer")
        }
        let counted = try db.prepare("SELECT (SELECT count(*) FROM events), (SELECT value FROM counters WHERE name = 'event_count')")
        if try counted.step(), counted.int64(0) != counted.int64(1) {
            problems.append("the store holds \(counted.int64(0)) events but its counter says \(counted.int64(1))")
        }
        return problems
    }

    /// No file at `path`, or one of zero bytes: the only files that may become a new store.
    package static func isMissingOrEmpty(_ path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            return !FileManager.default.fileExists(atPath: path)
        }
        return (attributes[.size] as? NSNumber)?.int64Value == 0
    }

    /// Refuses a file that does not start with SQLite's header, without opening it through SQLite.
    static func requireSQLiteHeader(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.file(path: path, message: "cannot be read")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError.schema("'\(path)' is not a JourneyQL store (not an SQLite database)")
        }
    }

    /// Drops the caches when another connection (another process, say) has committed to the file since they
    /// were filled.
    func dropCachesIfChangedElsewhere() throws {
        let version = try db.dataVersion()
        if version != cacheVersion {
            cachedCatalog = nil
            importState = nil
            cacheVersion = version
        }
    }

    /// A handle that stops the scan or import running on this store, usable from another thread
    /// (a SIGINT watcher, say). The interrupted call throws `StoreError.cancelled`.
    package var interruptHandle: InterruptHandle { db.interruptHandle }

    /// The store's connection, for SQL of one's own: the events are views `events` and `events_json` over the
    /// columnar copy, which only a connection of this package can read (see `EventsTable`). Queries only: writes
    /// that bypass the store's imports would leave its counters and copy disagreeing.
    package var sqlConnection: Database { db }

    /// The names of the indexes made by `CREATE INDEX` in the store.
    static func indexNames(_ db: Database) throws -> [String] {
        let statement = try db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
        var names: [String] = []
        while try statement.step() { names.append(statement.text(0) ?? "") }
        return names
    }

    /// Copies the write-ahead log into the main file and empties the log, so the file alone holds the store.
    package func checkpoint() throws {
        try requireWritable()
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    // MARK: Metadata

    /// The metadata value stored under `key`, or nil.
    package func metadata(_ key: String) throws -> String? {
        let statement = try db.prepare("SELECT value FROM meta WHERE key = ?")
        try statement.bind(key, at: 1)
        return try statement.step() ? statement.text(0) : nil
    }

    /// Stores `value` under `key`; nil deletes the key. Keys the store manages itself (`schema_version`) are refused.
    package func setMetadata(_ key: String, _ value: String?) throws {
        try requireWritable(checking: ["meta"])
        if Schema.reservedKeys.contains(key) {
            throw StoreError.schema("metadata key '\(key)' is managed by the store")
        }
        let statement: Statement
        if let value {
            statement = try db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            try statement.bind(key, at: 1)
            try statement.bind(value, at: 2)
        } else {
            statement = try db.prepare("DELETE FROM meta WHERE key = ?")
            try statement.bind(key, at: 1)
        }
        try statement.run()
        cachedCatalog = nil
    }

    /// Replaces the value under `key` with `change(current value)` in one write transaction, so two connections
    /// changing the same key (two sessions defining at once) cannot lose each other's change. nil deletes the key.
    package func updateMetadata(_ key: String, _ change: (String?) throws -> String?) throws {
        try requireWritable(checking: ["meta"])
        try db.transaction {
            try setMetadata(key, try change(try metadata(key)))
        }
    }

    /// Every metadata key and value, in key order.
    package func allMetadata() throws -> [(key: String, value: String)] {
        let statement = try db.prepare("SELECT key, value FROM meta ORDER BY key")
        var pairs: [(key: String, value: String)] = []
        while try statement.step() {
            pairs.append((statement.text(0) ?? "", statement.text(1) ?? ""))
        }
        return pairs
    }

    // MARK: Catalog

    /// What the store holds: dictionary values with counts, field names, totals and the time range.
    /// Read from small tables and cached until the next import or metadata change (here or by another connection).
    package func catalog() throws -> StoreCatalog {
        try dropCachesIfChangedElsewhere()
        if let cachedCatalog { return cachedCatalog }
        var catalog = StoreCatalog()

        var values: [EventColumn: [NamedCount]] = [:]
        var codes: [EventColumn: CodeTable] = [:]
        let dictionary = try db.prepare("SELECT col, code, value, events FROM dictionary")
        while try dictionary.step() {
            guard let column = EventColumn(rawValue: Int(dictionary.int64(0))) else { continue }
            let value = dictionary.text(2) ?? ""
            codes[column, default: CodeTable()].insert(value, code: dictionary.int64(1))
            values[column, default: []].append(NamedCount(name: value, count: Int(dictionary.int64(3))))
        }
        catalog.stages = Self.mostFrequentFirst(values[.stage] ?? [])
        catalog.touchpoints = Self.mostFrequentFirst(values[.touchpoint] ?? [])
        catalog.channels = Self.mostFrequentFirst(values[.channel] ?? [])
        catalog.codes = codes

        let fields = try db.prepare("SELECT kind, name, count FROM fields WHERE count > 0")
        var properties: [NamedCount] = []
        var attributes: [NamedCount] = []
        while try fields.step() {
            let entry = NamedCount(name: fields.text(1) ?? "", count: Int(fields.int64(2)))
            if fields.int64(0) == Schema.propertyKind { properties.append(entry) } else { attributes.append(entry) }
        }
        catalog.properties = Self.mostFrequentFirst(properties)
        catalog.customerAttributes = Self.mostFrequentFirst(attributes)

        let counters = try readCounters()
        catalog.eventCount = Int(counters.eventCount)
        if counters.eventCount > 0 { catalog.timeRange = counters.minTime...counters.maxTime }
        let customers = try db.prepare("SELECT count(*) FROM \(customerKeysTable)")
        catalog.customerCount = try customers.step() ? Int(customers.int64(0)) : 0

        if let order = try metadata("stage_order") {
            let names = order.split(separator: ",").map { $0.trimmingASCIISpaces() }.filter { !$0.isEmpty }
            if !names.isEmpty { catalog.stageOrder = names }
        }
        cachedCatalog = catalog
        return catalog
    }

    private static func mostFrequentFirst(_ entries: [NamedCount]) -> [NamedCount] {
        entries.sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
    }

    // MARK: Counters

    /// The running totals kept in the `counters` table.
    struct Counters: Equatable {
        var eventCount: Int64 = 0
        var minTime: Int64 = 0
        var maxTime: Int64 = 0
        /// The `seq` the next imported event gets.
        var nextSeq: Int64 = 1
    }

    func readCounters() throws -> Counters {
        var counters = Counters()
        let statement = try db.prepare("SELECT name, value FROM counters")
        while try statement.step() {
            let value = statement.int64(1)
            switch statement.text(0) {
            case "event_count": counters.eventCount = value
            case "min_time": counters.minTime = value
            case "max_time": counters.maxTime = value
            case "next_seq": counters.nextSeq = value
            default: break
            }
        }
        return counters
    }

    static func writeCounters(_ counters: Counters, to db: Database) throws {
        let statement = try db.prepare("INSERT INTO counters(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")
        for (name, value) in [("event_count", counters.eventCount), ("min_time", counters.minTime),
                              ("max_time", counters.maxTime), ("next_seq", counters.nextSeq)] {
            try statement.bind(name, at: 1)
            try statement.bind(value, at: 2)
            try statement.run()
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
