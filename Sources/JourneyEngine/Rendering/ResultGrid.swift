// A long result drawn as a grid in a table: one row per distinct set of row cells, one column per value of an
// "across" column (a retention table: a row per cohort, a column per period). csv, json and markdown keep the
// long rows; only the table renderer pivots, and only a terminal shades the cells.

/// How a table renderer pivots a long result (`QueryResult.grid`).
package struct ResultGrid: Sendable, Hashable {
    /// The columns that name a grid row, in order (they stay columns).
    package var rowColumns: [Int]
    /// The column whose values become the grid's columns, in the order they first occur.
    package var across: Int
    /// The column whose cells fill the grid (null where a row has no such value).
    package var value: Int

    package init(rowColumns: [Int], across: Int, value: Int) {
        self.rowColumns = rowColumns
        self.across = across
        self.value = value
    }

    /// The result as a grid: the row columns, then one column per `across` value, headed by it; the new columns
    /// are shaded in a terminal.
    func pivoted(_ result: QueryResult) -> QueryResult {
        var acrossValues: [Cell] = []
        var acrossIndex: [Cell: Int] = [:]
        var rowIndex: [[Cell]: Int] = [:]
        var rows: [[Cell]] = []
        var values: [[Int: Cell]] = []
        for r in result.rows.indices {
            let name = rowColumns.map { result.cell(r, $0) }
            let a = result.cell(r, across)
            if acrossIndex[a] == nil {
                acrossIndex[a] = acrossValues.count
                acrossValues.append(a)
            }
            if rowIndex[name] == nil {
                rowIndex[name] = rows.count
                rows.append(name)
                values.append([:])
            }
            values[rowIndex[name]!][acrossIndex[a]!] = result.cell(r, value)
        }
        let valueInfo = value < result.columnInfo.count ? result.columnInfo[value] : ColumnInfo("value")
        var columns = rowColumns.map { $0 < result.columnInfo.count ? result.columnInfo[$0] : ColumnInfo("") }
        for (i, a) in acrossValues.enumerated() {
            let header = TableRenderer.humanText(a)
            columns.append(ColumnInfo(header, type: valueInfo.type, priority: 10 + i))
        }
        let grid = rows.indices.map { r in rows[r] + acrossValues.indices.map { values[r][$0] ?? .null } }
        var pivoted = QueryResult(kind: result.kind, title: result.title, columns: columns, rows: grid, notes: result.notes)
        pivoted.shadedColumns = Array(rowColumns.count..<columns.count)
        pivoted.measured = result.measured
        return pivoted
    }

    /// The shade of a percentage in a terminal: light to full in quarters (ASCII: `.` `:` `+` `#`).
    static func shade(_ percent: Double, ascii: Bool) -> String {
        let glyphs = ascii ? [".", ":", "+", "#"] : ["░", "▒", "▓", "█"]
        let level = min(3, max(0, Int(percent / 25)))
        return glyphs[level]
    }
}
