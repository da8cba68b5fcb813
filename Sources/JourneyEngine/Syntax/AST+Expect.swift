// The syntax of EXPECT as written: which number of the previous result it reads, and what it should be.
import JourneyStore

/// What an EXPECT requires of the value it reads (grammar rule `expected`).
package enum ExpectedSyntax: Sendable, Hashable {
    /// `= 3`, `>= 20`, `< 2 days`, `!= social`.
    case compare(Comparison, Value)
    /// `BETWEEN 400 AND 450`, inclusive.
    case between(Value, Value)
    /// `IS NULL`, `IS NOT NULL`.
    case isNull(negated: Bool)
}

/// `column = value` or `column IS NULL` after an EXPECT's WHERE: picks the group of a BY result.
package struct KeyMatchSyntax: Sendable, Hashable {
    package var column: Name
    /// The value the column must hold; nil for `IS NULL`.
    package var value: Value?
    package var range: SourceRange
}

/// Which row of the previous result an EXPECT reads (grammar rules `row_pick`, `key_match`).
package struct RowSelectionSyntax: Sendable, Hashable {
    /// `WHERE channel = social AND month = '2024-01'`: rows are narrowed to these first.
    package var keys: [KeyMatchSyntax] = []
    /// `AT STEP 2`, `AT STEP purchase` (a `.number` or `.name` step reference).
    package var step: StepReference? = nil
    /// `AT ROW 3` (1-based, among the rows the keys leave), with where it was written.
    package var row: (number: Int, range: SourceRange)? = nil

    package init() {}

    package var isEmpty: Bool { keys.isEmpty && step == nil && row == nil }

    package static func == (a: RowSelectionSyntax, b: RowSelectionSyntax) -> Bool {
        a.keys == b.keys && a.step == b.step && a.row?.number == b.row?.number && a.row?.range == b.row?.range
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        hasher.combine(step)
        hasher.combine(row?.number)
    }
}

/// `EXPECT ...` (grammar rule `expect`): a guard on the previous result of the session.
package enum ExpectSyntax: Sendable, Hashable {
    /// `EXPECT customers AT STEP 2 BETWEEN 400 AND 450`: one cell of the previous result.
    case value(column: Name, selection: RowSelectionSyntax, expected: ExpectedSyntax, range: SourceRange)
    /// `EXPECT ROWS >= 3`: how many rows the previous result has.
    case rows(ExpectedSyntax, range: SourceRange)
    /// `EXPECT RESULT = 'expected/funnel.csv'`: the previous result as CSV equals a file, or the string itself
    /// when it holds a line break.
    case result(Name, range: SourceRange)

    package var range: SourceRange {
        switch self {
        case .value(_, _, _, let r), .rows(_, let r), .result(_, let r): r
        }
    }
}
