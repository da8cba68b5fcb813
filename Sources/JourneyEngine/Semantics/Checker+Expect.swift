// Checking EXPECT: values typed, bounds of one kind and in order, NULL written as IS NULL, RESULT's text or file.
// Columns and rows are resolved later, against the previous result, which only exists when the statement runs.
import JourneyStore

extension Checker {
    mutating func checkExpect(_ e: ExpectSyntax) -> CheckedExpectation? {
        do throws(Failure) {
            switch e {
            case .value(let column, let selection, let expected, let range):
                let keys = try selection.keys.map { key throws(Failure) -> KeyMatch in
                    let value = try key.value.map { value throws(Failure) in
                        // The fix puts IS NULL in place of `= NULL`, from the column's end.
                        try expectedValue(value, nullHelp: "write \(key.column.text) IS NULL",
                                          nullFix: FixIt(range: SourceRange(key.column.range.end, value.range.end),
                                                         replacement: " IS NULL"))
                    }
                    return KeyMatch(column: key.column.text, columnRange: key.column.range, value: value)
                }
                var step: RowSelection.Step?
                switch selection.step {
                case .number(let n, _)?: step = .number(n)
                case .name(let name)?: step = .name(name.text)
                case nil: break
                }
                let stepRange = selection.step?.range ?? selection.row?.range
                let rows = RowSelection(keys: keys, step: step, row: selection.row?.number, stepRange: stepRange)
                // What comes before the operator: the column and the row it picks, in whichever order they end.
                let subjectEnd = ([column.range] + selection.keys.map(\.range)
                                  + [selection.step?.range, selection.row?.range].compactMap { $0 }).map(\.end).max()
                return .value(column: column.text, columnRange: column.range, selection: rows,
                              test: try expectedTest(expected, subject: column.text, subjectEnd: subjectEnd),
                              testRange: testRange(expected, in: range), range: range)
            case .rows(let expected, let range):
                let test = try expectedTest(expected, subject: "ROWS")
                let values: [ExpectedValue]
                switch test {
                case .compare(_, let v): values = [v]
                case .between(let low, let high): values = [low, high]
                case .isNull:
                    diagnostics.append(.error(.checkExpectType, "ROWS is a count, never null", at: range,
                                              notes: ["EXPECT ROWS = 0 expects an empty result"]))
                    throw Failure()
                }
                for value in values {
                    guard case .number = value else {
                        diagnostics.append(.error(.checkExpectType, "ROWS counts rows; compare it with a number, not \(value.kindName)",
                                                  at: expectedValueRanges(expected).first ?? range))
                        throw Failure()
                    }
                }
                return .rows(test, testRange: testRange(expected, in: range), range: range)
            case .result(let name, let range):
                // A line break cannot be part of a file name: a string holding one is the expected CSV itself.
                if name.text.contains("\n") {
                    var text = Substring(name.text)
                    if text.hasPrefix("\r\n") { text = text.dropFirst(2) } else if text.hasPrefix("\n") { text = text.dropFirst() }
                    return .result(.inline(String(text)), valueRange: name.range, range: range)
                }
                guard !name.text.isEmpty else {
                    diagnostics.append(.error(.checkExpectFile, "EXPECT RESULT needs a file name", at: name.range,
                                              notes: ["EXPECT RESULT = 'expected/funnel.csv'"]))
                    throw Failure()
                }
                return .result(.file(name.text), valueRange: name.range, range: range)
            }
        } catch {
            return nil
        }
    }

    /// The test with typed values; BETWEEN's bounds of one kind and in order. `subjectEnd` is where the text
    /// before the operator ends, from which a fix-it rewrites `= NULL` (nil: no fix, as for ROWS, never null).
    mutating func expectedTest(_ expected: ExpectedSyntax, subject: String,
                               subjectEnd: Int? = nil) throws(Failure) -> ExpectedTest {
        switch expected {
        case .compare(let op, let value):
            let test = op == .notEqual ? "IS NOT NULL" : "IS NULL"
            let fix = subjectEnd.map { FixIt(range: SourceRange($0, value.range.end), replacement: " " + test) }
            return .compare(op, try expectedValue(value, nullHelp: "write \(subject) \(test)", nullFix: fix))
        case .between(let lowSyntax, let highSyntax):
            let low = try expectedValue(lowSyntax, nullHelp: "write \(subject) IS NULL")
            let high = try expectedValue(highSyntax, nullHelp: "write \(subject) IS NULL")
            let ordered: Bool?
            switch (low, high) {
            case (.number(let a, _), .number(let b, _)): ordered = a <= b
            case (.duration(let a), .duration(let b)), (.time(let a), .time(let b)): ordered = a <= b
            case (.text(let a), .text(let b)): ordered = !b.utf8.lexicographicallyPrecedes(a.utf8)
            default: ordered = nil
            }
            guard let ordered else {
                diagnostics.append(.error(.checkExpectBounds, "BETWEEN's bounds are \(low.kindName) and \(high.kindName); write both of one kind",
                                          at: lowSyntax.range.union(highSyntax.range)))
                throw Failure()
            }
            guard ordered else {
                // The fix swaps the bounds as written, keeping the AND between them as it was.
                let and = source.slice(SourceRange(lowSyntax.range.end, highSyntax.range.start))
                diagnostics.append(.error(.checkExpectBounds, "BETWEEN \(low) AND \(high) holds for no value",
                                          at: lowSyntax.range.union(highSyntax.range))
                    .suggesting("write the lower bound first: BETWEEN \(high) AND \(low)",
                                fix: FixIt(range: lowSyntax.range.union(highSyntax.range),
                                           replacement: source.slice(highSyntax.range) + and + source.slice(lowSyntax.range))))
                throw Failure()
            }
            return .between(low, high)
        case .isNull(let negated):
            return .isNull(negated: negated)
        }
    }

    /// A value as EXPECT compares it. A bare NULL is refused: it would compare with the text 'NULL'.
    mutating func expectedValue(_ value: Value, nullHelp: String, nullFix: FixIt? = nil) throws(Failure) -> ExpectedValue {
        switch value.syntax {
        case .word(let w) where w.lowercased() == "null":
            diagnostics.append(.error(.checkExpectNull, "NULL is no value to compare with", at: value.range,
                                      notes: ["quote it to mean the text: 'NULL'"])
                .suggesting(nullHelp, fix: nullFix))
            throw Failure()
        case .word(let s), .string(let s): return .text(s)
        case .number(let d, let text): return .number(d, text: text)
        case .duration(let ms): return .duration(ms)
        case .time(let t): return .time(t)
        case .parameter(let name):
            // The parser binds parameters in EXPECT; one left here was never bound.
            guard let bound = parameters[name] else {
                diagnostics.append(.error(.checkUnboundParameter, "parameter $\(name) has no value", at: value.range,
                                          notes: ["bind it with --param \(name)=VALUE or .param \(name) VALUE"]))
                throw Failure()
            }
            return .text(bound)
        }
    }

    /// From the test's operator (or BETWEEN, IS) to the statement's end: what an error about the test points at.
    func testRange(_ expected: ExpectedSyntax, in statement: SourceRange) -> SourceRange {
        guard let first = expectedValueRanges(expected).first else { return statement }
        // The operator is a word or a symbol or two before the first value; the caret starts at the value.
        return SourceRange(first.start, statement.end)
    }

    func expectedValueRanges(_ expected: ExpectedSyntax) -> [SourceRange] {
        switch expected {
        case .compare(_, let v): [v.range]
        case .between(let a, let b): [a.range, b.range]
        case .isNull: []
        }
    }
}
