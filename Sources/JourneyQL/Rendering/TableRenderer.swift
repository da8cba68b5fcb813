// Draws a result as an aligned table for people: box lines, numbers right-aligned, a funnel's bar chart.

/// A table in the manner of DuckDB's default output: centred headers, text left, numbers right.
///
///     Funnel: awareness → purchase
///     ┌───────────┬───────────┬────────────┐
///     │   step    │ customers │ % of first │
///     ├───────────┼───────────┼────────────┤
///     │ awareness │      2000 │     100.0% │ ██████████████████████████████
///     │ purchase  │       412 │      20.6% │ ██████▏
///     └───────────┴───────────┴────────────┘
///     2000 customers scanned
public struct TableRenderer: Sendable {
    public enum Style: Sendable {
        /// Unicode box-drawing lines.
        case box
        /// `+`, `-` and `|` only, for places that mangle anything else.
        case ascii
    }

    public var style: Style
    /// Draw a funnel's `barColumn` as a bar chart beside the table (meant for a terminal).
    public var drawBars: Bool
    /// Columns the first row's bar spans; the others are scaled to it.
    public var barWidth: Int
    /// The width of the terminal, if known: bars are shortened to fit beside the table, or left out.
    public var lineWidth: Int?

    public init(style: Style = .box, drawBars: Bool = false, barWidth: Int = 30, lineWidth: Int? = nil) {
        self.style = style
        self.drawBars = drawBars
        self.barWidth = max(1, barWidth)
        self.lineWidth = lineWidth
    }

    public func render(_ result: QueryResult) -> String {
        var out = ""
        if let title = result.title.map(Self.oneLine), !title.isEmpty { out += title + "\n" }
        if !result.columns.isEmpty { out += table(result) }
        for note in result.notes { out += note + "\n" }
        return out
    }

    // MARK: Layout

    private struct Column {
        var header: String
        var rightAligned: Bool
        var cells: [String]
        var width: Int
    }

    private func table(_ result: QueryResult) -> String {
        let columns = result.columns.indices.map { index in
            Self.format(column: index, of: result)
        }
        // The chart hangs to the right of the box rather than in a column of its own: it has no header.
        let tableWidth = columns.reduce(1) { $0 + $1.width + 3 }
        let bars = barCells(result, width: lineWidth.map { min(barWidth, $0 - tableWidth - 1) } ?? barWidth)
        let glyphs = style == .box ? Glyphs.box : Glyphs.ascii
        var out = rule(columns, glyphs.top)
        out += line(columns.map { column in
            let free = column.width - DisplayWidth.of(column.header)
            let left = free / 2
            return String(repeating: " ", count: left) + column.header + String(repeating: " ", count: free - left)
        }, glyphs.vertical)
        out += rule(columns, glyphs.middle)
        for row in result.rows.indices {
            out += line(columns.map { column in
                let text = column.cells[row]
                let padding = String(repeating: " ", count: column.width - DisplayWidth.of(text))
                return column.rightAligned ? padding + text : text + padding
            }, glyphs.vertical, trailer: bars?[row])
        }
        out += rule(columns, glyphs.bottom)
        return out
    }

    private func rule(_ columns: [Column], _ g: (left: String, fill: String, join: String, right: String)) -> String {
        g.left + columns.map { String(repeating: g.fill, count: $0.width + 2) }.joined(separator: g.join)
            + g.right + "\n"
    }

    private func line(_ texts: [String], _ bar: String, trailer: String? = nil) -> String {
        let text = bar + texts.map { " " + $0 + " " }.joined(separator: bar) + bar
        guard let trailer, !trailer.isEmpty else { return text + "\n" }
        return text + " " + trailer + "\n"
    }

    private typealias Rule = (left: String, fill: String, join: String, right: String)

    private struct Glyphs {
        var top: Rule, middle: Rule, bottom: Rule, vertical: String
        static let box = Glyphs(top: ("┌", "─", "┬", "┐"), middle: ("├", "─", "┼", "┤"),
                                bottom: ("└", "─", "┴", "┘"), vertical: "│")
        static let ascii = Glyphs(top: ("+", "-", "+", "+"), middle: ("+", "-", "+", "+"),
                                  bottom: ("+", "-", "+", "+"), vertical: "|")
    }

    // MARK: Cells

    /// Formats one column. A column is numeric (right-aligned) when every non-null cell is a number of some kind;
    /// fractional numbers get two decimals across the whole column so their points line up.
    private static func format(column index: Int, of result: QueryResult) -> Column {
        let cells = result.rows.map { index < $0.count ? $0[index] : .null }
        var numeric = false
        var fractional = false
        var anyText = false
        for cell in cells {
            switch cell {
            case .null: break
            case .int, .percent, .duration: numeric = true
            case .number(let d):
                numeric = true
                if d.isFinite, d.rounded() != d { fractional = true }
            case .text, .time: anyText = true
            }
        }
        let texts = cells.map { cell -> String in
            switch cell {
            case .number(let d) where fractional: CellFormatting.fixed(d, decimals: 2)
            default: humanText(cell)
            }
        }
        let header = sanitize(result.columns[index])
        let width = max(DisplayWidth.of(header), texts.map(DisplayWidth.of).max() ?? 0)
        return Column(header: header, rightAligned: numeric && !anyText, cells: texts, width: width)
    }

    /// A cell as people read it: `2d 3h`, `45.2%`, ISO times, nothing for null.
    static func humanText(_ cell: Cell) -> String {
        switch cell {
        case .null: ""
        case .int(let n): String(n)
        case .number(let d): CellFormatting.exactNumber(d)
        case .text(let s): sanitize(s)
        case .percent(let p): CellFormatting.humanPercent(p)
        case .duration(let ms): CellFormatting.humanDuration(milliseconds: ms)
        case .time(let ms): CellFormatting.isoTime(milliseconds: ms)
        }
    }

    /// A title typed over several lines, as one line with single spaces.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .joined(separator: " ")
    }

    /// Keeps one cell on one line: control characters are shown escaped (`\n`, `\t`, `\x1B`).
    static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The funnel's bars, scaled so the first row spans `width` columns; nil when no chart applies
    /// (or fewer than four columns are left for it).
    private func barCells(_ result: QueryResult, width barWidth: Int) -> [String]? {
        guard drawBars, barWidth >= 4, result.kind == .funnel, let column = result.barColumn,
              column >= 0, column < result.columns.count, !result.rows.isEmpty else { return nil }
        let values = result.rows.map { row -> Double in
            guard column < row.count else { return 0 }
            switch row[column] {
            case .int(let n): return Double(n)
            case .number(let d), .percent(let d): return d.isFinite ? d : 0
            default: return 0
            }
        }
        guard let first = values.first, first > 0 else { return nil }
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return values.map { value in
            let share = min(max(value / first, 0), 1)
            let eighths = Int((share * Double(barWidth * 8)).rounded())
            return String(repeating: "█", count: eighths / 8) + partials[eighths % 8]
        }
    }
}
