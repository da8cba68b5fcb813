// How input field bytes become stored values: number recognition, JSON text escaping, UTF-8 validation.

/// Byte-level helpers the importers share. Every function works on raw field bytes so no `String` is built
/// on the hot path.
package enum FieldEncoding {
    /// Whether a CSV value is stored as a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
    /// Such text is also valid JSON number syntax, so it is copied into the JSON object unchanged.
    /// Whether `text` is stored as a number when imported from CSV: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
    /// The language types `--param` values for properties by the same rule.
    package static func isPlainNumber(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { isPlainNumber($0) }
    }

    static func isPlainNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = 0
        let n = bytes.count
        if p < n, bytes[p] == UInt8(ascii: "-") { p += 1 }
        guard p < n, isDigit(bytes[p]) else { return false }
        if bytes[p] == UInt8(ascii: "0") {
            p += 1
        } else {
            while p < n, isDigit(bytes[p]) { p += 1 }
        }
        if p < n, bytes[p] == UInt8(ascii: ".") {
            p += 1
            guard p < n, isDigit(bytes[p]) else { return false }
            while p < n, isDigit(bytes[p]) { p += 1 }
        }
        return p == n
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }

    /// Appends `bytes` as a JSON string literal (quotes included), escaping `"`, `\` and control characters.
    static func appendJSONString<Output: ByteOutput>(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout Output) {
        output.appendByte(UInt8(ascii: "\""))
        // Most values need no escaping and are copied in one go.
        if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.appendBytes(bytes)
            output.appendByte(UInt8(ascii: "\""))
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): output.appendByte(UInt8(ascii: "\\")); output.appendByte(byte)
            case UInt8(ascii: "\\"): output.appendByte(UInt8(ascii: "\\")); output.appendByte(byte)
            case UInt8(ascii: "\n"): output.appendByte(UInt8(ascii: "\\")); output.appendByte(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): output.appendByte(UInt8(ascii: "\\")); output.appendByte(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): output.appendByte(UInt8(ascii: "\\")); output.appendByte(UInt8(ascii: "t"))
            case 0..<0x20:
                output.appendByte(UInt8(ascii: "\\"))
                output.appendByte(UInt8(ascii: "u"))
                output.appendByte(UInt8(ascii: "0"))
                output.appendByte(UInt8(ascii: "0"))
                output.appendByte(hexDigit(byte >> 4))
                output.appendByte(hexDigit(byte & 15))
            default: output.appendByte(byte)
            }
        }
        output.appendByte(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 48 + value : 87 + value
    }

    /// Appends `text` as a JSON string literal.
    static func appendJSONString<Output: ByteOutput>(_ text: String, to output: inout Output) {
        var text = text
        text.withUTF8 { appendJSONString($0, to: &output) }
    }

    /// Whether `bytes` are well-formed UTF-8; ASCII is checked eight bytes at a time.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var p = 0
        let n = bytes.count
        while p + 8 <= n {
            let word = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            p += 8
        }
        while p < n, base[p] < 0x80 { p += 1 }
        if p == n { return true }
        return String(validating: UnsafeBufferPointer(start: base + p, count: n - p), as: UTF8.self) != nil
    }

    /// The text of `bytes` for an error message: invalid UTF-8 repaired, long values shortened.
    static func display(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    /// `bytes` without leading and trailing spaces and tabs.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }
}
