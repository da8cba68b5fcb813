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
        var customers: [Int64] = []
        var starts: [Int32] = []
        var times: [Int64] = []
        var tripleIndex: [UInt32] = []
        times.reserveCapacity(count)
        tripleIndex.reserveCapacity(count)
        var triples: [CodeTriple] = []
        var packedIndex: [UInt64: UInt32] = [:]
        var otherIndex: [CodeTriple: UInt32] = [:]
        let readsProperties = !properties.isEmpty
        var propsIDs: [UInt32] = []
        if readsProperties { propsIDs.reserveCapacity(count) }
        let statement = try db.prepare("SELECT customer, time, stage, touchpoint, channel\(readsProperties ? ", props" : "")"
                                       + " FROM events ORDER BY customer, time, seq")
        try db.withCancellation(isCancelled) {
            var previous: Int64? = nil
            var lastKey: UInt64 = .max, lastIndex: UInt32 = 0
            while try statement.step() {
                let customer = statement.int64(0)
                if customer != previous {
                    customers.append(customer)
                    starts.append(Int32(times.count))
                    previous = customer
                }
                times.append(statement.int64(1))
                // Codes are small positive numbers: three of them (plus one for NULL) pack into one key.
                let s = statement.isNull(2) ? 0 : statement.int64(2) &+ 1
                let t = statement.isNull(3) ? 0 : statement.int64(3) &+ 1
                let c = statement.isNull(4) ? 0 : statement.int64(4) &+ 1
                let index: UInt32
                if s >= 0, t >= 0, c >= 0, s < 1 << 21, t < 1 << 21, c < 1 << 21 {
                    let key = UInt64(s) | UInt64(t) << 21 | UInt64(c) << 42
                    if key == lastKey {
                        index = lastIndex
                    } else if let known = packedIndex[key] {
                        index = known
                    } else {
                        index = UInt32(triples.count)
                        triples.append(CodeTriple(stage: s == 0 ? nil : s - 1, touchpoint: t == 0 ? nil : t - 1,
                                                  channel: c == 0 ? nil : c - 1))
                        packedIndex[key] = index
                    }
                    lastKey = key
                    lastIndex = index
                } else {
                    let triple = CodeTriple(stage: s == 0 ? nil : s &- 1, touchpoint: t == 0 ? nil : t &- 1,
                                            channel: c == 0 ? nil : c &- 1)
                    if let known = otherIndex[triple] {
                        index = known
                    } else {
                        index = UInt32(triples.count)
                        triples.append(triple)
                        otherIndex[triple] = index
                    }
                }
                tripleIndex.append(index)
                if readsProperties {
                    guard times.count <= count else { break }
                    propsIDs.append(UInt32(truncatingIfNeeded: statement.int64(5)))
                }
            }
        }
        if readsProperties, times.count != count {
            throw StoreError.schema("the events table changed while it was read")
        }
        guard times.count < Int(Int32.max) else {
            throw StoreError.schema("the columnar engine holds at most \(Int32.max) events")
        }
        starts.append(Int32(times.count))
        let events = ColumnarEvents(version: version, customers: customers, starts: starts, times: times,
                                    tripleIndex: tripleIndex, triples: triples)
        if readsProperties {
            let columns = try PropertyReader.columns(properties, propsIDs: propsIDs, db: db, isCancelled: isCancelled)
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
        let statement = try db.prepare("SELECT props FROM events ORDER BY customer, time, seq")
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
