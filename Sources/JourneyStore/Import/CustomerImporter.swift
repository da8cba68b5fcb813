// One customers import inside its transaction: each row's attributes replace the customer's stored attributes.
import Foundation

/// Rows read from the file, for the writing thread: their keys' and attributes' bytes, and once numbered their
/// customer numbers (`ids`, one per row, empty until then) and which rows bring a customer the store does not have
/// (`newRows`, indexes into the rows).
struct CustomerBatch {
    var ids: [Int64] = []
    var bytes: [UInt8] = []
    var ranges: [(key: Range<Int>, attributes: Range<Int>)] = []
    var newRows: [Int] = []
}

/// Reads a customers file into the store. Used once per `importCustomers` call.
///
/// Two threads share the work. A reading thread (`startReading`) parses the file and builds each row's attributes,
/// in batches, from the moment the call starts; this thread meanwhile opens the transaction, hands the import state
/// over (`write`) and reads every stored customer's key and number for the reading thread, which fills the state's
/// key table from them between batches (`StateLoading`). From then on the reading thread numbers each batch's
/// customers, the ones it read while waiting first, and this thread writes each batch with one statement. So this
/// thread, whose SQLite work is the longest part, does little else: reading the stored keys, then writing.
///
/// A file small next to the store (`looksUpCustomers`) skips the stored keys: the reading thread sends its rows as
/// they are, and this thread numbers them, looking each customer up through the key index, and takes the names of
/// the attributes they replace off the stored counts (one row into 820,000 customers: 0.04 s instead of 0.8 s).
///
/// The reading side's state (`state` once handed over, the counts, the batches being built) is touched by the
/// reading thread alone until it has sent its end; the statement by this one. The hot properties skip Swift's
/// run-time exclusivity check, which cost a tenth of the reading thread's time: each has one thread at a time.
final class CustomerImporter {
    let db: Database
    let session: ImportSession
    /// The store's import state: the reading thread's once `write` hands it over, this thread's again after the end
    /// (and throughout when this thread looks customers up).
    @exclusivity(unchecked) private(set) var state: ImportState?
    /// Stores `rowsPerStatement` customers' attributes per step (each row inserted or, when the customer has a row,
    /// replacing its attributes), and as many new customers' keys: running a statement per row cost more than the
    /// rows' own work.
    private static let rowsPerStatement = 256
    /// New customers' keys not written yet (the writing thread's; `ranges`' attributes are empty).
    private var unwrittenKeys = CustomerBatch()
    /// The row being read and the rows read and not yet handed over.
    @exclusivity(unchecked) private var batch = CustomerBatch()
    @exclusivity(unchecked) private var attributes: [UInt8] = []
    /// Batches read before the state arrived, numbered as soon as it does.
    @exclusivity(unchecked) private var waiting: [CustomerBatch] = []
    @exclusivity(unchecked) private(set) var imported = 0
    @exclusivity(unchecked) private(set) var newCustomers = 0
    /// Rows for a customer an earlier row of this import already gave (the last row wins).
    @exclusivity(unchecked) private(set) var repeated = 0
    /// The customers this import has stored a row for, a bit per customer number (numbers are dense from 1).
    @exclusivity(unchecked) private var seen: [UInt64] = []
    /// How many rows carry each attribute: by column for a CSV file, by name for JSON Lines.
    @exclusivity(unchecked) private var columnCounts: [Int] = []
    private var columnNames: [String] = []
    @exclusivity(unchecked) private var attributeCounts: [String: Int] = [:]

