// Writes a result as JSON for programs: an object with the title, the column names and the rows, or JSON Lines.

/// The JSON forms of a result (`ResultWriter` puts them together into a run's output).
///
/// Rows are objects, keys in column order; column names carry their unit (`ResultRenderer.programName`).
/// Numbers are JSON numbers (durations in seconds, percentages in 0...100), null is null, times are
/// ISO-8601 strings. A non-finite number has no JSON spelling and becomes null. Nothing here depends on
/// the options: JSON is the same on a terminal and in a pipe.
package enum JSONRenderer {
    /// `{"title":...,"columns":[...],"rows":[` then a row object per line, then `]}` (no final newline).
    package static func object(_ result: QueryResult) -> String {
        let names = result.columns.indices.map { quoted(result.programName(ofColumn: $0)) }
        var out = "{\"title\":" + (result.title.map { quoted(TableRenderer.oneLine($0)) } ?? "null")
        out += ",\"columns\":[" + names.joined(separator: ",") + "],\"rows\":["
        guard !result.rows.isEmpty else { return out + "]}" }
        out += "\n" + result.rows.indices.map { row(result, $0, names: names) }.joined(separator: ",\n")
        return out + "]}"
    }

    /// A line per row: `{"_result":number,"_title":...,` then the row's columns, `}` and a newline.
    package static func lines(_ result: QueryResult, number: Int) -> String {
        let names = result.columns.indices.map { quoted(result.programName(ofColumn: $0)) }
        let meta = "\"_result\":\(number),\"_title\":" + (result.title.map { quoted(TableRenderer.oneLine($0)) } ?? "null")
        return result.rows.indices.map { r in
            let fields = String(row(result, r, names: names).dropFirst())
            return "{" + meta + (fields == "}" ? "" : ",") + fields + "\n"
        }.joined()
    }

    /// One row as an object: `{"step":1,"name":"awareness"}`.
    static func row(_ result: QueryResult, _ row: Int, names: [String]) -> String {
        "{" + names.indices.map { names[$0] + ":" + value(result.cell(row, $0)) }.joined(separator: ",") + "}"
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
    package static func quoted(_ text: String) -> String {
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
