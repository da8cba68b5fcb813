// The output formats a result can be drawn in, and the one entry point that draws a result in any of them.

/// How results are written: a table for people, CSV, JSON and JSON Lines for programs, Markdown for documents.
package enum OutputFormat: String, Sendable, Hashable, CaseIterable {
    case table
    case csv
    /// One JSON document per run: an array of results (see `ResultWriter`).
    case json
    /// JSON Lines: one object per row, naming the result it belongs to (see `ResultWriter`).
    case jsonl
    case markdown

    /// Parses a format name as written on a command line or after `.mode` (case-insensitive).
    package init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}

/// Draws results. Every renderer is a pure function of the result and the options: no terminal queries, no globals.
package enum ResultRenderer {
    /// Renders one result, ending with a newline (an empty string only for a table with no columns and no text).
    /// For JSON this is a whole document holding the one result, as `ResultWriter` writes it; to write several
    /// results as one document, use a `ResultWriter`.
    ///
    /// Only tables read the width, colour, bars and expanded mode: CSV, JSON and Markdown are the same
    /// whatever the terminal.
    package static func render(_ result: QueryResult, format: OutputFormat,
                              options: RenderOptions = RenderOptions()) -> String {
        var writer = ResultWriter(format: format, options: options)
        return writer.begin() + writer.element(result) + writer.end()
    }

    /// The earlier entry point: a terminal got bars and, when `terminalWidth` is known, a table fitted to it.
    @available(*, deprecated, message: "use render(_:format:options:) with RenderOptions.terminal(width:color:)")
    package static func render(_ result: QueryResult, format: OutputFormat, terminal: Bool,
                              terminalWidth: Int? = nil) -> String {
        render(result, format: format,
               options: terminal ? .terminal(width: terminalWidth, color: false) : RenderOptions())
    }

    /// One result as a table, CSV or Markdown, with nothing around it.
    static func body(_ result: QueryResult, format: OutputFormat, options: RenderOptions) -> String {
        switch format {
        case .table: TableRenderer(options: options).render(result)
        case .csv: CSVRenderer.render(result, options: options)
        case .markdown: MarkdownRenderer.render(result, options: options)
        case .json: JSONRenderer.object(result) + "\n"
        case .jsonl: JSONRenderer.lines(result, number: 1)
        }
    }
}

extension QueryResult {
    /// A column's name as CSV and JSON write it: a duration's name ends in `_seconds`, the unit its values
    /// are written in (`median_time_from_previous_seconds`); percentages keep their `pct` names (0...100).
    package func programName(ofColumn index: Int) -> String {
        let name = columnInfo[index].name
        guard type(ofColumn: index) == .duration, !name.hasSuffix("_seconds") else { return name }
        return name + "_seconds"
    }
}
