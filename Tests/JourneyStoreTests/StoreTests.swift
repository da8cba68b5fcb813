import Foundation
// Opening stores: schema creation and validation, metadata, the catalog's stage order, the SQLite layer's errors.
import Testing
@testable import JourneyStore

@Suite struct StoreTests {
    @Test func metadataPersistsAndDrivesStageOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store.db")
        do {
            let store = try EventStore(path: path, access: .create)
            #expect(try store.metadata("schema_version") == "4")
            #expect(try store.metadata("stage_order") == nil)
            #expect(try store.catalog().stageOrder == StoreCatalog.defaultStageOrder)
            try store.setMetadata("stage_order", " lead, deal ,won,")
            #expect(try store.catalog().stageOrder == ["lead", "deal", "won"])
            try store.setMetadata("note", "x")
            try store.setMetadata("note", "y")
            #expect(throws: StoreError.self) { try store.setMetadata("schema_version", "9") }
        }
        let reopened = try EventStore(path: path, access: .create)
        #expect(try reopened.metadata("note") == "y")
        #expect(try reopened.catalog().stageOrder == ["lead", "deal", "won"])
        #expect(try reopened.allMetadata().map(\.key) == ["note", "schema_version", "stage_order"])
        try reopened.setMetadata("note", nil)
        #expect(try reopened.metadata("note") == nil)
        let empty = try reopened.catalog()
        #expect(empty.eventCount == 0 && empty.customerCount == 0 && empty.timeRange == nil)
    }

    @Test func cachesFollowCommitsFromOtherConnections() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("shared.db")
        let first = try EventStore(path: path, access: .create)
        let second = try EventStore(path: path, access: .create)
        _ = try first.importEvents([directory.file("a.csv", "customer_id,timestamp,stage\na,2024-01-01,awareness\n")])
        _ = try second.importEvents([directory.file("b.csv", "customer_id,timestamp,stage\nb,2024-01-02,purchase\n")])
        #expect(try first.catalog().eventCount == 2)
        // The first store's cached ids and sequence are stale now; its next import must not reuse them.
        _ = try first.importEvents([directory.file("c.csv", "customer_id,timestamp,stage\nc,2024-01-03,retention\na,2024-01-04,advocacy\n")])
        #expect(try second.rawEvents().map { "\($0.customer)\($0.seq)" } == ["a1", "a4", "b2", "c3"])
        #expect(try second.catalog().stages.count == 4)
        #expect(try second.customerID("c") == 3)
        try second.setMetadata("stage_order", "x,y")
        #expect(try first.catalog().stageOrder == ["x", "y"])
    }

    @Test func newerOrForeignSchemasAreRefused() throws {
        let directory = try TemporaryDirectory()
        let newer = directory.path("newer.db")
        do {
            let store = try EventStore(path: newer, access: .create)
            try store.db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        }
        #expect(throws: StoreError.schema("'\(newer)' has schema version 5, newer than this program's 4")) {
            try EventStore(path: newer, access: .create)
        }
        let garbled = directory.path("garbled.db")
        do {
            let store = try EventStore(path: garbled, access: .create)
            try store.db.execute("UPDATE meta SET value = 'v1' WHERE key = 'schema_version'")
        }
        #expect(throws: StoreError.schema("unknown schema_version 'v1' in '\(garbled)'")) { try EventStore(path: garbled, access: .create) }

        let foreign = directory.path("foreign.db")
        do {
            let db = try Database(path: foreign)
            try db.execute("CREATE TABLE t(x)")
        }
        #expect(throws: StoreError.schema("'\(foreign)' is an SQLite database but not a JourneyQL store (no meta table)")) {
            try EventStore(path: foreign, access: .create)
        }
        let text = try directory.file("text.db", String(repeating: "not a database at all ", count: 100))
        #expect(throws: StoreError.schema("'\(text)' is not a JourneyQL store (not an SQLite database)")) {
            try EventStore(path: text, access: .create)
        }
    }

    /// Opening never writes to a file before it is known to be a store: a foreign SQLite database keeps its
    /// bytes (it used to be switched to WAL), and a missing path is an error that leaves no file behind.
    @Test func onlyAMissingOrEmptyFileBecomesAStore() throws {
        let directory = try TemporaryDirectory()
        let foreign = directory.path("foreign.db")
        do {
            let db = try Database(path: foreign)
            try db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1)")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: foreign))
        for access in [StoreAccess.readWrite, .create] {
            #expect(throws: StoreError.self) { try EventStore(path: foreign, access: access) }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == before)

        let missing = directory.path("retial.db")
        #expect(throws: StoreError.notFound(path: missing)) { try EventStore(path: missing) }
        #expect(!FileManager.default.fileExists(atPath: missing))
        #expect(StoreError.notFound(path: missing).exitCode == 66)

        let empty = try directory.file("empty.db", "")
        #expect(throws: StoreError.notFound(path: empty)) { try EventStore(path: empty) }
        let made = try EventStore(path: empty, access: .create)
        #expect(try made.catalog().eventCount == 0)
        _ = try EventStore(path: empty)  // now a store: opens without create
    }

    @Test func databaseLayer() throws {
        let directory = try TemporaryDirectory()
        let db = try Database(path: directory.path("raw.db"))
        try db.execute("CREATE TABLE t(i INTEGER, d REAL, s TEXT)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?)")
        #expect(insert.parameterCount == 3)
        try insert.bind([.integer(-7), .real(2.5), .text("it's ünïcode")])
        try insert.run()
        try insert.bind([.null, .null, .text("")])
        try insert.run()
        let select = try db.prepare("SELECT i, d, s FROM t ORDER BY rowid")
        #expect(try select.step())
        #expect(select.int64(0) == -7 && select.double(1) == 2.5 && select.text(2) == "it's ünïcode")
        #expect(try select.step())
        #expect(select.isNull(0) && select.value(1) == .null && select.text(2) == "")
        #expect(try !select.step())

        // A throwing transaction body leaves nothing behind; a nested one rolls back only itself.
        #expect(throws: StoreError.cancelled) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1, 1, 'x')")
                throw StoreError.cancelled
            }
        }
        try db.transaction {
            try db.execute("INSERT INTO t VALUES (2, 2, 'kept')")
            _ = try? db.transaction {
                try db.execute("INSERT INTO t VALUES (3, 3, 'undone')")
                throw StoreError.cancelled
            }
        }
        let count = try db.prepare("SELECT group_concat(s, '/') FROM (SELECT s FROM t ORDER BY rowid)")
        #expect(try count.step())
        #expect(count.text(0) == "it's ünïcode//kept")
        #expect(!db.isInTransaction)

        let error = try #require(throws: StoreError.self) { try db.prepare("SELECT nope FROM t") }
        #expect(error == .sqlite(code: 1, message: "no such column: nope"))
    }

    /// A version 1 store (properties as JSON text in each event row) is rewritten on open: the same events with
    /// the same properties, each distinct object stored once, the indexes it had kept, its columnar copy dropped.
    @Test func versionOneStoresAreUpgradedInPlace() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("v1.db")
        do {
            let db = try Database(path: path)
            try db.execute("""
                CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE dictionary(col INTEGER NOT NULL, code INTEGER NOT NULL, value TEXT NOT NULL,
                    events INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (col, code), UNIQUE (col, value)) WITHOUT ROWID;
                CREATE TABLE customers(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, attrs TEXT);
                CREATE TABLE events(customer INTEGER NOT NULL, time INTEGER NOT NULL, seq INTEGER NOT NULL,
                    stage INTEGER, touchpoint INTEGER, channel INTEGER, props TEXT,
                    PRIMARY KEY (customer, time, seq)) WITHOUT ROWID;
                CREATE TABLE fields(kind INTEGER NOT NULL, name TEXT NOT NULL, count INTEGER NOT NULL,
                    PRIMARY KEY (kind, name)) WITHOUT ROWID;
                CREATE TABLE columnar(name TEXT PRIMARY KEY, version TEXT, data BLOB);
                CREATE INDEX events_stage_time ON events(stage, time);
                INSERT INTO meta VALUES ('schema_version', '1');
                INSERT INTO counters VALUES ('event_count', 4), ('min_time', 10), ('max_time', 40), ('next_seq', 5);
                INSERT INTO dictionary VALUES (1, 1, 'awareness', 3), (1, 2, 'purchase', 1);
                INSERT INTO customers(id, key) VALUES (1, 'a'), (2, 'b');
                INSERT INTO events VALUES (1, 10, 1, 1, NULL, NULL, '{"device":"web"}'),
                    (1, 20, 2, 2, NULL, NULL, '{"amount":12.5}'),
                    (2, 30, 3, 1, NULL, NULL, '{"device":"web"}'),
                    (2, 40, 4, 1, NULL, NULL, NULL);
                INSERT INTO fields VALUES (0, 'device', 2), (0, 'amount', 1);
                """)
        }
        // Version 1 becomes version 2 (property objects numbered in `props`), then 3 (the events table replaced by the
        // columnar copy), then 4 (the customers split into keys and attributes), when the store is opened.
        let store = try EventStore(path: path, access: .create)
        #expect(try store.metadata("schema_version") == "4")
        let events = try store.rawEvents()
        #expect(events.map(\.seq) == [1, 2, 3, 4])
        #expect(events.map { "\($0.customer)\($0.time)\($0.stage ?? "-")" } == ["a10awareness", "a20purchase", "b30awareness", "b40awareness"])
        #expect(events.map { $0.properties.keys.sorted() } == [["device"], ["amount"], ["device"], []])
        #expect(events[1].properties["amount"] == .number(12.5) && events[2].properties["device"] == .text("web"))
        let objects = try store.db.prepare("SELECT count(*) FROM props")
        #expect(try objects.step() && objects.int64(0) == 2)
        // The key index: version 1's was the UNIQUE constraint's, version 4's is customers_key.
        #expect(try store.indexNames() == ["customers_key"])
        let tables = try store.db.prepare("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name)")
        #expect(try tables.step() && tables.text(0) == "columnar,counters,customer_attrs,customer_keys,dictionary,fields,meta,props")
        #expect(try store.rawCustomers() == ["a": [:], "b": [:]])
        #expect(try store.check() == [])
        // The upgraded store imports and reads like a new one.
        _ = try store.importEvents([directory.file("more.csv", "customer_id,timestamp,stage,device\nb,1970-01-01T00:00:50Z,purchase,web\n")])
        #expect(try store.rawEvents().last?.properties["device"] == .text("web"))
        #expect(try store.columnarEvents().eventCount == 5)
    }

    /// A version 3 store (customers' keys and attributes in one table) is read as it is by a read-only open, and
    /// split into `customer_keys` and `customer_attrs` behind the `customers` view when opened with write access:
    /// the same customers, numbers and attributes, the key index kept, and later imports work as in a new store.
    @Test func versionThreeStoresAreReadAndUpgraded() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("v3.db")
        let expected: [String: [String: PropertyValue]]
        do {
            let store = try EventStore(path: path, access: .create)
            _ = try store.importEvents([directory.file("e.csv", "customer_id,timestamp\na,2024-01-01\nb,2024-01-02\nc,2024-01-03\n")])
            _ = try store.importCustomers(directory.file("c.csv", "customer_id,tier\nc,gold\na,2\nd,\n"))
            expected = try store.rawCustomers()
            #expect(expected == ["a": ["tier": .number(2)], "b": [:], "c": ["tier": .text("gold")], "d": [:]])
            // Back to version 3's layout.
            try store.db.execute("""
                DROP VIEW customers;
                CREATE TABLE customers(id INTEGER PRIMARY KEY, key TEXT NOT NULL, attrs TEXT);
                INSERT INTO customers SELECT k.id, k.key, a.attrs FROM customer_keys k LEFT JOIN customer_attrs a ON a.id = k.id;
                DROP TABLE customer_keys;
                DROP TABLE customer_attrs;
                CREATE UNIQUE INDEX customers_key ON customers(key);
                UPDATE meta SET value = '3' WHERE key = 'schema_version';
                """)
        }
        do {
            let reader = try EventStore(path: path, access: .readOnly)
            #expect(try reader.metadata("schema_version") == "3")
            #expect(try reader.rawCustomers() == expected)
            #expect(try reader.customerID("c") == 3 && reader.customerID("d") == 4)
            #expect(try reader.catalog().customerCount == 4)
        }
        let store = try EventStore(path: path)
        #expect(try store.metadata("schema_version") == "4")
        #expect(try store.rawCustomers() == expected)
        #expect(try store.customerID("c") == 3 && store.customerID("d") == 4)
        #expect(try store.indexNames() == ["customers_key"])
        let rows = try store.db.prepare("SELECT (SELECT count(*) FROM customer_keys), (SELECT count(*) FROM customer_attrs)")
        #expect(try rows.step() && rows.int64(0) == 4 && rows.int64(1) == 2)
        rows.reset()
        #expect(try store.check() == [])
        _ = try store.importCustomers(directory.file("more.csv", "customer_id,tier\nb,1\ne,silver\n"))
        _ = try store.importEvents([directory.file("f.csv", "customer_id,timestamp\ne,2024-01-04\nf,2024-01-05\n")])
        #expect(try store.customerID("e") == 5 && store.customerID("f") == 6)
        var now = expected
        now["b"] = ["tier": .number(1)]
        now["e"] = ["tier": .text("silver")]
        now["f"] = [:]
        #expect(try store.rawCustomers() == now)
        #expect(try store.catalog().customerAttributes == [NamedCount(name: "tier", count: 4)])
    }
}
