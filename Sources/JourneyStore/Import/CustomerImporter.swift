// One customers import inside its transaction: each row's attributes replace the customer's stored attributes.
import Foundation

/// Rows read and numbered, for the writing thread: their customer numbers, and their keys' and attributes' bytes.
struct CustomerBatch {
    var ids: [Int64] = []
    var bytes: [UInt8] = []
    var ranges: [(key: Range<Int>, attributes: Range<Int>)] = []
}

/// Reads a customers file into the store. Used once per `importCustomers` call, inside its transaction.
///
/// Two threads share the work (`run`): a reading thread parses the file, numbers each row's customer (the key table,
/// `state`) and builds its attributes, in batches; this thread writes each batch with one statement. Reading and
/// SQLite's work cost about the same, so the import takes about the longer of the two instead of their sum. The
/// reading side's state (`state`, the counts, the batch being built) is touched by the reading thread alone until it
/// is done; the statement by this one.
final class CustomerImporter {
    let db: Database
    let session: ImportSession
    var state: ImportState
    /// Stores `rowsPerStatement` customers per step, each inserted or, when its number exists, given the row's
    /// attributes: running a statement per row cost more than the rows' own work.
    private let upsert: Statement
    private static let rowsPerStatement = 256
    /// The rows read and not yet handed over.
    private var batch = CustomerBatch()
    /// Where full batches go: the writing thread (`run`), or written at once.
    private var send: ((CustomerBatch) throws -> Void)?
    private var attributes: [UInt8] = []
    private(set) var imported = 0
    private(set) var newCustomers = 0
    /// Rows for a customer an earlier row of this import already gave (the last row wins).
    private(set) var repeated = 0
    /// The customers this import has stored a row for, a bit per customer number (numbers are dense from 1).
    private var seen: [UInt64] = []
    /// How many stored customers carry each attribute name, counted as rows are stored; exact only while
    /// `countsAttributes` (see `finish`).
    private var attributeCounts: [String: Int] = [:]
    /// No customer had attributes before this import: then, unless a customer comes twice, the names' counts are
    /// those of this import's rows, and `finish` need not read every customer's attributes back.
    private let countsAttributes: Bool

    init(session: ImportSession, state: ImportState) throws {
        db = session.db
        self.session = session
        self.state = state
        upsert = try db.prepare(Self.upsertSQL(rows: Self.rowsPerStatement))
        let anyAttributes = try db.prepare("SELECT EXISTS (SELECT 1 FROM customers WHERE attrs IS NOT NULL)")
        countsAttributes = try anyAttributes.step() && anyAttributes.int64(0) == 0
        seen = Array(repeating: 0, count: Int(state.nextCustomerID >> 6) + 1)
    }

