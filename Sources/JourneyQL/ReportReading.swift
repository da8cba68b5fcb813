// How the typed reports read a result's table: cells by column name, group keys, runs of rows with one key.
// The reports are views of the table the engine made, so a report and the table (and every output format) can never
// disagree; the column names they read are the documented ones (grammar/SEMANTICS.md), checked by EmbeddingTests.

/// One row of a result, its cells found by column name (null for a column the result does not have).
struct RowReader {
    let result: StatementResult
    let row: [Cell]

    subscript(_ name: String) -> Cell {
        result.columnIndex(name).map { row[$0] } ?? .null
    }

    func int(_ name: String) -> Int64? { self[name].int }
    func count(_ name: String) -> Int64 { self[name].int ?? 0 }
    func number(_ name: String) -> Double? { self[name].double }
    func duration(_ name: String) -> Duration? { self[name].duration }
    func text(_ name: String) -> String { self[name].displayText }
    func instant(_ name: String) -> Int64? {
        if case .time(let milliseconds) = self[name] { return milliseconds }
        return nil
    }
}

extension StatementResult {
    func reader(_ row: [Cell]) -> RowReader { RowReader(result: self, row: row) }

    /// The names of the group-key columns: those before `first`, the first column every row of the analysis has.
    func keyColumns(before first: String) -> [String]? {
        columnIndex(first).map { columns.prefix($0).map(\.name) }
    }

    /// The rows in runs of equal group key (the first `keyCount` cells), in the result's order.
    func runs(keyCount: Int) -> [(key: [Cell], rows: [[Cell]])] {
        var runs: [(key: [Cell], rows: [[Cell]])] = []
        for row in rows {
            let key = Array(row.prefix(keyCount))
            if let last = runs.last, last.key == key {
                runs[runs.count - 1].rows.append(row)
            } else {
                runs.append((key, [row]))
            }
        }
        return runs
    }
}

extension Cell {
    /// The value as text: text as it is, numbers written out (a customer id may be stored as a number).
    var displayText: String {
        switch self {
        case .null: ""
        case .int(let value): String(value)
        case .number(let value), .percent(let value): String(value)
        case .text(let value): value
        case .duration(let value): String(describing: value)
        case .time(let value): String(value)
        }
    }
}

/// An interval from two nullable bounds: nil unless both are there.
func interval(_ low: Double?, _ high: Double?) -> ClosedRange<Double>? {
    guard let low, let high, low <= high else { return nil }
    return low...high
}
