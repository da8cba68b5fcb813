// Writes a result as a Markdown pipe table for documents and issues.

/// A GitHub-flavoured pipe table with padded columns, numbers right-aligned (`---:`).
/// Headers and values read as in a terminal table (`% first`, `2d 3h`, `45.2%`, `20,000` unless `thousands` is off,
/// null as `nullText`); `|` is escaped and line breaks become `<br>`. The syntax needs a header row: without
/// `headers` it is left blank. Width, colour and bars do not apply: a document is read elsewhere.
package enum MarkdownRenderer {
    package static func render(_ result: QueryResult, options: RenderOptions = RenderOptions()) -> String {
        guard !result.columns.isEmpty else { return "" }
        var table = TableCells(result, options: options)
        if !options.headers { table.headers = table.headers.map { _ in "" } }
        var widths = table.headers.map { max(3, DisplayWidth.of($0)) }
        for row in table.rows {
            for (i, text) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(text)) }
        }
        func line(_ texts: [String]) -> String {
            "| " + texts.indices.map { i in
                let padding = String(repeating: " ", count: widths[i] - DisplayWidth.of(texts[i]))
                return table.rightAligned[i] ? padding + texts[i] : texts[i] + padding
            }.joined(separator: " | ") + " |\n"
        }
        var out = line(table.headers)
        out += "|" + widths.indices.map { i in
            table.rightAligned[i]
                ? " " + String(repeating: "-", count: widths[i] - 1) + ": "
                : " " + String(repeating: "-", count: widths[i]) + " "
        }.joined(separator: "|") + "|\n"
        for row in table.rows { out += line(row) }
        return out
    }

    /// Headers and cells already turned into escaped Markdown text.
    private struct TableCells {
        var headers: [String]
        var rows: [[String]]
        var rightAligned: [Bool]

        init(_ result: QueryResult, options: RenderOptions) {
            headers = result.columnInfo.map { MarkdownRenderer.escape(TableRenderer.oneLine($0.label ?? $0.name)) }
            rightAligned = result.columns.indices.map { i in
                var numeric = false
                for row in result.rows where i < row.count {
                    switch row[i] {
                    case .null: continue
                    case .int, .number, .percent, .duration: numeric = true
                    case .text, .time: return false
                    }
                }
                return numeric
            }
            rows = result.rows.map { row in
                result.columns.indices.map { i in
                    switch i < row.count ? row[i] : .null {
                    case .null: MarkdownRenderer.escape(options.nullText)
                    case .text(let s): MarkdownRenderer.escape(s)
                    case let cell: TableRenderer.humanText(cell, thousands: options.thousands)
                    }
                }
            }
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "|": out += "\\|"
            case "\r\n", "\n", "\r": out += "<br>"
            default: out.append(ch)
            }
        }
        return out
    }
}
