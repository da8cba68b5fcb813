// One events import inside its transaction: assigning customer ids, codes and seq, buffering rows sorted in
// the table's clustered order, and writing the counts the catalog reads.

/// A row that cannot be imported: where (1-based physical line, 1-based character column) and why.
struct RowFailure: Error {
    var line: Int
    var column: Int
    var message: String
}

/// An event waiting to be inserted. Codes and `props` are 0 for none.
struct PendingEvent {
    var customer: Int64
    var time: Int64
    var seq: Int64
    var props: Int64
    var stage: Int32
    var touchpoint: Int32
    var channel: Int32
}

/// Reads event files into the store. Used once per `importEvents` call, inside its transaction.
final class EventImporter {
    /// Rows buffered before they are sorted into clustered order and inserted.
    static let flushThreshold = 1 << 20

    let db: Database
    let session: ImportSession
    var options: ImportOptions { session.options }
    var state: ImportState

    private let insertEvent: Statement
    /// Inserts `rowsPerInsert` events per step: running a statement costs more than binding its values.
    private let insertEvents: Statement
    static let rowsPerInsert = 64
    private let insertCustomer: Statement
    private let insertCode: Statement
    private let insertProps: Statement

    private var pending: [PendingEvent] = []
    /// The JSON text of the current row's properties, from `propsStart` on; emptied by every commit.
    var arena: [UInt8] = []
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
        insertProps = try db.prepare("INSERT INTO props(id, json) VALUES (?, ?)")
        let lastProps = try db.prepare("SELECT coalesce(max(id), 0) FROM props")
        nextPropsID = try lastProps.step() ? lastProps.int64(0) + 1 : 1
        // A statement left open would keep the table read, and dropping an index below would fail.
        lastProps.reset()
        pending.reserveCapacity(1 << 16)
        // Rebuilding costs a pass over the whole table, so it pays only when the import is large next to it.
        rebuildsIndexes = session.totalBytes / Self.bytesPerEventEstimate >= state.counters.eventCount
        if rebuildsIndexes {
            let existing = try Set(EventStore.indexNames(db))
            rebuiltIndexes = Schema.eventIndexes.filter { existing.contains($0.0) }
            for (name, _) in rebuiltIndexes { try db.execute("DROP INDEX IF EXISTS \(name)") }
        }
    }

    // MARK: Rows

    /// Stores one validated event whose properties are the arena's bytes from `propsStart` on.
    /// Empty or nil column values are stored as NULL.
    func commit(customer: UnsafeBufferPointer<UInt8>, time: Int64, stage: UnsafeBufferPointer<UInt8>?,
                touchpoint: UnsafeBufferPointer<UInt8>?, channel: UnsafeBufferPointer<UInt8>?, propsStart: Int) throws {
        let customerID: Int64
        if let known = state.customers.value(for: customer) {
            customerID = known
        } else {
            customerID = state.nextCustomerID
            state.nextCustomerID += 1
            state.customers.insert(customer, value: customerID)
            try insertCustomer.bind(customerID, at: 1)
            try insertCustomer.bindText(utf8: customer, at: 2)
            try insertCustomer.run()
            newCustomers += 1
        }
        let seq = state.counters.nextSeq
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
        pending.append(PendingEvent(customer: customerID, time: time, seq: seq, props: try propsID(from: propsStart),
                                    stage: try code(.stage, stage), touchpoint: try code(.touchpoint, touchpoint),
                                    channel: try code(.channel, channel)))
        arena.removeAll(keepingCapacity: true)
        if pending.count >= Self.flushThreshold { try flush() }
    }

    /// The id of the property object `arena[propsStart...]` (0 when it is empty), writing the object when new.
    private func propsID(from propsStart: Int) throws -> Int64 {
        guard arena.count > propsStart else { return 0 }
        return try arena.withUnsafeBufferPointer { buffer in
            let json = UnsafeBufferPointer(rebasing: buffer[propsStart...])
            if let known = propsIDs.value(for: json) { return known }
            let id = nextPropsID
            nextPropsID += 1
            propsIDs.insert(json, value: id)
            try insertProps.bind(id, at: 1)
            try insertProps.bindText(utf8: json, at: 2)
            try insertProps.run()
            return id
        }
    }

    /// The dictionary code of a column value (0 for none), adding the value to the dictionary when new.
    private func code(_ column: EventColumn, _ value: UnsafeBufferPointer<UInt8>?) throws -> Int32 {
        guard let value, !value.isEmpty else { return 0 }
        let index = column.rawValue
        let code: Int64
        if let known = state.codes[index].value(for: value) {
            code = known
        } else {
            code = state.nextCodes[index]
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
        return Int32(code)
    }

    // MARK: Writing

    /// Inserts the buffered events in (customer, time, seq) order, which keeps inserts into the clustered
    /// table local instead of scattered across it.
    func flush() throws {
        guard !pending.isEmpty else { return }
        pending.sort { a, b in
            if a.customer != b.customer { return a.customer < b.customer }
            if a.time != b.time { return a.time < b.time }
            return a.seq < b.seq
        }
        var start = 0
        while start < pending.count {
            let statement = pending.count - start >= Self.rowsPerInsert ? insertEvents : insertEvent
            let rows = statement === insertEvents ? Self.rowsPerInsert : 1
            for row in 0..<rows {
                try bind(pending[start + row], to: statement, at: Int32(row * 7))
            }
            try statement.run()
            start += rows
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Binds one event to parameters `offset + 1 ... offset + 7` of `statement`.
    private func bind(_ event: PendingEvent, to statement: Statement, at offset: Int32) throws {
        try statement.bind(event.customer, at: offset + 1)
        try statement.bind(event.time, at: offset + 2)
        try statement.bind(event.seq, at: offset + 3)
        try bindCode(Int64(event.stage), to: statement, at: offset + 4)
        try bindCode(Int64(event.touchpoint), to: statement, at: offset + 5)
        try bindCode(Int64(event.channel), to: statement, at: offset + 6)
        try bindCode(event.props, to: statement, at: offset + 7)
    }

    /// Binds a code or id, or NULL for 0.
    private func bindCode(_ code: Int64, to statement: Statement, at index: Int32) throws {
        if code == 0 { try statement.bindNull(at: index) } else { try statement.bind(code, at: index) }
    }

    private static func insertSQL(rows: Int) -> String {
        "INSERT INTO events(customer, time, seq, stage, touchpoint, channel, props) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// Writes the remaining events, the dictionary and property counts and the counters, and refreshes the
    /// planner's statistics.
    func finish() throws {
        try flush()
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
        for (_, definition) in rebuiltIndexes { try db.execute(definition) }
        try db.execute("PRAGMA analysis_limit = 1000; ANALYZE;")
    }
}
