// Writes a result as CSV for programs: a header row, RFC 4180 quoting, exact values.

/// CSV with a header row (unless `headers` is off). Fields holding a comma, a quote, a CR or an LF are quoted,
/// quotes doubled (RFC 4180); lines end with LF as sqlite3 and DuckDB write them. Durations are seconds and their
/// columns say so (`median_time_from_previous_seconds`), percentages plain numbers in 0...100 (both to at most
/// four decimals), times ISO-8601, numbers without thousands separators, null the `nullText` option (empty
/// by default, as sqlite3's `.nullvalue`). Titles and notes are left out: they are for people, and would
/// break a reader. Width, colour and bars do not apply.
package enum CSVRenderer {
    /// CSV with the default options (a header row, null as an empty field).
    package static func render(_ result: QueryResult) -> String {
        render(result, options: RenderOptions())
    }

    package static func render(_ result: QueryResult, options: RenderOptions) -> String {
        guard !result.columns.isEmpty else { return "" }
        var out = ""
        if options.headers {
            out += result.columns.indices.map { field(result.programName(ofColumn: $0)) }.joined(separator: ",") + "\n"
        }
        for row in result.rows.indices {
            out += result.columns.indices.map { column in
                let cell = result.cell(row, column)
                return field(cell == .null ? options.nullText : text(of: cell))
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// A cell's CSV text before quoting.
    static func text(of cell: Cell) -> String {
        switch cell {
        case .null: ""
        case .int(let n): String(n)
        case .number(let d): d.isFinite ? CellFormatting.exactNumber(d) : ""
        case .text(let s): s
        case .percent(let p): p.isFinite ? CellFormatting.exactNumber(p, maxDecimals: 4) : ""
        case .duration(let ms): ms.isFinite ? CellFormatting.seconds(milliseconds: ms) : ""
        case .time(let ms): CellFormatting.isoTime(milliseconds: ms)
        }
    }

    /// Quotes a field when RFC 4180 requires it.
    package static func field(_ text: String) -> String {
        let needsQuotes = text.utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
        }
        guard needsQuotes else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }
}
