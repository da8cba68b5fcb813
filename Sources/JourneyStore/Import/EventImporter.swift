// One events import inside its transaction: assigning customer ids, codes and seq, buffering rows sorted in
// the table's clustered order, and writing the counts the catalog reads.

/// A row that cannot be imported: where (1-based physical line, 1-based character column) and why.
struct RowFailure: Error {
    var line: Int
    var column: Int
    var message: String
}

/// An event waiting to be inserted (32 bytes). Its seq is the batch's first seq plus `offset`, its position in
/// the batch. Codes and `props` are 0 for none.
struct PendingEvent {
    var time: Int64
    var customer: UInt32
    var offset: UInt32
    var props: UInt32
    var stage: UInt32
    var touchpoint: UInt32
    var channel: UInt32
}

/// Reads event files into the store. Used once per `importEvents` call, inside its transaction.
/// A value type, so that the per-row work on its tables runs without the run-time exclusivity checks every
/// access to a class's stored property costs.
struct EventImporter {
    /// Rows buffered before they are sorted into clustered order and inserted: 16M events, 512 MB. Most imports
    /// fit, so their rows reach the table in its own order, appended page after page instead of spread over it.
    static let flushThreshold = 1 << 24

    let db: Database
    let session: ImportSession
    var options: ImportOptions { session.options }
    var state: ImportState

    private var insertEvent: Statement
    /// Inserts `rowsPerInsert` events per step: running a statement costs more than binding its values.
    private var insertEvents: Statement
    /// This import's rows go to `events_recent` (see `Schema.recentEventsTable`).
    private var writesRecent = false
    static let rowsPerInsert = 512
    private let insertCustomer: Statement
    /// The keys of the new customers not written yet, back to back (customer `firstUnwrittenCustomer + i` ends
    /// at `newCustomerEnds[i]`); see `writeNewCustomers`.
    private var newCustomerKeys: [UInt8] = []
    private var newCustomerEnds: [Int] = []
    private var firstUnwrittenCustomer: Int64
    /// Whether the import dropped the customer key index (the store had no customers, and the rows did not
    /// fit one flush): new customers are then written in batches while the file is read.
    private var customerIndexDropped = false
    /// Whether the new customers are numbered in key order at the end (see `numberCustomersByKey`): the store had
    /// no customers and no flush has written events yet.
    private var numbersCustomersByKey: Bool
    /// Inserts `rowsPerInsert` customers.
    private let insertCustomers: Statement
    private let insertCode: Statement
    /// Finds a customer by key in the table, when the state does not hold every customer (a small import into a
    /// large store: see `ImportState.load`).
    private let lookUpCustomer: Statement?
    private let insertProps: Statement

    private var pending: PendingEvents
    /// How many of `pending` each customer has, by customer number (covering every customer), for the sort.
    private var eventsPerCustomer: [UInt32]
    /// The capacity `pending` is made with.
    private let pendingCapacity: Int
    /// Input bytes per event assumed when reserving room for the events of a file: a short CSV row.
    static let smallestRowBytes: Int64 = 24
    /// The seq of `pending[0]`, and of this import's first event.
    private var pendingFirstSeq: Int64
    private let firstSeq: Int64
    /// Whether the store had no events: its columnar copy is then made from this import's rows alone.
    private let makesCopy: Bool
    /// How the copy of a store with events is made, given the version before the import and the events it adds:
    /// as one more stored part, or merged into the whole copy (with every property column); nil when the store
    /// keeps no usable copy (the copy is then built from the table after the import).
    var baseCopy: ((_ version: EventsVersion, _ adding: Int) -> ImportCopyMaker.Start?)?
    /// The copy being made on the other core while the rows are written (see `flush(final:)`), once `finish()` ran.
    private(set) var copyMaker: ImportCopyMaker?
    /// The id of this import's first property object.
    private let firstPropsID: Int64
    /// The ids of the property objects this import has written, by their JSON text. Objects are shared within
    /// one import only: an import never reads the `props` table, so its cost does not grow with the store.
    private var propsIDs = ByteKeyTable()
    private var nextPropsID: Int64
    /// Events per dictionary code added by this import, indexed [column][code].
    private var codeCounts: [[Int64]] = Array(repeating: [], count: EventColumn.allCases.count + 1)
    /// Events per property name added by this import.
    var propertyCounts: [String: Int64] = [:]

