// The checker's output for EXPECT: typed values, the row to read and the test, ready to run on a result.
import JourneyStore

/// A value an EXPECT compares a cell with. Which cells it meets is decided when the result is known:
/// numbers meet counts and percentages, durations meet durations, text meets text, times meet times.
package enum ExpectedValue: Sendable, Hashable, CustomStringConvertible {
    /// A number, with its spelling as written for messages.
    case number(Double, text: String)
    case text(String)
    /// A duration in milliseconds.
    case duration(Int64)
    /// An instant, milliseconds since the epoch.
    case time(Int64)

    /// The value as the language writes it: `450`, `'social'`, `2d 4h`, `2024-01-31` (a midnight as a date).
    package var description: String {
        switch self {
        case .number(_, let text): text
        case .text(let s): quoteText(s)
        case .duration(let ms): ExpectedValue.durationText(ms)
        case .time(let t): t % 86_400_000 == 0 ? TimeParser.formatDate(t) : TimeParser.format(t)
        }
    }

    /// What kind of value this is, for messages: "a number", "a duration", ...
    package var kindName: String {
        switch self {
        case .number: "a number"
        case .text: "text"
        case .duration: "a duration"
        case .time: "a time"
        }
    }

    /// A duration in the short forms the lexer reads back, every non-zero unit kept so it is exact:
    /// `1d 40m`, `14d 13m 20s`, `1500ms` is `1s 500ms`, zero is `0s`.
    package static func durationText(_ ms: Double) -> String {
        guard ms.isFinite else { return "\(ms)" }
        if ms < 0 { return "-" + durationText(-ms) }
        let units: [(ms: Double, suffix: String)] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")]
        var rest = ms
        var parts: [String] = []
        for unit in units {
            let count = (rest / unit.ms).rounded(.down)
            if count > 0 {
                parts.append(formatNumber(count) + unit.suffix)
                rest -= count * unit.ms
            }
        }
        // A median of two can fall on half a millisecond.
        if rest > 0 { parts.append(formatNumber(rest) + "ms") }
        return parts.isEmpty ? "0s" : parts.joined(separator: " ")
    }

    package static func durationText(_ ms: Int64) -> String { durationText(Double(ms)) }
}

/// What an EXPECT requires of the value it reads.
package enum ExpectedTest: Sendable, Hashable, CustomStringConvertible {
    case compare(Comparison, ExpectedValue)
    /// Inclusive at both ends.
    case between(ExpectedValue, ExpectedValue)
    case isNull(negated: Bool)

    /// As it reads after "expected": `between 400 and 450`, `>= 20`, `= 'social'`, `null`, `not null`.
    package var description: String {
        switch self {
        case .compare(let op, let value): "\(op.rawValue) \(value)"
        case .between(let low, let high): "between \(low) and \(high)"
        case .isNull(let negated): negated ? "not null" : "null"
        }
    }
}

/// A column that must hold a value (`channel = social`), or no value (`channel IS NULL`, `value` nil).
package struct KeyMatch: Sendable, Hashable, CustomStringConvertible {
    package let column: String
    package let columnRange: SourceRange
    package let value: ExpectedValue?

    package var description: String { value.map { "\(column) = \($0)" } ?? "\(column) is null" }
}

/// How an EXPECT picks one row of the previous result: the rows whose keys match, then the step or the n-th.
package struct RowSelection: Sendable, Hashable, CustomStringConvertible {
    /// The row's step, by number or by its name as written in the journey.
    package enum Step: Sendable, Hashable {
        case number(Int)
        case name(String)
    }

    package let keys: [KeyMatch]
    package let step: Step?
    /// `AT ROW n`, 1-based among the rows the keys leave.
    package let row: Int?
    /// Where `AT ...` was written, for messages about it.
    package let stepRange: SourceRange?

    package init(keys: [KeyMatch] = [], step: Step? = nil, row: Int? = nil, stepRange: SourceRange? = nil) {
        self.keys = keys
        self.step = step
        self.row = row
        self.stepRange = stepRange
    }

    /// No keys, no step, no row: the result must have one row.
    package var isEmpty: Bool { keys.isEmpty && step == nil && row == nil }

    /// As it reads after the column's name: ` at step 2 where channel = 'social'`, empty for no selection.
    package var description: String {
        var text = ""
        switch step {
        case .number(let n)?: text += " at step \(n)"
        case .name(let name)?: text += " at step \(name)"
        case nil: break
        }
        if let row { text += " at row \(row)" }
        if !keys.isEmpty { text += " where " + keys.map(\.description).joined(separator: " and ") }
        return text
    }
}

/// Where the expected CSV of `EXPECT RESULT` comes from.
package enum ExpectedResultText: Sendable, Hashable {
    /// A file; a relative path is read from the folder of the script that holds the EXPECT.
    case file(String)
    /// The CSV written in the statement itself.
    case inline(String)
}

/// An EXPECT ready to run on the previous result (grammar/SEMANTICS.md, section 9).
package enum CheckedExpectation: Sendable, Hashable {
    /// One cell: `column` at the selected row must pass `test` (written at `testRange`).
    case value(column: String, columnRange: SourceRange, selection: RowSelection, test: ExpectedTest,
               testRange: SourceRange, range: SourceRange)
    /// The previous result's number of rows must pass `test` (a number).
    case rows(ExpectedTest, testRange: SourceRange, range: SourceRange)
    /// The previous result, as CSV, must equal the expected text line for line.
    case result(ExpectedResultText, valueRange: SourceRange, range: SourceRange)

    /// The whole statement.
    package var range: SourceRange {
        switch self {
        case .value(_, _, _, _, _, let r), .rows(_, _, let r), .result(_, _, let r): r
        }
    }
}
