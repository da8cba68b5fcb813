// Draws a diagnostic the way compilers do: location, the source line, a caret run under the fault, help.

public enum DiagnosticRenderer {
    /// Renders one diagnostic against the text it points into.
    ///
    ///     error: unknown step 'purchse' [check.unknown-step]
    ///      --> query.jql:1:19
    ///       |
    ///     1 | FROM awareness TO purchse
    ///       |                   ^^^^^^^
    ///       = help: did you mean 'purchase'?
    /// A diagnostic with an `origin` is drawn against that text (a stored definition) instead.
    public static func render(_ d: Diagnostic, in source: SourceText) -> String {
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
        let width = max(1, DisplayWidth.of(covered))
        var out = "\(d.severity.rawValue): \(d.message) [\(d.id)]\n"
        out += "\(pad)--> \(source.name):\(start.line):\(start.column)\n"
        out += "\(pad) |\n"
        out += "\(start.line) | \(lineText)\n"
        let lead = before.map { $0 == "\t" ? "\t" : String(repeating: " ", count: DisplayWidth.of($0)) }.joined()
        out += "\(pad) | \(lead)\(String(repeating: "^", count: width))\n"
        for note in d.notes { out += "\(pad) = note: \(note)\n" }
        if let s = d.suggestion { out += "\(pad) = help: \(s)\n" }
        return out
    }
}
