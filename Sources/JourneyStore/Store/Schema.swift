// The store's tables and indexes, its version, and the check that an opened file is a store this code can read.

/// The layout of a JourneyQL store file.
///
/// - `meta`: free-form metadata (`schema_version`, `stage_order`, and whatever the interpreter records).
/// - `counters`: running totals the catalog reads without scanning (`event_count`, `min_time`, `max_time`,
///   `next_seq`).
/// - `dictionary`: the codes of the text columns stage, touchpoint and channel (`col` = `EventColumn.rawValue`),
///   with how many events carry each value.
/// - `customers`: one row per customer id seen in events or a customers file; `attrs` is a JSON object or NULL;
///   `customers_key` finds a customer by key (and keeps keys unique).
/// - `events`: clustered by (customer, time, seq), so one customer's journey is one contiguous range, read in
///   order without a sort; `seq` is the global import order. `props` is the id of the event's properties in
///   `props`, or NULL for none.
/// - `props`: each distinct object of event properties, as JSON text, once per import that brought it. Events of
///   real logs repeat a few objects (`{"device":"mobile"}`) millions of times; numbering them keeps an event row
///   at about 30 bytes instead of 60, and lets the columnar copy read each object once instead of once per event.
/// - `events_recent` (only while it holds rows): recent rows of small appends into a large store, clustered like
///   `events` (see `recentEventsTable`).
/// - `events_json` (a view): the events with their properties as JSON text, which is what every SQL reading
///   of the events uses (`e.props` is a JSON object or NULL there); over both tables while `events_recent` exists.
/// - `fields`: property names (`kind` 0) and customer attribute names (`kind` 1) with how many rows carry them.
/// - `columnar` (made on first use): the columnar copy of the events as blobs, each stamped with the events version
///   it was made from (see `EventStore+ColumnarCache`).
public enum Schema {
    /// The version this code writes and reads.
    public static let version = 2

    /// The statements that create an empty store.
    static let create = """
        CREATE TABLE meta(
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE counters(
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE dictionary(
            col INTEGER NOT NULL,
            code INTEGER NOT NULL,
            value TEXT NOT NULL,
            events INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (col, code),
            UNIQUE (col, value)
        ) WITHOUT ROWID;
        CREATE TABLE customers(
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            attrs TEXT
        );
        \(customerKeyIndex.definition);
        \(eventsTable("events"))
        \(propsTable)
        \(eventsJSONView)
        CREATE TABLE fields(
            kind INTEGER NOT NULL,
            name TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (kind, name)
        ) WITHOUT ROWID;
        """

    /// Optional secondary indexes of `events` (name, definition), made by `createSecondaryIndexes`. New stores do
    /// not have them: queries read the columnar copy, and the indexes would cost about 40 bytes per event and a
    /// quarter of an import's time to serve only the SQLite scan's rare steps. Where they exist, a large import
    /// drops and rebuilds them: building an index from sorted entries is many times faster than inserting rows
    /// into it in random order.
    static let eventIndexes = [
        ("events_stage_time", "CREATE INDEX IF NOT EXISTS events_stage_time ON events(stage, time)"),
        ("events_touchpoint_time", "CREATE INDEX IF NOT EXISTS events_touchpoint_time ON events(touchpoint, time)"),
    ]

    /// The events table, clustered by (customer, time, seq), under `name`.
    static func eventsTable(_ name: String) -> String {
        """
        CREATE TABLE \(name)(
            customer INTEGER NOT NULL,
            time INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            stage INTEGER,
            touchpoint INTEGER,
            channel INTEGER,
            props INTEGER,
            PRIMARY KEY (customer, time, seq)
        ) WITHOUT ROWID;
        """
    }

    /// Each distinct property object once, as JSON text.
    static let propsTable = """
        CREATE TABLE props(
            id INTEGER PRIMARY KEY,
            json TEXT NOT NULL
        );
        """

