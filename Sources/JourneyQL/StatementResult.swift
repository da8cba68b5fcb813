// A statement's result for embedders: the generic table, what made it, and typed views per analysis.
internal import JourneyEngine

/// One result of a statement: columns and rows, with the analysis that made it.
///
/// Every statement's results can be read as a table (``columns`` and ``rows``) or drawn in any output format
/// (``formatted(as:)``). The result of every analysis also has a typed view, named after it: ``funnel``,
/// ``timeToConvert``, ``timeDistribution``, ``paths``, ``stages``, ``stageTransitions``, ``flowTree``,
/// ``customerList``, ``dropoff``, ``why``, ``valueSummary``, ``comparison``, ``comparisonTest``, ``retention``,
/// ``retentionCurve`` and ``attribution``. Each is nil on a result of another kind (or part).
///
/// Two results are equal when their tables are: ``measured`` (what was read and how long it took) is left out.
public struct StatementResult: Sendable, Hashable {
    /// The statement kinds that produce results.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `FROM a TO b`: customers per step.
        case funnel
        /// `TIMES FROM a TO b`: part 0 the summary of times to convert, part 1 their distribution.
        case timeToConvert
        /// `PATHS FROM a TO b`: the commonest routes of converters.
        case paths
        /// `STAGES`: part 0 the journey map, part 1 the transitions between stages.
        case stages
        /// `CUSTOMERS FROM ...`: one row per customer.
        case customers
        /// `PATHS AFTER step` or `PATHS BEFORE step` (a flow tree), and `PATHS FROM a TO b LOST` or `CONVERTED`
        /// (ranked paths).
        case flows
        /// `DROPOFF FROM a TO b`: part 0 what lost customers did next, part 1 what they did last.
        case dropoff
        /// `WHY ...`: what tells converters from lost customers.
        case why
        /// `VALUE amount FROM step`: sums and averages of a numeric property.
        case value
        /// `FROM a TO b BY x COMPARE`: part 0 a funnel's groups (or periods) side by side, part 1 a chi-square test
        /// per step.
        case compare
        /// `RETENTION OF a RETURNING b`: part 0 cohorts by period, part 1 the retention curve.
        case retention
        /// `ATTRIBUTE step MODEL ...`: the credit each channel or touchpoint earns.
        case attribution
        /// Anything else with rows: `SHOW`, a customer's timeline, the values of a field.
        case table

        init(_ analysis: Analysis?) {
            switch analysis {
            case .funnel?: self = .funnel
            case .timeToConvert?: self = .timeToConvert
            case .paths?: self = .paths
            case .stages?: self = .stages
            case .customers?: self = .customers
            case .flows?: self = .flows
            case .dropoff?: self = .dropoff
            case .why?: self = .why
            case .value?: self = .value
            case .compare?: self = .compare
            case .retention?: self = .retention
            case .attribution?: self = .attribution
            case nil: self = .table
            }
        }
    }

    /// The output formats ``formatted(as:)`` draws.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// A plain-text table, as the REPL draws it without a terminal (no colour, no width limit).
        case table
        /// CSV with a header row; durations in seconds (their columns' names end in `_seconds`).
        case csv
        /// A JSON document: `{"title": ..., "columns": [...], "rows": [...], ...}`.
        case json
        /// JSON Lines: one object per row.
        case jsonl
        /// A Markdown table.
        case markdown
    }

    /// Which statement kind made the result.
    public let kind: Kind
    /// Which of the statement's results this is, from 0 (TIMES, STAGES and others give more than one).
    public let part: Int
    /// A one-line description of what was asked.
    public let title: String?
    /// The columns, in order.
    public let columns: [Column]
    /// The rows, each with one cell per column.
    public let rows: [[Cell]]
    /// Notes that belong to the answer (how in-progress customers were counted, what was left out).
    public let notes: [String]
    /// What was read and how long it took (`1200 customers, 5400 events read (0.01 s)`), when the statement says.
    public let measured: String?

    /// The engine's result, for drawing; its `measured` is cleared so a drawing is the same on every run.
    let result: QueryResult

    init(_ result: QueryResult) {
        var stable = result
        stable.measured = nil
        self.result = stable
        kind = Kind(result.analysis)
        part = result.part
        title = result.title
        columns = result.columnInfo.indices.map { Column(name: result.columnInfo[$0].name, type: result.type(ofColumn: $0)) }
        rows = result.rows.map { row in result.columnInfo.indices.map { Cell(index: $0, in: row) } }
        notes = result.notes
        measured = result.measured
    }

    /// The index of the column named `name`, if there is one.
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// The cell of `row` in the column named `column`; nil when there is no such column.
    public func value(row: Int, column: String) -> Cell? {
        columnIndex(column).map { rows[row][$0] }
    }

    /// The result drawn as the command line's `--format` draws it (without the run's timing).
    public func formatted(as format: Format) -> String {
        let engineFormat: OutputFormat = switch format {
        case .table: .table
        case .csv: .csv
        case .json: .json
        case .jsonl: .jsonl
        case .markdown: .markdown
        }
        return ResultRenderer.render(result, format: engineFormat)
    }

    public static func == (a: StatementResult, b: StatementResult) -> Bool {
        a.result == b.result
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(result)
    }
}

extension Cell {
    /// A row's cell at `index` (null where a short row has none).
    init(index: Int, in row: [JourneyEngine.Cell]) {
        self.init(index < row.count ? row[index] : .null)
    }
}