    /// Between this thread and the reading one: the batches, and the state handed over.
    private let channel = BatchChannel<CustomerBatch>(capacity: 8)
    private let loading = StateLoading()
    /// What `ByteKeyTable.touch` read, kept so the reads are not optimized away.
    @exclusivity(unchecked) private(set) var touched: UInt64 = 0
    /// The state is here with every stored customer's key: rows can be numbered (or, when this thread looks
    /// customers up, sent as they are).
    @exclusivity(unchecked) private var ready = false
    /// The reading thread numbers the rows; false when this thread looks each customer up (`lookUps`).
    @exclusivity(unchecked) private var readerNumbers = false
    /// For a file small next to the store (`looksUpCustomers`): this thread numbers each batch, finding stored
    /// customers through the key index instead of reading every key, and counts the attribute names of the stored
    /// attributes each row replaces, to take off the stored counts (`replacedCounts`; nil when one was not a JSON
    /// object this parser reads, for SQLite to recount).
    private var lookUps: (key: Statement, attributes: Statement)?
    private var replacedCounts: [String: Int]? = [:]
    private var reader: Worker?

    /// Rows the reading thread keeps while the state is loading, at most: beyond them it waits for it.
    private static let rowsWaitingAtMost = 4 << 20

    init(session: ImportSession) {
        db = session.db
        self.session = session
    }

    /// Starts reading the file on a second thread, with `read` (importCSV or importJSONLines). Every path out of
    /// the import must then call `stopReading`.
    func startReading(_ read: @escaping (CustomerImporter) throws -> Void) {
        let job = HandOff(value: { [self] in
            do {
                try read(self)
                try handOver()
                try numberWaiting(waitForState: true)
                _ = channel.send(.end(propertyCounts: [:]))
            } catch is Stopped {
                return
            } catch {
                _ = channel.send(.failure(error))
            }
        })
        reader = Worker { job.value() }
    }

    /// Stops the reading thread if it still runs, and waits for it.
    func stopReading() {
        guard let reader else { return }
        channel.stop()
        loading.cancel()
        reader.join()
        self.reader = nil
    }

    /// Marks customer `id` as stored by this import; false when it already was.
    private func markSeen(_ id: Int64) -> Bool {
        let word = Int(id >> 6)
        if word >= seen.count { seen += repeatElement(0, count: max(word + 1 - seen.count, seen.count)) }
        defer { seen[word] |= UInt64(1) << UInt64(id & 63) }
        return !isSeen(id)
    }

    /// Whether this import has stored a row for customer `id`.
    private func isSeen(_ id: Int64) -> Bool {
        let word = Int(id >> 6)
        return word < seen.count && seen[word] & (UInt64(1) << UInt64(id & 63)) != 0
    }

    /// Adds the names of the attribute object in column `column` of `statement`'s row to `counts` (none for NULL);
    /// false when it is not a JSON object this parser reads.
    private static func countNames(of statement: Statement, column: Int32, into counts: inout [String: Int]) -> Bool {
        let members: [JSONMember]? = statement.withText(column) { text in
            guard let text else { return [] }
            return try? JSONLineParser.parseObject(text, raw: true)
        }
        guard let members else { return false }
        for member in members { counts[member.key, default: 0] += 1 }
        return true
    }

