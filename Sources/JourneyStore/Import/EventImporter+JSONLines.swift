// Events from a JSON Lines file: each line's members are matched to fields by name; the rest become properties.

extension EventImporter {
    /// Imports the events of one JSON Lines file.
    mutating func importJSONLines(_ file: String) throws {
        let roles = try ColumnRoles(fields: ImportField.allCases, mapping: options.mapping, file: file)
        let reader = try JSONLinesReader(path: file)
        var present: [String] = []
        var memo = ColumnRoles.Memo()
        while try reader.readLine() {
            try session.countRow(file: file, bytesRead: reader.bytesRead)
            do {
                try jsonRow(reader, roles, memo: &memo, present: &present)
                for name in present { propertyCounts[name, default: 0] += 1 }
            } catch let failure as RowFailure {
                try session.reject(failure, file: file)
            }
        }
        session.report(file: file, bytesRead: reader.bytesRead)
        session.bytesBefore += reader.bytesRead
    }

    /// Validates and commits one line; `present` receives the names of the properties it carries.
    private mutating func jsonRow(_ reader: JSONLinesReader, _ roles: ColumnRoles, memo: inout ColumnRoles.Memo,
                         present: inout [String]) throws {
        let members = try reader.members()
        let assigned = roles.assign(members.map(\.key), memo: &memo)
        let line = reader.lineNumber
        func failure(at offset: Int, _ message: String) -> RowFailure {
            RowFailure(line: line, column: reader.column(ofOffset: offset), message: message)
        }
        func missing(_ field: ImportField, _ what: String) -> RowFailure {
            let names = members.map { "'\($0.key)'" }.joined(separator: ", ")
            let looked = roles.mapped[field].map { "'\($0)'" } ?? field.aliases.joined(separator: ", ")
            return RowFailure(line: line, column: 1, message: "missing \(what) (looked for \(looked); the members are \(names.isEmpty ? "none" : names))")
        }

        guard let customerIndex = assigned[.customer] else { throw missing(.customer, "customer id") }
        let customerMember = members[customerIndex]
        let customer: String
        switch customerMember.value {
        case .string(let s) where !s.isEmpty: customer = s
        case .number(let raw): customer = raw
        case .null, .string: throw failure(at: customerMember.valueOffset, "missing customer id (member '\(customerMember.key)')")
        case .bool, .composite:
            throw failure(at: customerMember.valueOffset, "a customer id must be text or a number (member '\(customerMember.key)')")
        }

        guard let timeIndex = assigned[.time] else { throw missing(.time, "time") }
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

        var object: [UInt8] = []
        try reader.appendObject(members, excluding: Set(assigned.values), to: &object, present: &present)

        // The field values go through one byte buffer so they can be handed over as byte ranges.
        var bytes: [UInt8] = Array(customer.utf8)
        var ranges: [Range<Int>?] = []
        for field in [ImportField.stage, .touchpoint, .channel] {
            guard let index = assigned[field], let text = Self.text(of: members[index].value) else {
                ranges.append(nil)
                continue
            }
            let start = bytes.count
            bytes.append(contentsOf: text.utf8)
            ranges.append(start..<bytes.count)
        }
        let propsStart = bytes.count
        bytes.append(contentsOf: object)
        try bytes.withUnsafeBufferPointer { buffer in
            func slice(_ range: Range<Int>?) -> UnsafeBufferPointer<UInt8>? {
                range.map { UnsafeBufferPointer(rebasing: buffer[$0]) }
            }
            try commit(customer: UnsafeBufferPointer(rebasing: buffer[0..<customer.utf8.count]), time: time,
                       stage: slice(ranges[0]), touchpoint: slice(ranges[1]), channel: slice(ranges[2]),
                       props: UnsafeBufferPointer(rebasing: buffer[propsStart...]))
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
