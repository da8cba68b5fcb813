// How the typed reports read a result's table: cells by column name, group keys, runs of rows with one key.
// The reports are views of the table the engine made, so a report and the table (and every output format) can never
// disagree; the column names they read are the documented ones (grammar/SEMANTICS.md), checked by EmbeddingTests.

/// One row of a result, its cells found by column name (null for a column the result does not have). The group-key
/// columns (`keys`) are passed over: a `BY` field may have an analysis column's name (`STAGES BY stage`).
struct RowReader {
    let result: StatementResult
    let row: [Cell]
    let keys: Range<Int>

    subscript(_ name: String) -> Cell {
        result.columns.indices.first { !keys.contains($0) && result.columns[$0].name == name }.map { row[$0] } ?? .null
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
    /// A row's reader, passing over the group keys: the first `keyCount` columns, or the columns in `keys`.
    func reader(_ row: [Cell], keyCount: Int = 0) -> RowReader {
        RowReader(result: self, row: row, keys: 0..<keyCount)
    }

    func reader(_ row: [Cell], keys: Range<Int>) -> RowReader {
        RowReader(result: self, row: row, keys: keys)
    }

    /// The index of the last column named `name`: an analysis's own columns come after the group keys.
    func lastColumnIndex(_ name: String) -> Int? {
        columns.lastIndex { $0.name == name }
    }

    /// The names of the group-key columns: those before `first`, the first column every row of the analysis has
    /// (its last occurrence, so that a key of the same name is not taken for it).
    func keyColumns(before first: String) -> [String]? {
        lastColumnIndex(first).map { columns.prefix($0).map(\.name) }
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