    /// The events as SQL reads them, with each event's properties as JSON text. SQLite flattens the view into
    /// the query, so a scan through it still reads `events` in its clustered order, with one lookup per event
    /// into the small `props` table.
    static let eventsJSONView = """
        CREATE VIEW events_json AS
            SELECT e.customer, e.time, e.seq, e.stage, e.touchpoint, e.channel, p.json AS props
            FROM events e LEFT JOIN props p ON p.id = e.props;
        """

    /// Where small appends into a large store put their rows: `events_recent`, clustered like `events`. Inserting
    /// 10,000 rows into the large clustered table dirtied about as many of its pages, and writing them to the WAL
    /// and checkpointing them made most of an append's time; in a small table they share a few pages. The table
    /// exists only while it holds rows: it is made by the first such append, and its rows move into `events` (and it
    /// is dropped) when an import rewrites the whole columnar copy, that is when the copy's parts are compacted.
    /// While it exists, `events_json` reads both tables, and so does every reading of the events in their order.
    static let recentEventsTable = "events_recent"

    /// `events_json` over both tables.
    static let eventsJSONViewWithRecent = """
        CREATE VIEW events_json AS
            SELECT e.customer, e.time, e.seq, e.stage, e.touchpoint, e.channel, p.json AS props
            FROM events e LEFT JOIN props p ON p.id = e.props
            UNION ALL
            SELECT e.customer, e.time, e.seq, e.stage, e.touchpoint, e.channel, p.json AS props
            FROM events_recent e LEFT JOIN props p ON p.id = e.props;
        """

    /// Whether the store has recent events in a table of their own.
    static func hasRecentEvents(_ db: Database) throws -> Bool {
        let statement = try db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?")
        try statement.bind([.text(recentEventsTable)])
        return try statement.step() && statement.int64(0) > 0
    }

    /// Makes `events_recent` and points `events_json` at both tables (inside the caller's transaction).
    static func addRecentEvents(_ db: Database) throws {
        try db.execute(eventsTable(recentEventsTable) + "\nDROP VIEW events_json;\n" + eventsJSONViewWithRecent)
    }

    /// Moves the recent events into `events` and drops their table (inside the caller's transaction).
    static func mergeRecentEvents(_ db: Database) throws {
        let columns = "customer, time, seq, stage, touchpoint, channel, props"
        try db.execute("""
            INSERT INTO events(\(columns)) SELECT \(columns) FROM \(recentEventsTable) ORDER BY customer, time, seq;
            DROP VIEW events_json;
            DROP TABLE \(recentEventsTable);
            \(eventsJSONView)
            """)
    }

    /// SQL reading `columns` (which must include customer, time and seq) of every event in clustered order, from
    /// both tables when recent events are kept apart: two ordered scans that SQLite merges, no sort.
    static func eventsInOrder(_ columns: String, hasRecent: Bool) -> String {
        guard hasRecent else { return "SELECT \(columns) FROM events ORDER BY customer, time, seq" }
        return "SELECT \(columns) FROM events UNION ALL SELECT \(columns) FROM \(recentEventsTable) ORDER BY customer, time, seq"
    }

    /// The index that finds a customer by key and keeps keys unique. It is an index of its own, not a UNIQUE
    /// constraint, so that an import adding many customers can drop it and build it again from sorted keys.
    /// (Stores upgraded from version 1 keep the constraint's index instead, which works the same.)
    static let customerKeyIndex = (name: "customers_key", definition: "CREATE UNIQUE INDEX customers_key ON customers(key)")

    /// The tables a store must have.
    static let tables: Set<String> = ["meta", "counters", "dictionary", "customers", "events", "fields", "props"]

    /// `fields.kind` of event property names.
    static let propertyKind: Int64 = 0
    /// `fields.kind` of customer attribute names.
    static let attributeKind: Int64 = 1

    /// Metadata keys the store manages itself; `setMetadata` refuses them.
    static let reservedKeys: Set<String> = ["schema_version"]

