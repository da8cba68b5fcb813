// Draws a diagnostic the way compilers do: location, the source line, a caret run under the fault, help.

package enum DiagnosticRenderer {
    /// Renders one diagnostic against the text it points into.
    ///
    ///     error: unknown step 'purchse' [check.unknown-step]
    ///      --> query.jql:1:19
    ///       |
    ///     1 | FROM awareness TO purchse
    ///       |                   ^^^^^^^
    ///       = help: did you mean 'purchase'?
    /// A diagnostic with an `origin` is drawn against that text (a stored definition) instead.
    package static func render(_ d: Diagnostic, in source: SourceText) -> String {
        let source = d.origin.map { SourceText($0.text, name: $0.name) } ?? source
        let start = source.location(of: d.range.start)
        let lineText = source.line(start.line)
        let endLocation = source.location(of: d.range.end)
        let gutter = String(start.line).count
        let pad = String(repeating: " ", count: gutter)
        // Columns count characters; the caret run is measured in terminal cells, so wide characters line up.
        let before = String(lineText.prefix(start.column - 1))
        let covered = endLocation.line == start.line
            ? String(lineText.dropFirst(start.column - 1).prefix(endLocation.column - start.column))
            : String(lineText.dropFirst(start.column - 1))
        // A long line is cut around the fault, so a 20 KB line is not repeated whole under every message.
        let (shownBefore, shownCovered, shownAfter) = window(before: before, covered: covered,
                                                             after: String(lineText.dropFirst(before.count + covered.count)))
        let width = max(1, DisplayWidth.of(shownCovered))
        var out = "\(d.severity.rawValue): \(clip(d.message, 300)) [\(d.id)]\n"
        out += "\(pad)--> \(source.name):\(start.line):\(start.column)\n"
        out += "\(pad) |\n"
        out += "\(start.line) | \(shownBefore)\(shownCovered)\(shownAfter)\n"
        let lead = shownBefore.map { $0 == "\t" ? "\t" : String(repeating: " ", count: DisplayWidth.of($0)) }.joined()
        out += "\(pad) | \(lead)\(String(repeating: "^", count: width))\n"
        for note in d.notes { out += "\(pad) = note: \(clip(note, 300))\n" }
        if let s = d.suggestion { out += "\(pad) = help: \(clip(s, 300))\n" }
        return out
    }

    /// The parts of a source line shown: at most `context` characters either side of the fault and at most
    /// `span` of the fault itself, with `…` where something was left out.
    static func window(before: String, covered: String, after: String,
                       context: Int = 40, span: Int = 60) -> (String, String, String) {
        let shownBefore = before.count > context ? "…" + String(before.suffix(context)) : before
        let shownCovered = covered.count > span ? String(covered.prefix(span)) + "…" : covered
        let shownAfter = after.count > context ? String(after.prefix(context)) + "…" : after
        return (shownBefore, shownCovered, shownAfter)
    }

    /// `text` cut to `limit` characters, with `…` when it was longer (a message quoting a 1 MB word).
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// At most `perKind` diagnostics of each id and severity, in order; the last one kept of a kind that had
    /// more says how many were left out. Ten thousand unknown values make five warnings, not ten thousand.
    package static func capped(_ diagnostics: [Diagnostic], perKind: Int = 5) -> [Diagnostic] {
        var kept: [Diagnostic] = []
        var count: [String: Int] = [:]
        var lastIndex: [String: Int] = [:]
        for d in diagnostics {
            let kind = d.severity.rawValue + " " + d.id
            count[kind, default: 0] += 1
            if count[kind]! <= perKind {
                kept.append(d)
                lastIndex[kind] = kept.count - 1
            }
        }
        for (kind, total) in count where total > perKind {
            let index = lastIndex[kind]!
            kept[index].notes.append("\(total - perKind) more \(kept[index].severity.rawValue)s like this one [\(kept[index].id)] are not shown")
        }
        return kept
    }
}
