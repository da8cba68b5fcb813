// Reading the events in columnar form, which is how the store keeps them, and per-customer answers to conditions
// on the customers table.

extension EventStore {
    /// The state of the events (see `EventsVersion`), from the counters.
    package func eventsVersion() throws -> EventsVersion {
        try dropCachesIfChangedElsewhere()
        let counters = try readCounters()
        return EventsVersion(eventCount: counters.eventCount, nextSeq: counters.nextSeq)
    }

    /// The store's events in columnar form, kept on the store and reused until the events change (an import here
    /// or in another process): read from the copy inside the store (its base and parts, merged).
    package func columnarEvents(isCancelled: () -> Bool = { false }) throws -> ColumnarEvents {
        let version = try eventsVersion()
        if let cached = cachedColumnar, cached.version == version {
            columnarOrigin = .memory
            return cached
        }
        cachedColumnar = nil
        if version.eventCount == 0 {
            let empty = try ColumnarBuilder(expectedCount: 0, keepsPropsIDs: false).finish(version: version)
            cachedColumnar = empty
            columnarOrigin = .memory
            return empty
        }
        guard let stored = storedColumnar(version: version) else { throw Self.damagedCopy }
        cachedColumnar = stored
        columnarOrigin = .storedCopy
        return stored
    }

    /// The copy of a version 2 store's events table, with each event's property object and every property column
    /// `properties`: one scan of the clustered table (and of `events_recent`, where it exists) in its own order.
    func buildColumnarFromTable(version: EventsVersion, properties: [String]) throws -> ColumnarEvents {
        let count = Int(version.eventCount)
        var builder = ColumnarBuilder(expectedCount: count, keepsPropsIDs: true)
        var seqs: [Int64] = []
        seqs.reserveCapacity(count)
        let columns = "customer, time, stage, touchpoint, channel, props, seq"
        let hasRecent = try db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'events_recent'").step()
        let statement = try db.prepare(hasRecent
            ? "SELECT \(columns) FROM events UNION ALL SELECT \(columns) FROM events_recent ORDER BY customer, time, seq"
            : "SELECT \(columns) FROM events ORDER BY customer, time, seq")
        while try statement.step() {
            guard builder.eventCount < count else { throw StoreError.schema("the events table has more events than counted") }
            builder.append(customer: statement.int64(0), time: statement.int64(1),
                           stage: statement.isNull(2) ? -1 : statement.int64(2),
                           touchpoint: statement.isNull(3) ? -1 : statement.int64(3),
                           channel: statement.isNull(4) ? -1 : statement.int64(4),
                           props: UInt32(truncatingIfNeeded: statement.int64(5)))
            seqs.append(statement.int64(6))
        }
        if builder.eventCount != count { throw StoreError.schema("the events table has fewer events than counted") }
        let events = try builder.finish(version: version)
        _ = events.propsColumn { PropertyColumn(propsIDs: builder.propsIDs) }
        _ = events.seqColumn { seqs }
        let read = try PropertyReader.columns(properties, propsIDs: builder.propsIDs, db: db, isCancelled: { false })
        for (name, column) in read { _ = events.propertyColumn(name) { column } }
        return events
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