    /// Creates the schema in an empty file, or checks that an existing file holds a store of this version.
    /// Refuses a database that is not a JourneyQL store, by reading only (nothing is written to its file).
    static func requireStore(_ db: Database, tables: Set<String>? = nil) throws {
        let existing = try tables ?? tableNames(db)
        guard existing.contains("meta") else {
            throw StoreError.schema("'\(db.path)' is an SQLite database but not a JourneyQL store (no meta table)")
        }
    }

    /// Refuses a store that would need rewriting before it can be read (an older version), for read-only opens.
    static func requireCurrentVersion(_ db: Database) throws {
        let read = try db.prepare("SELECT value FROM meta WHERE key = 'schema_version'")
        guard try read.step(), let text = read.text(0), let found = Int(text) else {
            throw StoreError.schema("'\(db.path)' has no readable schema_version")
        }
        if found > version {
            throw StoreError.schema("'\(db.path)' has schema version \(found), newer than this program's \(version)")
        }
        if found < version {
            throw StoreError.schema("'\(db.path)' is a version \(found) store: it is rewritten to version \(version) the first "
                                    + "time it is opened with write access, which this read-only open cannot do")
        }
    }

    static func prepare(_ db: Database) throws {
        let existing = try tableNames(db)
        if existing.isEmpty {
            try db.transaction {
                try db.execute(create)
                let insert = try db.prepare("INSERT INTO meta(key, value) VALUES ('schema_version', ?)")
                try insert.bind(String(version), at: 1)
                try insert.run()
            }
            return
        }
        try requireStore(db, tables: existing)
        let read = try db.prepare("SELECT value FROM meta WHERE key = 'schema_version'")
        guard try read.step(), let text = read.text(0) else {
            throw StoreError.schema("'\(db.path)' has no schema_version")
        }
        // An open read of meta would make the upgrade's DROP TABLE fail.
        read.reset()
        guard let found = Int(text) else {
            throw StoreError.schema("unknown schema_version '\(text)' in '\(db.path)'")
        }
        if found > version {
            throw StoreError.schema("'\(db.path)' has schema version \(found), newer than this program's \(version)")
        }
        if found < 1 {
            throw StoreError.schema("unknown schema_version '\(text)' in '\(db.path)'")
        }
        let missing = tables.subtracting(existing).subtracting(found == 1 ? ["props"] : [])
        if !missing.isEmpty {
            throw StoreError.schema("'\(db.path)' lacks the tables \(missing.sorted().joined(separator: ", "))")
        }
        if found == 1 { try upgradeFromVersion1(db) }
    }

    /// Rewrites a version 1 store, whose events held their properties as JSON text, into this version's layout,
    /// in one transaction: each distinct object gets an id in `props`, the events are copied in their clustered
    /// order with that id, and the columnar copy (made from the old layout) is dropped.
    private static func upgradeFromVersion1(_ db: Database) throws {
        try db.transaction {
            let indexes = try EventStore.indexNames(db)
            try db.execute("""
                \(propsTable)
                CREATE TEMP TABLE upgrade_props(json TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO props(json) SELECT DISTINCT props FROM events WHERE props IS NOT NULL;
                INSERT INTO upgrade_props(json, id) SELECT json, id FROM props;
                \(eventsTable("events_upgraded"))
                INSERT INTO events_upgraded
                    SELECT e.customer, e.time, e.seq, e.stage, e.touchpoint, e.channel, u.id
                    FROM events e LEFT JOIN upgrade_props u ON u.json = e.props
                    ORDER BY e.customer, e.time, e.seq;
                DROP TABLE upgrade_props;
                DROP TABLE events;
                ALTER TABLE events_upgraded RENAME TO events;
                DROP TABLE IF EXISTS columnar;
                \(eventsJSONView)
                UPDATE meta SET value = '2' WHERE key = 'schema_version';
                """)
            for (name, definition) in eventIndexes where indexes.contains(name) { try db.execute(definition) }
        }
    }

    private static func tableNames(_ db: Database) throws -> Set<String> {
        let statement = try db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        var names: Set<String> = []
        while try statement.step() {
            if let name = statement.text(0) { names.insert(name) }
        }
        return names
    }
}
