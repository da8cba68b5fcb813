// Source text, byte ranges into it, and the line index that turns a range into line and column on demand.

/// A half-open range of UTF-8 byte offsets into one source text.
package struct SourceRange: Sendable, Hashable, CustomStringConvertible {
    package var start: Int
    package var end: Int

    package init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    /// The smallest range covering both.
    package func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(start, other.start), max(end, other.end))
    }

    package var description: String { "\(start)..<\(end)" }
}

/// A 1-based line and column (column counts characters, not bytes).
package struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    package var line: Int
    package var column: Int
    package var description: String { "\(line):\(column)" }
}

/// One piece of source text (a script, a REPL entry, a `-c` argument) with a name for messages.
package struct SourceText: Sendable {
    package let name: String
    package let text: String
    /// The text as UTF-8 bytes; every range indexes these.
    package let bytes: [UInt8]
    /// Byte offset at which each line starts.
    private let lineStarts: [Int]
    /// The line number of the text's first line: a statement cut from a longer script keeps the script's
    /// line numbers in its messages.
    package let firstLine: Int

    package init(_ text: String, name: String = "<input>", firstLine: Int = 1) {
        self.name = name
        self.text = text
        self.firstLine = max(1, firstLine)
        self.bytes = Array(text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// The line and column of a byte offset.
    package func location(of offset: Int) -> SourceLocation {
        let clamped = min(max(0, offset), bytes.count)
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= clamped { lo = mid } else { hi = mid - 1 }
        }
        let prefix = bytes[lineStarts[lo]..<clamped]
        let column = String(decoding: prefix, as: UTF8.self).count + 1
        return SourceLocation(line: lo + firstLine, column: column)
    }

    /// The text of a line (numbered as `location(of:)` numbers it), without its newline.
    package func line(_ numbered: Int) -> String {
        let number = numbered - firstLine + 1
        guard number >= 1, number <= lineStarts.count else { return "" }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// The text a range covers.
    package func slice(_ range: SourceRange) -> String {
        let s = min(max(0, range.start), bytes.count), e = min(max(s, range.end), bytes.count)
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }
}
