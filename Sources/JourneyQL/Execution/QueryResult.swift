// The typed result of a statement: named columns and rows of cells, with notes, independent of rendering.

/// One value in a result. Renderers decide how each kind looks (a duration is seconds in CSV and JSON,
/// `2d 3h` in a table; a percentage is a number in CSV and JSON, `45.2%` in a table).
public enum Cell: Sendable, Hashable {
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

/// What a result is, so a renderer can add the right decoration (a funnel gets a bar chart in a terminal).
public enum ResultKind: Sendable, Hashable {
    case funnel
    case table
}

public struct QueryResult: Sendable, Hashable {
    public var kind: ResultKind
    /// A one-line description of what was asked (shown above a table in a terminal).
    public var title: String?
    public var columns: [String]
    public var rows: [[Cell]]
    /// Lines shown under the table (how many customers were scanned, notes from the checker).
    public var notes: [String]
    /// The column a terminal renderer draws as bars, if any.
    public var barColumn: Int?

    public init(kind: ResultKind = .table, title: String? = nil, columns: [String], rows: [[Cell]],
                notes: [String] = [], barColumn: Int? = nil) {
        self.kind = kind
        self.title = title
        self.columns = columns
        self.rows = rows
        self.notes = notes
        self.barColumn = barColumn
    }
}
