// LIKE, IS NULL, BETWEEN and named conditions through the parser and the checker: the trees, the checked
// conditions, and every error by id and byte range.
import Testing
import JourneyEngine
import JourneyStore

private let catalog = TestCatalog.make(
    stages: ["awareness", "consideration", "purchase"],
    touchpoints: ["ad_click", "site_visit", "checkout_start", "checkout_complete", "purchase"],
    channels: ["web", "social", "email"], properties: ["amount", "device"], attributes: ["segment", "size"])

private func parsed(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> StatementSyntax? {
    let result = Parser.parse(SourceText(text))
    #expect(result.diagnostics.isEmpty, "\(text): \(result.diagnostics.map { "\($0.id) \($0.range)" })",
            sourceLocation: sourceLocation)
    return result.statements.first
}

private func check(_ text: String, definitions: Definitions = Definitions(), parameters: [String: String] = [:],
                   sourceLocation: Testing.SourceLocation = #_sourceLocation) -> CheckOutcome {
    let statement = parsed(text, sourceLocation: sourceLocation) ?? .show(.stages, range: SourceRange(0, 0))
    return Checker.check(statement, catalog: catalog, source: SourceText(text), parameters: parameters,
                         definitions: definitions)
}

/// The WHERE condition of `FROM awareness TO ad_click WHERE <condition>`.
private func whereCondition(_ condition: String, definitions: Definitions = Definitions(), parameters: [String: String] = [:],
                            sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Condition? {
    let outcome = check("FROM awareness TO ad_click WHERE " + condition, definitions: definitions, parameters: parameters,
                        sourceLocation: sourceLocation)
    #expect(!outcome.diagnostics.contains { $0.severity == .error }, "\(outcome.diagnostics.map { "\($0.id) \($0.range)" })",
            sourceLocation: sourceLocation)
    guard case .funnel(let f)? = outcome.statement else { return nil }
    return f.filter
}

