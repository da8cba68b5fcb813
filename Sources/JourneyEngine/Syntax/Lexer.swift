// The lexer: source bytes to tokens. Errors are diagnostics with ranges; the lexer never stops early.
import JourneyStore

package struct Lexer {
    private let bytes: [UInt8]
    private var index = 0
    package private(set) var diagnostics: [Diagnostic] = []
    /// True when the text ends inside a string literal (the REPL keeps reading).
    package private(set) var endsInsideString = false

    package init(_ source: SourceText) {
        self.bytes = source.bytes
    }

    /// Every token of the text, ending with `.end`.
    package mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        let i = index + offset
        return i < bytes.count ? bytes[i] : nil
    }

    private static func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 48 && $0 <= 57 } ?? false }
    static func isWordStart(_ b: UInt8) -> Bool {
        (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b >= 0x80
    }
    static func isWordPart(_ b: UInt8) -> Bool { isWordStart(b) || isDigit(b) }

    private mutating func next() -> Token {
        // Unexpected characters are reported and skipped in this loop (not by recursion: runs can be long).
        while true {
            if let token = nextOrSkip() { return token }
        }
    }

    private mutating func nextOrSkip() -> Token? {
        skipBlanksAndComments()
        let start = index
        guard let b = peek() else { return Token(.end, SourceRange(index, index)) }
        if Lexer.isDigit(b) { return numberLike(start) }
        if Lexer.isWordStart(b) {
            while let c = peek(), Lexer.isWordPart(c) { index += 1 }
            return Token(.word(text(start, index)), SourceRange(start, index))
        }
        if b == UInt8(ascii: "'") { return string(start) }
        if b == UInt8(ascii: "$") {
            index += 1
            let nameStart = index
            while let c = peek(), Lexer.isWordPart(c) { index += 1 }
            if nameStart == index {
                diagnostics.append(.error(.lexParameter, "expected a parameter name after '$'",
                                          at: SourceRange(start, index)))
            }
            return Token(.parameter(text(nameStart, index)), SourceRange(start, index))
        }
        index += 1
        let two: UInt8? = peek()
        let symbol: Symbol?
        switch b {
        case UInt8(ascii: "="): symbol = .equal
        case UInt8(ascii: "!") where two == UInt8(ascii: "="): index += 1; symbol = .notEqual
        case UInt8(ascii: "<") where two == UInt8(ascii: "="): index += 1; symbol = .lessOrEqual
        case UInt8(ascii: "<") where two == UInt8(ascii: ">"): index += 1; symbol = .notEqual
        case UInt8(ascii: "<"): symbol = .less
        case UInt8(ascii: ">") where two == UInt8(ascii: "="): index += 1; symbol = .greaterOrEqual
        case UInt8(ascii: ">"): symbol = .greater
        case UInt8(ascii: "("): symbol = .leftParen
        case UInt8(ascii: ")"): symbol = .rightParen
        case UInt8(ascii: "["): symbol = .leftBracket
        case UInt8(ascii: "]"): symbol = .rightBracket
        case UInt8(ascii: ","): symbol = .comma
        case UInt8(ascii: ";"): symbol = .semicolon
        case UInt8(ascii: "|"): symbol = .pipe
        case UInt8(ascii: "?"): symbol = .question
        case UInt8(ascii: ".") where two == UInt8(ascii: "."): index += 1; symbol = .dotDot
        case UInt8(ascii: "."): symbol = .dot
        case UInt8(ascii: "-"): symbol = .minus
        case UInt8(ascii: "*"): symbol = .star
        default: symbol = nil
        }
        if let symbol { return Token(.symbol(symbol), SourceRange(start, index)) }
        // Skip the rest of a multi-byte character so the caret covers it whole.
        while let c = peek(), c & 0xC0 == 0x80 { index += 1 }
        let shown = text(start, index)
        diagnostics.append(.error(.lexUnexpectedCharacter, "unexpected character '\(shown)'",
                                  at: SourceRange(start, index)))
        return nil
    }

    private mutating func skipBlanksAndComments() {
        while let b = peek() {
            if b == 32 || b == 9 || b == 10 || b == 13 {
                index += 1
            } else if b == UInt8(ascii: "-"), peek(1) == UInt8(ascii: "-") {
                while let c = peek(), c != 10 { index += 1 }
            } else {
                return
            }
        }
    }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }

    // string -> "'" { any character but "'" | "''" } "'"
    private mutating func string(_ start: Int) -> Token {
        index += 1
        var value: [UInt8] = []
        while let c = peek() {
            index += 1
            if c == UInt8(ascii: "'") {
                if peek() == UInt8(ascii: "'") {
                    value.append(c)
                    index += 1
                } else {
                    return Token(.string(String(decoding: value, as: UTF8.self)), SourceRange(start, index))
                }
            } else {
                value.append(c)
            }
        }
        endsInsideString = true
        diagnostics.append(.error(.lexUnterminatedString, "unterminated string: expected a closing quote",
                                  at: SourceRange(start, index)))
        return Token(.string(String(decoding: value, as: UTF8.self)), SourceRange(start, index))
    }

    /// A number, a short duration (`30d`) or a time (`2024-01-31T10:00:00Z`).
    private mutating func numberLike(_ start: Int) -> Token {
        if let end = timeLiteralEnd(from: start) {
            index = end
            let spelled = text(start, end)
            if let ms = TimeParser.parse(spelled) {
                return Token(.time(ms), SourceRange(start, end))
            }
            diagnostics.append(.error(.lexBadTime, "'\(spelled)' is not a valid time",
                                      at: SourceRange(start, end),
                                      notes: ["times are written 2024-01-31 or 2024-01-31T10:00:00Z"]))
            return Token(.time(0), SourceRange(start, end))
        }
        while Lexer.isDigit(peek()) { index += 1 }
        if peek() == UInt8(ascii: "."), Lexer.isDigit(peek(1)) {
            index += 1
            while Lexer.isDigit(peek()) { index += 1 }
        }
        let numberText = text(start, index)
        let value = Double(numberText) ?? 0
        guard let c = peek(), Lexer.isWordStart(c) else {
            return Token(.number(value, text: numberText), SourceRange(start, index))
        }
        // A number glued to letters: a short duration such as 30d, or a mistake.
        let unitStart = index
        while let c = peek(), Lexer.isWordPart(c) { index += 1 }
        let unit = text(unitStart, index)
        if let unitMs = DurationUnit.milliseconds(for: unit) {
            guard let ms = DurationUnit.milliseconds(value, unit: unitMs) else {
                diagnostics.append(.error(.lexDurationTooLong, "the duration \(numberText)\(unit) is too long",
                                          at: SourceRange(start, index)))
                return Token(.duration(0), SourceRange(start, index))
            }
            return Token(.duration(ms), SourceRange(start, index))
        }
        diagnostics.append(.error(.lexBadNumber, "'\(numberText)\(unit)' is not a number or a duration",
                                  at: SourceRange(start, index),
                                  notes: ["durations are written 30d, 2h, 15m, 1w or 30 days"]))
        return Token(.number(value, text: numberText), SourceRange(start, index))
    }

    /// The end of a time literal starting at `start`, if the text there has the shape of one.
    // time -> digit{4} "-" digit{2} "-" digit{2} [ "T" digit{2} ":" digit{2} [ ":" digit{2} [ "." digit+ ] ] [ zone ] ]
    private func timeLiteralEnd(from start: Int) -> Int? {
        func digits(_ at: Int, _ n: Int) -> Bool {
            guard at + n <= bytes.count else { return false }
            return (at..<at + n).allSatisfy { Lexer.isDigit(bytes[$0]) }
        }
        func byte(_ at: Int) -> UInt8? { at < bytes.count ? bytes[at] : nil }
        guard digits(start, 4), byte(start + 4) == UInt8(ascii: "-"), digits(start + 5, 2),
              byte(start + 7) == UInt8(ascii: "-"), digits(start + 8, 2) else { return nil }
        var i = start + 10
        guard byte(i) == UInt8(ascii: "T") || byte(i) == UInt8(ascii: "t"), digits(i + 1, 2),
              byte(i + 3) == UInt8(ascii: ":"), digits(i + 4, 2) else { return i }
        i += 6
        if byte(i) == UInt8(ascii: ":"), digits(i + 1, 2) {
            i += 3
            if byte(i) == UInt8(ascii: "."), digits(i + 1, 1) {
                i += 1
                while let c = byte(i), Lexer.isDigit(c) { i += 1 }
            }
        }
        if byte(i) == UInt8(ascii: "Z") || byte(i) == UInt8(ascii: "z") {
            i += 1
        } else if byte(i) == UInt8(ascii: "+") || byte(i) == UInt8(ascii: "-"), digits(i + 1, 2) {
            i += 3
            if byte(i) == UInt8(ascii: ":"), digits(i + 1, 2) { i += 3 } else if digits(i, 2) { i += 2 }
        }
        return i
    }
}

/// Duration units, long and short, and their length. A month is 30 days and a year 365 days.
package enum DurationUnit {
    static let table: [(names: [String], ms: Int64)] = [
        (["ms", "millisecond", "milliseconds"], 1),
        (["s", "sec", "secs", "second", "seconds"], 1000),
        (["m", "min", "mins", "minute", "minutes"], 60_000),
        (["h", "hr", "hrs", "hour", "hours"], 3_600_000),
        (["d", "day", "days"], 86_400_000),
        (["w", "wk", "week", "weeks"], 604_800_000),
        (["mo", "month", "months"], 2_592_000_000),
        (["y", "year", "years"], 31_536_000_000),
    ]

    /// `value` units of `unit` milliseconds each, or nil when that does not fit in 64 bits.
    package static func milliseconds(_ value: Double, unit: Int64) -> Int64? {
        let ms = (value * Double(unit)).rounded()
        guard ms.isFinite, abs(ms) < 9.0e18 else { return nil }
        return Int64(ms)
    }

    /// The length of one `unit` in milliseconds, or nil when it is not a unit.
    package static func milliseconds(for unit: String) -> Int64? {
        let lower = unit.lowercased()
        return table.first { $0.names.contains(lower) }?.ms
    }
}
