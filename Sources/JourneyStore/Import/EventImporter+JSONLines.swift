// Events from a JSON Lines file: each line's members are matched to fields by name; the rest become properties.
// As for CSV, a second thread reads and checks the lines (`JSONRowParser`) while this one numbers and buffers them.

extension EventImporter {
    /// Imports the events of one JSON Lines file.
    mutating func importJSONLines(_ file: String) throws {
        let roles = try ColumnRoles(fields: ImportField.allCases, mapping: options.mapping, file: file)
        let reader = try JSONLinesReader(path: file)
        let parser = HandOff(value: JSONRowParser(reader: reader, roles: roles, session: session, file: file))
        try commitRows { parser.value.run(into: $0) }
        session.report(file: file, bytesRead: reader.bytesRead)
        session.bytesBefore += reader.bytesRead
    }
}

/// Reads the lines of a JSON Lines file on the parsing thread: counts and checks each one (progress, interrupts
/// and bad lines are handled here, in file order) and sends the valid rows in batches.
struct JSONRowParser {
    let reader: JSONLinesReader
    let roles: ColumnRoles
    let session: ImportSession
    let file: String

    /// What the lines of one shape (one list of member names, in order) share: which member is which field, which
    /// are properties, and how many rows of the shape carried each member as a property. Working these out once
    /// per shape, not per line, saves hashing names and fields on every line; a file has a handful of shapes.
    final class Shape {
        let names: [String]
        /// The member of each field, in the order of `ImportField.allCases`.
        let fields: [Int?]
        /// Which members are fields, by index.
        let taken: [Bool]
        var counts: [Int64]

        init(names: [String], roles: ColumnRoles) {
            self.names = names
            let assigned = roles.assign(names)
            fields = ImportField.allCases.map { assigned[$0] }
            var taken = [Bool](repeating: false, count: names.count)
            for member in assigned.values { taken[member] = true }
            self.taken = taken
            counts = Array(repeating: 0, count: names.count)
        }

        func member(_ field: ImportField) -> Int? { fields[ImportField.allCases.firstIndex(of: field)!] }

        /// Adds the property counts to `totals`, by name.
        func addCounts(to totals: inout [String: Int64]) {
            for (name, count) in zip(names, counts) where count > 0 { totals[name, default: 0] += count }
        }
    }

    /// Shapes remembered at most; past that the least recently seen is forgotten (its counts kept).
    static let shapesKept = 64

    /// Reads to the end of the file, or to the first error that ends the import, or until the channel stops.
    func run(into channel: RowBatchChannel) {
        var counts: [String: Int64] = [:]
        var present: [Int] = []
        // Most recently seen first.
        var shapes: [Shape] = []
        func shape(of members: [JSONMember]) -> Shape {
            if let first = shapes.first, first.names.elementsEqual(members.lazy.map(\.key)) { return first }
            let found: Shape
            if let index = shapes.firstIndex(where: { $0.names.elementsEqual(members.lazy.map(\.key)) }) {
                found = shapes.remove(at: index)
            } else {
                found = Shape(names: members.map(\.key), roles: roles)
                if shapes.count >= Self.shapesKept { shapes.removeLast().addCounts(to: &counts) }
            }
            shapes.insert(found, at: 0)
            return found
        }
        channel.sendRows({ batch in
            guard try reader.readLine() else { return false }
            try session.countRow(file: file, bytesRead: reader.bytesRead)
            do {
                let members = try reader.members(raw: true)
                let shape = shape(of: members)
                try row(members, shape, into: &batch, present: &present)
                for index in present { shape.counts[index] += 1 }
            } catch let failure as RowFailure {
                try session.reject(failure, file: file)
            }
            return true
        }, propertyCounts: {
            for shape in shapes { shape.addCounts(to: &counts) }
            return counts
        })
    }

