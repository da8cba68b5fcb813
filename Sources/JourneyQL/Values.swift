// The values a result holds, as an embedder reads them: cells, columns and their types.
internal import JourneyEngine

/// One value in a result.
///
/// Numbers keep the kind the language gives them: counts are ``int(_:)``, percentages ``percent(_:)`` in 0...100,
/// spans of time ``duration(_:)`` and instants ``time(_:)``.
public enum Cell: Sendable, Hashable {
    /// No value: a step nobody reached has no median time, a customer without the attribute no segment.
    case null
    /// A whole number: a count of customers or events, a step number, a rank.
    case int(Int64)
    /// A number that need not be whole: a mean, a sum of a property, an odds ratio.
    case number(Double)
    /// Text: a step's name, a channel, a path, a customer id.
    case text(String)
    /// A percentage in 0...100.
    case percent(Double)
    /// A span of time (a median of two spans may fall between milliseconds).
    case duration(Duration)
    /// An instant, in milliseconds since 1970-01-01T00:00:00Z.
    case time(Int64)

    /// The value as an integer, when it is one.
    public var int: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The value as a number: integers, numbers and percentages (0...100).
    public var double: Double? {
        switch self {
        case .int(let value): Double(value)
        case .number(let value), .percent(let value): value
        default: nil
        }
    }

    /// The value as text, when it is text.
    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The value as a span of time, when it is one.
    public var duration: Duration? {
        if case .duration(let value) = self { return value }
        return nil
    }

    init(_ cell: JourneyEngine.Cell) {
        switch cell {
        case .null: self = .null
        case .int(let value): self = .int(value)
        case .number(let value): self = .number(value)
        case .text(let value): self = .text(value)
        case .percent(let value): self = .percent(value)
        case .duration(let milliseconds): self = .duration(.milliseconds(milliseconds))
        case .time(let value): self = .time(value)
        }
    }
}

/// A result's column: its name and what its cells hold.
public struct Column: Sendable, Hashable {
    /// What every cell of a column holds (null cells aside).
    public enum ValueType: String, Sendable, Hashable {
        /// ``Cell/text(_:)`` cells.
        case text
        /// ``Cell/int(_:)`` cells.
        case integer
        /// ``Cell/number(_:)`` cells (and integers among them).
        case number
        /// ``Cell/percent(_:)`` cells, in 0...100.
        case percent
        /// ``Cell/duration(_:)`` cells.
        case duration
        /// ``Cell/time(_:)`` cells.
        case time
    }

    /// The name programs use (`median_time_from_previous`); CSV and JSON add `_seconds` to a duration's name.
    public let name: String
    /// What the column's cells hold, known even when every cell is null.
    public let type: ValueType

    init(name: String, type: JourneyEngine.ColumnType) {
        self.name = name
        switch type {
        case .text: self.type = .text
        case .integer: self.type = .integer
        case .number: self.type = .number
        case .percent: self.type = .percent
        case .duration: self.type = .duration
        case .time: self.type = .time
        }
    }
}