    private(set) var imported = 0
    private(set) var newCustomers = 0
    /// Whether the secondary indexes were dropped for this import and are rebuilt by `finish()`.
    private let rebuildsIndexes: Bool

    /// Input bytes per event assumed when deciding whether an import is large next to the store.
    static let bytesPerEventEstimate: Int64 = 48

    /// The secondary indexes this import dropped and rebuilds at the end.
    private var rebuiltIndexes: [(String, String)] = []

    init(session: ImportSession, state: ImportState) throws {
        db = session.db
        self.session = session
        self.state = state
        insertEvent = try db.prepare(Self.insertSQL(rows: 1))
        insertEvents = try db.prepare(Self.insertSQL(rows: Self.rowsPerInsert))
        insertCustomer = try db.prepare("INSERT INTO customers(id, key) VALUES (?, ?)")
        insertCode = try db.prepare("INSERT INTO dictionary(col, code, value, events) VALUES (?, ?, ?, 0)")
        lookUpCustomer = state.hasEveryCustomer ? nil : try db.prepare("SELECT id FROM customers WHERE key = ?")
        insertProps = try db.prepare("INSERT INTO props(id, json) VALUES (?, ?)")
        pendingFirstSeq = state.counters.nextSeq
        eventsPerCustomer = [UInt32](repeating: 0, count: Int(state.nextCustomerID))
        firstUnwrittenCustomer = state.nextCustomerID
        numbersCustomersByKey = state.nextCustomerID == 1
        insertCustomers = try db.prepare("INSERT INTO customers(id, key) VALUES "
                                         + Array(repeating: "(?, ?)", count: Self.rowsPerInsert).joined(separator: ", "))
        firstSeq = pendingFirstSeq
        makesCopy = state.counters.eventCount == 0
        let lastProps = try db.prepare("SELECT coalesce(max(id), 0) FROM props")
        nextPropsID = try lastProps.step() ? lastProps.int64(0) + 1 : 1
        firstPropsID = nextPropsID
        // A statement left open would keep the table read, and dropping an index below would fail.
        lastProps.reset()
        // Room for every row the files may hold (up to a batch): see LargeArrays.
        pendingCapacity = min(session.options.batchEvents,
                              max(1 << 16, Int(clamping: session.totalBytes / Self.smallestRowBytes)))
        pending = PendingEvents(capacity: pendingCapacity)
        // Rebuilding costs a pass over the whole table, so it pays only when the import is large next to it.
        rebuildsIndexes = session.totalBytes / Self.bytesPerEventEstimate >= state.counters.eventCount
        if rebuildsIndexes {
            let existing = try Set(EventStore.indexNames(db))
            rebuiltIndexes = Schema.eventIndexes.filter { existing.contains($0.0) }
            for (name, _) in rebuiltIndexes { try db.execute("DROP INDEX IF EXISTS \(name)") }
        }
    }

    // MARK: Rows

