// Reading the properties of every event for the columnar copy, fast: the stored JSON objects are read as bytes,
// and only what needs JSON's full rules (escapes, nested values, long numbers) is handed to SQLite's json_type and
// json_extract, so every value is exactly what the SQL scan would see.

/// Builds the property columns `names` from property objects (JSON text), one object at a time.
struct PropertyReader {
    private let names: [[UInt8]]
    /// The column of each name, for objects with many keys: a search through the names per key made a
    /// 10,000-column row cost 10,000² comparisons (seconds); a few names are searched faster than hashed.
    private let columnOfName: [[UInt8]: Int]
    private var builders: [Builder]
    /// Per column, whether the current object already gave it a value (a repeated key keeps its first value, as
    /// json_extract reads it).
    private var seen: [Bool]
    private var object = -1
    /// The current object's values for read columns, before they are known to be readable without SQLite.
    private var pending: [(column: Int, value: StoredValue?, bytes: Range<Int>)] = []
    /// json_type and json_extract of (props, path), for the objects read by SQLite.
    private let exact: Statement
    private let paths: [String]

    init(names: [String], objectCount: Int, db: Database) throws {
        self.names = names.map { Array($0.utf8) }
        columnOfName = names.count > 8
            ? Dictionary(self.names.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
            : [:]
        builders = names.map { _ in Builder(objectCount: objectCount) }
        seen = Array(repeating: false, count: names.count)
        exact = try db.prepare("SELECT json_type(?1, ?2), json_extract(?1, ?2)")
        paths = names.map { PredicateSQL.jsonPath($0) ?? "" }
    }

    /// The columns `names` of events whose property objects are `propsIDs` (ids in table `props`, 0 for none):
    /// each object is read once, then every event takes its object's value number.
    static func columns(_ names: [String], propsIDs: [UInt32], db: Database,
                        isCancelled: () -> Bool) throws -> [String: PropertyColumn] {
        let count = try db.prepare("SELECT count(*), coalesce(max(id), 0) FROM props")
        guard try count.step() else { return [:] }
        let objects = Int(count.int64(0))
        let largestID = Int(count.int64(1))
        count.reset()
        let read = try db.prepare("SELECT id, json FROM props ORDER BY id")
        return try columns(names, propsIDs: propsIDs, objectCount: objects, largestID: largestID, db: db) { add in
            try db.withCancellation(isCancelled) {
                var row = 0
                while try read.step(), row < objects {
                    row += 1
                    try read.withText(1) { try add(read.int64(0), $0) }
                }
            }
        }
    }

    /// The columns `names` of events whose property objects are `propsIDs`, with the objects (at most
    /// `objectCount`, ids up to `largestID`) delivered by `objects` as (id, JSON text); `db` is any connection, for
    /// SQLite's JSON functions.
    static func columns(_ names: [String], propsIDs: [UInt32], objectCount: Int, largestID: Int, db: Database,
                        objects: ((Int64, UnsafeBufferPointer<UInt8>?) throws -> Void) throws -> Void)
        throws -> [String: PropertyColumn] {
        var reader = try PropertyReader(names: names, objectCount: objectCount, db: db)
        // rowOfID[id] is the object's position in the reader, from 1; 0 for an id with no object.
        var rowOfID = [UInt32](repeating: 0, count: largestID + 1)
        var row: UInt32 = 0
        try objects { id, json in
            guard Int(row) < objectCount, id >= 0, id <= Int64(largestID) else {
                throw StoreError.schema("table props has an invalid id \(id)")
            }
            rowOfID[Int(id)] = row + 1
            row += 1
            try reader.add(json)
        }
        return try Dictionary(uniqueKeysWithValues: zip(names, reader.builders.map { builder in
            // Each event's value number, made in the width the column keeps (`ValueNumbers`) rather than 4 bytes
            // first: at 10M events, 40 MB a column less for the kernel to hand out and zero.
            func numbers<Number: FixedWidthInteger>(_: Number.Type) throws -> [Number] {
                var valueIndex = [Number](repeating: 0, count: propsIDs.count)
                try valueIndex.withUnsafeMutableBufferPointer { out in
                    try propsIDs.withUnsafeBufferPointer { ids in
                        try rowOfID.withUnsafeBufferPointer { rows in
                            for i in 0..<ids.count where ids[i] != 0 {
                                let id = Int(ids[i])
                                guard id < rows.count, rows[id] != 0 else {
                                    throw StoreError.schema("an event refers to property object \(id), which table props lacks")
                                }
                                out[i] = Number(truncatingIfNeeded: builder.valueIndex[Int(rows[id]) - 1])
                            }
                        }
                    }
                }
                return valueIndex
            }
            let largest = UInt32(max(0, builder.values.count - 1))
            let storage: ValueNumbers.Storage
            if largest <= UInt32(UInt8.max) {
                storage = .one(try numbers(UInt8.self))
            } else if largest <= UInt32(UInt16.max) {
                storage = .two(try numbers(UInt16.self))
            } else {
                storage = .four(try numbers(UInt32.self))
            }
            return PropertyColumn(valueIndex: ValueNumbers(storage: storage), values: builder.values)
        }))
    }

    private func column(named key: UnsafeBufferPointer<UInt8>) -> Int? {
        if names.count <= 8 { return names.firstIndex { $0.elementsEqual(key) } }
        return columnOfName[Array(key)]
    }

    /// Reads the next property object's JSON text (nil for NULL).
    mutating func add(_ props: UnsafeBufferPointer<UInt8>?) throws {
        object += 1
        guard let props, !names.isEmpty else { return }
        for k in seen.indices { seen[k] = false }
        if !readSimpleObject(props) {
            for k in seen.indices { seen[k] = false }
            try readExactly(props)
        }
    }

    /// Reads a flat object of plain strings, short numbers, true, false and null; false (having stored nothing
    /// that a full reading would not) when the object needs more.
    private mutating func readSimpleObject(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = 0
        func skipSpace() { while p < b.count, b[p] == 0x20 || b[p] == 0x0A || b[p] == 0x0D || b[p] == 0x09 { p += 1 } }
        /// A string without escapes: its content's range, after the closing quote.
        func plainString() -> Range<Int>? {
            guard p < b.count, b[p] == 0x22 else { return nil }
            let start = p + 1
            var q = start
            while q < b.count, b[q] != 0x22 {
                if b[q] == 0x5C || b[q] < 0x20 { return nil }
                q += 1
            }
            guard q < b.count else { return nil }
            p = q + 1
            return start..<q
        }
        pending.removeAll(keepingCapacity: true)
        skipSpace()
        guard p < b.count, b[p] == 0x7B else { return false }
        p += 1
        skipSpace()
        if p < b.count, b[p] == 0x7D {
            p += 1
        } else {
            while true {
                skipSpace()
                guard let key = plainString() else { return false }
                skipSpace()
                guard p < b.count, b[p] == 0x3A else { return false }
                p += 1
                skipSpace()
                guard p < b.count else { return false }
                let column = column(named: UnsafeBufferPointer(rebasing: b[key]))
                switch b[p] {
                case 0x22:
                    guard let text = plainString() else { return false }
                    if let column { pending.append((column, nil, text)) }
                case 0x74, 0x66, 0x6E:
                    let (word, value): (StaticString, StoredValue) = b[p] == 0x74 ? ("true", .boolean(true))
                        : (b[p] == 0x66 ? ("false", .boolean(false)) : ("null", .missing))
                    let length = word.utf8CodeUnitCount
                    guard b.count - p >= length,
                          (0..<length).allSatisfy({ b[p + $0] == word.utf8Start[$0] }) else { return false }
                    p += length
                    if let column { pending.append((column, value, 0..<0)) }
                case 0x2D, 0x30...0x39:
                    let start = p
                    var isInteger = true
                    while p < b.count, b[p] == 0x2D || b[p] == 0x2B || b[p] == 0x2E || b[p] == 0x65 || b[p] == 0x45
                            || (0x30...0x39).contains(b[p]) {
                        if !(0x30...0x39).contains(b[p]) && b[p] != 0x2D { isInteger = false }
                        p += 1
                    }
                    // Long numbers and exponents are SQLite's to convert (its rounding, its overflow to real).
                    guard p - start <= 15, !b[start..<p].contains(0x65), !b[start..<p].contains(0x45) else { return false }
                    if let column {
                        let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<p]), as: UTF8.self)
                        if isInteger, let i = Int64(text) {
                            pending.append((column, .integer(i), 0..<0))
                        } else if let d = Double(text) {
                            pending.append((column, .real(d), 0..<0))
                        } else {
                            return false
                        }
                    }
                default:
                    return false
                }
                skipSpace()
                guard p < b.count else { return false }
                if b[p] == 0x2C { p += 1; continue }
                if b[p] == 0x7D { p += 1; break }
                return false
            }
        }
        skipSpace()
        guard p == b.count else { return false }
        for item in pending where !seen[item.column] {
            seen[item.column] = true
            if let value = item.value {
                builders[item.column].set(object, value)
            } else {
                builders[item.column].setText(object, UnsafeBufferPointer(rebasing: b[item.bytes]))
            }
        }
        return true
    }

    /// SQLite's own reading of the object, for each column.
    private mutating func readExactly(_ props: UnsafeBufferPointer<UInt8>) throws {
        for k in names.indices where !paths[k].isEmpty {
            exact.reset()
            try exact.bindText(utf8: props, at: 1)
            try exact.bind(paths[k], at: 2)
            guard try exact.step() else { continue }
            let value: StoredValue
            switch exact.text(0) {
            case nil, "null": value = .missing
            case "integer", "real":
                switch exact.value(1) {
                case .integer(let i): value = .integer(i)
                case .real(let d): value = .real(d)
                default: value = .missing
                }
            case "text": value = .text(exact.text(1) ?? "")
            case "true": value = .boolean(true)
            case "false": value = .boolean(false)
            default: value = .json(exact.text(1) ?? "")
            }
            builders[k].set(object, value)
        }
    }

    /// One column: value numbers per object and the distinct values, text interned by its bytes.
    private struct Builder {
        var values: [StoredValue] = [.missing]
        var known: [StoredValue: UInt32] = [.missing: 0]
        var texts = ByteKeyTable()
        var valueIndex: [UInt32]

        init(objectCount: Int) {
            valueIndex = Array(repeating: 0, count: objectCount)
        }

        mutating func set(_ object: Int, _ value: StoredValue) {
            if case .text(let s) = value {
                var s = s
                s.withUTF8 { setText(object, $0) }
                return
            }
            if let index = known[value] {
                valueIndex[object] = index
            } else {
                let index = UInt32(values.count)
                values.append(value)
                known[value] = index
                valueIndex[object] = index
            }
        }

        mutating func setText(_ object: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
            if let index = texts.value(for: bytes) {
                valueIndex[object] = UInt32(index)
            } else {
                let index = UInt32(values.count)
                values.append(.text(String(decoding: bytes, as: UTF8.self)))
                texts.insert(bytes, value: Int64(index))
                valueIndex[object] = index
            }
        }
    }
}
