// EXPECT's syntax and checking: every form's tree, errors by id and range, parameters, and that its words stay
// names everywhere else.
import Testing
import JourneyEngine
import JourneyStore

private func parse(_ text: String, parameters: [String: String] = [:]) -> ParseResult {
    Parser.parse(SourceText(text), parameters: parameters)
}

/// The one EXPECT of `text`, parsed without errors.
private func expectation(_ text: String, parameters: [String: String] = [:],
                         sourceLocation: Testing.SourceLocation = #_sourceLocation) -> ExpectSyntax? {
    let result = parse(text, parameters: parameters)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map { "\($0.id) \($0.range)" })", sourceLocation: sourceLocation)
    guard result.statements.count == 1, case .expect(let e) = result.statements[0] else {
        Issue.record("'\(text)' is not one EXPECT", sourceLocation: sourceLocation)
        return nil
    }
    return e
}

/// Asserts that `text` fails to parse with `id` at the bytes of `piece`, and is not taken for incomplete input.
private func expectParseError(_ text: String, _ id: String, at piece: String, parameters: [String: String] = [:],
                              sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let result = parse(text, parameters: parameters)
    let errors = result.diagnostics.filter { $0.severity == .error }
    #expect(errors.map(\.id) == [id], "\(text): \(errors.map { "\($0.id) \($0.range)" })", sourceLocation: sourceLocation)
    #expect(errors.first?.range == byteRange(of: piece, in: text), "\(text)", sourceLocation: sourceLocation)
    #expect(!result.isIncomplete, "\(text)", sourceLocation: sourceLocation)
}

/// The checker's diagnostics for the EXPECT of `text` (which must parse).
private func checkErrors(_ text: String) -> [Diagnostic] {
    let source = SourceText(text)
    guard let statement = Parser.parse(source).statements.first else {
        Issue.record("'\(text)' does not parse")
        return []
    }
    return Checker.check(statement, catalog: StoreCatalog(), source: source).diagnostics
}

private func checked(_ text: String, parameters: [String: String] = [:]) -> CheckedExpectation? {
    let source = SourceText(text)
    guard let statement = Parser.parse(source, parameters: parameters).statements.first,
          case .expect(let e)? = Checker.check(statement, catalog: StoreCatalog(), source: source,
                                                parameters: parameters).statement else {
        Issue.record("'\(text)' does not check")
        return nil
    }
    return e
}

/// The value's syntax without its range.
private func values(_ expected: ExpectedSyntax) -> [ValueSyntax] {
    switch expected {
    case .compare(_, let v): [v.syntax]
    case .between(let a, let b): [a.syntax, b.syntax]
    case .isNull: []
    }
}

private func comparison(_ expected: ExpectedSyntax) -> Comparison? {
    if case .compare(let op, _) = expected { op } else { nil }
}

@Suite("EXPECT syntax")
struct ExpectParserTests {
    @Test func cellAtAStepNumberBetweenBounds() throws {
        let text = "EXPECT customers AT STEP 2 BETWEEN 400 AND 450;"
        guard case .value(let column, let selection, let expected, let range)? = expectation(text) else {
            Issue.record("not a value expectation")
            return
        }
        // `customers` is a reserved word elsewhere (IMPORT CUSTOMERS); here it is a column.
        #expect(column.text == "customers")
        #expect(column.range == byteRange(of: "customers", in: text))
        #expect(selection.step == .number(2, byteRange(of: "2", in: text)))
        #expect(selection.keys.isEmpty && selection.row == nil)
        #expect(values(expected) == [.number(400, text: "400"), .number(450, text: "450")])
        #expect(range == byteRange(of: "EXPECT customers AT STEP 2 BETWEEN 400 AND 450", in: text))
    }

