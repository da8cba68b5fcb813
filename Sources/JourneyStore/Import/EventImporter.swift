// One events import inside its transaction: assigning customer ids, codes and seq, buffering rows, sorting them
// into (customer, time, seq) order and storing them as columns, and writing the counts the catalog reads.

/// A row that cannot be imported: where (1-based physical line, 1-based character column) and why.
struct RowFailure: Error {
    var line: Int
    var column: Int
    var message: String
}

/// An event waiting to be stored (24 bytes). Its seq is the batch's first seq plus `offset`, its position in
/// the batch; its stage, touchpoint and channel codes are those of `triple` (`PendingTriples`). `props` is 0 for
/// none.
struct PendingEvent {
    var time: Int64
    var customer: UInt32
    var offset: UInt32
    var props: UInt32
    var triple: UInt32
}

/// Reads event files into the store. Used once per `importEvents` call, inside its transaction.
/// A value type, so that the per-row work on its tables runs without the run-time exclusivity checks every
/// access to a class's stored property costs.
struct EventImporter {
    /// Rows buffered before they are sorted and stored: 16M events, 384 MB. Most imports fit, and are stored as one
    /// part (or one whole copy) of the columnar copy.
    static let flushThreshold = 1 << 24
    /// How many parts a copy may have before a flush that is not an import's last merges them (see `flush`).
    static let partsPerImport = 8

    let db: Database
    let session: ImportSession
    var options: ImportOptions { session.options }
    var state: ImportState

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
    /// Customers inserted per statement: running a statement costs more than binding its values.
    static let rowsPerInsert = 512
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
    /// The seq of `pending[0]`.
    private var pendingFirstSeq: Int64
    /// The store the events go to: its columnar copy is where they are kept (see `flush(final:)`).
    unowned let store: EventStore
    /// The copy written by the last flush, for the store to keep in memory once the import commits.
    private(set) var lastCopy: ImportCopyMaker.Made?
    /// Properties that parts written by earlier flushes of this import have columns for, before table `fields`
    /// names them (it is written at the end).
    private var partProperties: Set<String> = []
    /// The id of this import's first property object.
    private let firstPropsID: Int64
    /// The ids of the property objects this import has written, by their JSON text. Objects are shared within
    /// one import only: an import never reads the `props` table, so its cost does not grow with the store.
    private var propsIDs = ByteKeyTable()
    /// The ids of the property objects of CSV rows, by their raw keys (`CSVEventLayout.RawProperties`); a key's
    /// columns are those of one file, so the table is emptied for each file.
    var rawPropsIDs = ByteKeyTable()
    /// Rows whose customers' slots are touched before they are looked up; and the words touched, kept so the
    /// reads are not optimised away.
    static let touchedRun = 16
    var touched: UInt64 = 0
    /// Where a new raw key's JSON object is written.
    private var jsonScratch: [UInt8] = []
    private var nextPropsID: Int64
    /// The code triples of the buffered events.
    private var triples = PendingTriples()
    /// Recent dictionary codes per column, indexed like `state.codes` (see `ShortKeyMemo`).
    private var codeMemos = Array(repeating: ShortKeyMemo(), count: EventColumn.allCases.count + 1)
    /// Events per property name added by this import.
    var propertyCounts: [String: Int64] = [:]

    private(set) var imported = 0
    private(set) var newCustomers = 0

    /// Input bytes per event assumed when deciding whether an import is large next to the store.
    static let bytesPerEventEstimate: Int64 = 48