    /// Marks customer `id` as stored by this import; false when it already was.
    private func markSeen(_ id: Int64) -> Bool {
        let word = Int(id >> 6), bit = UInt64(1) << UInt64(id & 63)
        if word >= seen.count { seen += repeatElement(0, count: max(word + 1 - seen.count, seen.count)) }
        defer { seen[word] |= bit }
        return seen[word] & bit == 0
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
                if countsAttributes { for slot in present { attributeCounts[columns[slot].name, default: 0] += 1 } }
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
                if countsAttributes { for index in present { attributeCounts[members[index].key, default: 0] += 1 } }
            } catch let failure as RowFailure {
                try session.reject(failure, file: file)
            }
        }
        session.report(file: file, bytesRead: reader.bytesRead)
    }

    private static func upsertSQL(rows: Int) -> String {
        "INSERT INTO customers(id, key, attrs) VALUES "
            + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
            + " ON CONFLICT(id) DO UPDATE SET attrs = excluded.attrs"
    }

    /// Stores the attributes being built for customer `key`, replacing any it had (rows run in order, so of two rows
    /// for one customer the later wins).
    private func store(_ key: UnsafeBufferPointer<UInt8>) throws {
        let id: Int64
        if let known = state.customers.value(for: key) {
            id = known
            if !markSeen(id) { repeated += 1 }
        } else {
            id = state.nextCustomerID
            state.nextCustomerID += 1
            state.customers.insert(key, value: id)
            _ = markSeen(id)
            newCustomers += 1
        }
        batch.ids.append(id)
        let keyStart = batch.bytes.count
        batch.bytes.append(contentsOf: key)
        let attributesStart = batch.bytes.count
        batch.bytes.append(contentsOf: attributes)
        batch.ranges.append((keyStart..<attributesStart, attributesStart..<batch.bytes.count))
        if batch.ids.count == Self.rowsPerStatement { try handOver() }
        imported += 1
    }

    /// Hands the rows read so far to the writing side.
    private func handOver() throws {
        guard !batch.ids.isEmpty else { return }
        if let send { try send(batch) } else { try write(batch) }
        batch = CustomerBatch()
        batch.ids.reserveCapacity(Self.rowsPerStatement)
        batch.ranges.reserveCapacity(Self.rowsPerStatement)
    }

    /// Writes a batch of rows, in one statement.
    private func write(_ batch: CustomerBatch) throws {
        let statement = batch.ids.count == Self.rowsPerStatement ? upsert : try db.prepare(Self.upsertSQL(rows: batch.ids.count))
        try batch.bytes.withUnsafeBufferPointer { bytes in
            for (row, id) in batch.ids.enumerated() {
                let offset = Int32(3 * row)
                try statement.bind(id, at: offset + 1)
                try statement.bindText(utf8: UnsafeBufferPointer(rebasing: bytes[batch.ranges[row].key]), at: offset + 2)
                let object = batch.ranges[row].attributes
                if object.isEmpty {
                    try statement.bindNull(at: offset + 3)
                } else {
                    try statement.bindText(utf8: UnsafeBufferPointer(rebasing: bytes[object]), at: offset + 3)
                }
            }
        }
        try statement.run()
    }

    /// The reading thread stops when the writing side has stopped listening.
    private struct Stopped: Error {}

    /// Runs `read` (importCSV or importJSONLines) on a second thread while this one writes the batches it hands over;
    /// returns when every row is written. An error on either side ends both, and is thrown here.
    func run(_ read: @escaping (CustomerImporter) throws -> Void) throws {
        let channel = BatchChannel<CustomerBatch>(capacity: 8)
        send = { batch in
            guard channel.send(.batch(batch)) else { throw Stopped() }
        }
        defer { send = nil }
        let job = HandOff(value: (importer: self, read: read))
        let reader = Worker {
            do {
                try job.value.read(job.value.importer)
                try job.value.importer.handOver()
                _ = channel.send(.end(propertyCounts: [:]))
            } catch is Stopped {
                return
            } catch {
                _ = channel.send(.failure(error))
            }
        }
        defer { reader.join() }
        do {
            while true {
                switch channel.receive() {
                case .batch(let batch): try write(batch)
                case .end: return
                case .failure(let error): throw error
                }
            }
        } catch {
            channel.stop()
            throw error
        }
    }

    /// Recounts the attribute names (a re-imported customer may have lost some) and refreshes statistics. When no
    /// customer had attributes before and none came twice, the counts made while storing are the recount (reading
    /// 820,000 customers' attributes back through json_each took 0.7 s).
    func finish() throws {
        try handOver()
        try db.execute("DELETE FROM fields WHERE kind = \(Schema.attributeKind)")
        if countsAttributes && repeated == 0 {
            let add = try db.prepare("INSERT INTO fields(kind, name, count) VALUES (?, ?, ?)")
            for (name, count) in attributeCounts.sorted(by: { $0.key < $1.key }) {
                try add.bind([.integer(Schema.attributeKind), .text(name), .integer(Int64(count))])
                try add.run()
            }
        } else {
            try db.execute("""
                INSERT INTO fields(kind, name, count)
                    SELECT \(Schema.attributeKind), j.key, count(*) FROM customers c, json_each(c.attrs) j GROUP BY j.key;
                """)
        }
        try db.execute("PRAGMA analysis_limit = 1000; ANALYZE;")
    }
}
