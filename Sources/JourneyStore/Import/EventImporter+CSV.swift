// Events from a CSV file: the header decides each column's role; each record is validated, then committed.

/// Where each event field sits in a CSV header, and the property columns with their JSON keys.
struct CSVEventLayout {
    struct Property {
        var index: Int
        var name: String
        /// `"name":` as JSON bytes, ready to append.
        var jsonKey: [UInt8]
    }

    var width: Int
    var names: [String]
    var customer: Int
    var time: Int
    var stage: Int?
    var touchpoint: Int?
    var channel: Int?
    var properties: [Property]

    /// Reads the roles from a header; every column that is no field becomes a property.
    init(header names: [String], roles: ColumnRoles, file: String, columnOf: (Int) -> Int) throws {
        try Self.checkNames(names, file: file, columnOf: columnOf)
        let assigned = try roles.resolveHeader(names, required: [.customer, .time], file: file)
        width = names.count
        self.names = names
        // resolveHeader guarantees both required fields.
        customer = assigned[.customer] ?? 0
        time = assigned[.time] ?? 0
        stage = assigned[.stage]
        touchpoint = assigned[.touchpoint]
        channel = assigned[.channel]
        properties = try Self.propertyColumns(names, excluding: Set(assigned.values), file: file, columnOf: columnOf)
    }

    /// The columns not in `taken`, as properties (or customer attributes). A name with `"` cannot be a JSON path
    /// key the language can address, so it is refused.
    static func propertyColumns(_ names: [String], excluding taken: Set<Int>, file: String,
                                columnOf: (Int) -> Int) throws -> [Property] {
        var properties: [Property] = []
        for (index, name) in names.enumerated() where !taken.contains(index) {
            if name.utf8.contains(UInt8(ascii: "\"")) {
                throw StoreError.badInput(file: file, line: 1, column: columnOf(index),
                                          message: "column name '\(name)' contains a double quote, which field names cannot")
            }
            var key: [UInt8] = []
            FieldEncoding.appendJSONString(name, to: &key)
            key.append(UInt8(ascii: ":"))
            properties.append(Property(index: index, name: name, jsonKey: key))
        }
        return properties
    }

    /// Header names must be non-empty and distinct (ignoring case, as recognition does).
    static func checkNames(_ names: [String], file: String, columnOf: (Int) -> Int) throws {
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            if name.isEmpty {
                throw StoreError.badInput(file: file, line: 1, column: columnOf(index),
                                          message: "column \(index + 1) of the header has no name")
            }
            if let first = seen[name.lowercased()] {
                throw StoreError.badInput(file: file, line: 1, column: columnOf(index),
                                          message: "column '\(name)' appears twice in the header (columns \(first + 1) and \(index + 1))")
            }
            seen[name.lowercased()] = index
        }
    }
}

extension EventImporter {
    /// Imports the events of one CSV file. A second thread reads and checks the records (`CSVRowParser`) while
    /// this one numbers and buffers them, so a large file takes about half the time; rows, errors and numbers
    /// come out exactly as a single thread would give them, in file order.
    mutating func importCSV(_ file: String) throws {
        let reader = try CSVReader(path: file)
        let layout: CSVEventLayout
        do {
            guard try reader.readRecord() else {
                throw StoreError.badInput(file: file, line: 1, column: 1,
                                          message: "the file is empty: a header row naming the columns is required")
            }
            let names = try Self.headerNames(reader, file: file)
            layout = try CSVEventLayout(header: names, roles: ColumnRoles(fields: ImportField.allCases, mapping: options.mapping, file: file),
                                        file: file, columnOf: { reader.column(ofField: $0) })
        } catch let error as CSVError {
            throw StoreError.badInput(file: file, line: error.line, column: error.column, message: error.message)
        }
        let parser = HandOff(value: CSVRowParser(reader: reader, layout: layout, session: session, file: file))
        // Raw keys name this file's columns only.
        rawPropsIDs = ByteKeyTable()
        try commitRows(rawProperties: layout.properties) { parser.value.run(into: $0) }
        session.report(file: file, bytesRead: reader.bytesRead)
        session.bytesBefore += reader.bytesRead
    }