    /// Validates one line (its `members`, parsed raw, of `shape`) and adds it to `batch`; `present` receives the
    /// members written as properties.
    private func row(_ members: [JSONMember], _ shape: Shape, into batch: inout RowBatch, present: inout [Int]) throws {
        let lineNumber = reader.lineNumber
        let bytes = reader.line
        func failure(at offset: Int, _ message: String) -> RowFailure {
            RowFailure(line: lineNumber, column: reader.column(ofOffset: offset), message: message)
        }
        func missing(_ field: ImportField, _ what: String) -> RowFailure {
            let names = members.map { "'\($0.key)'" }.joined(separator: ", ")
            let looked = roles.mapped[field].map { "'\($0)'" } ?? field.aliases.joined(separator: ", ")
            return RowFailure(line: lineNumber, column: 1, message: "missing \(what) (looked for \(looked); the members are \(names.isEmpty ? "none" : names))")
        }
        // Field text is a range of the line when the value was a plain string or a number, else it is spelled out
        // in `spill`: escaped strings, booleans, arrays and objects.
        var spill: [UInt8] = []
        func spilled(_ text: String) -> FieldText {
            let start = spill.count
            spill.append(contentsOf: text.utf8)
            return .spill(start..<spill.count)
        }
        /// A member value as column text: nil for null and empty strings; numbers as written; booleans as words.
        func text(_ value: JSONMemberValue) -> FieldText? {
            switch value {
            case .rawString(let range): range.isEmpty ? nil : .line(range)
            case .rawNumber(let range): .line(range)
            case .string(let s): s.isEmpty ? nil : spilled(s)
            case .number(let raw): spilled(raw)
            case .bool(let b): spilled(b ? "true" : "false")
            case .null: nil
            case .composite(let text): spilled(text)
            }
        }

        guard let customerIndex = shape.member(.customer) else { throw missing(.customer, "customer id") }
        let customerMember = members[customerIndex]
        let customer: FieldText
        switch customerMember.value {
        case .rawString(let range) where !range.isEmpty: customer = .line(range)
        case .string(let s) where !s.isEmpty: customer = spilled(s)
        case .rawNumber(let range): customer = .line(range)
        case .number(let raw): customer = spilled(raw)
        case .null, .string, .rawString: throw failure(at: customerMember.valueOffset, "missing customer id (member '\(customerMember.key)')")
        case .bool, .composite:
            throw failure(at: customerMember.valueOffset, "a customer id must be text or a number (member '\(customerMember.key)')")
        }

        guard let timeIndex = shape.member(.time) else { throw missing(.time, "time") }
        let timeMember = members[timeIndex]
        func parseTime(_ text: UnsafeBufferPointer<UInt8>) throws -> Int64 {
            if text.isEmpty { throw failure(at: timeMember.valueOffset, "missing time (member '\(timeMember.key)')") }
            guard let time = TimeParser.parse(utf8: text) else {
                throw failure(at: timeMember.valueOffset,
                              "cannot read '\(String(decoding: text, as: UTF8.self))' as a time (member '\(timeMember.key)')")
            }
            return time
        }
        let time: Int64
        switch timeMember.value {
        case .rawString(let range), .rawNumber(let range):
            time = try parseTime(FieldEncoding.trimmed(UnsafeBufferPointer(rebasing: bytes[range])))
        case .string(let s):
            var text = s.trimmingASCIISpaces()
            time = try text.withUTF8(parseTime)
        case .number(var text), .composite(var text):
            time = try text.withUTF8(parseTime)
        case .bool(let b):
            var text = b ? "true" : "false"
            time = try text.withUTF8(parseTime)
        case .null:
            time = try parseTime(UnsafeBufferPointer(start: nil, count: 0))
        }

        // On a failure appendObject takes back what it wrote.
        let propsStart = batch.bytes.count
        try reader.appendObject(members, excluding: shape.taken, to: &batch.bytes, present: &present)
        func field(_ field: ImportField) -> FieldText? { shape.member(field).flatMap { text(members[$0].value) } }
        let stage = field(.stage), touchpoint = field(.touchpoint), channel = field(.channel)
        spill.withUnsafeBufferPointer { spill in
            func place(_ text: FieldText?) -> UnsafeBufferPointer<UInt8>? {
                switch text {
                case .line(let range): UnsafeBufferPointer(rebasing: bytes[range])
                case .spill(let range): UnsafeBufferPointer(rebasing: spill[range])
                case nil: nil
                }
            }
            batch.appendRow(time: time, propsStart: propsStart, customer: place(customer)!, stage: place(stage),
                            touchpoint: place(touchpoint), channel: place(channel))
        }
    }

    /// Where a field's text is while a line is added: a range of the line, or of the row's spelled-out texts.
    private enum FieldText {
        case line(Range<Int>)
        case spill(Range<Int>)
    }
}