    /// The number of the customer with key `customer`, numbering it (and queueing its row) when new. A batch
    /// looks up all its customers first, in row order: the lookups are independent, so the processor overlaps
    /// their cache misses.
    mutating func customerID(_ customer: UnsafeBufferPointer<UInt8>) throws -> Int64 {
        if let known = state.customers.value(for: customer) { return known }
        if let lookUpCustomer {
            try lookUpCustomer.bindText(utf8: customer, at: 1)
            defer { lookUpCustomer.reset() }
            if try lookUpCustomer.step() {
                let stored = lookUpCustomer.int64(0)
                state.customers.insert(customer, value: stored)
                return stored
            }
        }
        let customerID = state.nextCustomerID
        guard customerID <= Int64(UInt32.max) else {
            throw StoreError.schema("the store holds at most \(UInt32.max) customers")
        }
        state.nextCustomerID += 1
        state.customers.insert(customer, value: customerID)
        eventsPerCustomer.append(0)
        newCustomerKeys.append(contentsOf: customer)
        newCustomerEnds.append(newCustomerKeys.count)
        if customerIndexDropped, newCustomerEnds.count >= Self.rowsPerInsert { try writeNewCustomers(final: false) }
        newCustomers += 1
        return customerID
    }

    /// Stores one validated event of customer number `customerID` (see `customerID(_:)`) whose properties are the
    /// JSON object `props` (empty for none). Empty or nil column values are stored as NULL.
    mutating func commit(customerID: Int64, time: Int64, stage: UnsafeBufferPointer<UInt8>?,
                         touchpoint: UnsafeBufferPointer<UInt8>?, channel: UnsafeBufferPointer<UInt8>?,
                         props: UnsafeBufferPointer<UInt8>) throws {
        if pending.count >= options.batchEvents { try flush() }
        state.counters.nextSeq += 1
        if state.counters.eventCount == 0 {
            state.counters.minTime = time
            state.counters.maxTime = time
        } else {
            state.counters.minTime = min(state.counters.minTime, time)
            state.counters.maxTime = max(state.counters.maxTime, time)
        }
        state.counters.eventCount += 1
        imported += 1
        eventsPerCustomer[Int(customerID)] += 1
        pending.append(PendingEvent(time: time, customer: UInt32(customerID), offset: UInt32(pending.count),
                                    props: try propsID(props),
                                    stage: try code(.stage, stage), touchpoint: try code(.touchpoint, touchpoint),
                                    channel: try code(.channel, channel)))
    }

    /// The id of the property object `json` (0 when it is empty), writing the object when new.
    private mutating func propsID(_ json: UnsafeBufferPointer<UInt8>) throws -> UInt32 {
        guard !json.isEmpty else { return 0 }
        if let known = propsIDs.value(for: json) { return UInt32(known) }
        let id = nextPropsID
        guard id <= Int64(UInt32.max) else {
            throw StoreError.schema("the store holds at most \(UInt32.max) property objects")
        }
        nextPropsID += 1
        propsIDs.insert(json, value: id)
        try insertProps.bind(id, at: 1)
        try insertProps.bindText(utf8: json, at: 2)
        try insertProps.run()
        return UInt32(id)
    }

    /// The dictionary code of a column value (0 for none), adding the value to the dictionary when new.
    private mutating func code(_ column: EventColumn, _ value: UnsafeBufferPointer<UInt8>?) throws -> UInt32 {
        guard let value, !value.isEmpty else { return 0 }
        let index = column.rawValue
        let code: Int64
        if let known = state.codes[index].value(for: value) {
            code = known
        } else {
            code = state.nextCodes[index]
            guard code <= Int64(UInt32.max) else {
                throw StoreError.schema("column \(column.name) holds at most \(UInt32.max) distinct values")
            }
            state.nextCodes[index] += 1
            state.codes[index].insert(value, value: code)
            try insertCode.bind(Int64(index), at: 1)
            try insertCode.bind(code, at: 2)
            try insertCode.bindText(utf8: value, at: 3)
            try insertCode.run()
        }
        if codeCounts[index].count <= Int(code) {
            codeCounts[index].append(contentsOf: repeatElement(0, count: Int(code) + 1 - codeCounts[index].count))
        }
        codeCounts[index][Int(code)] += 1
        return UInt32(code)
    }

    // MARK: Writing