    /// Commits the rows that `parse`, run on a second thread, sends: in order, until it sends the end (with the
    /// property counts, which are added up) or a failure (which is thrown, after the thread has stopped). Each
    /// row's properties are a JSON object, or with `rawProperties` a raw key of those columns
    /// (`CSVEventLayout.RawProperties`).
    mutating func commitRows(rawProperties: [CSVEventLayout.Property]? = nil,
                             _ parse: @escaping @Sendable (RowBatchChannel) -> Void) throws {
        let channel = RowBatchChannel()
        let worker = Worker {
            parse(channel)
            ImportTrace.threadTime("the parsing thread")
        }
        do {
            reading: while true {
                switch channel.receive() {
                case .batch(let batch):
                    try commit(batch, rawProperties: rawProperties)
                case .end(let counts):
                    for (name, count) in counts where count > 0 { propertyCounts[name, default: 0] += count }
                    break reading
                case .failure(let error):
                    throw error
                }
            }
        } catch {
            channel.stop()
            worker.join()
            throw error
        }
        worker.join()
        ImportTrace.threadTime("this thread, to the file's end,")
        let waits = channel.waits
        ImportTrace.note("the parsing thread waited for room \(waits.sender) times, this one for rows \(waits.receiver) times")
    }

    /// Commits the rows of one batch.
    private mutating func commit(_ batch: RowBatch, rawProperties: [CSVEventLayout.Property]?) throws {
        // The batch (and so its buffer) lives until this call returns.
        let bytes = batch.bytes.bytes
        func field(_ start: Int32, _ length: Int32) -> UnsafeBufferPointer<UInt8>? {
            length < 0 ? nil : UnsafeBufferPointer(rebasing: bytes[Int(start) ..< Int(start) + Int(length)])
        }
        // The customers and property objects of runs of rows: their slots touched first, then looked up (see
        // `ByteKeyTable.touch`); property objects are numbered in row order all the same.
        let rows = batch.rows
        var customers: [Int64] = [], objects: [UInt32] = []
        customers.reserveCapacity(rows.count)
        objects.reserveCapacity(rows.count)
        var runStart = 0
        while runStart < rows.count {
            let run = rows[runStart ..< min(runStart + Self.touchedRun, rows.count)]
            for row in run {
                touched ^= state.customers.touch(field(row.customerStart, row.customerLength)!)
                if rawProperties != nil, row.propsLength > 0 { touched ^= rawPropsIDs.touch(field(row.propsStart, row.propsLength)!) }
            }
            for row in run { customers.append(try customerID(field(row.customerStart, row.customerLength)!)) }
            for row in run {
                let props = field(row.propsStart, row.propsLength)!
                objects.append(try rawProperties.map { try propsID(rawKey: props, properties: $0) } ?? propsID(props))
            }
            runStart = run.endIndex
        }
        // Then up to each flush: the customers' event counts in a loop of their own (a cache miss each, which
        // the processor overlaps there and not among the rest of a row's work), then the rows.
        var segmentStart = 0
        while segmentStart < rows.count {
            let segment = segmentStart ..< min(rows.count, segmentStart + (try roomBeforeFlush()))
            countEvents(of: customers[segment])
            for index in segment {
                let row = rows[index]
                try commit(customerID: customers[index], time: row.time,
                           stage: field(row.stageStart, row.stageLength),
                           touchpoint: field(row.touchpointStart, row.touchpointLength),
                           channel: field(row.channelStart, row.channelLength),
                           propsID: objects[index])
            }
            segmentStart = segment.upperBound
        }
        withExtendedLifetime(batch) {}
    }

    /// The header's column names, trimmed of spaces; they must be valid UTF-8.
    static func headerNames(_ reader: CSVReader, file: String) throws -> [String] {
        var names: [String] = []
        for index in 0..<reader.fieldCount {
            let bytes = reader.field(index)
            guard reader.recordIsASCII || FieldEncoding.isValidUTF8(bytes) else {
                throw StoreError.badInput(file: file, line: reader.line(ofField: index), column: reader.column(ofField: index),
                                          message: "the header is not valid UTF-8")
            }
            // A CR inside a header field: the file's lines end with CR alone (old Mac files), so the whole file
            // reads as one header line. Said plainly here, before it shows up as a duplicate column.
            if bytes.contains(UInt8(ascii: "\r")) {
                throw StoreError.badInput(file: file, line: reader.line(ofField: index), column: reader.column(ofField: index),
                                          message: "the lines of this file end with a carriage return (CR) alone; "
                                            + "convert them to LF or CRLF line ends (for example: tr '\\r' '\\n' < in.csv > out.csv)")
            }
            names.append(String(decoding: FieldEncoding.trimmed(bytes), as: UTF8.self))
        }
        return names
    }
}

