// Reading the columnar form out of the events table: the base columns in one ordered scan, property columns
// on first use, and per-customer answers to conditions on the customers table.

extension EventStore {
    /// The state of the events table (see `EventsVersion`).
    public func eventsVersion() throws -> EventsVersion {
        try dropCachesIfChangedElsewhere()
        let counters = try readCounters()
        return EventsVersion(eventCount: counters.eventCount, nextSeq: counters.nextSeq)
    }

    /// The columnar copy of the events table, kept on the store and reused until the events change
    /// (an import here or in another process). Built from the table on first use.
    ///
    /// Comes from the copy kept inside the store when that is current, else from one scan of the events table,
    /// which is then kept in the store for the next process (see `EventStore+ColumnarCache`).
    public func columnarEvents(isCancelled: () -> Bool = { false }) throws -> ColumnarEvents {
        let version = try eventsVersion()
        if let cached = cachedColumnar, cached.version == version {
            columnarOrigin = .memory
            return cached
        }
        cachedColumnar = nil
        if let stored = storedColumnar(version: version) {
            cachedColumnar = stored
            columnarOrigin = .storedCopy
            return stored
        }
        let built = try buildColumnar(version: version, isCancelled: isCancelled)
        writeColumnarSection("base", bytes: ColumnarCodec.encode(built), version: version)
        cachedColumnar = built
        columnarOrigin = .eventsTable
        return built
    }

    /// One scan of the clustered table in its own order: no sort, about 5M rows a second. The property columns
    /// `properties` are made from the property ids read in the same scan, and kept on the copy.
    func buildColumnar(version: EventsVersion, isCancelled: () -> Bool,
                       properties: [String] = []) throws -> ColumnarEvents {
        let count = Int(version.eventCount)
        let readsProperties = !properties.isEmpty
        var builder = ColumnarBuilder(expectedCount: count, keepsPropsIDs: readsProperties)
        let statement = try db.prepare(Schema.eventsInOrder("customer, time, stage, touchpoint, channel, "
                                                            + (readsProperties ? "props, seq" : "seq"),
                                                            hasRecent: try Schema.hasRecentEvents(db)))
        try db.withCancellation(isCancelled) {
            while try statement.step() {
                guard builder.eventCount < count else {
                    throw StoreError.schema("the events table changed while it was read")
                }
                builder.append(customer: statement.int64(0), time: statement.int64(1),
                               stage: statement.isNull(2) ? -1 : statement.int64(2),
                               touchpoint: statement.isNull(3) ? -1 : statement.int64(3),
                               channel: statement.isNull(4) ? -1 : statement.int64(4),
                               props: readsProperties ? UInt32(truncatingIfNeeded: statement.int64(5)) : 0)
            }
        }
        if builder.eventCount != count {
            throw StoreError.schema("the events table changed while it was read")
        }
        let events = try builder.finish(version: version)
        if readsProperties {
            let columns = try PropertyReader.columns(properties, propsIDs: builder.propsIDs, db: db, isCancelled: isCancelled)
            for (name, column) in columns { _ = events.propertyColumn(name) { column } }
        }
        return events
    }

    /// Properties `names` for every event, in the columnar order (the same scan order as `buildColumnar`): one
    /// scan of the events' property ids, and each property object read once (see `PropertyReader`: values are
    /// exactly what `json_type` and `json_extract` give the SQL scan).
    func loadPropertyColumns(_ names: Set<String>, expectedCount: Int,
                             isCancelled: () -> Bool) throws -> [String: PropertyColumn] {
        var propsIDs: [UInt32] = []
        propsIDs.reserveCapacity(expectedCount)
        let statement = try db.prepare(Schema.eventsInOrder("props, customer, time, seq",
                                                            hasRecent: try Schema.hasRecentEvents(db)))
        var rows = 0
        try db.withCancellation(isCancelled) {
            while try statement.step() {
                rows += 1
                guard rows <= expectedCount else { break }
                propsIDs.append(UInt32(truncatingIfNeeded: statement.int64(0)))
            }
        }
        guard rows == expectedCount else {
            throw StoreError.schema("the events table changed while its properties were read")
        }
        return try PropertyReader.columns(names.sorted(), propsIDs: propsIDs, db: db, isCancelled: isCancelled)
    }

    /// A condition that reads only the customer (its id or its attributes), answered once per customer of
    /// `customers` (ascending ids): 1 true, 0 false, -1 unknown. The SQL is the scan's own translation, so the
    /// answers are the scan's.
    func customerTruth(_ predicate: Predicate, customers: [Int64], isCancelled: () -> Bool) throws -> [Int8] {
        var fragment = SQLFragment(sql: "SELECT e.customer, (")
        PredicateSQL.append(predicate, to: &fragment)
        fragment.sql += ") FROM (SELECT id AS customer FROM customers) AS e ORDER BY e.customer"
        let statement = try db.prepare(fragment.sql)
        try statement.bind(fragment.bindings)
        var truth = Array(repeating: Int8(-1), count: customers.count)
        try db.withCancellation(isCancelled) {
            var next = 0
            while try statement.step() {
                let id = statement.int64(0)
                while next < customers.count, customers[next] < id { next += 1 }
                guard next < customers.count else { break }
                if customers[next] == id {
                    truth[next] = statement.isNull(1) ? -1 : (statement.int64(1) != 0 ? 1 : 0)
                }
            }
        }
        return truth
    }
}
