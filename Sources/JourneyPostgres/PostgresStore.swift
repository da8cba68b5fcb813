// A JourneyQL store kept in PostgreSQL (issue 16): its tables in the schema `journeyql`, its catalog, and the import
// that loads a file with COPY in one transaction.
import Foundation
import JourneyEngine
import JourneyStore

/// The tables of a store in PostgreSQL, in the schema `journeyql`. They mean what the SQLite store's tables mean
/// (`Sources/JourneyStore/Store/Schema.swift`):
///
/// - `meta(key, value)`: `schema_version`, `stage_order`, `definitions`, and the running totals `event_count`,
///   `customer_count`, `min_time`, `max_time`, `next_seq` the catalog reads without scanning;
/// - `dictionary(col, code, value, events)`: the codes of stage (col 1), touchpoint (2) and channel (3);
/// - `customers(customer, attrs)`: one row per customer id, its attributes a `jsonb` object or NULL;
/// - `events(customer, time, seq, stage, touchpoint, channel, props)`: time in milliseconds since 1970 (UTC), `seq`
///   the import order across all imports, the three columns as dictionary codes, `props` a `jsonb` object of
///   numbers and strings (or NULL);
/// - `fields(kind, name, count)`: property names (kind 0) and attribute names (kind 1), with how many rows carry them.
///
/// Text that is compared (`customer`, `value`) has collation "C": byte-wise, as the language compares text. To
/// shard, create `journeyql.events` yourself before the first import, distributed (Citus) or hash-partitioned
/// (postgres_fdw) by `customer`; the import creates only what is missing.
package enum PostgresSchema {
    package static let name = "journeyql"
    package static let version = "1"

    /// The statements that create whatever of the store is missing (each is idempotent).
    static let create = """
        CREATE SCHEMA IF NOT EXISTS journeyql;
        CREATE TABLE IF NOT EXISTS journeyql.meta(
            key text PRIMARY KEY,
            value text NOT NULL);
        CREATE TABLE IF NOT EXISTS journeyql.dictionary(
            col smallint NOT NULL,
            code integer NOT NULL,
            value text COLLATE "C" NOT NULL,
            events bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (col, code),
            UNIQUE (col, value));
        CREATE TABLE IF NOT EXISTS journeyql.customers(
            customer text COLLATE "C" PRIMARY KEY,
            attrs jsonb);
        CREATE TABLE IF NOT EXISTS journeyql.fields(
            kind smallint NOT NULL,
            name text NOT NULL,
            count bigint NOT NULL,
            PRIMARY KEY (kind, name));
        INSERT INTO journeyql.meta(key, value) VALUES ('schema_version', '1'), ('event_count', '0'),
            ('customer_count', '0'), ('next_seq', '1')
            ON CONFLICT (key) DO NOTHING;
        """

    /// The events table and its index, made only when the table does not exist yet (a sharded table made by its
    /// owner keeps its own layout: PostgreSQL cannot index a partitioned table with foreign partitions).
    static let createEvents = """
        CREATE TABLE journeyql.events(
            customer text COLLATE "C" NOT NULL,
            time bigint NOT NULL,
            seq bigint NOT NULL,
            stage integer,
            touchpoint integer,
            channel integer,
            props jsonb);
        CREATE INDEX events_by_customer ON journeyql.events(customer, time, seq);
        """
}