    @Test func stepByNameRowAndKeys() throws {
        guard case .value(_, let byName, let op, _)? = expectation("EXPECT pct_of_first AT STEP purchase >= 20") else { return }
        #expect(byName.step.map { if case .name(let n) = $0 { n.text } else { "" } } == "purchase")
        #expect(comparison(op) == .greaterOrEqual && values(op) == [.number(20, text: "20")])

        let text = "EXPECT customers AT STEP 'purchase[amount > 50]' WHERE channel = social AND customer.segment IS NULL = 3"
        guard case .value(_, let selection, _, _)? = expectation(text) else { return }
        #expect(selection.step.map { if case .name(let n) = $0 { n.text } else { "" } } == "purchase[amount > 50]")
        #expect(selection.keys.map(\.column.text) == ["channel", "customer.segment"])
        #expect(selection.keys[0].value?.syntax == .word("social"))
        #expect(selection.keys[1].value == nil)
        #expect(selection.keys[1].column.range == byteRange(of: "customer.segment", in: text))

        guard case .value(let column, let atRow, let isNull, _)? = expectation("EXPECT path AT ROW 3 IS NOT NULL") else { return }
        #expect(column.text == "path")
        #expect(atRow.row?.number == 3)
        #expect(isNull == .isNull(negated: true))

        // WHERE without AT, on a result without steps (TIMES BY channel).
        guard case .value(_, let keysOnly, _, _)? = expectation("EXPECT converters WHERE channel = 'paid ads' != 0") else { return }
        #expect(keysOnly.keys.first?.value?.syntax == .string("paid ads"))
        #expect(keysOnly.step == nil && keysOnly.row == nil)
    }

    @Test func durationsTimesAndNegativeNumbers() throws {
        guard case .value(_, _, let expected, _)? = expectation("EXPECT median_time_from_previous AT STEP 2 < 2 days") else { return }
        #expect(values(expected) == [.duration(2 * 86_400_000)])
        guard case .value(_, _, let short, _)? = expectation("EXPECT median BETWEEN 90m AND 1 day") else { return }
        #expect(values(short) == [.duration(90 * 60_000), .duration(86_400_000)])
        guard case .value(_, _, let negative, _)? = expectation("EXPECT delta AT ROW 1 > -5.5") else { return }
        #expect(values(negative) == [.number(-5.5, text: "-5.5")])
        guard case .value(_, _, let notEqual, _)? = expectation("EXPECT lost AT STEP 2 <> 0") else { return }
        #expect(comparison(notEqual) == .notEqual && values(notEqual) == [.number(0, text: "0")])
    }

    @Test func rowsAndResult() throws {
        guard case .rows(let expected, let range)? = expectation("EXPECT ROWS >= 3;") else { return }
        #expect(comparison(expected) == .greaterOrEqual && values(expected) == [.number(3, text: "3")])
        #expect(range == SourceRange(0, 16))
        guard case .result(let file, _)? = expectation("expect result = 'expected/funnel.csv'") else { return }
        #expect(file.text == "expected/funnel.csv")
        // The CSV itself, over several lines: one statement, complete only when its quote closes.
        let inline = "EXPECT RESULT = '\nstep,name\n1,awareness\n';"
        guard case .result(let csv, _)? = expectation(inline) else { return }
        #expect(csv.text == "\nstep,name\n1,awareness\n")
        #expect(Session.completeness(of: "EXPECT RESULT = '\nstep,name\n") == .incomplete)
    }

