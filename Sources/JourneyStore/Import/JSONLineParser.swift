// A strict JSON parser for one JSON Lines record: a flat object whose members become event fields and properties.

/// A member value as the importer needs it.
enum JSONMemberValue: Equatable {
    case string(String)
    /// The number exactly as written (valid JSON number syntax).
    case number(String)
    /// With `raw` parsing: a string without escapes, as the bytes of the line in this range (between the quotes).
    case rawString(Range<Int>)
    /// With `raw` parsing: a number, as the bytes of the line in this range.
    case rawNumber(Range<Int>)
    case bool(Bool)
    case null
    /// An array or object, as compact JSON text.
    case composite(String)
}

/// One `"key": value` member, with the byte offsets (in the line) where key and value begin.
struct JSONMember {
    var key: String
    var keyOffset: Int
    var value: JSONMemberValue
    var valueOffset: Int
}

/// A JSON syntax error at a byte offset of the line.
struct JSONLineError: Error {
    var offset: Int
    var message: String
}

/// Parses one line holding a JSON object. Nested arrays and objects are validated and kept as compact text.
struct JSONLineParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let raw: Bool
    private var p = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>, raw: Bool) {
        self.bytes = bytes
        self.raw = raw
    }

    /// The object's members in the order written (a repeated key keeps its last value). With `raw`, strings
    /// without escapes and numbers are given as ranges of `line` (`rawString`, `rawNumber`), not as strings: an
    /// importer that copies their bytes on saves making a string of each.
    static func parseObject(_ line: UnsafeBufferPointer<UInt8>, raw: Bool = false) throws(JSONLineError) -> [JSONMember] {
        var parser = JSONLineParser(line, raw: raw)
        return try parser.object()
    }

    private mutating func object() throws(JSONLineError) -> [JSONMember] {
        skipSpace()
        guard p < bytes.count else { throw JSONLineError(offset: p, message: "empty line") }
        guard bytes[p] == UInt8(ascii: "{") else {
            let what = bytes[p] == UInt8(ascii: "[")
                ? "expected one JSON object per line (JSON Lines), found an array"
                : "expected a JSON object ('{') at the start of the line"
            throw JSONLineError(offset: p, message: what)
        }
        p += 1
        var members: [JSONMember] = []
        // One allocation for the usual line, instead of one per doubling.
        members.reserveCapacity(16)
        skipSpace()
        if peek(UInt8(ascii: "}")) {
            p += 1
        } else {
            while true {
                skipSpace()
                let keyOffset = p
                guard peek(UInt8(ascii: "\"")) else { throw JSONLineError(offset: p, message: "expected a member name in double quotes") }
                let key = try string()
                skipSpace()
                guard peek(UInt8(ascii: ":")) else { throw JSONLineError(offset: p, message: "expected ':' after the member name") }
                p += 1
                skipSpace()
                let valueOffset = p
                let value = try value()
                if let existing = members.firstIndex(where: { $0.key == key }) { members.remove(at: existing) }
                members.append(JSONMember(key: key, keyOffset: keyOffset, value: value, valueOffset: valueOffset))
                skipSpace()
                if peek(UInt8(ascii: ",")) { p += 1; continue }
                if peek(UInt8(ascii: "}")) { p += 1; break }
                throw JSONLineError(offset: p, message: "expected ',' or '}' after a member")
            }
        }
        skipSpace()
        guard p == bytes.count else { throw JSONLineError(offset: p, message: "unexpected text after the object") }
        return members
    }

    private mutating func value() throws(JSONLineError) -> JSONMemberValue {
        guard p < bytes.count else { throw JSONLineError(offset: p, message: "expected a value") }
        switch bytes[p] {
        case UInt8(ascii: "\""):
            if raw, let range = try plainString() { return .rawString(range) }
            return .string(try string())
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = p
            try skipComposite()
            return .composite(Self.compact(UnsafeBufferPointer(rebasing: bytes[start..<p])))
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            let start = p
            try number()
            if raw { return .rawNumber(start..<p) }
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<p]), as: UTF8.self))
        }
    }

    /// The content of the string starting at `p` when it has no escape (moving past it), else nil (not moving).
    private mutating func plainString() throws(JSONLineError) -> Range<Int>? {
        let start = p + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        guard FieldEncoding.isValidUTF8(UnsafeBufferPointer(rebasing: bytes[start..<end])) else {
            throw JSONLineError(offset: p, message: "invalid UTF-8 in a string")
        }
        p = end + 1
        return start..<end
    }

    private mutating func string() throws(JSONLineError) -> String {
        let open = p
        p += 1
        // Most strings have no escapes: find the closing quote and decode the bytes in place.
        var end = p
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let slice = UnsafeBufferPointer(rebasing: bytes[p..<end])
            guard FieldEncoding.isValidUTF8(slice) else { throw JSONLineError(offset: open, message: "invalid UTF-8 in a string") }
            p = end + 1
            return String(decoding: slice, as: UTF8.self)
        }
        var out: [UInt8] = []
        while true {
            guard p < bytes.count else { throw JSONLineError(offset: open, message: "unterminated string") }
            let c = bytes[p]
            if c == UInt8(ascii: "\"") { p += 1; break }
            if c < 0x20 { throw JSONLineError(offset: p, message: "control character in a string (escape it)") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                p += 1
                continue
            }
            p += 1
            guard p < bytes.count else { throw JSONLineError(offset: open, message: "unterminated string") }
            let escape = bytes[p]
            p += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard p + 1 < bytes.count, bytes[p] == UInt8(ascii: "\\"), bytes[p + 1] == UInt8(ascii: "u") else {
                        throw JSONLineError(offset: p, message: "unpaired surrogate in \\u escape")
                    }
                    p += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw JSONLineError(offset: p, message: "unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw JSONLineError(offset: p, message: "unpaired surrogate in \\u escape")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw JSONLineError(offset: p, message: "invalid \\u escape") }
                // Stored text cannot hold NUL (SQLite's text functions stop at it): refused, as in CSV.
                guard scalar != 0 else { throw JSONLineError(offset: p - 6, message: "a NUL character (\\u0000) in a string: text cannot hold NUL") }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default:
                throw JSONLineError(offset: p - 2, message: "invalid escape '\\\(String(UnicodeScalar(escape)))'")
            }
        }
        let valid = out.withUnsafeBufferPointer(FieldEncoding.isValidUTF8)
        guard valid else { throw JSONLineError(offset: open, message: "invalid UTF-8 in a string") }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex4() throws(JSONLineError) -> UInt32 {
        guard p + 4 <= bytes.count else { throw JSONLineError(offset: p, message: "expected four hex digits after \\u") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[p]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - 55)
            default: throw JSONLineError(offset: p, message: "expected four hex digits after \\u")
            }
            value = value * 16 + digit
            p += 1
        }
        return value
    }

    /// -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
    private mutating func number() throws(JSONLineError) {
        let start = p
        if peek(UInt8(ascii: "-")) { p += 1 }
        guard p < bytes.count, FieldEncoding.isDigit(bytes[p]) else {
            throw JSONLineError(offset: start, message: "expected a value (a string, number, true, false, null, array or object)")
        }
        if bytes[p] == UInt8(ascii: "0") { p += 1 } else { skipDigits() }
        if peek(UInt8(ascii: ".")) {
            p += 1
            guard p < bytes.count, FieldEncoding.isDigit(bytes[p]) else { throw JSONLineError(offset: p, message: "expected digits after '.'") }
            skipDigits()
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            p += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { p += 1 }
            guard p < bytes.count, FieldEncoding.isDigit(bytes[p]) else { throw JSONLineError(offset: p, message: "expected digits in the exponent") }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while p < bytes.count, FieldEncoding.isDigit(bytes[p]) { p += 1 }
    }

    private mutating func literal(_ word: StaticString) throws(JSONLineError) {
        let start = p
        let count = word.utf8CodeUnitCount
        guard p + count <= bytes.count else { throw JSONLineError(offset: start, message: "expected a value") }
        for i in 0..<count where bytes[p + i] != word.utf8Start[i] {
            throw JSONLineError(offset: start, message: "expected a value (a string, number, true, false, null, array or object)")
        }
        p += count
    }

    /// Validates an array or object (any depth) and moves past it.
    private mutating func skipComposite() throws(JSONLineError) {
        var closers: [UInt8] = []
        repeat {
            skipSpace()
            guard p < bytes.count else { throw JSONLineError(offset: p, message: "unterminated array or object") }
            let c = bytes[p]
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                closers.append(c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                p += 1
                skipSpace()
                if peek(closers[closers.count - 1]) { p += 1; closers.removeLast(); try afterElement(&closers); continue }
                if c == UInt8(ascii: "{") { try memberName() }
                continue
            }
            _ = try value()
            try afterElement(&closers)
        } while !closers.isEmpty
    }

    /// After an element inside a composite: a comma (then the next element), or the closer(s).
    private mutating func afterElement(_ closers: inout [UInt8]) throws(JSONLineError) {
        while !closers.isEmpty {
            skipSpace()
            guard p < bytes.count else { throw JSONLineError(offset: p, message: "unterminated array or object") }
            if bytes[p] == UInt8(ascii: ",") {
                p += 1
                if closers[closers.count - 1] == UInt8(ascii: "}") { skipSpace(); try memberName() }
                return
            }
            guard bytes[p] == closers[closers.count - 1] else {
                throw JSONLineError(offset: p, message: "expected ',' or '\(String(UnicodeScalar(closers[closers.count - 1])))'")
            }
            p += 1
            closers.removeLast()
        }
    }

    private mutating func memberName() throws(JSONLineError) {
        guard peek(UInt8(ascii: "\"")) else { throw JSONLineError(offset: p, message: "expected a member name in double quotes") }
        _ = try string()
        skipSpace()
        guard peek(UInt8(ascii: ":")) else { throw JSONLineError(offset: p, message: "expected ':' after the member name") }
        p += 1
    }

    private func peek(_ byte: UInt8) -> Bool { p < bytes.count && bytes[p] == byte }

    private mutating func skipSpace() {
        while p < bytes.count {
            let c = bytes[p]
            guard c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D else { return }
            p += 1
        }
    }

    /// Validated JSON text without the whitespace outside strings.
    private static func compact(_ text: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var inString = false
        var escaped = false
        for c in text {
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
                out.append(c)
            } else if c != 0x20, c != 0x09, c != 0x0A, c != 0x0D {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
