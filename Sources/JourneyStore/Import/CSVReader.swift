// A hand-written RFC 4180 CSV reader over raw bytes: quotes, "" escapes, newlines in quotes, CRLF, a UTF-8 BOM.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A malformed CSV record: where it is (1-based physical line and character column) and what is wrong.
package struct CSVError: Error, Sendable, Hashable {
    package var line: Int
    package var column: Int
    package var message: String
}

/// Reads CSV records one at a time without building strings.
///
/// After `readRecord()` returns true, `field(_:)` gives each field's bytes (quotes removed, `""` unescaped).
/// They stay valid only until the next `readRecord()`. Records end at `\n` or `\r\n` outside quotes; completely
/// empty lines are skipped; a quote inside an unquoted field is kept as data; after a closing quote only a comma
/// or the end of the record may follow. After a `CSVError` the reader has skipped the faulty record and can go on.
package final class CSVReader {
    private struct Span {
        /// Content bytes, in the window or (for unescaped fields) in the scratch buffer.
        var start: Int
        var end: Int
        var inScratch: Bool
        var needsUnescape: Bool
        /// Where the field's text begins (its opening quote, if any), and the physical line it begins on.
        var origin: Int
        var line: Int
        var lineStart: Int
    }

    private enum Outcome {
        case record(next: Int, line: Int)
        case needMore
        case endOfInput
        case failure(CSVError, resumeAt: Int, line: Int)
    }

    private let source: ByteSource
    // The mutable state is marked `@exclusivity(unchecked)`: the reader belongs to one thread, and the run-time
    // check on every access to a class's stored property cost about a tenth of reading a large file.
    /// Where the next record starts in the window, and its physical line.
    @exclusivity(unchecked) private var position = 0
    @exclusivity(unchecked) private var line = 1
    /// The current record's fields, `spanCount` of them, in a buffer of `spanCapacity` (not an array: appending
    /// to one costs a uniqueness check per field, and moving it in and out of the class a retain and release).
    @exclusivity(unchecked) private var spans: UnsafeMutablePointer<Span>
    @exclusivity(unchecked) private var spanCount = 0
    @exclusivity(unchecked) private var spanCapacity = 16
    @exclusivity(unchecked) private var scratch: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var scratchCapacity = 256
    /// Where the last field's raw text ends (after any closing quote), and the start of its line.
    @exclusivity(unchecked) private var recordEnd = 0
    @exclusivity(unchecked) private var recordEndLineStart = 0

    /// Whether every byte of the current record is ASCII: its fields are then valid UTF-8 without a look each.
    @exclusivity(unchecked) package private(set) var recordIsASCII = false

    /// The physical line the current record starts on.
    @exclusivity(unchecked) package private(set) var recordLine = 0

    /// Reads the file at `path`.
    package convenience init(path: String) throws {
        try self.init(source: ByteSource(path: path))
    }

    /// Reads CSV text held in memory.
    package convenience init(bytes: [UInt8]) {
        // An in-memory source is complete, so nothing can be thrown.
        try! self.init(source: ByteSource(bytes: bytes))
    }

    init(source: ByteSource) throws {
        self.source = source
        scratch = .allocate(capacity: scratchCapacity)
        spans = .allocate(capacity: spanCapacity)
        while source.count < 3, try source.refill(keepingFrom: 0) {}
        if source.count >= 3, source.base[0] == 0xEF, source.base[1] == 0xBB, source.base[2] == 0xBF {
            position = 3
        }
    }

    deinit {
        scratch.deallocate()
        spans.deallocate()
    }

    /// Bytes read from the input so far.
    package var bytesRead: Int64 { source.bytesRead }

    /// How many fields the current record has.
    package var fieldCount: Int { spanCount }

    /// The current record's field `index` (which must be below `fieldCount`).
    @inline(__always)
    private func span(_ index: Int) -> Span {
        precondition(index >= 0 && index < spanCount, "field index out of range")
        return spans[index]
    }

    /// The bytes of field `index` of the current record.
    package func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let span = span(index)
        let base = span.inScratch ? UnsafePointer(scratch) : UnsafePointer(source.base)
        return UnsafeBufferPointer(start: base + span.start, count: span.end - span.start)
    }

    /// Field `index` of the current record as a string (invalid UTF-8 is repaired).
    package func string(_ index: Int) -> String {
        String(decoding: field(index), as: UTF8.self)
    }

    /// The physical line where field `index` begins.
    package func line(ofField index: Int) -> Int { span(index).line }

    /// The 1-based character position where field `index` begins in its line.
    package func column(ofField index: Int) -> Int {
        let span = span(index)
        return characterColumn(from: span.lineStart, to: span.origin)
    }

    /// The physical line and 1-based character position just after the record's last field.
    package var endOfRecord: (line: Int, column: Int) {
        (spanCount > 0 ? spans[spanCount - 1].line : recordLine, characterColumn(from: recordEndLineStart, to: recordEnd))
    }

    /// Advances to the next record: true when there is one, false at the end of the input.
    package func readRecord() throws -> Bool {
        while true {
            switch parse(from: position, line: line) {
            case .record(let next, let nextLine):
                let (ascii, mayHaveNul) = Self.scanRecord(source.base + position, count: next - position)
                recordIsASCII = ascii
                if mayHaveNul, let error = nulError(from: position, to: next, line: line) {
                    // Stored text cannot hold NUL (SQLite's text functions stop at it, so 'mo\0bile' compared as
                    // 'mo'): the record is refused where the NUL stands, as JSON Lines refuses one.
                    position = next
                    line = nextLine
                    spanCount = 0
                    throw error
                }
                position = next
                line = nextLine
                unescapeQuotedFields()
                return true
            case .endOfInput:
                position = source.count
                return false
            case .needMore:
                let keep = position
                _ = try source.refill(keepingFrom: keep)
                position = 0
            case .failure(let error, let resumeAt, let resumeLine):
                position = resumeAt
                line = resumeLine
                spanCount = 0
                throw error
            }
        }
    }

    /// Whether the `count` bytes at `start` are all ASCII, and whether one may be NUL (then `nulError` finds it),
    /// a word at a time: one look at each record's bytes, far cheaper than a test per byte in the field loop or a
    /// UTF-8 check per field.
    @inline(__always)
    private static func scanRecord(_ start: UnsafePointer<UInt8>, count: Int) -> (ascii: Bool, mayHaveNul: Bool) {
        let high: UInt64 = 0x8080_8080_8080_8080
        var highBits: UInt64 = 0
        var zeros: UInt64 = 0
        var p = 0
        while p + 8 <= count {
            let word = UnsafeRawPointer(start + p).loadUnaligned(as: UInt64.self)
            highBits |= word
            // Marks at least every zero byte (and may mark others above one, or beside a byte ≥ 0x80).
            zeros |= (word &- 0x0101_0101_0101_0101) & ~word
            p += 8
        }
        var tail: UInt8 = 0xFF
        var tailHigh: UInt8 = 0
        while p < count {
            tail = min(tail, start[p])
            tailHigh |= start[p]
            p += 1
        }
        return (highBits & high == 0 && tailHigh & 0x80 == 0, zeros & high != 0 || tail == 0)
    }

    /// The error for a NUL byte between `start` and `end` of the window, if there is one (memchr, once the
    /// record's scan has seen a byte that may be NUL).
    private func nulError(from start: Int, to end: Int, line startLine: Int) -> CSVError? {
        guard end > start, let found = memchr(source.base + start, 0, end - start) else { return nil }
        let nul = UnsafeRawPointer(found) - UnsafeRawPointer(source.base)
        var line = startLine
        var lineStart = start
        for p in start..<nul where source.base[p] == UInt8(ascii: "\n") {
            line += 1
            lineStart = p + 1
        }
        return CSVError(line: line, column: characterColumn(from: lineStart, to: nul),
                        message: "a NUL byte (0x00) in a field: text cannot hold NUL")
    }

    // MARK: Parsing

    private func parse(from start: Int, line startLine: Int) -> Outcome {
        let base = source.base
        let end = source.count
        let exhausted = source.isExhausted
        var p = start
        var line = startLine
        var spans = self.spans
        var count = 0
        defer { spanCount = count }

        // Skip empty lines before the record.
        while true {
            if p == end { return exhausted ? .endOfInput : .needMore }
            if base[p] == UInt8(ascii: "\n") {
                p += 1
                line += 1
            } else if base[p] == UInt8(ascii: "\r") {
                if p + 1 == end { return exhausted ? .endOfInput : .needMore }
                guard base[p + 1] == UInt8(ascii: "\n") else { break }
                p += 2
                line += 1
            } else {
                break
            }
        }
        let recordStartLine = line
        var lineStart = p

        while true {
            let origin = p
            let fieldLine = line
            let fieldLineStart = lineStart
            var contentStart = p
            var contentEnd: Int
            var needsUnescape = false

            if p < end, base[p] == UInt8(ascii: "\"") {
                p += 1
                contentStart = p
                while true {
                    if p == end {
                        guard exhausted else { return .needMore }
                        let error = CSVError(line: fieldLine, column: characterColumn(from: fieldLineStart, to: origin),
                                             message: "unterminated quoted field (the quote opened here is never closed)")
                        return .failure(error, resumeAt: end, line: line)
                    }
                    let c = base[p]
                    if c == UInt8(ascii: "\"") {
                        if p + 1 == end, !exhausted { return .needMore }
                        if p + 1 < end, base[p + 1] == UInt8(ascii: "\"") {
                            needsUnescape = true
                            p += 2
                            continue
                        }
                        break
                    }
                    if c == UInt8(ascii: "\n") {
                        line += 1
                        lineStart = p + 1
                    }
                    p += 1
                }
                contentEnd = p
                p += 1  // the closing quote
            } else {
                // A word at a time up to the word holding the field's end (fields are short: most end in the first).
                while p + 8 <= end {
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
                    let ends = Self.bytesEqual(word, Self.commas) | Self.bytesEqual(word, Self.newlines)
                    if ends != 0 {
                        p += ends.trailingZeroBitCount >> 3
                        break
                    }
                    p += 8
                }
                while p < end {
                    let c = base[p]
                    if c == UInt8(ascii: ",") || c == UInt8(ascii: "\n") { break }
                    p += 1
                }
                if p == end, !exhausted { return .needMore }
                contentEnd = p
                // The \r of a \r\n line end is not data.
                if contentEnd > contentStart, base[contentEnd - 1] == UInt8(ascii: "\r"), p == end || base[p] == UInt8(ascii: "\n") {
                    contentEnd -= 1
                }
            }
            if count == spanCapacity {
                let larger = UnsafeMutablePointer<Span>.allocate(capacity: 2 * spanCapacity)
                larger.moveInitialize(from: spans, count: count)
                spans.deallocate()
                self.spans = larger
                spanCapacity *= 2
                spans = larger
            }
            (spans + count).initialize(to: Span(start: contentStart, end: contentEnd, inScratch: false,
                                                needsUnescape: needsUnescape, origin: origin, line: fieldLine,
                                                lineStart: fieldLineStart))
            count += 1
            recordEnd = p
            recordEndLineStart = lineStart

            if p == end {
                recordLine = recordStartLine
                return .record(next: p, line: line)
            }
            let c = base[p]
            if c == UInt8(ascii: ",") {
                p += 1
                continue
            }
            if c == UInt8(ascii: "\n") {
                recordLine = recordStartLine
                return .record(next: p + 1, line: line + 1)
            }
            if c == UInt8(ascii: "\r") {
                if p + 1 == end {
                    if !exhausted { return .needMore }
                    recordLine = recordStartLine
                    return .record(next: p + 1, line: line)
                }
                if base[p + 1] == UInt8(ascii: "\n") {
                    recordLine = recordStartLine
                    return .record(next: p + 2, line: line + 1)
                }
            }
            // Only a quoted field can get here: something follows its closing quote.
            let error = CSVError(line: line, column: characterColumn(from: lineStart, to: p),
                                 message: "unexpected character after a closing quote (a quote inside a quoted field is written \"\")")
            var skip = p
            while skip < end, base[skip] != UInt8(ascii: "\n") { skip += 1 }
            if skip == end, !exhausted { return .needMore }
            return .failure(error, resumeAt: min(skip + 1, end), line: line + 1)
        }
    }

    private static let commas: UInt64 = 0x2C2C_2C2C_2C2C_2C2C
    private static let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A

    /// A word whose lowest set bit is the high bit of the first byte of `word` equal to the byte repeated in
    /// `pattern`, or 0 when none is. (Bits above the first match may be set wrongly, by the borrow; only the
    /// lowest is read, and the lowest of two such words' union is the first match of either.)
    @inline(__always)
    private static func bytesEqual(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
        let x = word ^ pattern
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// Copies quoted fields that contain `""` into the scratch buffer with each pair turned into one quote.
    private func unescapeQuotedFields() {
        var needed = 0
        for index in 0..<spanCount where spans[index].needsUnescape { needed += spans[index].end - spans[index].start }
        guard needed > 0 else { return }
        if needed > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = max(needed, scratchCapacity * 2)
            scratch = .allocate(capacity: scratchCapacity)
        }
        let base = source.base
        var out = 0
        for index in 0..<spanCount where spans[index].needsUnescape {
            let span = spans[index]
            let start = out
            var p = span.start
            while p < span.end {
                scratch[out] = base[p]
                out += 1
                p += base[p] == UInt8(ascii: "\"") ? 2 : 1
            }
            spans[index].start = start
            spans[index].end = out
            spans[index].inScratch = true
        }
    }

    /// 1 + the number of characters (UTF-8 scalars) in the window between `lineStart` and `offset`.
    private func characterColumn(from lineStart: Int, to offset: Int) -> Int {
        var column = 1
        var p = lineStart
        while p < offset {
            if source.base[p] & 0xC0 != 0x80 { column += 1 }
            p += 1
        }
        return column
    }
}
