// The typed result of a statement: described columns and rows of cells, with notes, independent of rendering.

/// One value in a result. Renderers decide how each kind looks (a duration is seconds in CSV and JSON,
/// `2d 3h` in a table; a percentage is a number in CSV and JSON, `45.2%` in a table).
package enum Cell: Sendable, Hashable {
    case null
    case int(Int64)
    case number(Double)
    case text(String)
    /// A percentage in 0...100.
    case percent(Double)
    /// A span of time in milliseconds (fractional when it is a median of two).
    case duration(Double)
    /// An instant, milliseconds since the epoch, UTC.
    case time(Int64)
}

/// What a result is: a journey's funnel, or any other table.
package enum ResultKind: Sendable, Hashable {
    case funnel
    case table
}

/// The analysis a result comes from: one per kind of query statement.
package enum Analysis: String, Sendable, Hashable, CaseIterable {
    case funnel, timeToConvert, paths, stages, customers, flows, dropoff, why, value, compare, retention, attribution
}

/// What every cell of a column holds, known even when all of them are null (a funnel nobody converts in
/// still has duration columns, and CSV must still name their unit).
package enum ColumnType: String, Sendable, Hashable {
    case text
    case integer
    case number
    /// Percentages in 0...100.
    case percent
    /// Spans of time: seconds in CSV and JSON, `2d 3h` in a table.
    case duration
    case time
}

/// A column's description: its name for programs, what it holds, and how a narrow table treats it.
package struct ColumnInfo: Sendable, Hashable {
    /// The name as engines and tests know it (`median_time_from_previous`). CSV and JSON add the unit
    /// to a duration's name (see `ColumnInfo.programName`).
    package var name: String
    /// What the cells hold; nil when the producer leaves it to the cells (`QueryResult.type(ofColumn:)`).
    package var type: ColumnType?
    /// A short header for tables (`% first`); nil shows the name.
    package var label: String?
    /// How long a table keeps the column as the screen narrows: lower numbers are kept longer, equal
    /// numbers go from the right. 0 is essential: auto expanded mode draws records rather than drop it.
    package var priority: Int
    /// The column whose integer cells give each row's depth: a terminal table indents this column's text two
    /// spaces per level (a tree's nodes); csv and json stay flat.
    package var indentedBy: Int? = nil

    package init(_ name: String, type: ColumnType? = nil, label: String? = nil, priority: Int = 0) {
        self.name = name
        self.type = type
        self.label = label
        self.priority = priority
    }
}

package struct QueryResult: Sendable, Hashable {
    package var kind: ResultKind
    /// A one-line description of what was asked (shown above a table in a terminal).
    package var title: String?
    /// The columns, in order, with what each holds and how a narrow table treats it.
    package var columnInfo: [ColumnInfo]
    package var rows: [[Cell]]
    /// Lines shown under the table (how many customers were scanned, notes from the checker).
    package var notes: [String]
    /// The column a terminal renderer draws as bars, if any.
    package var barColumn: Int?
    /// Where the bars rank among the columns' priorities when a table is narrow: they are drawn only
    /// if every column of this priority or lower is shown. The default draws them only beside a whole table.
    package var barPriority: Int
    /// A long result a table draws as a grid (RETENTION's cohorts by periods); csv, json and markdown keep the rows.
    package var grid: ResultGrid? = nil
    /// Percentage columns a terminal table shades (the cells of a grid).
    package var shadedColumns: [Int] = []
    /// Which analysis made the result, and which of its results this is (TIMES gives a summary, part 0, and a
    /// distribution, part 1); nil for SHOW, VALUES and the like. The embedding API types results by it.
    package var analysis: Analysis? = nil
    package var part = 0
    /// What was read and how long it took (`1200 customers, 5400 events read (0.01 s)`): a table shows it after
    /// the notes. It differs from run to run, so it is kept apart from them.
    package var measured: String? = nil
    /// ATTRIBUTE's models, in the statement's order, and whether credit is value (`VALUE x`) rather than
    /// conversions: the embedding API's typed view needs them, and one model's columns do not name it.
    package var attributionModels: [String] = []
    package var creditsValue = false

    /// The columns' names, in order.
    package var columns: [String] {
        get { columnInfo.map(\.name) }
        set {
            columnInfo = newValue.enumerated().map { i, name in
                guard i < columnInfo.count else { return ColumnInfo(name, priority: i) }
                var info = columnInfo[i]
                info.name = name
                return info
            }
        }
    }

    /// A result whose columns are described.
    package init(kind: ResultKind = .table, title: String? = nil, columns: [ColumnInfo], rows: [[Cell]],
                notes: [String] = [], barColumn: Int? = nil, barPriority: Int = .max) {
        self.kind = kind
        self.title = title
        self.columnInfo = columns
        self.rows = rows
        self.notes = notes
        self.barColumn = barColumn
        self.barPriority = barPriority
    }

    /// A result with named columns only: types are read from the cells, and a narrow table keeps the
    /// first column and drops the others from the right.
    package init(kind: ResultKind = .table, title: String? = nil, columns: [String], rows: [[Cell]],
                notes: [String] = [], barColumn: Int? = nil) {
        self.init(kind: kind, title: title, columns: columns.enumerated().map { ColumnInfo($1, priority: $0) },
                  rows: rows, notes: notes, barColumn: barColumn)
    }

    /// The cell at `row`, `column`; null where a short row has none.
    package func cell(_ row: Int, _ column: Int) -> Cell {
        column < rows[row].count ? rows[row][column] : .null
    }

    /// What a column holds: as described, or else read from its cells (the kind every non-null cell shares;
    /// integers among numbers make numbers; anything else mixed, or nothing but nulls, is text).
    package func type(ofColumn index: Int) -> ColumnType {
        if index < columnInfo.count, let type = columnInfo[index].type { return type }
        var found: ColumnType?
        for row in rows.indices {
            let type: ColumnType
            switch cell(row, index) {
            case .null: continue
            case .int: type = .integer
            case .number: type = .number
            case .text: type = .text
            case .percent: type = .percent
            case .duration: type = .duration
            case .time: type = .time
            }
            switch (found, type) {
            case (nil, _): found = type
            case (let a?, let b) where a == b: break
            case (.integer?, .number), (.number?, .integer): found = .number
            default: return .text
            }
        }
        return found ?? .text
    }
}
