// The parser: the trees it builds, every error path by id and byte range, incomplete versus complete input,
// scripts of several statements, and that no input crashes it.
import Testing
import JourneyEngine
import JourneyStore

private func parse(_ text: String) -> ParseResult { Parser.parse(SourceText(text)) }

/// The byte range of the `occurrence`-th (0-based) appearance of `piece` in `text`.
func byteRange(of piece: String, in text: String, occurrence: Int = 0) -> SourceRange {
    let bytes = Array(text.utf8), needle = Array(piece.utf8)
    var found = -1
    var i = 0
    while i + needle.count <= bytes.count {
        if Array(bytes[i..<i + needle.count]) == needle {
            found += 1
            if found == occurrence { return SourceRange(i, i + needle.count) }
        }
        i += 1
    }
    Issue.record("'\(piece)' occurs fewer than \(occurrence + 1) times in '\(text)'")
    return SourceRange(0, 0)
}

/// The only error of `text`, as (id, range), or a recorded issue.
private func singleError(_ text: String) -> (id: String, range: SourceRange)? {
    let result = parse(text)
    let errors = result.diagnostics.filter { $0.severity == .error }
    guard errors.count == 1 else {
        Issue.record("expected one error for '\(text)', got \(errors.map { "\($0.id) \($0.range)" })")
        return nil
    }
    #expect(result.statements.isEmpty || result.statements.allSatisfy { $0.range.end <= errors[0].range.start })
    return (errors[0].id, errors[0].range)
}

/// Asserts that `text` fails with `id` at the bytes of `piece` (its `occurrence`-th appearance), and is not
/// mistaken for incomplete input.
private func expectError(_ text: String, _ id: String, at piece: String, occurrence: Int = 0,
                         sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    guard let error = singleError(text) else { return }
    #expect(error.id == id, "\(text)", sourceLocation: sourceLocation)
    #expect(error.range == byteRange(of: piece, in: text, occurrence: occurrence), "\(text)", sourceLocation: sourceLocation)
    #expect(!parse(text).isIncomplete, "\(text)", sourceLocation: sourceLocation)
}

private func funnel(_ text: String) -> FunnelSyntax? {
    let result = parse(text)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.id))")
    guard result.statements.count == 1, case .funnel(let f) = result.statements[0] else {
        Issue.record("'\(text)' is not one journey")
        return nil
    }
    return f
}

/// A condition's shape without ranges: `(a = 1 OR (b = 2 AND NOT c = 3))`.
private func shape(_ e: Expr) -> String {
    func value(_ v: Value) -> String {
        switch v.syntax {
        case .word(let w): w
        case .string(let s): "'\(s)'"
        case .number(_, let t): t
        case .time(let t): "@\(t)"
        case .duration(let d): "\(d)ms"
        case .parameter(let p): "$\(p)"
        }
    }
    func field(_ f: FieldRef) -> String { (f.qualifier.map { $0.text + "." } ?? "") + f.name.text }
    switch e {
    case .compare(let f, let op, let v, _): return "\(field(f)) \(op.rawValue) \(value(v))"
    case .inList(let f, let vs, let negated, _):
        return "\(field(f)) \(negated ? "NOT IN" : "IN") (\(vs.map(value).joined(separator: ", ")))"
    case .like(let f, let p, let e, let negated, _):
        return "\(field(f)) \(negated ? "NOT LIKE" : "LIKE") \(value(p))" + (e.map { " ESCAPE \(value($0))" } ?? "")
    case .isNull(let f, let negated, _): return "\(field(f)) IS \(negated ? "NOT " : "")NULL"
    case .between(let f, let low, let high, let negated, _):
        return "\(field(f)) \(negated ? "NOT BETWEEN" : "BETWEEN") \(value(low)) AND \(value(high))"
    case .named(let n): return "<\(n.text)>"
    case .not(let inner, _): return "NOT \(shape(inner))"
    case .and(let a, let b): return "(\(shape(a)) AND \(shape(b)))"
    case .or(let a, let b): return "(\(shape(a)) OR \(shape(b)))"
    }
}

@Suite("Parser")
struct ParserTests {
    // MARK: Trees

