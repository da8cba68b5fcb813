// The output formats a result can be drawn in, and the one entry point that draws a result in any of them.

/// How results are written: a boxed table for people, CSV and JSON for programs, Markdown for documents.
public enum OutputFormat: String, Sendable, Hashable, CaseIterable {
    case table
    case csv
    case json
    case markdown

    /// Parses a format name as written on a command line or after `.mode` (case-insensitive).
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}

/// Draws results. Every renderer is a pure function of the result: no terminal queries, no globals.
public enum ResultRenderer {
    /// Renders one result, ending with a newline (an empty string only for a table with no columns and no text).
    ///
    /// - Parameters:
    ///   - terminal: the text goes to a terminal, so a table may add decoration meant for eyes
    ///     only (a funnel's bar chart). Machine formats ignore it: their output is the same either way.
    ///   - terminalWidth: the terminal's width in columns, when known; decoration is fitted to it.
    public static func render(_ result: QueryResult, format: OutputFormat, terminal: Bool = false,
                              terminalWidth: Int? = nil) -> String {
        switch format {
        case .table: TableRenderer(drawBars: terminal, lineWidth: terminal ? terminalWidth : nil).render(result)
        case .csv: CSVRenderer.render(result)
        case .json: JSONRenderer.render(result)
        case .markdown: MarkdownRenderer.render(result)
        }
    }
}