    /// Imports one CSV file of customers.
    func importCSV(_ file: String) throws {
        let reader = try CSVReader(path: file)
        let roles = try ColumnRoles(fields: [.customer], mapping: session.options.mapping, file: file)
        let width: Int
        let idColumn: Int
        let columns: [CSVEventLayout.Property]
        do {
            guard try reader.readRecord() else {
                throw StoreError.badInput(file: file, line: 1, column: 1,
                                          message: "the file is empty: a header row naming the columns is required")
            }
            let names = try EventImporter.headerNames(reader, file: file)
            try CSVEventLayout.checkNames(names, file: file, columnOf: { reader.column(ofField: $0) })
            let assigned = try roles.resolveHeader(names, required: [.customer], file: file)
            idColumn = assigned[.customer] ?? 0
            width = names.count
            columns = try CSVEventLayout.propertyColumns(names, excluding: [idColumn], file: file,
                                                         columnOf: { reader.column(ofField: $0) })
        } catch let error as CSVError {
            throw StoreError.badInput(file: file, line: error.line, column: error.column, message: error.message)
        }
        columnNames = columns.map(\.name)
        columnCounts = Array(repeating: 0, count: columns.count)
        var present: [Int] = []
        while true {
            do {
                guard try reader.readRecord() else { break }
                try session.countRow(file: file, bytesRead: reader.bytesRead)
                try reader.requireFields(width)
                let id = reader.field(idColumn)
                if id.isEmpty {
                    throw RowFailure(line: reader.line(ofField: idColumn), column: reader.column(ofField: idColumn),
                                     message: "missing customer id")
                }
                guard FieldEncoding.isValidUTF8(id) else {
                    throw RowFailure(line: reader.line(ofField: idColumn), column: reader.column(ofField: idColumn),
                                     message: "invalid UTF-8 in the customer id")
                }
                attributes.removeAll(keepingCapacity: true)
                try reader.appendObject(columns, to: &attributes, present: &present)
                try store(id)
                for slot in present { columnCounts[slot] += 1 }
            } catch let error as CSVError {
                try session.countRow(file: file, bytesRead: reader.bytesRead)
                try session.reject(RowFailure(line: error.line, column: error.column, message: error.message), file: file)
            } catch let failure as RowFailure {
                try session.reject(failure, file: file)
            }
        }
        session.report(file: file, bytesRead: reader.bytesRead)
    }

    /// Imports one JSON Lines file of customers.
    func importJSONLines(_ file: String) throws {
        let roles = try ColumnRoles(fields: [.customer], mapping: session.options.mapping, file: file)
        let reader = try JSONLinesReader(path: file)
        var present: [Int] = []
        var memo = ColumnRoles.Memo()
        while try reader.readLine() {
            try session.countRow(file: file, bytesRead: reader.bytesRead)
            do {
                let members = try reader.members()
                guard let index = roles.assign(members.map(\.key), memo: &memo)[.customer] else {
                    let looked = roles.mapped[.customer].map { "'\($0)'" } ?? ImportField.customer.aliases.joined(separator: ", ")
                    throw RowFailure(line: reader.lineNumber, column: 1, message: "missing customer id (looked for \(looked))")
                }
                let id: String
                switch members[index].value {
                case .string(let s) where !s.isEmpty: id = s
                case .number(let raw): id = raw
                default:
                    throw RowFailure(line: reader.lineNumber, column: reader.column(ofOffset: members[index].valueOffset),
                                     message: "a customer id must be non-empty text or a number (member '\(members[index].key)')")
                }
                attributes.removeAll(keepingCapacity: true)
                try reader.appendObject(members, excluding: (0...index).map { $0 == index }, to: &attributes, present: &present)
                var key = id
                try key.withUTF8 { try store($0) }
                for index in present { attributeCounts[members[index].key, default: 0] += 1 }
            } catch let failure as RowFailure {
                try session.reject(failure, file: file)
            }
        }
        session.report(file: file, bytesRead: reader.bytesRead)
    }

    private static func upsertSQL(rows: Int) -> String {
        "INSERT INTO customer_attrs(id, attrs) VALUES "
            + Array(repeating: "(?, ?)", count: rows).joined(separator: ", ")
            + " ON CONFLICT(id) DO UPDATE SET attrs = excluded.attrs"
    }

    private static func insertKeysSQL(rows: Int) -> String {
        "INSERT INTO customer_keys(id, key) VALUES " + Array(repeating: "(?, ?)", count: rows).joined(separator: ", ")
    }

    /// Adds a row: customer `key` with the attributes being built.
    private func store(_ key: UnsafeBufferPointer<UInt8>) throws {
        let keyStart = batch.bytes.count
        batch.bytes.append(contentsOf: key)
        let attributesStart = batch.bytes.count
        batch.bytes.append(contentsOf: attributes)
        batch.ranges.append((keyStart..<attributesStart, attributesStart..<batch.bytes.count))
        imported += 1
        if batch.ranges.count == Self.rowsPerStatement { try handOver() }
    }