/// Reads the records of a CSV file after its header on the parsing thread: counts and checks each one (the
/// session's progress, interrupt and bad-row handling run here), and sends the valid rows in batches.
struct CSVRowParser {
    let reader: CSVReader
    let layout: CSVEventLayout
    let session: ImportSession
    let file: String

    /// Reads to the end of the file, or to the first error that ends the import, or until the channel stops.
    func run(into channel: RowBatchChannel) {
        var counts = Array(repeating: Int64(0), count: layout.properties.count)
        var present: [Int] = []
        channel.sendRows({ batch in
            do {
                guard try reader.readRecord() else { return false }
                try session.countRow(file: file, bytesRead: reader.bytesRead)
                try row(into: &batch, present: &present)
                for slot in present { counts[slot] += 1 }
            } catch let error as CSVError {
                try session.countRow(file: file, bytesRead: reader.bytesRead)
                try session.reject(RowFailure(line: error.line, column: error.column, message: error.message), file: file)
            } catch let failure as RowFailure {
                try session.reject(failure, file: file)
            }
            return true
        }, propertyCounts: {
            var named: [String: Int64] = [:]
            for (slot, property) in layout.properties.enumerated() where counts[slot] > 0 { named[property.name] = counts[slot] }
            return named
        })
    }

    /// Validates one record and adds it to `batch`; `present` receives the property slots the row carries.
    private func row(into batch: inout RowBatch, present: inout [Int]) throws {
        try reader.requireFields(layout.width)
        func failure(_ index: Int, _ message: String) -> RowFailure {
            RowFailure(line: reader.line(ofField: index), column: reader.column(ofField: index), message: message)
        }
        func valid(_ index: Int) throws -> UnsafeBufferPointer<UInt8> {
            let bytes = reader.field(index)
            guard reader.recordIsASCII || FieldEncoding.isValidUTF8(bytes) else {
                throw failure(index, "invalid UTF-8 (column '\(layout.names[index])')")
            }
            return bytes
        }

        let customer = try valid(layout.customer)
        if customer.isEmpty { throw failure(layout.customer, "missing customer id (column '\(layout.names[layout.customer])')") }
        let timeText = FieldEncoding.trimmed(reader.field(layout.time))
        if timeText.isEmpty { throw failure(layout.time, "missing time (column '\(layout.names[layout.time])')") }
        guard let time = TimeParser.parse(utf8: timeText) else {
            throw failure(layout.time, "cannot read '\(FieldEncoding.display(timeText))' as a time (column '\(layout.names[layout.time])')")
        }
        let stage = try layout.stage.map(valid)
        let touchpoint = try layout.touchpoint.map(valid)
        let channel = try layout.channel.map(valid)

        // On a failure appendRawProperties takes back what it wrote.
        let propsStart = batch.bytes.count
        try reader.appendRawProperties(layout.properties, to: &batch.bytes, present: &present)
        batch.appendRow(time: time, propsStart: propsStart, customer: customer, stage: stage, touchpoint: touchpoint,
                        channel: channel)
    }
}

extension CSVReader {
    /// Fails unless the current record has exactly `width` fields, pointing at the first extra field or at the
    /// end of a short record.
    func requireFields(_ width: Int) throws(RowFailure) {
        let count = fieldCount
        guard count != width else { return }
        let (line, column) = count > width ? (self.line(ofField: width), column(ofField: width)) : endOfRecord
        throw RowFailure(line: line, column: column, message: "expected \(width) fields, found \(count)")
    }

