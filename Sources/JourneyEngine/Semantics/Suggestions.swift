// "Did you mean": nearest names by edit distance, for unknown steps, fields and values, as prose and as fix-its.

package enum Suggestions {
    /// Up to `limit` candidates close to `word`, nearest first. Close means an edit distance of at most
    /// a third of the word's length (at least 1), or one contains the other.
    package static func nearest(to word: String, among candidates: [String], limit: Int = 3,
                               caseInsensitive: Bool = false) -> [String] {
        // A word this long is no typo of a name; measuring it against every name would cost seconds.
        guard word.utf8.count <= 256 else { return [] }
        let key = caseInsensitive ? word.lowercased() : word
        let threshold = max(1, key.count / 3)
        var scored: [(String, Int)] = []
        for candidate in candidates where candidate.utf8.count <= 256 {
            let c = caseInsensitive ? candidate.lowercased() : candidate
            if c == key {
                // Differing only in case is the nearest there is (`B2B` for `b2b`); the same spelling is no suggestion.
                if candidate != word { scored.append((candidate, -1)) }
                continue
            }
            let d = distance(Array(key.unicodeScalars), Array(c.unicodeScalars))
            if d <= threshold || (key.count >= 3 && (c.contains(key) || key.contains(c)) && c.count >= 3) {
                scored.append((candidate, d))
            }
        }
        scored.sort { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        var seen = Set<String>()
        return scored.map(\.0).filter { seen.insert($0).inserted }.prefix(limit).map { $0 }
    }

    /// Damerau-Levenshtein distance (optimal string alignment): a swap of neighbours costs one.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var row = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            row[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    row[j] = min(row[j], previous2[j - 2] + 1)
                }
            }
            previous2 = previous
            previous = row
        }
        return previous[b.count]
    }

    /// "did you mean 'a'?" or "did you mean 'a', 'b' or 'c'?".
    package static func phrase(_ names: [String]) -> String? {
        guard !names.isEmpty else { return nil }
        let quoted = names.map { "'\($0)'" }
        if quoted.count == 1 { return "did you mean \(quoted[0])?" }
        return "did you mean \(quoted.dropLast().joined(separator: ", ")) or \(quoted.last!)?"
    }

    /// How `name` is written where a name or a value goes: a bare word when it reads as one, else a quoted string
    /// with its quotes doubled. `quoted` keeps in quotes a name that was written quoted.
    ///
    /// A bare word is what the lexer reads as one word (a letter, `_` or non-ASCII first, then those or digits) and
    /// means the name there: not a reserved word, nor `stage` or `touchpoint` (which open a step of that kind),
    /// nor `null` (a bare null on the right of `=` is the text 'null', warned about).
    package static func written(_ name: String, quoted: Bool = false) -> String {
        if !quoted, readsAsWord(name), !Keywords.reserved.contains(name.lowercased()),
           !["stage", "touchpoint", "null"].contains(name.lowercased()) {
            return name
        }
        return "'" + name.replacing("'", with: "''") + "'"
    }

    /// Whether the lexer reads `text` as exactly one word token (Lexer.isWordStart, Lexer.isWordPart).
    static func readsAsWord(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }
        return Lexer.isWordStart(first) && text.utf8.allSatisfy(Lexer.isWordPart)
    }
}

extension Diagnostic {
    /// This diagnostic with `help: did you mean ...` naming `candidates` (nearest first) and a fix-it for each that
    /// puts its spelling as source, `written(candidate)`, over `range`: the misspelled word's range, which need not
    /// be the diagnostic's. A nil `range` keeps the prose only (the word is not in the text, as for a `$parameter`).
    package func suggesting(_ candidates: [String], replacing range: SourceRange?,
                            written: (String) -> String = { $0 }) -> Diagnostic {
        var d = self
        d.suggestion = Suggestions.phrase(candidates)
        d.fixIts = range.map { range in candidates.map { FixIt(range: range, replacement: written($0)) } } ?? []
        return d
    }
}