    /// Hands the rows read so far on: numbered and sent to the writing side once the state is here, else kept.
    private func handOver() throws {
        guard !batch.ranges.isEmpty else { return }
        waiting.append(batch)
        batch = CustomerBatch()
        batch.ranges.reserveCapacity(Self.rowsPerStatement)
        try numberWaiting(waitForState: waiting.count * Self.rowsPerStatement >= Self.rowsWaitingAtMost)
    }

    /// Numbers and sends the waiting batches if the state has arrived (waiting for it when `waitForState`).
    private func numberWaiting(waitForState: Bool) throws {
        while !ready {
            let arrived = loading.take(waiting: waitForState)
            if arrived.cancelled { throw Stopped() }
            if let given = arrived.state {
                state = consume given
                readerNumbers = true
                // 4 KB pages: each slot is read about twice here (filled, then looked up), too few to pay for huge
                // pages' first touch (the reading thread's processor time 0.47-0.63 s with them, 0.48-0.53 s without;
                // the writing thread's wait for it 0.09-0.21 s and 0.10-0.13 s).
                if !state!.hasEveryCustomer {
                    state!.customers.reserveCapacity(Int(state!.nextCustomerID - 1), hugePages: false)
                }
            }
            for chunk in arrived.chunks { add(chunk) }
            if arrived.complete {
                if readerNumbers {
                    state!.hasEveryCustomer = true
                    seen = Array(repeating: 0, count: Int(state!.nextCustomerID >> 6) + 1)
                }
                ready = true
            } else if !waitForState {
                return
            }
        }
        for index in waiting.indices {
            if readerNumbers { number(&waiting[index]) }
            guard channel.send(.batch(waiting[index])) else { throw Stopped() }
        }
        waiting.removeAll(keepingCapacity: true)
    }

