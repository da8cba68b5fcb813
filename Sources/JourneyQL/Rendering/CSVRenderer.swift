// Writes a result as CSV for programs: a header row, RFC 4180 quoting, exact values.

/// CSV with a header row. Fields holding a comma, a quote, a CR or an LF are quoted, quotes doubled
/// (RFC 4180); lines end with LF as sqlite3 and DuckDB write them. Durations are seconds, percentages
/// plain numbers (both to at most four decimals), times ISO-8601, null an empty field.
/// Titles and notes are left out: they are for people, and would break a reader.
public enum CSVRenderer {
    public static func render(_ result: QueryResult) -> String {
        guard !result.columns.isEmpty else { return "" }
        var out = result.columns.map(field).joined(separator: ",") + "\n"
        for row in result.rows {
            let cells = result.columns.indices.map { $0 < row.count ? row[$0] : .null }
            out += cells.map { field(text(of: $0)) }.joined(separator: ",") + "\n"
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
    public static func field(_ text: String) -> String {
        let needsQuotes = text.utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
        }
        guard needsQuotes else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }
}
