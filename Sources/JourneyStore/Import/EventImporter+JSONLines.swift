// Events from a JSON Lines file: each line's members are matched to fields by name; the rest become properties.
// As for CSV, a second thread reads and checks the lines (`JSONRowParser`) while this one numbers and buffers them.

extension EventImporter {
    /// Imports the events of one JSON Lines file.
    mutating func importJSONLines(_ file: String) throws {
        let roles = try ColumnRoles(fields: ImportField.allCases, mapping: options.mapping, file: file)
        let reader = try JSONLinesReader(path: file)
        let parser = HandOff(value: JSONRowParser(reader: reader, roles: roles, session: session))
        try commitRows { parser.value.run(into: $0, file: file) }
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
    func run(into channel: RowBatchChannel, file: String) {
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
                let members = try reader.members()
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

    /// Validates one line (its `members`, of `shape`) and adds it to `batch`; `present` receives the members
    /// written as properties.
    private func row(_ members: [JSONMember], _ shape: Shape, into batch: inout RowBatch, present: inout [Int]) throws {
        let line = reader.lineNumber
        func failure(at offset: Int, _ message: String) -> RowFailure {
            RowFailure(line: line, column: reader.column(ofOffset: offset), message: message)
        }
        func missing(_ field: ImportField, _ what: String) -> RowFailure {
            let names = members.map { "'\($0.key)'" }.joined(separator: ", ")
            let looked = roles.mapped[field].map { "'\($0)'" } ?? field.aliases.joined(separator: ", ")
            return RowFailure(line: line, column: 1, message: "missing \(what) (looked for \(looked); the members are \(names.isEmpty ? "none" : names))")
        }

        guard let customerIndex = shape.member(.customer) else { throw missing(.customer, "customer id") }
        let customerMember = members[customerIndex]
        let customer: String
        switch customerMember.value {
        case .string(let s) where !s.isEmpty: customer = s
        case .number(let raw): customer = raw
        case .null, .string: throw failure(at: customerMember.valueOffset, "missing customer id (member '\(customerMember.key)')")
        case .bool, .composite:
            throw failure(at: customerMember.valueOffset, "a customer id must be text or a number (member '\(customerMember.key)')")
        }

        guard let timeIndex = shape.member(.time) else { throw missing(.time, "time") }
        let timeMember = members[timeIndex]
        let timeText: String
        switch timeMember.value {
        case .string(let s): timeText = s.trimmingASCIISpaces()
        case .number(let raw): timeText = raw
        case .null: timeText = ""
        case .bool(let b): timeText = b ? "true" : "false"
        case .composite(let text): timeText = text
        }
        if timeText.isEmpty { throw failure(at: timeMember.valueOffset, "missing time (member '\(timeMember.key)')") }
        guard let time = TimeParser.parse(timeText) else {
            throw failure(at: timeMember.valueOffset, "cannot read '\(timeText)' as a time (member '\(timeMember.key)')")
        }

        // On a failure appendObject takes back what it wrote.
        let propsStart = batch.bytes.count
        try reader.appendObject(members, excluding: shape.taken, to: &batch.bytes, present: &present)
        func field(_ field: ImportField) -> String { shape.member(field).flatMap { Self.text(of: members[$0].value) } ?? "" }
        var customerText = customer, stage = field(.stage), touchpoint = field(.touchpoint), channel = field(.channel)
        customerText.withUTF8 { customer in
            stage.withUTF8 { stage in
                touchpoint.withUTF8 { touchpoint in
                    channel.withUTF8 { channel in
                        batch.appendRow(time: time, propsStart: propsStart, customer: customer, stage: stage,
                                        touchpoint: touchpoint, channel: channel)
                    }
                }
            }
        }
    }

    /// A member value as column text: nil for null and empty strings; numbers as written; booleans as words.
    static func text(of value: JSONMemberValue) -> String? {
        switch value {
        case .string(let s): s.isEmpty ? nil : s
        case .number(let raw): raw
        case .bool(let b): b ? "true" : "false"
        case .null: nil
        case .composite(let text): text
        }
    }
}
