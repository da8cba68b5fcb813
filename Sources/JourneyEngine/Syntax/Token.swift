// Tokens: what the lexer hands the parser, each with the byte range it came from.

package enum Symbol: String, Sendable, Hashable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case leftParen = "("
    case rightParen = ")"
    case leftBracket = "["
    case rightBracket = "]"
    case comma = ","
    case semicolon = ";"
    case pipe = "|"
    case question = "?"
    case dot = "."
    case dotDot = ".."
    case minus = "-"
    case star = "*"
}

package enum TokenKind: Sendable, Hashable {
    /// A bare word: a keyword, a name or a bare-word value; the parser decides by context.
    case word(String)
    /// A quoted string with its escapes resolved.
    case string(String)
    /// A number as written (`30`, `4.5`); `text` keeps the spelling for messages.
    case number(Double, text: String)
    /// A short-form duration such as `30d` or `15m`, in milliseconds.
    case duration(Int64)
    /// A time literal such as `2024-01-31` or `2024-01-31T10:00:00Z`, in milliseconds since the epoch.
    case time(Int64)
    /// A `$name` parameter reference.
    case parameter(String)
    case symbol(Symbol)
    case end
}

package struct Token: Sendable, Hashable {
    package var kind: TokenKind
    package var range: SourceRange

    package init(_ kind: TokenKind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// True when this is the bare word `keyword`, compared case-insensitively.
    /// A `$name` reference.
    package var isParameter: Bool {
        if case .parameter = kind { return true }
        return false
    }

    package func isWord(_ keyword: String) -> Bool {
        if case .word(let w) = kind { return w.caseInsensitiveEquals(keyword) }
        return false
    }

    package var word: String? {
        if case .word(let w) = kind { return w }
        return nil
    }

    /// How the token reads in a message: `'FROM'`, `end of input`.
    package var display: String {
        switch kind {
        case .word(let w): "'\(w)'"
        case .string(let s): "string '\(s)'"
        case .number(_, let text): "number \(text)"
        case .duration: "a duration"
        case .time: "a time"
        case .parameter(let p): "$\(p)"
        case .symbol(let s): "'\(s.rawValue)'"
        case .end: "end of input"
        }
    }
}

extension String {
    /// ASCII case-insensitive equality, enough for keywords.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = self.utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 65 && x <= 90) ? x + 32 : x
            let ly = (y >= 65 && y <= 90) ? y + 32 : y
            if lx != ly { return false }
        }
        return true
    }
}
