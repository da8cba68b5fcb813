// The store's tables and indexes, its version, and the check that an opened file is a store this code can read.

/// The layout of a JourneyQL store file.
///
/// - `meta`: free-form metadata (`schema_version`, `stage_order`, and whatever the interpreter records).
/// - `counters`: running totals the catalog reads without scanning (`event_count`, `min_time`, `max_time`,
///   `next_seq`).
/// - `dictionary`: the codes of the text columns stage, touchpoint and channel (`col` = `EventColumn.rawValue`),
///   with how many events carry each value.
/// - `customer_keys`: one row per customer id seen in events or a customers file, its number and key;
///   `customers_key` finds a customer by key (and keeps keys unique).
/// - `customer_attrs`: one row per customer a customers file gave, its attributes as a JSON object (NULL when the
///   file's row had none). A table of its own so that a customers file appends narrow rows instead of rewriting
///   every customer's row (issue 14: 0.72 s -> 0.31 s of SQLite's work for 820,000 customers).
/// - `customers` (view): `customer_keys` with each customer's `attrs` (NULL without a row in `customer_attrs`), as
///   SQL and every reader of this package see customers. Version 3 stores had a table of that name and columns.
/// - `columnar`: the events, in columnar form, as blobs (see `EventStore+ColumnarCache` and `ColumnarParts`): per
///   part, each event's customer, time and codes (`base`), its property object (`props`) and one column per
///   property; each blob stamped with the events version it holds. This is the only place events are kept.
/// - `props`: each distinct object of event properties, as JSON text, once per import that brought it. Events of
///   real logs repeat a few objects (`{"device":"mobile"}`) millions of times.
/// - `events` and `events_json` (views): the events as SQL reads them, one row per event in (customer, time,
///   import order) order, through the virtual table `journey_events` (`EventsTable`) that every connection of
///   this package registers; in `events_json`, `props` is the object's JSON text. (Another SQLite program opening
///   the file sees the other tables, but not these two views.)
/// - `fields`: property names (`kind` 0) and customer attribute names (`kind` 1) with how many rows carry them.
///
/// Version 2 stores kept every event a second time, as a row of a clustered `events` table (about 30 bytes an
/// event, three quarters of the file); they are rewritten into this layout the first time they are opened with
/// write access (`EventStore.upgradeFromVersion2`).
package enum Schema {
    /// The version this code writes and reads.
    package static let version = 4

    /// The oldest version a read-only open reads as it is: version 3's `customers` table has the columns of version
    /// 4's view, and only imports use the tables behind the view.
    static let oldestReadable = 3

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
        \(customerTables)
        \(customersView)
        \(customerKeyIndex.definition);
        \(EventStore.createColumnarTable);
        \(propsTable)
        \(eventsViews)
        CREATE TABLE fields(
            kind INTEGER NOT NULL,
            name TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (kind, name)
        ) WITHOUT ROWID;
        """

    /// Version 2's events table, clustered by (customer, time, seq), under `name` (for the upgrade from version 1).
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

    /// The events as SQL reads them: `events` with codes and property object ids, `events_json` with each event's
    /// properties as JSON text. SQLite flattens the views into the query, so a scan through them reads the events in
    /// their order, with one lookup per event into the small `props` table when the properties are read.
    static let eventsViews = """
        CREATE VIEW events AS
            SELECT customer, time, seq, stage, touchpoint, channel, props FROM \(EventsTable.name);
        CREATE VIEW events_json AS
            SELECT e.customer, e.time, e.seq, e.stage, e.touchpoint, e.channel, p.json AS props
            FROM \(EventsTable.name) e LEFT JOIN props p ON p.id = e.props;
        """

    /// Version 2's view over its events table.
    static let version2EventsJSONView = """
        CREATE VIEW events_json AS
            SELECT e.customer, e.time, e.seq, e.stage, e.touchpoint, e.channel, p.json AS props
            FROM events e LEFT JOIN props p ON p.id = e.props;
        """

    /// Customers' keys and attributes (see the type's comment).
    static let customerTables = """
        CREATE TABLE customer_keys(
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL
        );
        CREATE TABLE customer_attrs(
            id INTEGER PRIMARY KEY,
            attrs TEXT
        );
        """

    /// Customers as readers see them, with version 3's columns (the left join is skipped when `attrs` is not read).
    static let customersView = """
        CREATE VIEW customers AS
            SELECT k.id AS id, k.key AS key, a.attrs AS attrs FROM customer_keys k LEFT JOIN customer_attrs a ON a.id = k.id;
        """

    /// The index that finds a customer by key and keeps keys unique. It is an index of its own, not a UNIQUE
    /// constraint, so that an import adding many customers can drop it and build it again from sorted keys.
    /// (Version 3 stores upgraded from version 1 had the constraint's index instead; version 4 has this one.)
    static let customerKeyIndex = (name: "customers_key", definition: "CREATE UNIQUE INDEX customers_key ON customer_keys(key)")

    /// The tables a store of version `found` must have.
    static func tables(version found: Int) -> Set<String> {
        let common: Set<String> = ["meta", "counters", "dictionary", "fields"]
        let customers: Set<String> = found >= 4 ? ["customer_keys", "customer_attrs"] : ["customers"]
        let events: Set<String> = found >= 3 ? ["columnar", "props"] : found == 2 ? ["events", "props"] : ["events"]
        return common.union(customers).union(events)
    }

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

    /// Refuses a store that would need rewriting before it can be read (older than `oldestReadable`), for
    /// read-only opens; returns its version.
    static func requireReadableVersion(_ db: Database) throws -> Int {
        let read = try db.prepare("SELECT value FROM meta WHERE key = 'schema_version'")
        guard try read.step(), let text = read.text(0), let found = Int(text) else {
            throw StoreError.schema("'\(db.path)' has no readable schema_version")
        }
        if found > version {
            throw StoreError.schema("'\(db.path)' has schema version \(found), newer than this program's \(version)")
        }
        if found < oldestReadable {
            throw StoreError.schema("'\(db.path)' is a version \(found) store: it is rewritten to version \(version) the first "
                                    + "time it is opened with write access, which this read-only open cannot do")
        }
        return found
    }

    /// Creates an empty store, or upgrades a version 1 store to version 2; returns the version the file is at
    /// then (version 2 is upgraded by `EventStore.upgradeFromVersion2`, which needs the columnar code, and version 3
    /// by `upgradeFromVersion3`).
    static func prepare(_ db: Database) throws -> Int {
        let existing = try tableNames(db)
        if existing.isEmpty {
            try db.transaction {
                try db.execute(create)
                let insert = try db.prepare("INSERT INTO meta(key, value) VALUES ('schema_version', ?)")
                try insert.bind(String(version), at: 1)
                try insert.run()
            }
            return version
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
        let missing = tables(version: found).subtracting(existing)
        if !missing.isEmpty {
            throw StoreError.schema("'\(db.path)' lacks the tables \(missing.sorted().joined(separator: ", "))")
        }
        if found == 1 {
            try upgradeFromVersion1(db)
            return 2
        }
        return found
    }

    /// Rewrites a version 1 store, whose events held their properties as JSON text, into this version's layout,
    /// in one transaction: each distinct object gets an id in `props`, the events are copied in their clustered
    /// order with that id, and the columnar copy (made from the old layout) is dropped.
    private static func upgradeFromVersion1(_ db: Database) throws {
        try db.transaction {
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
                \(version2EventsJSONView)
                UPDATE meta SET value = '2' WHERE key = 'schema_version';
                """)
        }
    }

    /// Rewrites a version 3 store into version 4, in one transaction: the customers table becomes `customer_keys`
    /// and `customer_attrs` (only the customers with attributes) behind a view of the old name and columns.
    static func upgradeFromVersion3(_ db: Database) throws {
        try db.transaction {
            try db.execute("""
                \(customerTables)
                INSERT INTO customer_keys(id, key) SELECT id, key FROM customers ORDER BY id;
                INSERT INTO customer_attrs(id, attrs) SELECT id, attrs FROM customers WHERE attrs IS NOT NULL ORDER BY id;
                DROP TABLE customers;
                \(customersView)
                \(customerKeyIndex.definition);
                UPDATE meta SET value = '4' WHERE key = 'schema_version';
                """)
        }
    }

    static func tableNames(_ db: Database) throws -> Set<String> {
        let statement = try db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        var names: Set<String> = []
        while try statement.step() {
            if let name = statement.text(0) { names.insert(name) }
        }
        return names
    }
}
