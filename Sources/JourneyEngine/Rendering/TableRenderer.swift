// Draws a result for people: a table fitted to the screen (columns left out by priority, long text cut),
// or one record per row; bars beside a funnel; colour only when asked.

/// A table in the manner of DuckDB's default output: centred headers, text left, numbers right, counts with
/// thousands separators; a funnel's bars hang beside it.
///
///     FROM awareness TO purchase
///     ┌──────┬───────────┬───────────┬─────────┬────────┬───────┬──────────────┐
///     │ step │   name    │ customers │ % first │ % prev │ lost  │ median ←prev │
///     ├──────┼───────────┼───────────┼─────────┼────────┼───────┼──────────────┤
///     │    1 │ awareness │     2,000 │  100.0% │        │       │              │
///     │    2 │ purchase  │       421 │   21.1% │  21.1% │ 1,579 │      16d 16h │
///     └──────┴───────────┴───────────┴─────────┴────────┴───────┴──────────────┘
///     10 columns, 7 shown (hidden: median ←start, p90 ←prev, p90 ←start)
///
/// With a width, no line is wider than it. Columns are given room in the order of their priority
/// (`ColumnInfo.priority`; equal priorities from the left) and kept in the result's order; the first that
/// does not fit ends the table, and a note names the ones left out. A long text column is cut with `…`,
/// down to `minimumTextWidth`, before any column is left out. When even the essential columns (priority 0)
/// do not fit, `ExpandedMode.auto` draws records instead; `.off` cuts text further and then leaves essential
/// columns out too. Titles and notes are wrapped.
package struct TableRenderer: Sendable {
    package var options: RenderOptions
    /// The longest a bar may be; bars are scaled so that the largest value spans what room there is up to it.
    package var maxBarWidth: Int

    /// The fewest columns a bar chart is drawn in.
    package static let minimumBarWidth = 12
    /// How narrow a long text column is cut (or its header's width, if wider) before columns are left out.
    package static let minimumTextWidth = 10

    package init(options: RenderOptions = RenderOptions(), maxBarWidth: Int = 30) {
        self.options = options
        self.maxBarWidth = max(1, maxBarWidth)
    }

    package func render(_ result: QueryResult) -> String {
        let result = result.grid.map { $0.pivoted(result) } ?? result
        let width = options.width.map { max($0, RenderOptions.narrowest) }
        let paint = Paint(on: options.color)
        var out = ""
        if let title = result.title.map({ Self.sanitize(Self.oneLine($0)) }), !title.isEmpty {
            for line in lines(title, width: width) { out += paint.bold(line) + "\n" }
        }
        var notes = result.notes + (result.measured.map { [$0] } ?? [])
        if !result.columns.isEmpty {
            let columns = format(result)
            let bars = options.bars ? barShares(result) : nil
            let layout: Layout?
            switch (options.expanded, width) {
            case (.on, _): layout = nil
            case (_, nil): layout = Layout(shown: Array(columns.indices), widths: columns.map(\.natural),
                                           barWidth: bars == nil ? nil : maxBarWidth)
            case (.auto, let width?): layout = fit(columns, width: width, bars: bars != nil ? result.barPriority : nil)
            case (.off, let width?):
                layout = fit(columns, width: width, bars: bars != nil ? result.barPriority : nil)
                    ?? squeeze(columns, width: width)
            }
            if let layout {
                out += table(columns, layout, bars: bars, paint: paint)
                if layout.shown.count < columns.count { notes.insert(hiddenNote(columns, layout), at: 0) }
            } else {
                out += records(columns, rowCount: result.rows.count, width: width, paint: paint)
            }
        }
        for note in notes {
            for line in note.split(separator: "\n", omittingEmptySubsequences: false) {
                for piece in lines(Self.sanitize(String(line)), width: width) { out += paint.dim(piece) + "\n" }
            }
        }
        return out
    }

    // MARK: Columns

    /// A column's texts as drawn, before any cutting.
    private struct Column {
        var header: String
        var cells: [String]
        var isNull: [Bool]
        var rightAligned: Bool
        var priority: Int
        /// The width that shows every cell and the header whole.
        var natural: Int
        /// Text (left-aligned) can be cut with `…`; numbers are never cut unless nothing else fits.
        var cuttable: Bool
        /// The width a table gives the column before it leaves columns out (a long header is cut too).
        var minimum: Int {
            cuttable ? min(natural, TableRenderer.minimumTextWidth) : natural
        }
    }

    /// Formats each column. A column is numeric (right-aligned) when every non-null cell is a number of some kind
    /// (or, all null, when its type is); fractional numbers get two decimals across the column so points line up.
    private func format(_ result: QueryResult) -> [Column] {
        result.columnInfo.indices.map { index in
            let cells = result.rows.indices.map { result.cell($0, index) }
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
            if !numeric, !anyText {
                switch result.type(ofColumn: index) {
                case .integer, .number, .percent, .duration: numeric = true
                case .text, .time: break
                }
            }
            let nullText = Self.sanitize(options.nullText)
            var texts = cells.map { cell -> String in
                switch cell {
                case .null: nullText
                case .number(let d) where fractional: CellFormatting.fixed(d, decimals: 2)
                default: Self.humanText(cell, thousands: options.thousands)
                }
            }
            // A grid's cells: shaded by their percentage, in a terminal.
            if options.bars, result.shadedColumns.contains(index) {
                for (r, cell) in cells.enumerated() {
                    if case .percent(let p) = cell { texts[r] = ResultGrid.shade(p, ascii: options.style != .box) + " " + texts[r] }
                }
            }
            // A tree's nodes: indented by their level.
            if let depthColumn = result.columnInfo[index].indentedBy, depthColumn < result.columnInfo.count {
                for (r, row) in result.rows.enumerated() where r < texts.count && depthColumn < row.count {
                    if case .int(let level) = row[depthColumn], level > 0 {
                        texts[r] = String(repeating: "  ", count: Int(min(level, 40))) + texts[r]
                    }
                }
            }
            let info = result.columnInfo[index]
            var header = Self.sanitize(Self.oneLine(info.label ?? info.name))
            if options.style == .ascii { header = header.replacing("←", with: "<-") }
            // Without a header row only the cells count.
            let natural = max(options.headers ? DisplayWidth.of(header) : 1, texts.map(DisplayWidth.of).max() ?? 0)
            let rightAligned = numeric && !anyText
            return Column(header: header, cells: texts, isNull: cells.map { $0 == .null }, rightAligned: rightAligned,
                          priority: info.priority, natural: natural, cuttable: !rightAligned)
        }
    }

    /// A cell as people read it: `2d 3h`, `45.2%`, `20,000`, ISO times, nothing for null.
    static func humanText(_ cell: Cell, thousands: Bool = false) -> String {
        switch cell {
        case .null: ""
        case .int(let n): thousands ? CellFormatting.groupedInteger(n) : String(n)
        case .number(let d): CellFormatting.exactNumber(d)
        case .text(let s): sanitize(s)
        case .percent(let p): CellFormatting.humanPercent(p)
        case .duration(let ms): CellFormatting.humanDuration(milliseconds: ms)
        case .time(let ms): CellFormatting.isoTime(milliseconds: ms)
        }
    }

    // MARK: Fitting

    /// Which columns a table shows (in the result's order), how wide each is drawn, and the bars' width.
    private struct Layout {
        var shown: [Int]
        /// By column index; only shown columns are read.
        var widths: [Int]
        var barWidth: Int?
    }

    /// The table that fits `width` with every essential column, or nil when the essential ones do not fit.
    /// `bars` is the bars' priority when there are bars to draw.
    private func fit(_ columns: [Column], width: Int, bars: Int?) -> Layout? {
        // Candidates in the order they get room: by priority, then from the left; bars after every column of
        // their own priority. A nil index is the bars.
        var order: [(priority: Int, position: Int, column: Int?)] = columns.indices.map { (columns[$0].priority, $0, $0) }
        if let bars { order.append((bars, Int.max, nil)) }
        order.sort { ($0.priority, $0.position) < ($1.priority, $1.position) }

        let smallestBar = min(Self.minimumBarWidth, maxBarWidth)
        var used = 1  // the left border
        var chosen: [Int] = []
        var withBars = false
        for candidate in order {
            if let i = candidate.column {
                let need = columns[i].minimum + 3
                if used + need <= width {
                    chosen.append(i)
                    used += need
                } else if columns[i].priority <= 0 {
                    return nil
                } else {
                    break
                }
            } else {
                // Bars hang beside the box, after a space.
                guard used + 1 + smallestBar <= width else { break }
                withBars = true
                used += 1 + smallestBar
            }
        }
        // Not even one column fits (none is essential, or the first is too wide to cut).
        guard !chosen.isEmpty else { return nil }
        // What is left widens cut text columns first, then the bars.
        var widths = columns.map(\.minimum)
        var left = width - used
        Self.share(&left, among: chosen, widths: &widths, columns)
        if withBars, chosen.contains(where: { widths[$0] < columns[$0].natural }) {
            // Whole text before a chart.
            return fit(columns, width: width, bars: nil)
        }
        return Layout(shown: chosen.sorted(), widths: widths,
                      barWidth: withBars ? min(maxBarWidth, smallestBar + left) : nil)
    }

    /// A table when even the essential columns do not fit (expanded mode off): text is cut to two columns
    /// (`a…`), then essential columns are left out from the right, and a lone column that is still too wide
    /// is cut whatever it holds.
    private func squeeze(_ columns: [Column], width: Int) -> Layout {
        let essential = columns.indices.filter { columns[$0].priority <= 0 }
        var chosen = essential.isEmpty
            ? [columns.indices.min { (columns[$0].priority, $0) < (columns[$1].priority, $1) }!] : essential
        var widths = columns.map { $0.cuttable ? min($0.natural, 2) : $0.natural }
        func total() -> Int { chosen.reduce(1) { $0 + widths[$1] + 3 } }
        while chosen.count > 1, total() > width { chosen.removeLast() }
        if total() > width { widths[chosen[0]] = width - 4 }
        var left = width - total()
        Self.share(&left, among: chosen, widths: &widths, columns)
        return Layout(shown: chosen.sorted(), widths: widths, barWidth: nil)
    }

    /// Gives `left` columns to the cut ones among `chosen`, a column at a time to the narrowest (the first of
    /// equals), so two long columns end up equally cut rather than one whole and one at its minimum.
    private static func share(_ left: inout Int, among chosen: [Int], widths: inout [Int], _ columns: [Column]) {
        while left > 0 {
            let cut = chosen.filter { widths[$0] < columns[$0].natural }
            guard let narrowest = cut.min(by: { widths[$0] < widths[$1] }) else { return }
            widths[narrowest] += 1
            left -= 1
        }
    }

    /// `10 columns, 7 shown (hidden: median ←start, p90 ←prev, p90 ←start)`, and the caller's hint.
    private func hiddenNote(_ columns: [Column], _ layout: Layout) -> String {
        let hidden = columns.indices.filter { !layout.shown.contains($0) }.map { columns[$0].header }
        var note = "\(columns.count) columns, \(layout.shown.count) shown (hidden: \(hidden.joined(separator: ", ")))"
        if let hint = options.hiddenColumnsHint, !hint.isEmpty { note += "; " + hint }
        return note
    }

    /// Prose as lines that fit `width` (one line when there is no width).
    private func lines(_ text: String, width: Int?) -> [String] {
        guard let width else { return [text] }
        return DisplayWidth.wrap(text, width: width)
    }

    // MARK: Drawing

    private var glyphs: Glyphs { options.style == .box ? .box : .ascii }

    private func table(_ columns: [Column], _ layout: Layout, bars: [Double]?, paint: Paint) -> String {
        let g = glyphs
        let shown = layout.shown.map { (column: columns[$0], width: layout.widths[$0]) }
        let rowCount = columns.first?.cells.count ?? 0
        let barTexts = layout.barWidth.flatMap { width in bars.map { $0.map { barText($0, width: width) } } }
        func rule(_ r: Rule) -> String {
            paint.dim(r.left + shown.map { String(repeating: r.fill, count: $0.width + 2) }.joined(separator: r.join)
                      + r.right) + "\n"
        }
        func line(_ texts: [String], trailer: String? = nil) -> String {
            let bar = paint.dim(g.vertical)
            let text = bar + texts.map { " " + $0 + " " }.joined(separator: bar) + bar
            guard let trailer, !trailer.isEmpty else { return text + "\n" }
            return text + " " + paint.bar(trailer) + "\n"
        }
        var out = rule(g.top)
        if options.headers {
            out += line(shown.map { column, width in
                let header = DisplayWidth.truncate(column.header, to: width, marker: g.cut)
                let free = width - DisplayWidth.of(header)
                let left = free / 2
                return String(repeating: " ", count: left) + paint.bold(header) + String(repeating: " ", count: free - left)
            })
            out += rule(g.middle)
        }
        for row in 0..<rowCount {
            out += line(shown.map { column, width in
                let text = DisplayWidth.truncate(column.cells[row], to: width, marker: g.cut)
                let padding = String(repeating: " ", count: width - DisplayWidth.of(text))
                let painted = column.isNull[row] ? paint.dim(text) : text
                return column.rightAligned ? padding + painted : painted + padding
            }, trailer: barTexts?[row])
        }
        out += rule(g.bottom)
        return out
    }

    /// psql's expanded display: a `─[ RECORD n ]──` line, then `column │ value` for every column, long values
    /// continued on the next lines. With a width, labels take at most half of it and values wrap in the rest.
    private func records(_ columns: [Column], rowCount: Int, width: Int?, paint: Paint) -> String {
        guard rowCount > 0 else { return paint.dim("(no rows)") + "\n" }
        let g = glyphs
        var labelWidth = columns.map { DisplayWidth.of($0.header) }.max() ?? 0
        if let width { labelWidth = min(labelWidth, width / 2) }
        let valueWidth = width.map { max(1, $0 - labelWidth - 3) }
        let values = (0..<rowCount).map { row in
            columns.map { column in
                valueWidth.map { DisplayWidth.pieces(column.cells[row], width: $0) } ?? [column.cells[row]]
            }
        }
        // Every record's rule spans the widest line of all of them, as psql draws it.
        let widest = values.joined().joined().map(DisplayWidth.of).max() ?? 0
        var out = ""
        for row in 0..<rowCount {
            let head = g.fill + "[ RECORD \(row + 1) ]"
            var span = max(labelWidth + 3 + widest, DisplayWidth.of(head) + 1)
            if let width { span = min(span, width) }
            let rule = head + String(repeating: g.fill, count: max(0, span - DisplayWidth.of(head)))
            out += paint.dim(DisplayWidth.prefix(rule, width: span)) + "\n"
            for (column, pieces) in zip(columns, values[row]) {
                let label = DisplayWidth.truncate(column.header, to: labelWidth, marker: g.cut)
                for (k, piece) in pieces.enumerated() {
                    let name = k == 0 ? label : ""
                    let lead = name + String(repeating: " ", count: labelWidth - DisplayWidth.of(name))
                    let text = column.isNull[row] ? paint.dim(piece) : piece
                    out += lead + " " + paint.dim(g.vertical) + (piece.isEmpty ? "" : " " + text) + "\n"
                }
            }
        }
        return out
    }

    /// Each row's share of the largest value in the bar column; nil when there is no chart to draw.
    private func barShares(_ result: QueryResult) -> [Double]? {
        guard let column = result.barColumn, column >= 0, column < result.columns.count, !result.rows.isEmpty
        else { return nil }
        let values = result.rows.indices.map { row -> Double in
            switch result.cell(row, column) {
            case .int(let n): Double(n)
            case .number(let d), .percent(let d): d.isFinite ? max(d, 0) : 0
            default: 0
            }
        }
        guard let largest = values.max(), largest > 0 else { return nil }
        return values.map { $0 / largest }
    }

    /// A bar `share` of `width` long, in eighths of a cell (whole `#` cells in ASCII).
    private func barText(_ share: Double, width: Int) -> String {
        guard options.style == .box else {
            return String(repeating: "#", count: Int((share * Double(width)).rounded()))
        }
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let eighths = Int((min(max(share, 0), 1) * Double(width * 8)).rounded())
        return String(repeating: "█", count: eighths / 8) + partials[eighths % 8]
    }

    private typealias Rule = (left: String, fill: String, join: String, right: String)

    private struct Glyphs {
        var top: Rule, middle: Rule, bottom: Rule, vertical: String, fill: String
        /// Ends text that was cut.
        var cut: String
        static let box = Glyphs(top: ("┌", "─", "┬", "┐"), middle: ("├", "─", "┼", "┤"),
                                bottom: ("└", "─", "┴", "┘"), vertical: "│", fill: "─", cut: "…")
        static let ascii = Glyphs(top: ("+", "-", "+", "+"), middle: ("+", "-", "+", "+"),
                                  bottom: ("+", "-", "+", "+"), vertical: "|", fill: "-", cut: "...")
    }

    /// ANSI styles, or nothing at all when colour is off.
    private struct Paint {
        let on: Bool
        func bold(_ text: String) -> String { styled(text, "1") }
        func dim(_ text: String) -> String { styled(text, "2") }
        func bar(_ text: String) -> String { styled(text, "36") }
        private func styled(_ text: String, _ code: String) -> String {
            on && !text.isEmpty ? "\u{1B}[" + code + "m" + text + "\u{1B}[0m" : text
        }
    }

    // MARK: Text

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
}