    /// Inserts the buffered events in (customer, time, seq) order, which appends them to the clustered table (or,
    /// for a store that has events, visits its pages once, in order) instead of scattering them over it. The other
    /// core sorts them (`ClusteredRows`) while this one writes the new customers, then the first customers' rows.
    ///
    /// The last flush of an import that wrote every row at once (`final`, and no flush before) starts making the
    /// columnar copy on the other core from the same ordered rows: alone for an empty store, else merged into the
    /// store's copy as it was (`baseCopy`).
    mutating func flush(final: Bool = false) throws {
        guard !pending.isEmpty else { return }
        var renumbering: [UInt32]?
        if numbersCustomersByKey {
            numbersCustomersByKey = false
            if final {
                renumbering = numberCustomersByKey()
                ImportTrace.mark("numbering customers by key")
            } else if try EventStore.indexNames(db).contains(Schema.customerKeyIndex.name) {
                // More rows than one flush holds: the numbers stay as first seen, and the index is built at the end.
                try db.execute("DROP INDEX \(Schema.customerKeyIndex.name)")
                customerIndexDropped = true
            }
        }
        let ordered = ClusteredRows(events: pending, eventsPerCustomer: eventsPerCustomer, renumbering: renumbering,
                                    partEvents: options.sortPartEvents)
        pending = PendingEvents(capacity: final ? 0 : pendingCapacity)
        eventsPerCustomer = [UInt32](repeating: 0, count: eventsPerCustomer.count)
        // While the other core spreads the events, the new customers are written: in key order when renumbered,
        // which appends them to the table and to its key index alike.
        if renumbering != nil || customerIndexDropped { try writeNewCustomers(final: false) }
        if final, pendingFirstSeq == firstSeq {
            let before = EventsVersion(eventCount: state.counters.eventCount - Int64(imported), nextSeq: firstSeq)
            let start: ImportCopyMaker.Start? = makesCopy ? .empty : baseCopy?(before, imported)
            if let start {
                let version = EventsVersion(eventCount: state.counters.eventCount, nextSeq: state.counters.nextSeq)
                var properties = Set(propertyCounts.filter { $0.value > 0 }.keys)
                if case .whole(let base) = start { properties.formUnion(base.columns.keys) }
                copyMaker = ImportCopyMaker(from: start, rows: ordered, version: version, properties: properties.sorted(),
                                            objects: propsIDs, firstPropsID: firstPropsID)
            }
            // An append that adds a part to a large store's copy keeps its rows in the small recent table; one that
            // rewrites the whole copy moves the recent rows into the large table first.
            if case .parts? = start, before.eventCount >= options.recentEventsFrom {
                if try !Schema.hasRecentEvents(db) { try Schema.addRecentEvents(db) }
                insertEvent = try db.prepare(Self.insertSQL(rows: 1, into: Schema.recentEventsTable))
                insertEvents = try db.prepare(Self.insertSQL(rows: Self.rowsPerInsert, into: Schema.recentEventsTable))
                writesRecent = true
            }
        }
        if pendingFirstSeq == firstSeq, !writesRecent, try Schema.hasRecentEvents(db) {
            try Schema.mergeRecentEvents(db)
            ImportTrace.mark("recent events moved into the events table")
        }
        var start = 0, sorted = 0
        let count = ordered.rows.count
        // Once every file is read (and so the reading thread is done), the writing is reported too.
        var nextReport = final ? 0 : Int.max
        while start < count {
            if start >= nextReport {
                session.progress?(ImportProgress(file: "", rows: imported, bytesRead: session.totalBytes,
                                                 totalBytes: session.totalBytes, phase: .writing, written: start))
                nextReport = start + ImportSession.progressInterval
            }
            let statement = count - start >= Self.rowsPerInsert ? insertEvents : insertEvent
            let rows = statement === insertEvents ? Self.rowsPerInsert : 1
            if start % Self.interruptRows < rows { try checkInterrupt() }
            if start + rows > sorted { sorted = ordered.waitForRows(start + rows) }
            for row in 0..<rows {
                let event = ordered.rows[start + row]
                let offset = Int32(row * 7)
                try statement.bind(Int64(event.customer), at: offset + 1)
                try statement.bind(event.time, at: offset + 2)
                try statement.bind(pendingFirstSeq + Int64(event.offset), at: offset + 3)
                try bindCode(event.stage, to: statement, at: offset + 4)
                try bindCode(event.touchpoint, to: statement, at: offset + 5)
                try bindCode(event.channel, to: statement, at: offset + 6)
                try bindCode(event.props, to: statement, at: offset + 7)
            }
            try statement.run()
            start += rows
        }
        pendingFirstSeq += Int64(count)
        if final {
            session.progress?(ImportProgress(file: "", rows: imported, bytesRead: session.totalBytes,
                                             totalBytes: session.totalBytes, phase: .writing, written: count))
        }
        ImportTrace.mark("inserting \(count) events")
    }

