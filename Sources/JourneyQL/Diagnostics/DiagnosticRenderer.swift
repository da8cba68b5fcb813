// Draws a diagnostic the way compilers do: location, the source line, a caret run under the fault, help.

public enum DiagnosticRenderer {
    /// Renders one diagnostic against the text it points into.
    ///
    ///     error: unknown step 'purchse' [check.unknown-step]
    ///      --> query.jql:1:24
    ///       |
    ///     1 | FROM awareness TO purchse
    ///       |                   ^^^^^^^
    ///       = help: did you mean 'purchase'?
    public static func render(_ d: Diagnostic, in source: SourceText) -> String {
        let start = source.location(of: d.range.start)
        let lineText = source.line(start.line)
        let endLocation = source.location(of: d.range.end)
        let gutter = String(start.line).count
        let pad = String(repeating: " ", count: gutter)
        var width = 1
        if endLocation.line == start.line {
            width = max(1, endLocation.column - start.column)
        } else {
            width = max(1, lineText.count - start.column + 1)
        }
        var out = "\(d.severity.rawValue): \(d.message) [\(d.id)]\n"
        out += "\(pad)--> \(source.name):\(start.line):\(start.column)\n"
        out += "\(pad) |\n"
        out += "\(start.line) | \(lineText)\n"
        let lead = String(lineText.prefix(start.column - 1).map { $0 == "\t" ? "\t" : " " })
        out += "\(pad) | \(lead)\(String(repeating: "^", count: width))\n"
        for note in d.notes { out += "\(pad) = note: \(note)\n" }
        if let s = d.suggestion { out += "\(pad) = help: \(s)\n" }
        return out
    }
}