    @Test func simpleJourney() throws {
        let text = "FROM awareness TO purchase"
        let f = try #require(funnel(text))
        #expect(f.steps.map(\.target) == [.name(Name("awareness", SourceRange(5, 14))),
                                          .name(Name("purchase", SourceRange(18, 26)))])
        #expect(f.steps.map(\.range) == [SourceRange(5, 14), SourceRange(18, 26)])
        #expect(f.within == nil && f.filter == nil)
        #expect(f.range == SourceRange(0, 26))
    }

    @Test func keywordsAreCaseInsensitiveAndThenEqualsTo() throws {
        let f = try #require(funnel("from a then b To c within 2 Hours where x = 1"))
        #expect(f.steps.count == 3)
        #expect(f.within?.milliseconds == 7_200_000)
    }

    @Test func everyStepForm() throws {
        let text = "FROM ANY TO (cart_add | stage s | touchpoint t) TO purchase[amount > 100] TO 'quoted name' TO ANY[x = 1]"
        let f = try #require(funnel(text))
        #expect(f.steps.count == 5)
        #expect(f.steps[0].target == .any && f.steps[0].filter == nil)
        guard case .alternatives(let options) = f.steps[1].target else {
            Issue.record("not alternatives")
            return
        }
        #expect(options.map(\.target) == [.name(Name("cart_add", byteRange(of: "cart_add", in: text))),
                                          .stage(Name("s", byteRange(of: "s |", in: text).start.range(1))),
                                          .touchpoint(Name("t", byteRange(of: "t)", in: text).start.range(1)))])
        #expect(f.steps[1].range == byteRange(of: "(cart_add | stage s | touchpoint t)", in: text))
        #expect(f.steps[2].target == .name(Name("purchase", byteRange(of: "purchase", in: text))))
        #expect(f.steps[2].filter.map(shape) == "amount > 100")
        #expect(f.steps[2].range == byteRange(of: "purchase[amount > 100]", in: text))
        #expect(f.steps[3].target == .name(Name("quoted name", byteRange(of: "'quoted name'", in: text), quoted: true)))
        #expect(f.steps[4].target == .any && f.steps[4].filter.map(shape) == "x = 1")
    }

    @Test func stageAndTouchpointAreKeywordsOnlyBeforeAName() throws {
        // `stage` followed by a keyword is itself a step name; in a condition it is a field.
        let f = try #require(funnel("FROM stage TO touchpoint WHERE stage = awareness"))
        #expect(f.steps.map(\.target) == [.name(Name("stage", SourceRange(5, 10))),
                                          .name(Name("touchpoint", SourceRange(14, 24)))])
        #expect(f.filter.map(shape) == "stage = awareness")
        let g = try #require(funnel("FROM STAGE 'a b' TO TOUCHPOINT x"))
        #expect(g.steps.map(\.target) == [.stage(Name("a b", SourceRange(11, 16), quoted: true)),
                                          .touchpoint(Name("x", SourceRange(31, 32)))])
    }

    @Test func conditionPrecedence() throws {
        let f = try #require(funnel("FROM a TO b WHERE a = 1 OR b = 2 AND NOT c = 3 OR NOT NOT d = 4"))
        #expect(f.filter.map(shape) == "((a = 1 OR (b = 2 AND NOT c = 3)) OR NOT NOT d = 4)")
        let g = try #require(funnel("FROM a TO b WHERE (a = 1 OR b = 2) AND c = 3"))
        #expect(g.filter.map(shape) == "((a = 1 OR b = 2) AND c = 3)")
        let h = try #require(funnel("FROM a TO b WHERE NOT (a = 1 AND b = 2)"))
        #expect(h.filter.map(shape) == "NOT (a = 1 AND b = 2)")
    }

    @Test func everyValueKind() throws {
        let text = "FROM a TO b WHERE w = social AND s = 'it''s' AND n >= -5.5 AND t < 2024-01-31 AND d = 30d"
            + " AND e = 2 hours AND p = $since AND customer.segment IN (b2b, 'smb', 3) AND c NOT IN (x)"
        let f = try #require(funnel(text))
        #expect(f.filter.map(shape) == "((((((((w = social AND s = 'it's') AND n >= -5.5) AND t < @1706659200000)"
                + " AND d = 2592000000ms) AND e = 7200000ms) AND p = $since) AND customer.segment IN (b2b, 'smb', 3))"
                + " AND c NOT IN (x))")
    }

    @Test func operatorsIncludingTheSqlSpellings() throws {
        for (spelled, op) in [("=", Comparison.equal), ("!=", .notEqual), ("<>", .notEqual), ("<", .less),
                              ("<=", .lessOrEqual), (">", .greater), (">=", .greaterOrEqual)] {
            let f = try #require(funnel("FROM a TO b WHERE x \(spelled) 1"))
            guard case .compare(_, let got, _, _)? = f.filter else {
                Issue.record("no comparison for \(spelled)")
                continue
            }
            #expect(got == op)
        }
    }

    @Test func conditionRanges() throws {
        let text = "FROM a TO b WHERE NOT channel IN (web, x) AND customer.segment = 'b2b'"
        let f = try #require(funnel(text))
        #expect(f.filter?.range == byteRange(of: "NOT channel IN (web, x) AND customer.segment = 'b2b'", in: text))
        guard case .and(let left, let right)? = f.filter, case .compare(let field, _, let value, _) = right else {
            Issue.record("unexpected shape")
            return
        }
        #expect(left.range == byteRange(of: "NOT channel IN (web, x)", in: text))
        #expect(field.range == byteRange(of: "customer.segment", in: text))
        #expect(field.qualifier?.text == "customer")
        #expect(value.range == byteRange(of: "'b2b'", in: text))
    }

    @Test func withinAndWhereInEitherOrder() throws {
        let a = try #require(funnel("FROM a TO b WITHIN 7 days WHERE x = 1"))
        let b = try #require(funnel("FROM a TO b WHERE x = 1 WITHIN 7d"))
        #expect(a.within?.milliseconds == 604_800_000 && b.within?.milliseconds == 604_800_000)
        #expect(a.within?.range == SourceRange(19, 25))
        #expect(a.filter.map(shape) == b.filter.map(shape))
        #expect(try #require(funnel("FROM a TO b WITHIN 90 minutes")).within?.milliseconds == 5_400_000)
        #expect(try #require(funnel("FROM a TO b WITHIN 0s")).within?.milliseconds == 0)
        #expect(try #require(funnel("FROM a TO b WITHIN 1.5 days")).within?.milliseconds == 129_600_000)
    }

    @Test func otherStatements() {
        let result = parse("SHOW stages; show Touchpoints;SHOW CHANNELS ; SHOW FIELDS")
        #expect(result.diagnostics.isEmpty)
        #expect(result.statements == [.show(.stages, range: SourceRange(0, 11)), .show(.touchpoints, range: SourceRange(13, 29)),
                                      .show(.channels, range: SourceRange(30, 43)), .show(.fields, range: SourceRange(46, 57))])
        let explain = parse("EXPLAIN FROM a TO b")
        guard case .explain(let f, let range)? = explain.statements.first else {
            Issue.record("not an EXPLAIN")
            return
        }
        #expect(range == SourceRange(0, 19) && f.range == SourceRange(8, 19))
        let imports = parse("IMPORT 'a.csv', 'b.jsonl' MAP time = ts, customer = 'user id'; IMPORT CUSTOMERS 'c.csv'")
        #expect(imports.diagnostics.isEmpty)
        guard imports.statements.count == 2, case .importData(let i) = imports.statements[0],
              case .importData(let c) = imports.statements[1] else {
            Issue.record("not two imports")
            return
        }
        #expect(i.files.map(\.text) == ["a.csv", "b.jsonl"] && !i.customers)
        #expect(i.mapping.map(\.field.text) == ["time", "customer"] && i.mapping.map(\.column.text) == ["ts", "user id"])
        #expect(i.range == SourceRange(0, 61))
        #expect(c.customers && c.files.map(\.text) == ["c.csv"])
    }

    // MARK: Scripts

    @Test func severalStatements() {
        let result = parse("SHOW STAGES; FROM a TO b;\n-- note\nFROM c TO d WITHIN 1d;;")
        #expect(result.diagnostics.isEmpty && !result.isIncomplete)
        #expect(result.statements.count == 3)
        #expect(result.statements.map(\.range) == [SourceRange(0, 11), SourceRange(13, 24), SourceRange(34, 55)])
    }

    @Test func statementsAfterTheFirstErrorAreNotReturned() {
        let text = "SHOW STAGES; FROM a TO b c; SHOW FIELDS; FROM x TO y"
        let result = parse(text)
        #expect(result.statements == [.show(.stages, range: SourceRange(0, 11))])
        #expect(result.diagnostics.map(\.id) == ["parse.expected-end"])
        #expect(result.diagnostics.first?.range == byteRange(of: "c", in: text, occurrence: 0))
    }

    @Test func laterErrorsAreStillReported() {
        let text = "FROM a TO b c; SHOW TABLES; FROM x WHERE; FROM ok TO fine"
        let result = parse(text)
        #expect(result.statements.isEmpty)
        #expect(result.diagnostics.map(\.id) == ["parse.expected-end", "parse.expected", "parse.expected"])
        #expect(result.diagnostics.map(\.range) == [byteRange(of: "c;", in: text).start.range(1),
                                                    byteRange(of: "TABLES", in: text),
                                                    byteRange(of: "WHERE", in: text)])
        #expect(!result.isIncomplete)
    }

    @Test func aLexicalErrorStopsTheStatementItIsIn() {
        let text = "SHOW STAGES; FROM a # TO b; SHOW FIELDS"
        let result = parse(text)
        #expect(result.diagnostics.map(\.id) == ["lex.unexpected-character"])
        #expect(result.diagnostics.first?.range == byteRange(of: "#", in: text))
        #expect(result.statements == [.show(.stages, range: SourceRange(0, 11))])
    }

    // MARK: Errors, by id and range

    @Test func notAStatement() {
        expectError("SELECT * FROM events", "parse.expected-statement", at: "SELECT")
        expectError("42", "parse.expected-statement", at: "42")
        expectError("FORM a TO b", "parse.expected-statement", at: "FORM")
        #expect(parse("FORM a TO b").diagnostics.first?.suggestion?.contains("FROM") == true)
        expectError("SHOW STAGES FROM a TO b", "parse.expected-end", at: "FROM")
    }

    @Test func journeyNeedsTwoSteps() {
        expectError("FROM a WHERE x = 1", "parse.expected", at: "WHERE")
        expectError("FROM a;", "parse.expected", at: ";")
        expectError("FROM a b", "parse.expected", at: "b")
    }

    @Test func stepErrors() {
        expectError("FROM a TO 5", "parse.expected", at: "5")
        expectError("FROM a TO WHERE", "parse.reserved-word", at: "WHERE")
        expectError("FROM from TO b", "parse.reserved-word", at: "from")
        expectError("FROM a TO (b | c TO d", "parse.expected", at: "TO", occurrence: 1)
        expectError("FROM a TO (b c)", "parse.expected", at: "c")
        expectError("FROM a TO () ", "parse.expected", at: ")")
        expectError("FROM a[x = 1 TO b", "parse.expected", at: "TO")
        expectError("FROM a[] TO b", "parse.expected", at: "]")
        expectError("FROM a TO b[x = 1;", "parse.expected", at: ";")
        expectError("FROM STAGE 5 TO b", "parse.expected", at: "5")
    }

    @Test func clauseErrors() {
        expectError("FROM a TO b WITHIN 1d WITHIN 2d", "parse.duplicate-clause", at: "WITHIN", occurrence: 1)
        expectError("FROM a TO b WHERE x = 1 WHERE y = 2", "parse.duplicate-clause", at: "WHERE", occurrence: 1)
        expectError("FROM a TO b WITHIN soon", "parse.expected-duration", at: "soon")
        expectError("FROM a TO b WITHIN 'one day'", "parse.expected-duration", at: "'one day'")
        expectError("FROM a TO b WITHIN 5 parsecs", "parse.expected-unit", at: "parsecs")
        expectError("FROM a TO b WITHIN 5;", "parse.expected-unit", at: ";")
        expectError("FROM a TO b WITHIN 5 WHERE x = 1", "parse.expected-unit", at: "WHERE")
        expectError("FROM a TO b LIMIT -1", "parse.expected-count", at: "-")
        expectError("FROM a TO b LIMIT 2.5", "parse.expected-count", at: "2.5")
        expectError("FROM a TO b LIMIT 5 LIMIT 6", "parse.duplicate-clause", at: "LIMIT", occurrence: 1)
        expectError("FROM a TO b BY channel BY device", "parse.duplicate-clause", at: "BY", occurrence: 1)
        expectError("FROM a TO b EXCLUDING x BETWEEN 1 OR 2", "parse.expected", at: "OR")
        expectError("FROM a TO b EXCLUDING x BETWEEN 0 AND 2", "parse.expected-step", at: "0")
        expectError("FROM a TO b DURING 2024-01-01 2024-02-01", "parse.expected", at: "2024-02-01")
        expectError("FROM a TO b SINCE yesterday", "parse.expected-time", at: "yesterday")
        expectError("FROM a WITHIN 1d TO b", "parse.first-step-window", at: "WITHIN 1d")
        expectError("FROM a TO b SINCE 2024-01-01 BEFORE 2024-02-01", "parse.duplicate-clause", at: "BEFORE")
    }

    @Test func conditionErrors() {
        expectError("FROM a TO b WHERE channel social", "parse.expected-operator", at: "social")
        expectError("FROM a TO b WHERE channel == social", "parse.expected-value", at: "=", occurrence: 1)
        expectError("FROM a TO b WHERE amount > -x", "parse.expected-value", at: "x")
        expectError("FROM a TO b WHERE amount > ;", "parse.expected-value", at: ";")
        expectError("FROM a TO b WHERE channel = from", "parse.reserved-word", at: "from")
        expectError("FROM a TO b WHERE 5 = channel", "parse.expected", at: "5")
        expectError("FROM a TO b WHERE where = 1", "parse.reserved-word", at: "where")
        expectError("FROM a TO b WHERE channel NOT social", "parse.expected", at: "social")
        expectError("FROM a TO b WHERE channel IN social", "parse.expected", at: "social")
        expectError("FROM a TO b WHERE channel IN (web social)", "parse.expected", at: "social")
        expectError("FROM a TO b WHERE channel IN ()", "parse.expected-value", at: ")")
        expectError("FROM a TO b WHERE (x = 1;", "parse.expected", at: ";")
        expectError("FROM a TO b WHERE x = 1 AND;", "parse.expected", at: ";")
        expectError("FROM a TO b WHERE customer. = 1", "parse.expected", at: "=")
        expectError("FROM a TO b WHERE NOT;", "parse.expected", at: ";")
    }

    @Test func otherStatementErrors() {
        expectError("SHOW TABLES", "parse.expected", at: "TABLES")
        expectError("SHOW 5", "parse.expected", at: "5")
        expectError("IMPORT events.csv", "parse.expected", at: "events")
        expectError("IMPORT 'a.csv', 5", "parse.expected", at: "5")
        expectError("IMPORT 'a.csv' MAP time ts", "parse.expected", at: "ts")
        expectError("IMPORT 'a.csv' MAP time = 5", "parse.expected", at: "5")
        expectError("EXPLAIN SHOW STAGES", "parse.expected", at: "SHOW")
    }

    @Test func limitsAreDiagnosticsWithRanges() {
        expectError("FROM a TO b WITHIN 999999999999 years", "parse.duration-too-long", at: "999999999999 years")
        expectError("FROM a TO b WHERE x = 99999999999999 weeks", "parse.duration-too-long", at: "99999999999999 weeks")
        expectError("FROM a TO b WITHIN 99999999999y", "lex.duration-too-long", at: "99999999999y")
        // Each NOT and the comparison under them is a level: the 101st is refused where it starts.
        let nots = "FROM a TO b WHERE " + String(repeating: "NOT ", count: 150) + "x = 1"
        let deep = parse(nots).diagnostics
        #expect(deep.map(\.id) == ["parse.too-deep"])
        #expect(deep.first?.range == byteRange(of: "NOT", in: nots, occurrence: Parser.maximumDepth))
        #expect(parse("FROM a TO b WHERE " + String(repeating: "NOT ", count: Parser.maximumDepth - 1) + "x = 1")
            .diagnostics.isEmpty)
    }

    @Test func errorsAtTheEndOfTheTextPointThere() {
        // An empty range at the end of the text: the caret goes after the last character.
        let text = "FROM a TO b WHERE"
        let result = parse(text)
        #expect(result.diagnostics.map(\.id) == ["parse.expected"])
        #expect(result.diagnostics.first?.range == SourceRange(17, 17))
    }

    // MARK: Complete, incomplete, empty

    @Test(arguments: [
        "FROM", "FROM awareness", "FROM awareness TO", "FROM a TO b WHERE", "FROM a TO b WHERE channel",
        "FROM a TO b WHERE channel =", "FROM a TO b WHERE channel IN (web,", "FROM a TO b WHERE (x = 1",
        "FROM a TO (b | c", "FROM a[x = 1", "FROM a TO b WITHIN", "FROM a TO b WITHIN 5", "EXPLAIN", "SHOW",
        "IMPORT", "IMPORT 'a.csv' MAP", "FROM a TO 'b", "FROM a TO b WHERE x = 'it''s", "FROM a TO b WHERE -- c",
        "SHOW STAGES; FROM a", "FROM a TO b WHERE x = 1 AND\n", "FROM a TO b WHERE NOT", "IMPORT 'a.csv',",
    ])
    func incomplete(_ text: String) {
        #expect(parse(text).isIncomplete)
        #expect(Session.completeness(of: text) == .incomplete)
    }

    @Test(arguments: [
        "FROM a TO b", "FROM a TO b;", "SHOW STAGES", "FROM a TO b WITHIN 5 days -- done", "FROM a TO b\n",
        "SHOW STAGES; SHOW FIELDS;",
        // Errors are complete too: the REPL runs them to show the error instead of waiting for more.
        "FROM a TO b c", "SELECT", "FROM a TO b WHERE ;", "SHOW TABLES", "FROM a # TO b",
    ])
    func complete(_ text: String) {
        #expect(!parse(text).isIncomplete)
        #expect(Session.completeness(of: text) == .complete)
    }

    @Test(arguments: ["", "   ", "\n\n", "-- only a comment", ";", " ; ;; ", "-- a\n-- b\n"])
    func empty(_ text: String) {
        #expect(Session.completeness(of: text) == .empty)
    }

    /// An error that is already certain should not wait for more lines just because a later statement is open.
    @Test func anErrorBeforeAnOpenStatementIsNotIncomplete() {
        #expect(Session.completeness(of: "FROM a b; FROM c TO") == .complete)
        // Likewise a lexical error before an open end: '#' can never become valid.
        #expect(Session.completeness(of: "FROM a #") == .complete)
    }

    // MARK: Diagnostic display

    /// The location line and the caret line of a rendered diagnostic (the wording is not tested).
    private func caretLines(_ text: String, _ range: SourceRange) -> (location: String, source: String, caret: String) {
        let rendered = DiagnosticRenderer.render(.error(.parseExpected, "message", at: range), in: SourceText(text, name: "q.jql"))
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 5 else { return ("", "", "") }
        return (lines[1], lines[3], lines[4])
    }

    @Test func caretRunCoversTheRange() {
        let text = "FROM awareness TO purchse"
        let (location, source, caret) = caretLines(text, SourceRange(18, 25))
        #expect(location == " --> q.jql:1:19")
        #expect(source == "1 | FROM awareness TO purchse")
        #expect(caret == "  | " + String(repeating: " ", count: 18) + String(repeating: "^", count: 7))
    }

    @Test func caretOnALaterLineAndAtTheEnd() {
        let (location, source, caret) = caretLines("FROM a\nTO b WHERE", SourceRange(17, 17))
        #expect(location == " --> q.jql:2:11")
        #expect(source == "2 | TO b WHERE")
        #expect(caret == "  | " + String(repeating: " ", count: 10) + "^")
        // A tab before the fault is kept, so the caret lines up whatever the tab width.
        #expect(caretLines("FROM\ta TO b c", SourceRange(12, 13)).caret == "  |     \t       ^")
    }

    @Test func caretCountsCharactersNotBytes() {
        let text = "FROM café TO purchse"
        let (location, _, caret) = caretLines(text, byteRange(of: "purchse", in: text))
        #expect(location == " --> q.jql:1:14")
        #expect(caret == "  | " + String(repeating: " ", count: 13) + "^^^^^^^")
    }

    /// Wide characters take two terminal columns; the caret must still sit under the fault.
    @Test func caretAccountsForWideCharacters() {
        let text = "FROM 購入 TO purchse"
        let (_, _, caret) = caretLines(text, byteRange(of: "purchse", in: text))
        #expect(caret == "  | " + String(repeating: " ", count: 13) + "^^^^^^^")
        // And a wide character under the caret gets two carets.
        let wide = "FROM a TO 購入x"
        #expect(caretLines(wide, byteRange(of: "購入", in: wide)).caret == "  | " + String(repeating: " ", count: 10) + "^^^^")
    }

    // MARK: Robustness

    @Test func deepNestingDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            let nots = "FROM a TO b WHERE " + String(repeating: "NOT ", count: 100_000) + "x = 1"
            _ = Parser.parse(SourceText(nots))
            let parens = "FROM a TO b WHERE " + String(repeating: "(", count: 100_000) + "x = 1"
                + String(repeating: ")", count: 100_000)
            _ = Parser.parse(SourceText(parens))
            let steps = "FROM " + String(repeating: "(", count: 100_000) + "a" + String(repeating: ")", count: 100_000) + " TO b"
            _ = Parser.parse(SourceText(steps))
        }
    }

    /// A duration too long for Int64 milliseconds must be a diagnostic, not a trap converting Double to Int64.
    @Test func hugeDurationsDoNotCrash() async {
        await #expect(processExitsWith: .success) {
            _ = Parser.parse(SourceText("FROM a TO b WITHIN 999999999999 years"))
        }
        await #expect(processExitsWith: .success) {
            _ = Parser.parse(SourceText("FROM a TO b WITHIN 99999999999y"))
        }
        await #expect(processExitsWith: .success) {
            _ = Parser.parse(SourceText("FROM a TO b WHERE x = 99999999999999 weeks"))
        }
        await #expect(processExitsWith: .success) {
            _ = Parser.parse(SourceText("FROM a TO b WITHIN " + String(repeating: "9", count: 400) + " days"))
        }
    }

    @Test func randomTokenSoupNeverTrapsAndRangesStayInside() {
        var rng = SplitMix64(seed: 0xBADC0DE)
        let pieces = ["FROM", "TO", "THEN", "WITHIN", "WHERE", "AND", "OR", "NOT", "IN", "ANY", "STAGE", "TOUCHPOINT",
                      "SHOW", "STAGES", "IMPORT", "CUSTOMERS", "MAP", "EXPLAIN", "a", "b", "customer", ".", "x", "'s'",
                      "'", "5", "-", "30d", "days", "2024-01-31", "$p", "(", ")", "[", "]", "|", ",", ";", "=", "!=",
                      "<", ">=", "--c\n", "#"]
        for _ in 0..<4000 {
            let text = (0..<Int.random(in: 0...14, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
                .joined(separator: " ")
            let result = parse(text)
            let count = text.utf8.count
            for d in result.diagnostics {
                #expect(d.range.start >= 0 && d.range.end <= count, "\(text)")
            }
            for s in result.statements {
                #expect(s.range.end <= count, "\(text)")
            }
            // Incomplete and an error in the middle are both possible, but a clean parse is never incomplete.
            if result.diagnostics.isEmpty { #expect(!result.isIncomplete, "\(text)") }
            // Rendering any diagnostic must not trap either.
            for d in result.diagnostics { _ = DiagnosticRenderer.render(d, in: SourceText(text)) }
        }
    }
}

extension Int {
    /// A range of `length` bytes starting here.
    func range(_ length: Int) -> SourceRange { SourceRange(self, self + length) }
}