    /// Adds stored customers' keys to the state, each run of `EventImporter.touchedRun` keys' slots touched first
    /// (see `ByteKeyTable.touch`).
    private func add(_ chunk: KeyChunk) {
        chunk.bytes.withUnsafeBufferPointer { bytes in
            func key(_ i: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: bytes[(i == 0 ? 0 : chunk.ends[i - 1]) ..< chunk.ends[i]])
            }
            var runStart = 0
            while runStart < chunk.ids.count {
                let run = runStart ..< min(runStart + EventImporter.touchedRun, chunk.ids.count)
                for i in run { touched ^= state!.customers.touch(key(i)) }
                for i in run { state!.customers.insert(key(i), value: chunk.ids[i]) }
                runStart = run.upperBound
            }
        }
    }

    /// Gives each row of `batch` its customer's number, a new one for a customer not seen before; each run of
    /// `EventImporter.touchedRun` rows has its keys' slots touched first.
    private func number(_ batch: inout CustomerBatch) {
        batch.ids.reserveCapacity(batch.ranges.count)
        batch.bytes.withUnsafeBufferPointer { bytes in
            for (index, range) in batch.ranges.enumerated() {
                if index % EventImporter.touchedRun == 0 {
                    for ahead in batch.ranges[index ..< min(index + EventImporter.touchedRun, batch.ranges.count)] {
                        touched ^= state!.customers.touch(UnsafeBufferPointer(rebasing: bytes[ahead.key]))
                    }
                }
                let key = UnsafeBufferPointer(rebasing: bytes[range.key])
                if let known = state!.customers.value(for: key) {
                    batch.ids.append(known)
                    if !markSeen(known) { repeated += 1 }
                } else {
                    numberNew(key, ids: &batch.ids, newRows: &batch.newRows)
                }
            }
        }
    }

    /// Gives the row being numbered (the next of `ids`) a new customer number, for `key`.
    private func numberNew(_ key: UnsafeBufferPointer<UInt8>, ids: inout [Int64], newRows: inout [Int]) {
        let id = state!.nextCustomerID
        state!.nextCustomerID += 1
        state!.customers.insert(key, value: id)
        _ = markSeen(id)
        newCustomers += 1
        newRows.append(ids.count)
        ids.append(id)
    }

    /// Whether a file of `fileBytes` bytes is small enough next to `customers` stored customers for each row's
    /// customer to be looked up through the key index, with its stored attributes (about 3 µs a row), rather than
    /// every stored key read first (0.2-0.25 s for 820,000 customers, whatever the file's size; and with attributes
    /// stored, the customers the file does not give read back). Into the 10M store with attributes, whole
    /// processes: 10,000 rows 0.09 s looked up against 1.16 s read in bulk, 50,000 0.21 against 0.67 s, 200,000
    /// 0.71 against 0.98 s; without stored attributes the bulk read wins from about a tenth of the customers. Rows
    /// are counted generously (16 bytes each), so a file near the line reads the keys.
    static func looksUpCustomers(fileBytes: Int64, customers: Int64) -> Bool {
        fileBytes / 16 * customersPerRowForLookups < customers
    }

    static let customersPerRowForLookups: Int64 = 8

    /// On this thread, for a small file: gives each row of `batch` its customer's number, from the state's table,
    /// else the key index, else a new one; counts the attribute names that each stored customer's row replaces.
    private func number(_ batch: inout CustomerBatch, lookingUp statements: (key: Statement, attributes: Statement)) throws {
        try batch.bytes.withUnsafeBufferPointer { bytes in
            for range in batch.ranges {
                let key = UnsafeBufferPointer(rebasing: bytes[range.key])
                var id = state!.customers.value(for: key)
                if id == nil {
                    try statements.key.bindText(utf8: key, at: 1)
                    if try statements.key.step() {
                        id = statements.key.int64(0)
                        state!.customers.insert(key, value: id!)
                    }
                    statements.key.reset()
                }
                if let id {
                    batch.ids.append(id)
                    if markSeen(id) { try countReplaced(id, with: statements.attributes) } else { repeated += 1 }
                } else {
                    numberNew(key, ids: &batch.ids, newRows: &batch.newRows)
                }
            }
        }
    }

    /// Adds the attribute names of customer `id`'s stored attributes to `replacedCounts`.
    private func countReplaced(_ id: Int64, with read: Statement) throws {
        defer { read.reset() }
        try read.bind(id, at: 1)
        guard var counts = replacedCounts, try read.step() else { return }
        replacedCounts = nil
        if Self.countNames(of: read, column: 0, into: &counts) { replacedCounts = counts }
    }

    /// The writing thread's statements: a full batch's attributes, and a full batch of new customers' keys.
    private struct Statements {
        let upsert: Statement
        let insertKeys: Statement
    }

    /// Writes a batch's attributes in one statement (`upsert` when the batch is full), and keeps its new customers'
    /// keys for `writeKeys`.
    private func write(_ batch: consuming CustomerBatch, with statements: Statements) throws {
        if let lookUps { try number(&batch, lookingUp: lookUps) }
        let statement = batch.ids.count == Self.rowsPerStatement ? statements.upsert : try db.prepare(Self.upsertSQL(rows: batch.ids.count))
        try batch.bytes.withUnsafeBufferPointer { bytes in
            // SQLite reads the bytes in place until the bindings are cleared, within this closure.
            defer { statement.clearBindings() }
            for (row, id) in batch.ids.enumerated() {
                let offset = Int32(2 * row)
                try statement.bind(id, at: offset + 1)
                let object = batch.ranges[row].attributes
                if object.isEmpty {
                    try statement.bindNull(at: offset + 2)
                } else {
                    try statement.bindTextInPlace(utf8: UnsafeBufferPointer(rebasing: bytes[object]), at: offset + 2)
                }
            }
            try statement.run()
            for row in batch.newRows {
                let start = unwrittenKeys.bytes.count
                unwrittenKeys.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[batch.ranges[row].key]))
                unwrittenKeys.ranges.append((start..<unwrittenKeys.bytes.count, 0..<0))
                unwrittenKeys.ids.append(batch.ids[row])
            }
        }
        if unwrittenKeys.ids.count >= Self.rowsPerStatement { try writeKeys(with: statements, all: false) }
    }

    /// Inserts the new customers' keys kept by `write`: whole statements of `rowsPerStatement`, and with `all` the
    /// rest too.
    private func writeKeys(with statements: Statements, all: Bool) throws {
        let keys = unwrittenKeys
        var written = 0
        try keys.bytes.withUnsafeBufferPointer { bytes in
            while keys.ids.count - written >= Self.rowsPerStatement || (all && written < keys.ids.count) {
                let rows = min(Self.rowsPerStatement, keys.ids.count - written)
                let statement = rows == Self.rowsPerStatement ? statements.insertKeys : try db.prepare(Self.insertKeysSQL(rows: rows))
                defer { statement.clearBindings() }
                for row in 0..<rows {
                    try statement.bind(keys.ids[written + row], at: Int32(2 * row + 1))
                    try statement.bindTextInPlace(utf8: UnsafeBufferPointer(rebasing: bytes[keys.ranges[written + row].key]),
                                                  at: Int32(2 * row + 2))
                }
                try statement.run()
                written += rows
            }
        }
        unwrittenKeys.ids.removeFirst(written)
        unwrittenKeys.ranges.removeFirst(written)
        if unwrittenKeys.ids.isEmpty { unwrittenKeys.bytes.removeAll(keepingCapacity: true) }
    }

    /// The reading thread stops when the writing side has stopped listening.
    private struct Stopped: Error {}

    /// Inside the import's transaction: hands `state` (every stored customer's key) to the reading thread, or for a
    /// small file keeps it and looks customers up, and writes the batches it sends until the file's end, then
    /// recounts the attribute names. Returns the state with this import's customers added. An error on either side
    /// ends both, and is thrown here.
    func write(state: consuming ImportState) throws -> ImportState {
        let statements = Statements(upsert: try db.prepare(Self.upsertSQL(rows: Self.rowsPerStatement)),
                                    insertKeys: try db.prepare(Self.insertKeysSQL(rows: Self.rowsPerStatement)))
        // Whether any customer had attributes before this import (see `finish`).
        let anyAttributes = try db.prepare("SELECT EXISTS (SELECT 1 FROM customer_attrs WHERE attrs IS NOT NULL)")
        let hadAttributes = try anyAttributes.step() && anyAttributes.int64(0) != 0
        if !state.hasEveryCustomer && Self.looksUpCustomers(fileBytes: session.totalBytes, customers: state.nextCustomerID - 1) {
            // The state stays on this thread; the reading thread sends its rows as they are.
            lookUps = (try db.prepare("SELECT id FROM customer_keys WHERE key = ?"),
                       try db.prepare("SELECT attrs FROM customer_attrs WHERE id = ?"))
            self.state = consume state
        } else {
            // Handed over, not copied: the reading thread must be the tables' only owner, or its first new
            // customer would copy them whole.
            let readKeys = !state.hasEveryCustomer
            loading.provide(consume state)
            if readKeys { try readStoredKeys() }
        }
        loading.finish()
        do {
            reading: while true {
                switch channel.receive() {
                case .batch(let batch): try write(batch, with: statements)
                case .end:
                    try writeKeys(with: statements, all: true)
                    break reading
                case .failure(let error): throw error
                }
            }
        } catch {
            stopReading()
            throw error
        }
        stopReading()
        ImportTrace.mark("file read, customers numbered and written")
        try finish(hadAttributes: hadAttributes)
        guard let final = self.state.take() else { throw Stopped() }
        return final
    }

    /// Reads every stored customer's key and number for the reading thread, which builds the table from them while
    /// this thread reads (the table took more time to fill than SQLite to read; each holds a core).
    private func readStoredKeys() throws {
        let customers = try db.prepare("SELECT id, key FROM customer_keys")
        var chunk = KeyChunk(reserving: Self.keysPerChunk)
        while try customers.step() {
            chunk.ids.append(customers.int64(0))
            customers.withText(1) { key in
                if let key { chunk.bytes.append(contentsOf: key) }
            }
            chunk.ends.append(chunk.bytes.count)
            if chunk.ids.count == Self.keysPerChunk {
                loading.add(chunk)
                chunk = KeyChunk(reserving: Self.keysPerChunk)
            }
        }
        if !chunk.ids.isEmpty { loading.add(chunk) }
        ImportTrace.mark("stored customers' keys read")
    }

    private static let keysPerChunk = 4096

    /// Recounts the attribute names (a re-imported customer may have lost some) and refreshes statistics. Unless a
    /// customer came twice (its first row's counts would be in), the counts made while reading are this import's
    /// customers' part of the recount. The rest: for a file read in bulk, the stored customers it did not give,
    /// read back (none when no customer had attributes before: reading 820,000 customers' attributes back through
    /// json_each took 0.7-0.95 s; few when a file gives every customer again); for a small file whose customers
    /// were looked up, the stored counts less the names of the attributes its rows replaced.
    private func finish(hadAttributes: Bool) throws {
        var counts: [String: Int]?
        if repeated > 0 {
            counts = nil
        } else if lookUps != nil {
            counts = try storedCountsLessReplaced()
        } else if !hadAttributes {
            counts = [:]
        } else {
            counts = try countAttributesNotGiven()
        }
        try db.execute("DELETE FROM fields WHERE kind = \(Schema.attributeKind)")
        if var counts {
            counts.merge(attributeCounts, uniquingKeysWith: +)
            for (slot, count) in columnCounts.enumerated() where count > 0 {
                counts[columnNames[slot], default: 0] += count
            }
            let add = try db.prepare("INSERT INTO fields(kind, name, count) VALUES (?, ?, ?)")
            for (name, count) in counts.sorted(by: { $0.key < $1.key }) where count > 0 {
                try add.bind([.integer(Schema.attributeKind), .text(name), .integer(Int64(count))])
                try add.run()
            }
        } else {
            try db.execute("""
                INSERT INTO fields(kind, name, count)
                    SELECT \(Schema.attributeKind), j.key, count(*) FROM customer_attrs c, json_each(c.attrs) j GROUP BY j.key;
                """)
        }
        try db.execute("PRAGMA analysis_limit = 1000; ANALYZE;")
    }

    /// The stored attribute counts less `replacedCounts`; nil when those are unknown.
    private func storedCountsLessReplaced() throws -> [String: Int]? {
        guard let replacedCounts else { return nil }
        var counts: [String: Int] = [:]
        let stored = try db.prepare("SELECT name, count FROM fields WHERE kind = \(Schema.attributeKind)")
        while try stored.step() { counts[stored.text(0) ?? "", default: 0] += Int(stored.int64(1)) }
        counts.merge(replacedCounts.mapValues { -$0 }, uniquingKeysWith: +)
        return counts
    }

    /// The attribute names of the stored customers this import did not give; nil when one's attributes are not a
    /// JSON object this parser reads, for SQLite to recount.
    private func countAttributesNotGiven() throws -> [String: Int]? {
        var counts: [String: Int] = [:]
        let stored = try db.prepare("SELECT id, attrs FROM customer_attrs WHERE attrs IS NOT NULL")
        while try stored.step() {
            if isSeen(stored.int64(0)) { continue }
            guard Self.countNames(of: stored, column: 1, into: &counts) else { return nil }
        }
        return counts
    }
}
