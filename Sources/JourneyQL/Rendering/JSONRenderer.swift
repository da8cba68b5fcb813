// Writes a result as JSON for programs: an array of row objects keyed by column name, as `duckdb -json` does.

/// One object per row, keys in column order, one row per line:
///
///     [{"step":"awareness","customers":2000,"median_time":null},
///     {"step":"purchase","customers":412,"median_time":93784.5}]
///
/// Numbers are JSON numbers (durations in seconds, percentages in 0...100), null is null, times are
/// ISO-8601 strings. A non-finite number has no JSON spelling and becomes null. An empty result is `[]`.
public enum JSONRenderer {
    public static func render(_ result: QueryResult) -> String {
        guard !result.rows.isEmpty else { return "[]\n" }
        let keys = result.columns.map(quoted)
        let objects = result.rows.map { row in
            "{" + keys.indices.map { i in
                keys[i] + ":" + value(i < row.count ? row[i] : .null)
            }.joined(separator: ",") + "}"
        }
        return "[" + objects.joined(separator: ",\n") + "]\n"
    }

    static func value(_ cell: Cell) -> String {
        switch cell {
        case .null: "null"
        case .int(let n): String(n)
        case .number(let d): d.isFinite ? CellFormatting.exactNumber(d) : "null"
        case .text(let s): quoted(s)
        case .percent(let p): p.isFinite ? CellFormatting.exactNumber(p, maxDecimals: 4) : "null"
        case .duration(let ms): ms.isFinite ? CellFormatting.seconds(milliseconds: ms) : "null"
        case .time(let ms): quoted(CellFormatting.isoTime(milliseconds: ms))
        }
    }

    /// A JSON string literal. Non-ASCII text stays as UTF-8; control characters are escaped.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