    /// Numbers this import's customers (all new: the store had none) in the order of their keys, the order of
    /// SQLite's key index, so that writing them appends to the table and the index alike instead of building the
    /// index again after (a second or so for a million customers). Renumbers the customer table and the counts;
    /// returns the new number of each old one, for the buffered events.
    private mutating func numberCustomersByKey() -> [UInt32] {
        let first = Int(firstUnwrittenCustomer)
        let count = newCustomerEnds.count
        var renumbering = [UInt32](0..<UInt32(first + count))
        guard count > 1 else { return renumbering }
        let order: [Int] = newCustomerKeys.withUnsafeBufferPointer { keys in
            let ends = newCustomerEnds
            func key(_ i: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: keys[(i == 0 ? 0 : ends[i - 1]) ..< ends[i]])
            }
            // The first 8 bytes, big-endian, order keys as memcmp does; only ties need the rest.
            var sortKeys = (0..<count).map { i -> (UInt64, Int) in
                var word: UInt64 = 0
                for (n, byte) in key(i).prefix(8).enumerated() { word |= UInt64(byte) << (56 - 8 * UInt64(n)) }
                return (word, i)
            }
            sortKeys.sort { a, b in
                if a.0 != b.0 { return a.0 < b.0 }
                let x = key(a.1), y = key(b.1)
                return x.lexicographicallyPrecedes(y)
            }
            return sortKeys.map(\.1)
        }
        var keys: [UInt8] = []
        keys.reserveCapacity(newCustomerKeys.count)
        var ends: [Int] = []
        ends.reserveCapacity(count)
        var counts = eventsPerCustomer
        for (rank, old) in order.enumerated() {
            let start = old == 0 ? 0 : newCustomerEnds[old - 1]
            keys.append(contentsOf: newCustomerKeys[start ..< newCustomerEnds[old]])
            ends.append(keys.count)
            renumbering[first + old] = UInt32(first + rank)
            counts[first + rank] = eventsPerCustomer[first + old]
        }
        newCustomerKeys = keys
        newCustomerEnds = ends
        eventsPerCustomer = counts
        state.customers.updateValues { Int64(renumbering[Int($0)]) }
        return renumbering
    }

    /// Rows written between two checks of the interrupt flag. SQLite's own interrupt stops only a statement that
    /// is running when it comes, and these statements are short: one arriving between two would be lost.
    static let interruptRows = 8192

    /// Throws `StoreError.cancelled` when the store was asked to stop (see `InterruptHandle`).
    private func checkInterrupt() throws {
        if db.interruptFlag.isRaised { throw StoreError.cancelled }
    }

    /// Binds a code or id, or NULL for 0.
    private func bindCode(_ code: UInt32, to statement: Statement, at index: Int32) throws {
        if code == 0 { try statement.bindNull(at: index) } else { try statement.bind(Int64(code), at: index) }
    }

    /// Inserts the new customers not written yet, and (when `final`) restores the key index. An import into a
    /// store without customers drops the index at the start and writes customers in batches while the other
    /// thread parses; any other import writes them at the end, and drops and rebuilds the index when it at least
    /// doubles the customers. SQLite builds an index from sorted keys many times faster than it inserts keys in
    /// random order (4 s of a 10M-event import otherwise).
    private mutating func writeNewCustomers(final: Bool) throws {
        var rebuildsIndex = customerIndexDropped
        if final, !customerIndexDropped, !newCustomerEnds.isEmpty,
           Int64(newCustomerEnds.count) >= firstUnwrittenCustomer - 1,
           try EventStore.indexNames(db).contains(Schema.customerKeyIndex.name) {
            try db.execute("DROP INDEX \(Schema.customerKeyIndex.name)")
            rebuildsIndex = true
        }
        try newCustomerKeys.withUnsafeBufferPointer { keys in
            var offset = 0
            while offset < newCustomerEnds.count {
                let statement = newCustomerEnds.count - offset >= Self.rowsPerInsert ? insertCustomers : insertCustomer
                let rows = statement === insertCustomers ? Self.rowsPerInsert : 1
                for row in 0..<rows {
                    let customer = offset + row
                    let start = customer == 0 ? 0 : newCustomerEnds[customer - 1]
                    try statement.bind(firstUnwrittenCustomer + Int64(customer), at: Int32(2 * row + 1))
                    try statement.bindText(utf8: UnsafeBufferPointer(rebasing: keys[start..<newCustomerEnds[customer]]),
                                           at: Int32(2 * row + 2))
                }
                try statement.run()
                offset += rows
                if offset % Self.interruptRows < rows { try checkInterrupt() }
            }
        }
        firstUnwrittenCustomer += Int64(newCustomerEnds.count)
        newCustomerKeys.removeAll(keepingCapacity: true)
        newCustomerEnds.removeAll(keepingCapacity: true)
        if final, rebuildsIndex { try db.execute(Schema.customerKeyIndex.definition) }
    }

    private static func insertSQL(rows: Int, into table: String = "events") -> String {
        "INSERT INTO \(table)(customer, time, seq, stage, touchpoint, channel, props) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// Writes the remaining events, the dictionary and property counts and the counters, and refreshes the
    /// planner's statistics.
    mutating func finish() throws {
        try flush(final: true)
        try checkInterrupt()
        try writeNewCustomers(final: true)
        ImportTrace.mark("customers and their index")
        let updateCode = try db.prepare("UPDATE dictionary SET events = events + ? WHERE col = ? AND code = ?")
        for (column, counts) in codeCounts.enumerated() {
            for (code, count) in counts.enumerated() where count > 0 {
                try updateCode.bind(count, at: 1)
                try updateCode.bind(Int64(column), at: 2)
                try updateCode.bind(Int64(code), at: 3)
                try updateCode.run()
            }
        }
        let addField = try db.prepare("""
            INSERT INTO fields(kind, name, count) VALUES (?, ?, ?)
            ON CONFLICT(kind, name) DO UPDATE SET count = count + excluded.count
            """)
        for (name, count) in propertyCounts.sorted(by: { $0.key < $1.key }) where count > 0 {
            try addField.bind(Schema.propertyKind, at: 1)
            try addField.bind(name, at: 2)
            try addField.bind(count, at: 3)
            try addField.run()
        }
        var counters = state.counters
        if counters.eventCount == 0 { counters.minTime = 0; counters.maxTime = 0 }
        try EventStore.writeCounters(counters, to: db)
        ImportTrace.mark("dictionary, fields and counters")
        try checkInterrupt()
        for (_, definition) in rebuiltIndexes { try db.execute(definition) }
        try db.execute("PRAGMA analysis_limit = 1000; ANALYZE;")
        ImportTrace.mark("indexes and statistics")
    }
}
