// Runs EXPECT on the previous result: a pure function from a checked expectation and results to an outcome.
// A number that moved is an outcome (the script goes on); a column that is not there is an error (it stops).
import JourneyStore

/// What one EXPECT found.
package struct ExpectationOutcome: Sendable, Hashable {
    package let holds: Bool
    /// What was read and what was expected, for people: `customers at step 2 is 421 (between 400 and 450)` when it
    /// holds, `customers at step 2 is 421; expected between 430 and 450` when it does not.
    package let summary: String
    /// For a failed expectation, the `expect.failed` error at the EXPECT (with notes when there is more to say);
    /// nil when it holds.
    package let diagnostic: Diagnostic?

    static func holds(_ summary: String) -> ExpectationOutcome {
        ExpectationOutcome(holds: true, summary: summary, diagnostic: nil)
    }

    static func fails(_ summary: String, at range: SourceRange, notes: [String] = []) -> ExpectationOutcome {
        ExpectationOutcome(holds: false, summary: summary,
                           diagnostic: .error(.expectFailed, "EXPECT failed: " + summary, at: range, notes: notes))
    }
}

package enum Expectation {
    /// Runs `expectation` on the results of the previous statement (TIMES gives two; most statements one).
    ///
    /// A column is read from the first result that has it; ROWS counts the first result's rows. For RESULT the
    /// caller passes `texts`: the expected CSV (a file it read, or the text written inline) and the results
    /// rendered as CSV — reading files and rendering belong to other stages.
    /// Throws the script's faults as errors: a column or key the result does not have, AT STEP on a result
    /// without steps, a value of another kind than the cell's.
    package static func evaluate(_ expectation: CheckedExpectation, on results: [QueryResult],
                                texts: (expected: String, seen: String)? = nil) throws(Diagnostic) -> ExpectationOutcome {
        switch expectation {
        case .value(let column, let columnRange, let selection, let test, let testRange, let range):
            return try evaluateCell(column: column, columnRange: columnRange, selection: selection, test: test,
                                    testRange: testRange, range: range, results: results)
        case .rows(let test, let testRange, let range):
            let count = results.first?.rows.count ?? 0
            return try judge(.number(Double(count)), test, subject: "ROWS", testRange: testRange, range: range)
        case .result(let source, _, let range):
            guard let texts else {
                throw .error(.expectInternal, "EXPECT RESULT was run without the result's text", at: range)
            }
            let label: String
            switch source {
            case .file(let path): label = quoteText(path)
            case .inline: label = "the CSV written here"
            }
            return compareText(expected: texts.expected, seen: texts.seen, label: label, at: range)
        }
    }

    // MARK: One cell

    static func evaluateCell(column: String, columnRange: SourceRange, selection: RowSelection, test: ExpectedTest,
                             testRange: SourceRange, range: SourceRange,
                             results: [QueryResult]) throws(Diagnostic) -> ExpectationOutcome {
        guard let result = results.first(where: { index(of: column, in: $0) != nil }),
              let columnIndex = index(of: column, in: result) else {
            throw unknownColumn(column, at: columnRange, results: results)
        }
        let subject = column + selection.description
        var rows = Array(result.rows.indices)
        for key in selection.keys {
            guard let k = index(of: key.column, in: result) else {
                throw unknownColumn(key.column, at: key.columnRange, results: [result])
            }
            rows = rows.filter { keyMatches(cell(result, $0, k), key.value) }
        }
        if let step = selection.step {
            let name: String
            let wanted: Cell
            switch step {
            case .number(let n): (name, wanted) = ("step", .int(Int64(n)))
            case .name(let text): (name, wanted) = ("name", .text(text))
            }
            guard let k = index(of: name, in: result) else {
                throw Diagnostic.error(.expectNoSteps, "the previous result has no \(name) column: AT STEP picks a step of a journey",
                                       at: selection.stepRange ?? range,
                                       notes: ["its columns: " + result.columns.joined(separator: ", ")],
                                       suggestion: "pick the row with AT ROW n or WHERE column = value")
            }
            rows = rows.filter { cell(result, $0, k) == wanted }
        }
        if let n = selection.row {
            guard n <= rows.count else {
                let matching = selection.keys.isEmpty ? "the result has" : "the rows that match have"
                return .fails("\(subject): \(matching) only \(rows.count) row\(rows.count == 1 ? "" : "s")", at: range)
            }
            rows = [rows[n - 1]]
        }
        guard rows.count == 1 else {
            if rows.isEmpty {
                return .fails("\(subject): no row of the result matches", at: range,
                              notes: ["the result has \(result.rows.count) row\(result.rows.count == 1 ? "" : "s")"])
            }
            let matching = selection.isEmpty ? "the result has \(rows.count) rows" : "\(rows.count) rows match"
            return .fails("\(subject): \(matching), not one", at: range,
                          notes: ["pick one with AT STEP n, AT ROW n or WHERE column = value"])
        }
        return try judge(seen(cell(result, rows[0], columnIndex)), test, subject: subject, testRange: testRange, range: range)
    }

    /// The column's position: its exact name, else the same name in another case (`CUSTOMERS`), else the name
    /// CSV and JSON give a duration column (`median_time_from_previous_seconds`), which a script copying a
    /// column from `--format csv` output would write.
    static func index(of column: String, in result: QueryResult) -> Int? {
        if let found = result.columns.firstIndex(of: column)
            ?? result.columns.firstIndex(where: { $0.lowercased() == column.lowercased() }) {
            return found
        }
        let suffix = "_seconds"
        guard column.lowercased().hasSuffix(suffix) else { return nil }
        return index(of: String(column.dropLast(suffix.count)), in: result)
    }

    static func cell(_ result: QueryResult, _ row: Int, _ column: Int) -> Cell {
        column < result.rows[row].count ? result.rows[row][column] : .null
    }

    /// Its fix-its write each near column over the one named (`range`), as `writtenColumn` spells it.
    static func unknownColumn(_ column: String, at range: SourceRange, results: [QueryResult]) -> Diagnostic {
        var columns: [String] = []
        for result in results { for c in result.columns where !columns.contains(c) { columns.append(c) } }
        return Diagnostic.error(.expectUnknownColumn, "the previous result has no column '\(column)'", at: range,
                                notes: ["its columns: " + (columns.isEmpty ? "(none)" : columns.joined(separator: ", "))])
            .suggesting(Suggestions.nearest(to: column, among: columns, caseInsensitive: true), replacing: range,
                        written: writtenColumn)
    }

    /// A column name as EXPECT reads it (grammar rule `result_column`): a word, keywords included, or two joined by
    /// a dot (`customer.segment`), else quoted. ROWS and RESULT are quoted: right after EXPECT they are its forms.
    static func writtenColumn(_ name: String) -> String {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        let bare = parts.count <= 2 && parts.allSatisfy { Suggestions.readsAsWord(String($0)) }
            && !["rows", "result"].contains(name.lowercased())
        return bare ? name : "'" + name.replacing("'", with: "''") + "'"
    }

    /// Whether a key cell holds the value (nil: holds none). Values of different kinds never match, except a
    /// time and a text cell that reads as the same instant (`WHERE day = 2024-01-15`).
    static func keyMatches(_ cell: Cell, _ value: ExpectedValue?) -> Bool {
        guard let value else { return cell == .null }
        switch (seen(cell), value) {
        case (.number(let a), .number(let b, _)): return a == b
        case (.duration(let a), .duration(let b)): return a == Double(b)
        case (.text(let a), .text(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.time(let a), .time(let b)): return a == b
        case (.text(let a), .time(let b)): return TimeParser.parse(a) == b
        default: return false
        }
    }

    // MARK: Values

    /// A cell as EXPECT reads it.
    enum Seen: CustomStringConvertible {
        case null
        case number(Double)
        /// Milliseconds (fractional for a median of two).
        case duration(Double)
        case text(String)
        case time(Int64)

        var description: String {
            switch self {
            case .null: "null"
            case .number(let d): formatNumber(d)
            case .duration(let ms): ExpectedValue.durationText(ms)
            case .text(let s): quoteText(s)
            case .time(let t): TimeParser.format(t)
            }
        }

        var kindName: String {
            switch self {
            case .null: "null"
            case .number: "a number"
            case .duration: "a duration"
            case .text: "text"
            case .time: "a time"
            }
        }
    }

    /// A percentage reads as CSV shows it, to four decimals, so `= 33.3333` copied from CSV output holds.
    static func seen(_ cell: Cell) -> Seen {
        switch cell {
        case .null: .null
        case .int(let n): .number(Double(n))
        case .number(let d): .number(d)
        case .percent(let p): .number((p * 10_000).rounded() / 10_000)
        case .duration(let ms): .duration(ms)
        case .text(let s): .text(s)
        case .time(let t): .time(t)
        }
    }

    /// -1, 0 or 1 for a seen value against an expected one of the same kind; nil when the kinds differ.
    static func order(_ seen: Seen, _ value: ExpectedValue) -> Int? {
        func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }
        switch (seen, value) {
        case (.number(let a), .number(let b, _)): return sign(a, b)
        case (.duration(let a), .duration(let b)): return sign(a, Double(b))
        case (.time(let a), .time(let b)): return sign(a, b)
        case (.text(let a), .text(let b)):
            if a.utf8.elementsEqual(b.utf8) { return 0 }
            return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
        default: return nil
        }
    }

    /// Applies the test to a seen value. A null holds only IS NULL; a value of another kind than the
    /// expected one is the script's fault, not a moved number.
    static func judge(_ seen: Seen, _ test: ExpectedTest, subject: String, testRange: SourceRange,
                      range: SourceRange) throws(Diagnostic) -> ExpectationOutcome {
        let holds: Bool
        switch test {
        case .isNull(let negated):
            if case .null = seen { holds = !negated } else { holds = negated }
        case .compare(let op, let value):
            if case .null = seen { holds = false; break }
            let o = try comparable(seen, value, subject: subject, range: testRange)
            holds = op.holds(o, 0)
        case .between(let low, let high):
            if case .null = seen { holds = false; break }
            let fromLow = try comparable(seen, low, subject: subject, range: testRange)
            let fromHigh = try comparable(seen, high, subject: subject, range: testRange)
            holds = fromLow >= 0 && fromHigh <= 0
        }
        return holds ? .holds("\(subject) is \(seen) (\(test))")
                     : .fails("\(subject) is \(seen); expected \(test)", at: range)
    }

    static func comparable(_ seen: Seen, _ value: ExpectedValue, subject: String,
                           range: SourceRange) throws(Diagnostic) -> Int {
        if let o = order(seen, value) { return o }
        var notes: [String] = []
        if case .duration = seen { notes.append("write a duration with its unit: 2 days, 90 minutes, 30s") }
        if case .number = seen, case .duration = value { notes.append("counts and percentages (0 to 100) compare with plain numbers") }
        throw Diagnostic.error(.expectTypeMismatch,
                               "\(subject) is \(seen.kindName) (\(seen)); it cannot be compared with \(value.kindName) (\(value))",
                               at: range, notes: notes)
    }

    // MARK: Whole results

    /// Compares the expected CSV with the result's, line by line, as sqllogictest compares its rows: the first
    /// line that differs is reported. Line ends CRLF read as LF, and a missing final line break is no difference.
    package static func compareText(expected: String, seen: String, label: String,
                                   at range: SourceRange) -> ExpectationOutcome {
        let want = lines(expected), got = lines(seen)
        let common = min(want.count, got.count)
        let differing = (0..<common).first { want[$0] != got[$0] } ?? (want.count == got.count ? nil : common)
        guard let i = differing else {
            return .holds("the result equals \(label) (\(got.count) line\(got.count == 1 ? "" : "s"))")
        }
        let wantLine = i < want.count ? want[i] : "(no more lines)"
        let gotLine = i < got.count ? got[i] : "(no more lines)"
        var notes = ["expected: \(wantLine)", "seen:     \(gotLine)"]
        if want.count != got.count {
            notes.append("\(label) has \(want.count) line\(want.count == 1 ? "" : "s"), the result \(got.count)")
        }
        return .fails("the result differs from \(label) at line \(i + 1)", at: range, notes: notes)
    }

    static func lines(_ text: String) -> [String] {
        var lines = text.replacing("\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