    @Test func parametersBindWhereALiteralFits() throws {
        let parameters = ["low": "400", "high": "450", "gap": "2 days", "channel": "social", "step": "purchase",
                          "n": "2", "neg": "-3", "attack": "1; SHOW STAGES"]
        guard case .value(_, let selection, let between, _)? = expectation(
            "EXPECT customers AT STEP $n WHERE channel = $channel BETWEEN $low AND $high", parameters: parameters) else { return }
        #expect(selection.step.map { if case .number(let n, _) = $0 { n } else { 0 } } == 2)
        #expect(selection.keys.first?.value?.syntax == .string("social"))
        #expect(values(between) == [.number(400, text: "400"), .number(450, text: "450")])
        guard case .value(_, let byName, let gap, _)? = expectation(
            "EXPECT median_time_from_previous AT STEP $step < $gap", parameters: parameters) else { return }
        #expect(byName.step.map { if case .name(let n) = $0 { n.text } else { "" } } == "purchase")
        #expect(values(gap) == [.duration(2 * 86_400_000)])
        guard case .value(_, _, let negative, _)? = expectation("EXPECT delta AT ROW 1 = $neg", parameters: parameters) else { return }
        #expect(values(negative) == [.number(-3, text: "-3")])
        // A value that is not one literal is text: it can add no syntax.
        guard case .value(_, _, let text, _)? = expectation("EXPECT name AT ROW 1 = $attack", parameters: parameters) else { return }
        #expect(values(text) == [.string("1; SHOW STAGES")])
        // The bound values reach the checked form with their kinds.
        guard case .value(_, _, _, let test, _, _)? = checked("EXPECT median AT ROW 1 < $gap", parameters: parameters) else { return }
        #expect(test == .compare(.less, .duration(2 * 86_400_000)))
    }

    @Test func errorsHaveIdsAndRanges() {
        expectParseError("EXPECT customers AT 2 = 3", "parse.expected", at: "2")
        expectParseError("EXPECT customers AT ROW 0 = 3", "parse.expected-row", at: "0")
        expectParseError("EXPECT customers AT ROW 1.5 = 3", "parse.expected-row", at: "1.5")
        expectParseError("EXPECT customers AT STEP 0 = 3", "parse.expected-step", at: "0")
        expectParseError("EXPECT customers AT STEP 2 4", "parse.expected-operator", at: "4")
        expectParseError("EXPECT customers AT STEP 2 BETWEEN 1 4", "parse.expected", at: "4")
        expectParseError("EXPECT customers WHERE channel social = 1", "parse.expected", at: "social")
        expectParseError("EXPECT customers WHERE channel IS NOT NULL = 1", "parse.expected", at: "NOT")
        expectParseError("EXPECT customers AT STEP 2 IS 3", "parse.expected", at: "3")
        expectParseError("EXPECT RESULT 'a.csv'", "parse.expected", at: "'a.csv'")
        expectParseError("EXPECT RESULT = a.csv", "parse.expected", at: "a")
        expectParseError("EXPECT ROWS 3", "parse.expected-operator", at: "3")
        expectParseError("EXPECT ROWS = $n", "check.unbound-parameter", at: "$n")
        // A value's parameter that is no literal is text; the checker then refuses text for ROWS, at the `$n`.
        let source = SourceText("EXPECT ROWS = $n")
        let statement = Parser.parse(source, parameters: ["n": "lots"]).statements.first
        let errors = statement.map {
            Checker.check($0, catalog: StoreCatalog(), source: source, parameters: ["n": "lots"]).diagnostics
        } ?? []
        #expect(errors.map(\.id) == ["check.expect-type"])
        #expect(errors.first?.range == byteRange(of: "$n", in: source.text))
        expectParseError("EXPECT customers AT ROW $n = 1", "parse.bad-parameter", at: "$n", parameters: ["n": "first"])
        expectParseError("EXPECT 5 = 5", "parse.expected", at: "5")
        // A mistyped statement keyword suggests EXPECT.
        let result = parse("EXPCT ROWS = 1")
        #expect(result.diagnostics.first?.id == "parse.expected-statement")
        #expect(result.diagnostics.first?.suggestion == "did you mean 'EXPECT'?")
    }

    @Test func unfinishedExpectationsAreIncomplete() {
        for text in ["EXPECT", "EXPECT customers", "EXPECT customers AT STEP", "EXPECT customers AT STEP 2",
                     "EXPECT customers AT STEP 2 BETWEEN 1 AND", "EXPECT ROWS =", "EXPECT RESULT ="] {
            #expect(parse(text).isIncomplete, "\(text)")
            #expect(Session.completeness(of: text) == .incomplete, "\(text)")
        }
        #expect(Session.completeness(of: "EXPECT ROWS = 2") == .complete)
    }