/// A store in a PostgreSQL database, reached by a `postgres://` URL.
package final class PostgresStore {
    /// The URL as given (with its password: never show it; see `displayURL`).
    let url: String
    let connection: PostgresConnection

    /// Whether `path` names a PostgreSQL database rather than a store file.
    package static func isURL(_ path: String) -> Bool {
        path.hasPrefix("postgres://") || path.hasPrefix("postgresql://")
    }

    /// The URL with its password written `***`.
    package var displayURL: String { PostgresConnection.redacting(url) }

    /// Connects. With `create`, makes the store's tables when they are missing; without, a database that holds no
    /// store is an error that says how to make one.
    package init(url: String, create: Bool = false) throws {
        self.url = url
        connection = try PostgresConnection(url: url)
        if create {
            try makeSchema()
        } else {
            let found = try connection.execute("SELECT to_regclass('journeyql.meta') IS NOT NULL AND to_regclass('journeyql.events') IS NOT NULL")
            guard found.rows.first?.first == "t" else {
                throw StoreError.file(path: displayURL, message: "holds no JourneyQL store (schema journeyql); "
                                      + "`journey import FILE --db URL` makes one")
            }
        }
        let version = try connection.execute("SELECT value FROM journeyql.meta WHERE key = 'schema_version'")
        guard let found = version.rows.first?.first ?? nil, found == PostgresSchema.version else {
            throw StoreError.schema("\(displayURL): the journeyql schema has an unknown version")
        }
    }

    private func makeSchema() throws {
        try connection.executeScript(PostgresSchema.create)
        let events = try connection.execute("SELECT to_regclass('journeyql.events') IS NOT NULL")
        if events.rows.first?.first != "t" { try connection.executeScript(PostgresSchema.createEvents) }
        try MatcherFunctions.install(on: connection)
    }

    // MARK: Catalog

    /// What the checker and the planner need to know: the dictionaries, the fields, the totals, the stage order.
    package func catalog() throws -> StoreCatalog {
        var catalog = StoreCatalog()
        var values: [EventColumn: [NamedCount]] = [:]
        var codes: [EventColumn: CodeTable] = [:]
        for row in try connection.execute("SELECT col, code, value, events FROM journeyql.dictionary").rows {
            guard let column = EventColumn(rawValue: Int(row[0] ?? "") ?? 0), let code = Int64(row[1] ?? "") else { continue }
            let value = row[2] ?? ""
            codes[column, default: CodeTable()].insert(value, code: code)
            values[column, default: []].append(NamedCount(name: value, count: Int(row[3] ?? "") ?? 0))
        }
        catalog.stages = Self.mostFrequentFirst(values[.stage] ?? [])
        catalog.touchpoints = Self.mostFrequentFirst(values[.touchpoint] ?? [])
        catalog.channels = Self.mostFrequentFirst(values[.channel] ?? [])
        catalog.codes = codes
        var properties: [NamedCount] = [], attributes: [NamedCount] = []
        for row in try connection.execute("SELECT kind, name, count FROM journeyql.fields WHERE count > 0").rows {
            let entry = NamedCount(name: row[1] ?? "", count: Int(row[2] ?? "") ?? 0)
            if row[0] == "0" { properties.append(entry) } else { attributes.append(entry) }
        }
        catalog.properties = Self.mostFrequentFirst(properties)
        catalog.customerAttributes = Self.mostFrequentFirst(attributes)
        let meta = try self.meta()
        catalog.eventCount = Int(meta["event_count"] ?? "") ?? 0
        catalog.customerCount = Int(meta["customer_count"] ?? "") ?? 0
        if catalog.eventCount > 0, let low = Int64(meta["min_time"] ?? ""), let high = Int64(meta["max_time"] ?? "") {
            catalog.timeRange = low...high
        }
        if let order = meta["stage_order"] {
            let names = order.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if !names.isEmpty { catalog.stageOrder = names }
        }
        return catalog
    }

    /// The definitions stored with the data (meta key `definitions`, the same JSON as a SQLite store's).
    package func definitions() throws -> Definitions {
        try Definitions.decode(try meta()[Definitions.metadataKey])
    }

    /// Applies `change` to the stored definitions in one transaction (a concurrent change waits for it).
    package func updateDefinitions(_ change: (inout Definitions) throws -> Void) throws {
        try transaction {
            var definitions = try Definitions.decode(try meta()[Definitions.metadataKey])
            try change(&definitions)
            if let text = try definitions.encoded() {
                try setMeta([Definitions.metadataKey: text])
            } else {
                try connection.execute("DELETE FROM journeyql.meta WHERE key = $1", parameters: [Definitions.metadataKey])
            }
        }
    }

    /// Sets the stage order (`SET STAGES`).
    package func setStageOrder(_ names: [String]) throws {
        try transaction { try setMeta(["stage_order": names.joined(separator: ",")]) }
    }

    /// One customer's events in (time, seq) order with every property, and its attributes; nil when no customer has
    /// that id.
    package func timeline(of id: String) throws -> (events: [RawEvent], attributes: [String: PropertyValue])? {
        let customer = try connection.execute("SELECT attrs::text FROM journeyql.customers WHERE customer = $1",
                                              parameters: [id])
        guard let row = customer.rows.first else { return nil }
        let events = try connection.execute("""
            SELECT e.time, e.seq, s.value, t.value, h.value, e.props::text
            FROM journeyql.events e
            LEFT JOIN journeyql.dictionary s ON s.col = \(EventColumn.stage.rawValue) AND s.code = e.stage
            LEFT JOIN journeyql.dictionary t ON t.col = \(EventColumn.touchpoint.rawValue) AND t.code = e.touchpoint
            LEFT JOIN journeyql.dictionary h ON h.col = \(EventColumn.channel.rawValue) AND h.code = e.channel
            WHERE e.customer = $1
            ORDER BY e.time, e.seq
            """, parameters: [id])
        return (events.rows.map { row in
            RawEvent(customer: id, time: Int64(row[0] ?? "0") ?? 0, seq: Int64(row[1] ?? "0") ?? 0, stage: row[2],
                     touchpoint: row[3], channel: row[4], properties: Self.properties(row[5]))
        }, Self.properties(row[0] ?? nil))
    }

    /// Every customer id when there are at most `limit` (the candidates of an unknown id's suggestion), else none:
    /// as the SQLite store, which suggests nothing among more.
    package func customerIDs(limit: Int) throws -> [String] {
        let ids = try connection.execute("SELECT customer FROM journeyql.customers LIMIT $1", parameters: [String(limit + 1)])
            .rows.compactMap { $0[0] }
        return ids.count > limit ? [] : ids
    }

    /// A stored JSON object of numbers and strings as properties (the store keeps nothing else in it).
    static func properties(_ json: String?) -> [String: PropertyValue] {
        guard let json, let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            return [:]
        }
        var properties: [String: PropertyValue] = [:]
        for (name, value) in object {
            if let text = value as? String { properties[name] = .text(text) }
            else if let number = value as? NSNumber { properties[name] = .number(number.doubleValue) }
        }
        return properties
    }

    /// Every row of `meta`.
    package func meta() throws -> [String: String] {
        var meta: [String: String] = [:]
        for row in try connection.execute("SELECT key, value FROM journeyql.meta").rows {
            meta[row[0] ?? ""] = row[1] ?? ""
        }
        return meta
    }

    private static func mostFrequentFirst(_ entries: [NamedCount]) -> [NamedCount] {
        entries.sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
    }
}

extension PostgresStore {
    /// The distinct text values of a property or customer attribute (as EventStore.textValues), or nil for another
    /// field or when there are more than `limit`.
    package func textValues(of field: EventField, limit: Int = 10_000) throws -> [String]? {
        let sql: String
        let name: String
        switch field {
        case .property(let n):
            name = n
            sql = "SELECT DISTINCT props ->> $1 FROM journeyql.events WHERE jsonb_typeof(props -> $1) = 'string' LIMIT $2"
        case .customerAttribute(let n):
            name = n
            sql = "SELECT DISTINCT attrs ->> $1 FROM journeyql.customers WHERE jsonb_typeof(attrs -> $1) = 'string' LIMIT $2"
        default:
            return nil
        }
        let texts = try connection.execute(sql, parameters: [name, String(limit + 1)]).rows.map { $0[0] ?? "" }
        return texts.count > limit ? nil : texts
    }
}