/// The errors of a statement that must fail: (id, the text their range covers).
private func errors(_ text: String, definitions: Definitions = Definitions(), parameters: [String: String] = [:],
                    sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [(String, String)] {
    let outcome = check(text, definitions: definitions, parameters: parameters, sourceLocation: sourceLocation)
    #expect(outcome.statement == nil, "\(text) should fail", sourceLocation: sourceLocation)
    return outcome.diagnostics.filter { $0.severity == .error }.map { d in
        let source = d.origin.map { SourceText($0.text) } ?? SourceText(text)
        return (d.id, source.slice(d.range))
    }
}

private func expectErrors(_ text: String, _ expected: [(String, String)], definitions: Definitions = Definitions(),
                          parameters: [String: String] = [:], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let got = errors(text, definitions: definitions, parameters: parameters, sourceLocation: sourceLocation)
    #expect(got.map(\.0) == expected.map(\.0), "\(text): \(got)", sourceLocation: sourceLocation)
    #expect(got.map(\.1) == expected.map(\.1), "\(text): \(got)", sourceLocation: sourceLocation)
}

private func parseError(_ text: String) -> (id: String, piece: String)? {
    let result = Parser.parse(SourceText(text))
    guard let e = result.diagnostics.first(where: { $0.severity == .error }) else { return nil }
    return (e.id, SourceText(text).slice(e.range))
}

private func pattern(_ text: String, escape: Unicode.Scalar? = nil) -> LikePattern { LikePattern(text, escape: escape)! }

@Suite("Condition forms")
struct ConditionFormsTests {
    // MARK: Parsing

    @Test func newFormsParse() throws {
        let text = "FROM a TO b WHERE touchpoint NOT LIKE 'x%' ESCAPE '!' AND amount BETWEEN 1 AND 5 OR customer.segment IS NOT NULL AND social"
        guard case .funnel(let f)? = parsed(text), let filter = f.filter else {
            Issue.record("no filter")
            return
        }
        guard case .or(let left, let right) = filter, case .and(let like, let between) = left,
              case .and(let isNull, let name) = right else {
            Issue.record("shape \(filter)")
            return
        }
        guard case .like(let field, let p, let e, true, let likeRange) = like else { Issue.record("\(like)"); return }
        #expect(field.name.text == "touchpoint" && p.syntax == .string("x%") && e?.syntax == .string("!"))
        #expect(likeRange == byteRange(of: "touchpoint NOT LIKE 'x%' ESCAPE '!'", in: text))
        guard case .between(_, let low, let high, false, let betweenRange) = between else { Issue.record("\(between)"); return }
        #expect(low.syntax == .number(1, text: "1") && high.syntax == .number(5, text: "5"))
        #expect(betweenRange == byteRange(of: "amount BETWEEN 1 AND 5", in: text))
        guard case .isNull(let attribute, true, let nullRange) = isNull else { Issue.record("\(isNull)"); return }
        #expect(attribute.qualifier?.text == "customer" && nullRange == byteRange(of: "customer.segment IS NOT NULL", in: text))
        #expect(name == .named(Name("social", byteRange(of: "social", in: text))))
    }

    @Test func aBareNameIsANamedConditionOnlyWhereNothingComparesIt() {
        for text in ["FROM a TO b WHERE big", "FROM a TO b[big] TO c", "FROM a TO b WHERE (big OR small) AND NOT x",
                     "FROM a TO b WHERE big SAME device", "FROM a TO b WHERE 'odd name' AND x = 1"] {
            #expect(parseError(text) == nil, "\(text)")
        }
        // A built-in field is always compared: unfinished, not a name.
        #expect(Parser.parse(SourceText("FROM a TO b WHERE channel")).isIncomplete)
        #expect(Session.completeness(of: "FROM a TO b WHERE channel") == .incomplete)
        #expect(Session.completeness(of: "FROM a TO b WHERE big") == .complete)
        #expect(Session.completeness(of: "FROM a TO b WHERE amount BETWEEN 1") == .incomplete)
        #expect(Session.completeness(of: "FROM a TO b WHERE amount IS NOT") == .incomplete)
        #expect(Session.completeness(of: "LET big =") == .incomplete)
        #expect(Session.completeness(of: "LET big = amount > 100") == .complete)
    }

    @Test func parseErrors() {
        #expect(parseError("FROM a TO b WHERE amount BETWEEN 1 OR 5")! == ("parse.expected", "OR"))
        #expect(parseError("FROM a TO b WHERE amount IS 5")! == ("parse.expected", "5"))
        #expect(parseError("FROM a TO b WHERE amount IS NOT 5")! == ("parse.expected", "5"))
        #expect(parseError("FROM a TO b WHERE channel social")! == ("parse.expected-operator", "social"))
        #expect(parseError("FROM a TO b WHERE device 'x'")! == ("parse.expected-operator", "'x'"))
        #expect(parseError("FROM a TO b WHERE device NOT 'x'")! == ("parse.expected", "'x'"))
        #expect(parseError("FROM a TO b WHERE device LIKE")! == ("parse.expected-value", ""))
        #expect(parseError("LET = x")! == ("parse.expected", "="))
        #expect(parseError("LET x y")! == ("parse.expected", "y"))
        #expect(parseError("DEFINE x AS y")! == ("parse.expected", "x"))
        #expect(parseError("DROP STAGES x")! == ("parse.expected", "STAGES"))
        #expect(parseError("SET later = 1")! == ("parse.expected", "later"))
        #expect(parseError("SET STAGES a,")! == ("parse.expected", ""))
        #expect(parseError("SHOW SEGMENT")! == ("parse.expected", "SEGMENT"))
        #expect(Parser.parse(SourceText("SHOW SEGMENT")).diagnostics.first?.suggestion == "did you mean 'SEGMENTS'?")
        #expect(Parser.parse(SourceText("SEGMNET b2b AS x = 1")).diagnostics.first?.suggestion == "did you mean 'SEGMENT'?")
    }

    @Test func definitionStatementsParse() {
        let text = "DEFINE STAGE buy AS (touchpoint = a OR touchpoint = b) AND amount > 1 -- note"
        guard case .definition(.define(.stage, let name, _, let textRange, let range))? = parsed(text) else {
            Issue.record("not a definition")
            return
        }
        #expect(name.text == "buy")
        // The stored text keeps the parentheses that the tree drops.
        #expect(SourceText(text).slice(textRange) == "(touchpoint = a OR touchpoint = b) AND amount > 1")
        #expect(range == byteRange(of: "DEFINE STAGE buy AS (touchpoint = a OR touchpoint = b) AND amount > 1", in: text))
        #expect(parsed("LET x AS a = 1").map { if case .definition(.define(.condition, _, _, _, _)) = $0 { true } else { false } } == true)
        #expect(parsed("segment s = customer.size > 1").map { if case .definition(.define(.segment, _, _, _, _)) = $0 { true } else { false } } == true)
        #expect(parsed("DROP LET x") == .definition(.drop(.condition, Name("x", SourceRange(9, 10)), range: SourceRange(0, 10))))
        #expect(parsed("set stages a, 'b c'") == .definition(.setStages([Name("a", SourceRange(11, 12)), Name("b c", SourceRange(14, 19), quoted: true)],
                                                                      range: SourceRange(0, 19))))
        guard case .definition(.setNow(let value, _))? = parsed("SET now = 2024-06-30") else {
            Issue.record("SET now")
            return
        }
        #expect(value.syntax == .time(1_719_705_600_000))
    }

    // MARK: Checking

    @Test func likeIsCheckedAndTyped() {
        #expect(whereCondition("touchpoint LIKE 'check%'") == .like(.touchpoint, pattern("check%")))
        #expect(whereCondition("device NOT LIKE mob_le") == .not(.like(.property("device"), pattern("mob_le"))))
        #expect(whereCondition("customer.segment LIKE 'b2%' ESCAPE '!'") == .like(.customerAttribute("segment"), pattern("b2%", escape: "!")))
        #expect(whereCondition("customer LIKE $p", parameters: ["p": "12"]) == .like(.customer, pattern("12")))
        expectErrors("FROM awareness TO ad_click WHERE time LIKE '2024%'", [("check.type-mismatch", "time")])
        expectErrors("FROM awareness TO ad_click WHERE device LIKE 5", [("check.type-mismatch", "5")])
        expectErrors("FROM awareness TO ad_click WHERE device LIKE 'a' ESCAPE 'ab'", [("check.bad-escape", "'ab'")])
        expectErrors("FROM awareness TO ad_click WHERE device LIKE 'a!' ESCAPE '!'", [("check.bad-pattern", "'a!'")])
        expectErrors("FROM awareness TO ad_click WHERE device LIKE $p", [("check.unbound-parameter", "$p")])
        // A pattern no stored value matches draws the warning `=` gives an unknown value.
        let warned = check("FROM awareness TO ad_click WHERE touchpoint LIKE 'Checkout%' OR channel LIKE 'w%'")
        #expect(warned.diagnostics.map(\.id) == ["check.unknown-value"])
        #expect(warned.diagnostics.first?.suggestion == "did you mean 'checkout_start' or 'checkout_complete'?")
        #expect(check("FROM awareness TO ad_click WHERE device LIKE 'zzz%'").diagnostics.isEmpty)
        let long = String(repeating: "a", count: 10_001)
        expectErrors("FROM awareness TO ad_click WHERE device LIKE '\(long)'", [("check.pattern-too-long", "'\(long)'")])
    }

    @Test func isNullIsTwoValuedAndWarnsWhereItCannotHold() {
        #expect(whereCondition("channel IS NULL") == .isNull(.channel))
        #expect(whereCondition("amount IS NOT NULL") == .not(.isNull(.property("amount"))))
        #expect(whereCondition("customer.size IS NULL") == .isNull(.customerAttribute("size")))
        let outcome = check("FROM awareness TO ad_click WHERE time IS NULL")
        #expect(outcome.diagnostics.map(\.id) == ["check.never-null"])
        let nullText = check("FROM awareness TO ad_click WHERE device = null")
        #expect(nullText.diagnostics.map(\.id) == ["check.null-text"])
        #expect(nullText.diagnostics.first?.suggestion == "write device IS NULL to test for a missing value")
    }

    @Test func betweenIsTwoComparisons() {
        let range = Condition.and([.compare(.property("amount"), .greaterOrEqual, .number(1)),
                                   .compare(.property("amount"), .lessOrEqual, .number(5))])
        #expect(whereCondition("amount BETWEEN 1 AND 5") == range)
        #expect(whereCondition("amount NOT BETWEEN 1 AND 5") == .not(range))
        #expect(whereCondition("time BETWEEN 2024-01-01 AND '2024-02-01'")
                == .and([.compare(.time, .greaterOrEqual, .time(1_704_067_200_000)), .compare(.time, .lessOrEqual, .time(1_706_745_600_000))]))
        #expect(whereCondition("channel BETWEEN a AND m")
                == .and([.compare(.channel, .greaterOrEqual, .text("a")), .compare(.channel, .lessOrEqual, .text("m"))]))
        expectErrors("FROM awareness TO ad_click WHERE amount BETWEEN 1 AND 'x'", [("check.between-types", "1 AND 'x'")])
        expectErrors("FROM awareness TO ad_click WHERE channel BETWEEN 1 AND 2", [("check.type-mismatch", "1"), ("check.type-mismatch", "2")])
        expectErrors("FROM awareness TO ad_click WHERE time BETWEEN 2024-01-01 AND 5", [("check.type-mismatch", "5")])
    }

    @Test func namedConditionsExpandTheirDefinition() {
        let definitions = Definitions(entries: [
            .init(kind: .condition, name: "social", text: "channel IN (social, email)"),
            .init(kind: .condition, name: "big", text: "amount > 100"),
            .init(kind: .condition, name: "big_social", text: "big AND NOT social"),
        ])
        let social = Condition.or([.compare(.channel, .equal, .text("social")), .compare(.channel, .equal, .text("email"))])
        let big = Condition.compare(.property("amount"), .greater, .number(100))
        #expect(whereCondition("social AND device = mobile", definitions: definitions)
                == .and([social, .compare(.property("device"), .equal, .text("mobile"))]))
        #expect(whereCondition("big_social", definitions: definitions) == .and([big, .not(social)]))
        let outcome = check("FROM awareness TO purchase[big]", definitions: definitions)
        guard case .funnel(let f)? = outcome.statement else {
            Issue.record("\(outcome.diagnostics)")
            return
        }
        #expect(f.steps[1].condition == .and([.compare(.stage, .equal, .text("purchase")), big]))
        #expect(f.steps[1].label == "purchase[big]")
        expectErrors("FROM awareness TO ad_click WHERE socail", [("check.unknown-condition", "socail")], definitions: definitions)
        #expect(check("FROM awareness TO ad_click WHERE socail", definitions: definitions).diagnostics.first?.suggestion
                == "did you mean 'social'?")
        // A field where a condition goes: the error says how to compare it.
        expectErrors("FROM awareness TO ad_click WHERE amount", [("check.unknown-condition", "amount")])
        #expect(check("FROM awareness TO ad_click WHERE amount").diagnostics.first?.notes.first?.contains("IS NOT NULL") == true)
    }

    @Test func errorsInsideADefinitionPointIntoItsText() {
        let definitions = Definitions(entries: [
            .init(kind: .condition, name: "bad", text: "chanel = web"),
            .init(kind: .condition, name: "uses_bad", text: "amount > 1 AND bad"),
        ])
        let text = "FROM awareness TO ad_click WHERE uses_bad"
        let outcome = check(text, definitions: definitions)
        let error = outcome.diagnostics.first { $0.severity == .error }
        #expect(error?.id == "check.unknown-field")
        #expect(error?.origin == DiagnosticOrigin(name: "LET bad", text: "chanel = web"))
        #expect(error?.range == SourceRange(0, 6))
        #expect(error?.notes.suffix(2) == ["LET bad is used at LET uses_bad:1:16", "LET uses_bad is used at <input>:1:34"])
        let rendered = DiagnosticRenderer.render(error!, in: SourceText(text))
        #expect(rendered.contains("--> LET bad:1:1"))
        #expect(rendered.contains("1 | chanel = web"))
        #expect(rendered.contains("  | ^^^^^^"))
    }

    @Test func unboundParametersInDefinitionsFailWhereUsed() {
        let definitions = Definitions(entries: [.init(kind: .condition, name: "recent", text: "time >= $since")])
        #expect(whereCondition("recent", definitions: definitions, parameters: ["since": "2024-01-01"])
                == .compare(.time, .greaterOrEqual, .time(1_704_067_200_000)))
        let outcome = check("FROM awareness TO ad_click WHERE recent", definitions: definitions)
        let error = outcome.diagnostics.first { $0.severity == .error }
        #expect(error?.id == "check.unbound-parameter")
        #expect(error?.origin?.name == "LET recent")
        #expect(error.map { SourceText("time >= $since").slice($0.range) } == "$since")
    }
}