    /// EXPECT's words are keywords only inside an EXPECT: as names and values elsewhere nothing changes.
    @Test func itsWordsStayNamesElsewhere() {
        for text in ["FROM expect TO result TO rows TO step TO row TO at",
                     "FROM awareness TO purchase WHERE expect = 1 AND rows > 2 AND result = ok AND step = at AND row = 3",
                     "LET expect = channel = social; FROM awareness TO purchase WHERE expect",
                     "FROM awareness TO purchase BY step, row"] {
            let result = parse(text)
            #expect(result.diagnostics.isEmpty, "\(text): \(result.diagnostics.map(\.id))")
            #expect(!result.statements.isEmpty)
        }
        #expect(!Parser.reservedWords.contains("expect"))
        for word in ["rows", "result", "at", "step", "row"] { #expect(!Parser.reservedWords.contains(word)) }
    }

    @Test func checkerTypesValuesAndRefusesWhatCanNeverHold() {
        let cases: [(String, String, String)] = [
            ("EXPECT customers AT STEP 2 = NULL", "check.expect-null", "NULL"),
            ("EXPECT customers WHERE channel = null = 1", "check.expect-null", "null"),
            ("EXPECT customers AT STEP 2 BETWEEN 450 AND 400", "check.expect-bounds", "450 AND 400"),
            ("EXPECT median AT ROW 1 BETWEEN 1 AND 2 days", "check.expect-bounds", "1 AND 2 days"),
            ("EXPECT ROWS = social", "check.expect-type", "social"),
            ("EXPECT ROWS BETWEEN 1 day AND 2 days", "check.expect-type", "1 day"),
            ("EXPECT ROWS IS NULL", "check.expect-type", "EXPECT ROWS IS NULL"),
            ("EXPECT RESULT = ''", "check.expect-file", "''"),
        ]
        for (text, id, piece) in cases {
            let errors = checkErrors(text).filter { $0.severity == .error }
            #expect(errors.map(\.id) == [id], "\(text)")
            #expect(errors.first?.range == byteRange(of: piece, in: text), "\(text)")
        }
        #expect(checkErrors("EXPECT customers AT STEP 2 != NULL").first?.suggestion == "write customers IS NOT NULL")
        // Quoted, NULL is text; equal bounds are a range of one value.
        #expect(checkErrors("EXPECT name AT ROW 1 = 'NULL'").isEmpty)
        #expect(checkErrors("EXPECT customers AT STEP 2 BETWEEN 3 AND 3").isEmpty)
    }

    @Test func checkedForms() {
        guard case .value(let column, _, let selection, let test, _, _)? = checked(
            "EXPECT customers AT STEP purchase WHERE channel = social AND day = 2024-01-15 >= 2") else { return }
        #expect(column == "customers")
        #expect(selection.step == .name("purchase"))
        #expect(selection.keys.map(\.value) == [.text("social"), .time(TimeParser.parse("2024-01-15")!)])
        #expect(test == .compare(.greaterOrEqual, .number(2, text: "2")))
        #expect(selection.description == " at step purchase where channel = 'social' and day = 2024-01-15")
        #expect(test.description == ">= 2")
        // An inline CSV starts on the line after the quote; a one-line string is a file name.
        guard case .result(.inline(let csv), _, _)? = checked("EXPECT RESULT = '\nstep\n1\n'") else { return }
        #expect(csv == "step\n1\n")
        guard case .result(.file(let path), _, _)? = checked("EXPECT RESULT = 'out/a.csv'") else { return }
        #expect(path == "out/a.csv")
        #expect(ExpectedTest.between(.duration(90 * 60_000), .duration(86_400_000 + 1500)).description == "between 1h 30m and 1d 1s 500ms")
    }
}