    /// Appends the non-empty fields of `columns` as a JSON object (nothing when all are empty): values matching
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?` as numbers, others as text. `present` is set to the slots of the fields written.
    func appendObject<Output: ByteOutput>(_ columns: [CSVEventLayout.Property], to arena: inout Output,
                                          present: inout [Int]) throws(RowFailure) {
        let start = arena.count
        try appendFields(columns, to: &arena, present: &present) { slot, value, arena in
            if !value.isEmpty { CSVEventLayout.appendMember(columns[slot], value, first: arena.count == start, to: &arena) }
        }
        if !present.isEmpty { arena.appendByte(UInt8(ascii: "}")) }
    }

    /// Appends the fields of `columns` as a raw property key (`CSVEventLayout.RawProperties`): nothing when all
    /// are empty. `present` is set to the slots of the non-empty fields; an invalid field appends nothing.
    func appendRawProperties<Output: ByteOutput>(_ columns: [CSVEventLayout.Property], to arena: inout Output,
                                                 present: inout [Int]) throws(RowFailure) {
        let start = arena.count
        try appendFields(columns, to: &arena, present: &present) { _, value, arena in
            CSVEventLayout.RawProperties.append(value, to: &arena)
        }
        if present.isEmpty { arena.truncate(to: start) }
    }

    /// Calls `append` with each field of `columns` (empty ones too), which must be valid UTF-8; `present` is set
    /// to the slots of the non-empty ones. On an invalid field, what was appended is taken back and `present`
    /// emptied.
    @inline(__always)
    private func appendFields<Output: ByteOutput>(
        _ columns: [CSVEventLayout.Property], to arena: inout Output, present: inout [Int],
        _ append: (Int, UnsafeBufferPointer<UInt8>, inout Output) -> Void
    ) throws(RowFailure) {
        let start = arena.count
        present.removeAll(keepingCapacity: true)
        for slot in columns.indices {
            let index = columns[slot].index
            let value = field(index)
            guard value.isEmpty || recordIsASCII || FieldEncoding.isValidUTF8(value) else {
                arena.truncate(to: start)
                present.removeAll(keepingCapacity: true)
                throw RowFailure(line: line(ofField: index), column: column(ofField: index),
                                 message: "invalid UTF-8 (column '\(columns[slot].name)')")
            }
            append(slot, value, &arena)
            if !value.isEmpty { present.append(slot) }
        }
    }
}

extension CSVEventLayout {
    /// Appends `"name":value` (after `{` for the first member, else `,`): a value matching
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?` as a number, any other as a string.
    static func appendMember<Output: ByteOutput>(_ property: Property, _ value: UnsafeBufferPointer<UInt8>, first: Bool,
                                                 to output: inout Output) {
        output.appendByte(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        property.jsonKey.withUnsafeBufferPointer { output.appendBytes($0) }
        if FieldEncoding.isPlainNumber(value) {
            output.appendBytes(value)
        } else {
            FieldEncoding.appendJSONString(value, to: &output)
        }
    }

    /// A CSV row's property fields as the parsing thread hands them over: each field, in column order, as its
    /// length (LEB128) and its bytes; no bytes at all when every field is empty. Two rows have the same key exactly
    /// when their property fields are equal, so the importing thread finds the row's property object by this key,
    /// and writes the JSON object (`json(_:)`) only for a key it has not seen. Building the JSON for every row on
    /// the parsing thread, with its names and quotes, was a fifth of that thread's work.
    enum RawProperties {
        @inline(__always)
        static func append<Output: ByteOutput>(_ value: UnsafeBufferPointer<UInt8>, to output: inout Output) {
            var length = value.count
            while length >= 0x80 {
                output.appendByte(UInt8(truncatingIfNeeded: length) | 0x80)
                length >>= 7
            }
            output.appendByte(UInt8(truncatingIfNeeded: length))
            output.appendBytes(value)
        }

        /// The JSON object of `key` (made by `append` for each of `properties`), as `appendObject` writes it:
        /// nothing for the empty key.
        static func json(_ key: UnsafeBufferPointer<UInt8>, properties: [Property], into output: inout [UInt8]) {
            output.removeAll(keepingCapacity: true)
            guard !key.isEmpty else { return }
            var position = 0
            var first = true
            for property in properties {
                var length = 0, shift = 0
                while true {
                    let byte = key[position]
                    position += 1
                    length |= Int(byte & 0x7F) << shift
                    if byte < 0x80 { break }
                    shift += 7
                }
                if length > 0 {
                    appendMember(property, UnsafeBufferPointer(rebasing: key[position ..< position + length]), first: first,
                                 to: &output)
                    first = false
                }
                position += length
            }
            precondition(position == key.count, "a raw property key holds one field per property")
            if !first { output.append(UInt8(ascii: "}")) }
        }
    }
}