    init(store: EventStore, session: ImportSession, state: ImportState) throws {
        self.store = store
        db = session.db
        self.session = session
        self.state = state
        insertCustomer = try db.prepare("INSERT INTO customer_keys(id, key) VALUES (?, ?)")
        insertCode = try db.prepare("INSERT INTO dictionary(col, code, value, events) VALUES (?, ?, ?, 0)")
        lookUpCustomer = state.hasEveryCustomer ? nil : try db.prepare("SELECT id FROM customer_keys WHERE key = ?")
        insertProps = try db.prepare("INSERT INTO props(id, json) VALUES (?, ?)")
        pendingFirstSeq = state.counters.nextSeq
        eventsPerCustomer = [UInt32](repeating: 0, count: Int(state.nextCustomerID))
        firstUnwrittenCustomer = state.nextCustomerID
        numbersCustomersByKey = state.nextCustomerID == 1
        insertCustomers = try db.prepare("INSERT INTO customer_keys(id, key) VALUES "
                                         + Array(repeating: "(?, ?)", count: Self.rowsPerInsert).joined(separator: ", "))
        let lastProps = try db.prepare("SELECT coalesce(max(id), 0) FROM props")
        nextPropsID = try lastProps.step() ? lastProps.int64(0) + 1 : 1
        firstPropsID = nextPropsID
        // A statement left open would keep the table read, and dropping an index below would fail.
        lastProps.reset()
        // Room for every row the files may hold (up to a batch): see LargeArrays.
        pendingCapacity = min(session.options.batchEvents,
                              max(1 << 16, Int(clamping: session.totalBytes / Self.smallestRowBytes)))
        pending = PendingEvents(capacity: pendingCapacity)
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

    /// How many events `commit` may store before the next flush, flushing first when there is no room.
    mutating func roomBeforeFlush() throws -> Int {
        if pending.count >= options.batchEvents { try flush() }
        return max(options.batchEvents - pending.count, 1)
    }

    /// Adds the events of `customers` (numbers from `customerID(_:)`) to their counts: before `commit` stores
    /// them, with no flush in between.
    mutating func countEvents(of customers: ArraySlice<Int64>) {
        eventsPerCustomer.withUnsafeMutableBufferPointer { counts in
            for customer in customers { counts[Int(customer)] += 1 }
        }
    }

    /// Stores one validated event of customer number `customerID` (see `customerID(_:)`, counted by
    /// `countEvents(of:)`) whose property object is `propsID` (0 for none). Empty or nil column values are stored
    /// as NULL. The caller flushes when `pending` is full.
    mutating func commit(customerID: Int64, time: Int64, stage: UnsafeBufferPointer<UInt8>?,
                         touchpoint: UnsafeBufferPointer<UInt8>?, channel: UnsafeBufferPointer<UInt8>?,
                         propsID: UInt32) throws {
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
        let triple = triples.count(stage: try code(.stage, stage), touchpoint: try code(.touchpoint, touchpoint),
                                   channel: try code(.channel, channel))
        pending.append(PendingEvent(time: time, customer: UInt32(customerID), offset: UInt32(pending.count),
                                    props: propsID, triple: triple))
    }

    /// The id of the property object of a CSV row's raw property key (0 when it is empty), writing the object
    /// when new: see `CSVEventLayout.RawProperties`.
    mutating func propsID(rawKey: UnsafeBufferPointer<UInt8>, properties: [CSVEventLayout.Property]) throws -> UInt32 {
        guard !rawKey.isEmpty else { return 0 }
        if let known = rawPropsIDs.value(for: rawKey) { return UInt32(known) }
        CSVEventLayout.RawProperties.json(rawKey, properties: properties, into: &jsonScratch)
        let id = try jsonScratch.withUnsafeBufferPointer { try propsID($0) }
        rawPropsIDs.insert(rawKey, value: Int64(id))
        return id
    }

    /// The id of the property object `json` (0 when it is empty), writing the object when new.
    mutating func propsID(_ json: UnsafeBufferPointer<UInt8>) throws -> UInt32 {
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
        if let remembered = codeMemos[index].value(for: value) {
            code = Int64(remembered)
        } else if let known = state.codes[index].value(for: value) {
            code = known
            codeMemos[index].remember(value, value: UInt32(known))
        } else {
            code = state.nextCodes[index]
            // Below 2^32 - 1, which `PendingTriples` keeps for an empty slot.
            guard code < Int64(UInt32.max) else {
                throw StoreError.schema("column \(column.name) holds at most \(UInt32.max - 1) distinct values")
            }
            state.nextCodes[index] += 1
            state.codes[index].insert(value, value: code)
            try insertCode.bind(Int64(index), at: 1)
            try insertCode.bind(code, at: 2)
            try insertCode.bindText(utf8: value, at: 3)
            try insertCode.run()
        }
        return UInt32(code)
    }

    // MARK: Writing

    /// Stores the buffered events: sorted into (customer, time, seq) order on the other core (`ClusteredRows`) while
    /// this one writes the new customers, then made into columns (`ImportCopyMaker`) and written into the columnar
    /// copy, which is where the store keeps its events, inside the import's transaction:
    /// - into an empty store, as the whole copy;
    /// - into a store with a copy, as one more part (`ColumnarParts`); the parts are then merged into a whole copy
    ///   (`EventStore.compactColumnarCopy`) when a query would spend too long merging them: at the import's last
    ///   flush as `ColumnarManifest.needsCompaction` says, and at an earlier flush (an import larger than one batch)
    ///   once there are `partsPerImport` parts;
    /// - merged with the stored copy when that copy is one base without every property's column (written by an older
    ///   version).
    mutating func flush(final: Bool = false) throws {
        guard !pending.isEmpty else { return }
        let count = pending.count
        // The batch's rows and columns are dropped before any merge of the parts reads them all.
        let (stored, properties) = try storePending(final: final)
        if let parts = stored.appendsTo, final ? parts.needsCompaction : parts.parts.count >= Self.partsPerImport {
            let names = try Set(store.propertyNamesInTable()).union(properties).union(partProperties).sorted()
            let whole = try store.compactColumnarCopy(parts.version, properties: names)
            lastCopy = ImportCopyMaker.Made(events: whole, properties: names, sections: [], appendsTo: nil)
        } else if stored.appendsTo == nil {
            // Kept for the store's memory once the import commits; a part alone is not the store's copy.
            lastCopy = stored
        }
        pendingFirstSeq += Int64(count)
        session.progress?(ImportProgress(file: "", rows: imported, bytesRead: session.totalBytes,
                                         totalBytes: session.totalBytes, phase: .writing, written: imported))
        ImportTrace.mark("columnar copy of \(count) events written")
    }

    /// Sorts and stores the buffered events (see `flush`): the copy stored, without its encoded sections, and the
    /// properties it has columns for.
    private mutating func storePending(final: Bool) throws -> (ImportCopyMaker.Made, Set<String>) {
        lastCopy = nil
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
        let count = pending.count
        let ordered = ClusteredRows(events: pending, eventsPerCustomer: eventsPerCustomer, renumbering: renumbering,
                                    partEvents: options.sortPartEvents)
        pending = PendingEvents(capacity: final ? 0 : pendingCapacity)
        eventsPerCustomer = [UInt32](repeating: 0, count: eventsPerCustomer.count)
        // While the other core spreads the events, the new customers are written: in key order when renumbered,
        // which appends them to the table and to its key index alike.
        if renumbering != nil || customerIndexDropped { try writeNewCustomers(final: false) }
        session.progress?(ImportProgress(file: "", rows: imported, bytesRead: session.totalBytes,
                                         totalBytes: session.totalBytes, phase: .writing, written: imported - count))
        let before = EventsVersion(eventCount: state.counters.eventCount - Int64(count), nextSeq: pendingFirstSeq)
        let after = EventsVersion(eventCount: state.counters.eventCount, nextSeq: pendingFirstSeq + Int64(count))
        var properties: Set<String>
        if final {
            properties = Set(propertyCounts.filter { $0.value > 0 }.keys).union(partProperties)
            try writeCounts()
        } else {
            // The properties the file has shown so far are counted only at its end: a part of an earlier flush has a
            // column for every property any object of this import has so far.
            properties = try propertiesOfThisImport()
            partProperties.formUnion(properties)
        }
        let start: ImportCopyMaker.Start
        if before.eventCount == 0 {
            start = .empty
        } else if let manifest = store.columnarParts(before) {
            start = .parts(manifest)
        } else if let base = store.columnarBase(before, extraProperties: partProperties) {
            start = .whole(base)
            properties.formUnion(base.columns.keys)
        } else {
            throw EventStore.damagedCopy
        }
        var counters = state.counters
        if counters.eventCount == 0 { counters.minTime = 0; counters.maxTime = 0 }
        try EventStore.writeCounters(counters, to: db)
        try checkInterrupt()
        var made = try ImportCopyMaker(from: start, rows: ordered, version: after, firstSeq: pendingFirstSeq,
                                       properties: properties.sorted(),
                                       objects: propsIDs, firstPropsID: firstPropsID, triples: triples.codes).wait()
        ImportTrace.mark("columnar copy of \(count) events made")
        try checkInterrupt()
        guard store.storeImportCopy(made) else {
            throw StoreError.schema("the columnar copy of the imported events could not be written")
        }
        made.sections = []
        return (made, properties)
    }

    /// The names of the properties of every object this import has stored so far.
    private func propertiesOfThisImport() throws -> Set<String> {
        let statement = try db.prepare("SELECT DISTINCT j.key FROM props p, json_each(p.json) j WHERE p.id >= ?")
        try statement.bind(firstPropsID, at: 1)
        var names: Set<String> = []
        while try statement.step() { names.insert(statement.text(0) ?? "") }
        return names
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
            return Self.keyOrder(count: count, key: key)
        }
        // Keys moved into key order through raw buffers: with array slices and appends this loop took 0.12 s for
        // 820,000 customers.
        let oldKeys = newCustomerKeys, oldEnds = newCustomerEnds
        let oldCounts = Array(eventsPerCustomer[first...])
        var keys = [UInt8](repeating: 0, count: oldKeys.count)
        var ends = [Int](repeating: 0, count: count)
        keys.withUnsafeMutableBufferPointer { keys in
            oldKeys.withUnsafeBufferPointer { oldKeys in
                var end = 0
                for (rank, old) in order.enumerated() {
                    let start = old == 0 ? 0 : oldEnds[old - 1]
                    let length = oldEnds[old] - start
                    (keys.baseAddress! + end).update(from: oldKeys.baseAddress! + start, count: length)
                    end += length
                    ends[rank] = end
                    renumbering[first + old] = UInt32(first + rank)
                    eventsPerCustomer[first + rank] = oldCounts[old]
                }
            }
        }
        newCustomerKeys = keys
        newCustomerEnds = ends
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

    /// Writes the remaining events and the customers, and refreshes the planner's statistics.
    mutating func finish() throws {
        try flush(final: true)
        try checkInterrupt()
        try writeNewCustomers(final: true)
        ImportTrace.mark("customers and their index")
        if imported == 0 { try writeCounts() }
        try checkInterrupt()
        try db.execute("PRAGMA analysis_limit = 1000; ANALYZE;")
        ImportTrace.mark("statistics")
    }

    /// Adds this import's events per dictionary code and per property name to the counts the catalog reads.
    private mutating func writeCounts() throws {
        let updateCode = try db.prepare("UPDATE dictionary SET events = events + ? WHERE col = ? AND code = ?")
        for (column, counts) in triples.eventsPerCode().enumerated() {
            for (code, count) in counts.sorted(by: { $0.key < $1.key }) {
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
        triples.clearCounts()
        propertyCounts = [:]
        ImportTrace.mark("dictionary and fields")
    }
}
