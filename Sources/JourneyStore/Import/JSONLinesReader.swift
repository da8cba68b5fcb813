// Splits a JSON Lines input into its non-blank lines, parses each as an object, and locates errors by character.

/// Reads the lines of a JSON Lines file one at a time, skipping blank lines, a UTF-8 BOM and `\r` before `\n`.
final class JSONLinesReader {
    private let source: ByteSource
    private var position = 0
    private var nextLine = 1
    private var lineStart = 0
    private var lineEnd = 0

    /// The physical line number of the current line.
    private(set) var lineNumber = 0

    init(path: String) throws {
        source = try ByteSource(path: path)
    }

    init(bytes: [UInt8]) {
        source = ByteSource(bytes: bytes)
    }

    /// Bytes read from the input so far.
    var bytesRead: Int64 { source.bytesRead }

    /// The bytes of the current line (valid until the next `readLine()`).
    var line: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: source.base + lineStart, count: lineEnd - lineStart)
    }

    /// Advances to the next non-blank line: true when there is one.
    func readLine() throws -> Bool {
        while true {
            guard let newline = try findNewline() else {
                // The last line has no newline after it.
                guard position < source.count else { return false }
                return take(end: source.count, next: source.count)
            }
            if take(end: newline, next: newline + 1) { return true }
        }
    }

    /// The 1-based character column of byte `offset` of the current line.
    func column(ofOffset offset: Int) -> Int {
        var column = 1
        let bytes = line
        for index in 0..<min(offset, bytes.count) where bytes[index] & 0xC0 != 0x80 { column += 1 }
        return column
    }

    /// Parses the current line as a JSON object; syntax errors become a `RowFailure` at the faulty character.
    /// With `raw`, plain strings and numbers are ranges of `line` (see `JSONLineParser.parseObject`).
    func members(raw: Bool = false) throws(RowFailure) -> [JSONMember] {
        do {
            return try JSONLineParser.parseObject(line, raw: raw)
        } catch {
            throw RowFailure(line: lineNumber, column: column(ofOffset: error.offset), message: "invalid JSON: \(error.message)")
        }
    }

    /// Makes `[position, end)` the current line and moves on to `next`; false when the line is blank.
    private func take(end: Int, next: Int) -> Bool {
        var start = position
        var stop = end
        if nextLine == 1, stop - start >= 3, source.base[start] == 0xEF, source.base[start + 1] == 0xBB, source.base[start + 2] == 0xBF {
            start += 3
        }
        if stop > start, source.base[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
        lineNumber = nextLine
        nextLine += 1
        position = next
        lineStart = start
        lineEnd = stop
        var blank = true
        for index in start..<stop where !(source.base[index] == 0x20 || source.base[index] == 0x09) {
            blank = false
            break
        }
        return !blank
    }

    /// The offset of the next `\n` at or after `position`, refilling the window as needed; nil at the end of input.
    private func findNewline() throws -> Int? {
        var scan = position
        while true {
            while scan < source.count {
                if source.base[scan] == UInt8(ascii: "\n") { return scan }
                scan += 1
            }
            let kept = position
            guard try source.refill(keepingFrom: kept) else {
                scan -= kept
                position = 0
                return nil
            }
            scan -= kept
            position = 0
        }
    }
}

extension JSONLinesReader {
    /// Appends the members not marked in `taken` (by index; past its end nothing is marked) as a JSON object
    /// (nothing when none has a value): numbers as written, strings as text, booleans as the text `true`/`false`,
    /// arrays and objects as their JSON text; null and empty strings are absent. `present` is set to the indices of
    /// the members written.
    func appendObject<Output: ByteOutput>(_ members: [JSONMember], excluding taken: [Bool], to arena: inout Output,
                                          present: inout [Int]) throws(RowFailure) {
        let objectStart = arena.count
        present.removeAll(keepingCapacity: true)
        for (index, member) in members.enumerated() where !(index < taken.count && taken[index]) {
            if member.key.utf8.contains(UInt8(ascii: "\"")) {
                arena.truncate(to: objectStart)
                present.removeAll(keepingCapacity: true)
                throw RowFailure(line: lineNumber, column: column(ofOffset: member.keyOffset),
                                 message: "member name '\(member.key)' contains a double quote, which field names cannot")
            }
            switch member.value {
            case .null: continue
            case .string(let s) where s.isEmpty: continue
            case .rawString(let range) where range.isEmpty: continue
            default: break
            }
            arena.appendByte(present.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            FieldEncoding.appendJSONString(member.key, to: &arena)
            arena.appendByte(UInt8(ascii: ":"))
            switch member.value {
            case .string(let s): FieldEncoding.appendJSONString(s, to: &arena)
            case .number(let raw):
                var raw = raw
                raw.withUTF8 { arena.appendBytes($0) }
            case .rawString(let range): FieldEncoding.appendJSONString(UnsafeBufferPointer(rebasing: line[range]), to: &arena)
            case .rawNumber(let range): arena.appendBytes(UnsafeBufferPointer(rebasing: line[range]))
            case .bool(let b): FieldEncoding.appendJSONString(b ? "true" : "false", to: &arena)
            case .composite(let text): FieldEncoding.appendJSONString(text, to: &arena)
            case .null: break
            }
            present.append(index)
        }
        if !present.isEmpty { arena.appendByte(UInt8(ascii: "}")) }
    }
}
