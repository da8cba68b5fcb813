// LIKE patterns: `%` and `_` wildcards with an optional escape, matched case-sensitively here and written as GLOB for SQLite.

/// A LIKE pattern. `%` matches any run of characters (none included), `_` exactly one character (one Unicode
/// scalar), every other character itself, compared exactly (so matching is case-sensitive, as DuckDB's LIKE and
/// unlike SQLite's). After the escape character, if there is one, the next character stands for itself.
package struct LikePattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    package let text: String
    package let escape: Unicode.Scalar?

    enum Piece: Sendable, Hashable {
        case literal(Unicode.Scalar)
        /// `_`
        case one
        /// `%`
        case anyRun
    }

    let pieces: [Piece]

    /// The pattern `text`, or nil when it ends with an escape character that escapes nothing.
    package init?(_ text: String, escape: Unicode.Scalar? = nil) {
        var pieces: [Piece] = []
        var escaped = false
        for scalar in text.unicodeScalars {
            if escaped {
                pieces.append(.literal(scalar))
                escaped = false
            } else if scalar == escape {
                escaped = true
            } else if scalar == "%" {
                // `%%` matches what `%` matches; one piece keeps matching linear.
                if pieces.last != .anyRun { pieces.append(.anyRun) }
            } else if scalar == "_" {
                pieces.append(.one)
            } else {
                pieces.append(.literal(scalar))
            }
        }
        if escaped { return nil }
        self.text = text
        self.escape = escape
        self.pieces = pieces
    }

    /// Whether `value` matches the whole pattern.
    ///
    /// The classic wildcard walk: on a mismatch, go back to the last `%` and let it swallow one more character.
    /// Backtracking to the latest `%` only is enough, because what an earlier `%` would swallow the later one can.
    package func matches(_ value: String) -> Bool {
        let scalars = Array(value.unicodeScalars)
        var p = 0, s = 0
        var lastRun = -1, resumeAt = 0
        while s < scalars.count {
            if p < pieces.count {
                switch pieces[p] {
                case .one:
                    p += 1; s += 1; continue
                case .literal(let c) where c == scalars[s]:
                    p += 1; s += 1; continue
                case .anyRun:
                    lastRun = p
                    resumeAt = s
                    p += 1
                    continue
                case .literal:
                    break
                }
            }
            guard lastRun >= 0 else { return false }
            p = lastRun + 1
            resumeAt += 1
            s = resumeAt
        }
        while p < pieces.count, pieces[p] == .anyRun { p += 1 }
        return p == pieces.count
    }

    /// The same pattern as an SQLite GLOB pattern, which is case-sensitive: `%` → `*`, `_` → `?`, and GLOB's own
    /// metacharacters `*`, `?` and `[` made literal as the one-character classes `[*]`, `[?]`, `[[]`.
    package var glob: String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .anyRun: out += "*"
            case .one: out += "?"
            case .literal(let c) where c == "*" || c == "?" || c == "[":
                out += "["
                out.unicodeScalars.append(c)
                out += "]"
            case .literal(let c): out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// The same pattern for PostgreSQL's `LIKE ... ESCAPE '\'` (case-sensitive, `_` one character): `%` and `_`
    /// stay wildcards, and a literal `%`, `_` or backslash is escaped with a backslash.
    package var postgresLike: String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .anyRun: out += "%"
            case .one: out += "_"
            case .literal(let c) where c == "%" || c == "_" || c == "\\":
                out += "\\"
                out.unicodeScalars.append(c)
            case .literal(let c): out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// The pattern as the language writes it: `'check%'`, `'a\_%' ESCAPE '\'`.
    package var description: String {
        guard let escape else { return quoteText(text) }
        return quoteText(text) + " ESCAPE " + quoteText(String(Character(escape)))
    }
}
