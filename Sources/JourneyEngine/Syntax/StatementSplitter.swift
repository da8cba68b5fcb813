// Cuts a stream of lines into statements at each `;` outside strings and comments, in one pass over each byte.
// The REPL, scripts, `-c` and stdin share this one rule: a statement ends at `;` (or at the end of the input).

/// One statement cut from the stream, with where it starts so its messages carry the script's line numbers.
package struct StatementPiece: Sendable, Equatable {
    /// The statement's text, its `;` included, preceded by blanks standing for whatever came before it on
    /// its first line (so columns in messages are those of the script).
    package var text: String
    /// The 1-based line of the stream on which the statement starts.
    package var firstLine: Int

    package func source(name: String) -> SourceText {
        SourceText(text, name: name, firstLine: firstLine)
    }
}

/// Collects lines and hands back each statement as soon as its `;` arrives. Every byte is looked at once,
/// so a script of any length is read in linear time and its statements can run as they come.
package struct StatementSplitter: Sendable {
    /// The text of the statement being collected (from its first non-blank line).
    private var pending: [UInt8] = []
    private var pendingFirstLine = 1
    /// Inside a `'...'` string that has not closed yet (strings may span lines).
    private var inString = false
    /// Something other than blanks and comments has been collected since the last `;`.
    private var hasContent = false
    private var linesSeen = 0

    package init() {}

    /// Nothing but blanks and comments is waiting: the next line starts a statement (or a dot-command).
    package var isAtBoundary: Bool { !hasContent && !inString }

    /// The text collected since the last statement ended.
    package var pendingText: String { String(decoding: pending, as: UTF8.self) }

    /// Drops what has been collected (Ctrl-C at a continuation prompt).
    package mutating func reset() {
        pending = []
        inString = false
        hasContent = false
    }

    /// Adds the next line of the stream; returns the statements that end on it, in order.
    package mutating func add(line: String) -> [StatementPiece] {
        linesSeen += 1
        var bytes = Array(line.utf8)
        if linesSeen == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 BOM
        var pieces: [StatementPiece] = []
        if pending.isEmpty { pendingFirstLine = linesSeen }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                // A doubled quote inside a string is a quote: it toggles twice, which is the same as not at all.
                if b == UInt8(ascii: "'") { inString = false }
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "'"):
                inString = true
                hasContent = true
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                i = bytes.count  // a comment runs to the end of the line
                continue
            case UInt8(ascii: ";"):
                if hasContent {
                    pending.append(contentsOf: bytes[pendingStart(in: bytes)...i])
                    pieces.append(StatementPiece(text: String(decoding: pending, as: UTF8.self),
                                                 firstLine: pendingFirstLine))
                }
                pending = []
                hasContent = false
                // What follows on this line belongs to the next statement: blanks stand in for what came before.
                lineCut = i + 1
                pendingFirstLine = linesSeen
            case 32, 9, 13:
                break
            default:
                hasContent = true
            }
            i += 1
        }
        if hasContent || inString {
            pending.append(contentsOf: bytes[pendingStart(in: bytes)...])
            pending.append(UInt8(ascii: "\n"))
        } else {
            pending = []  // only blanks and comments since the last `;`: nothing to keep
        }
        lineCut = 0
        return pieces
    }

    /// Where on the current line the pending statement's text begins: after the last `;` cut on it.
    private var lineCut = 0

    /// The bytes of the current line that belong to the pending statement, with the part before the last
    /// cut replaced by as many blanks as it had characters, so columns stay right.
    private mutating func pendingStart(in bytes: [UInt8]) -> Int {
        if lineCut > 0, pending.isEmpty {
            let before = String(decoding: bytes[..<lineCut], as: UTF8.self).count
            pending.append(contentsOf: repeatElement(UInt8(ascii: " "), count: before))
        }
        return lineCut
    }

    /// At the end of the input: the last statement, if it has content but no `;`.
    package mutating func finish() -> StatementPiece? {
        defer { reset() }
        guard hasContent || inString else { return nil }
        return StatementPiece(text: String(decoding: pending, as: UTF8.self), firstLine: pendingFirstLine)
    }
}
