// The checker against a hand-built catalog: step resolution, fields, literal typing, parameters,
// and every diagnostic by id and byte range.
import Testing
import JourneyEngine
import JourneyStore

/// A small store: `purchase` is both a stage and a touchpoint.
private let catalog = TestCatalog.make(
    stages: ["awareness", "consideration", "purchase"],
    touchpoints: ["ad_click", "site_visit", "cart_add", "checkout_start", "purchase"],
    channels: ["web", "social", "email"], properties: ["amount", "device"], attributes: ["segment", "region"])

private let jan31: Int64 = 1_706_659_200_000

private func check(_ text: String, parameters: [String: String] = [:], in store: StoreCatalog = catalog,
                   sourceLocation: Testing.SourceLocation = #_sourceLocation) -> CheckOutcome {
    let source = SourceText(text)
    let parsed = Parser.parse(source)
    #expect(parsed.diagnostics.isEmpty, "parse: \(parsed.diagnostics.map(\.id))", sourceLocation: sourceLocation)
    #expect(parsed.statements.count == 1, "'\(text)' is not one statement", sourceLocation: sourceLocation)
    let statement = parsed.statements.first ?? .show(.stages, range: SourceRange(0, 0))
    return Checker.check(statement, catalog: store, source: source, parameters: parameters)
}

private func checkedFunnel(_ text: String, parameters: [String: String] = [:],
                           sourceLocation: Testing.SourceLocation = #_sourceLocation) -> CheckedFunnel? {
    let outcome = check(text, parameters: parameters, sourceLocation: sourceLocation)
    #expect(!outcome.diagnostics.contains { $0.severity == .error },
            "\(outcome.diagnostics.map { "\($0.id) \($0.range)" })", sourceLocation: sourceLocation)
    guard case .funnel(let f)? = outcome.statement else { return nil }
    return f
}

/// The WHERE condition of `FROM awareness TO ad_click WHERE <condition>`.
private func whereCondition(_ condition: String, parameters: [String: String] = [:],
                            sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Condition? {
    checkedFunnel("FROM awareness TO ad_click WHERE " + condition, parameters: parameters,
                  sourceLocation: sourceLocation)?.filter
}

/// Asserts the statement fails and its errors are exactly `expected`: (id, the text the range covers, occurrence).
private func expectErrors(_ text: String, _ expected: [(String, String)], parameters: [String: String] = [:],
                          in store: StoreCatalog = catalog, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let outcome = check(text, parameters: parameters, in: store, sourceLocation: sourceLocation)
    let errors = outcome.diagnostics.filter { $0.severity == .error }
    #expect(outcome.statement == nil, "\(text)", sourceLocation: sourceLocation)
    #expect(errors.map(\.id) == expected.map(\.0), "\(text)", sourceLocation: sourceLocation)
    #expect(errors.map(\.range) == expected.map { byteRange(of: $0.1, in: text) }, "\(text)",
            sourceLocation: sourceLocation)
}

private func stage(_ s: String) -> Condition { .compare(.stage, .equal, .text(s)) }
private func touchpoint(_ s: String) -> Condition { .compare(.touchpoint, .equal, .text(s)) }
private func channel(_ s: String) -> Condition { .compare(.channel, .equal, .text(s)) }

@Suite("Checker")
struct CheckerTests {
    // MARK: Steps

    @Test func bareNamesAreStagesElseTouchpoints() throws {
        let f = try #require(checkedFunnel("FROM awareness TO ad_click THEN consideration"))
        #expect(f.steps.map(\.condition) == [stage("awareness"), touchpoint("ad_click"), stage("consideration")])
        #expect(f.steps.map(\.label) == ["awareness", "ad_click", "consideration"])
        #expect(f.window == nil && f.filter == .always)
        #expect(f.text == "FROM awareness TO ad_click THEN consideration")
    }

    @Test func aNameThatIsBothMeansTheStageWithANote() throws {
        let text = "FROM awareness TO purchase"
        let outcome = check(text)
        #expect(outcome.diagnostics.map(\.id) == ["check.ambiguous-step"])
        #expect(outcome.diagnostics.first?.severity == .note)
        #expect(outcome.diagnostics.first?.range == SourceRange(18, 26))
        guard case .funnel(let f)? = outcome.statement else {
            Issue.record("a note must not stop the statement")
            return
        }
        #expect(f.steps[1].condition == stage("purchase"))
        // Spelled out, there is nothing to note.
        let explicit = check("FROM awareness TO touchpoint purchase")
        #expect(explicit.diagnostics.isEmpty)
        guard case .funnel(let g)? = explicit.statement else { return }
        #expect(g.steps[1].condition == touchpoint("purchase"))
        #expect(g.steps[1].label == "touchpoint purchase")
    }

    @Test func unknownStepSuggestsTheNearestName() {
        let text = "FROM awareness TO purchse"
        let outcome = check(text)
        #expect(outcome.statement == nil)
        #expect(outcome.diagnostics.map(\.id) == ["check.unknown-step"])
        #expect(outcome.diagnostics.first?.range == SourceRange(18, 25))
        #expect(outcome.diagnostics.first?.suggestion?.contains("'purchase'") == true)
        #expect(check("FROM awarness TO ad_click").diagnostics.first?.suggestion?.contains("'awareness'") == true)
        #expect(check("FROM awareness TO cart_ad").diagnostics.first?.suggestion?.contains("'cart_add'") == true)
        // Nothing near: no suggestion rather than a wild guess.
        expectErrors("FROM awareness TO zzzzzz", [("check.unknown-step", "zzzzzz")])
        #expect(check("FROM awareness TO zzzzzz").diagnostics.first?.suggestion == nil)
    }

    @Test func explicitStageAndTouchpointMustExistAsSuch() {
        expectErrors("FROM stage ad_click TO awareness", [("check.unknown-stage", "ad_click")])
        expectErrors("FROM awareness TO touchpoint consideration", [("check.unknown-touchpoint", "consideration")])
        #expect(check("FROM stage awarenes TO ad_click").diagnostics.first?.suggestion?.contains("'awareness'") == true)
    }

    @Test func otherStepForms() throws {
        let f = try #require(checkedFunnel(
            "FROM ANY TO (ad_click | stage consideration) TO cart_add[amount > 100] TO ANY[channel = web]"))
        #expect(f.steps.map(\.condition) == [
            .always,
            .or([touchpoint("ad_click"), stage("consideration")]),
            .and([touchpoint("cart_add"), .compare(.property("amount"), .greater, .number(100))]),
            channel("web"),
        ])
        #expect(f.steps.map(\.label) == ["ANY", "(ad_click | stage consideration)", "cart_add[amount > 100]",
                                         "ANY[channel = web]"])
    }

    @Test func unknownStepInsideAlternatives() {
        expectErrors("FROM (ad_click | cart_ad | site_vist) TO awareness",
                     [("check.unknown-step", "cart_ad"), ("check.unknown-step", "site_vist")])
    }

    @Test func emptyStoreSaysSo() {
        let outcome = check("FROM a TO b", in: StoreCatalog())
        #expect(outcome.diagnostics.map(\.id) == ["check.unknown-step", "check.unknown-step"])
        #expect(outcome.diagnostics.first?.notes.isEmpty == false)
        #expect(outcome.diagnostics.first?.suggestion == nil)
    }

    @Test func atMostSixtyFourSteps() {
        let sixtyFour = "FROM " + Array(repeating: "ANY", count: 64).joined(separator: " TO ")
        #expect(checkedFunnel(sixtyFour)?.steps.count == 64)
        let sixtyFive = sixtyFour + " TO ad_click"
        expectErrors(sixtyFive, [("check.too-many-steps", "ad_click")])
    }

    // MARK: Conditions

    @Test func fieldsResolve() {
        #expect(whereCondition("stage = awareness") == stage("awareness"))
        #expect(whereCondition("touchpoint = cart_add") == touchpoint("cart_add"))
        #expect(whereCondition("event = cart_add") == touchpoint("cart_add"))
        #expect(whereCondition("CHANNEL = web") == channel("web"))
        #expect(whereCondition("customer = c42") == .compare(.customer, .equal, .text("c42")))
        #expect(whereCondition("device = 'iPhone'") == .compare(.property("device"), .equal, .text("iPhone")))
        #expect(whereCondition("customer.segment = b2b")
                == .compare(.customerAttribute("segment"), .equal, .text("b2b")))
        #expect(whereCondition("time >= 2024-01-31") == .compare(.time, .greaterOrEqual, .time(jan31)))
        #expect(whereCondition("time < '2024-01-31'") == .compare(.time, .less, .time(jan31)))
    }

    @Test func literalsAreTyped() {
        #expect(whereCondition("amount >= -5.5") == .compare(.property("amount"), .greaterOrEqual, .number(-5.5)))
        // Text compared with a numeric property is allowed; it is unknown for numeric values at run time.
        #expect(whereCondition("amount = 'big'") == .compare(.property("amount"), .equal, .text("big")))
        #expect(whereCondition("customer.region != 3") == .compare(.customerAttribute("region"), .notEqual, .number(3)))
        #expect(whereCondition("channel = 'it''s'") == channel("it's"))
    }

    @Test func connectivesKeepTheirShape() {
        #expect(whereCondition("channel IN (web, email)") == .or([channel("web"), channel("email")]))
        #expect(whereCondition("channel NOT IN (web)") == .not(.or([channel("web")])))
        #expect(whereCondition("NOT channel = web AND (amount > 1 OR device = x)") == .and([
            .not(channel("web")),
            .or([.compare(.property("amount"), .greater, .number(1)), .compare(.property("device"), .equal, .text("x"))]),
        ]))
    }

    @Test func windowIsInMilliseconds() {
        #expect(checkedFunnel("FROM awareness TO ad_click WITHIN 2 hours")?.window == 7_200_000)
        #expect(checkedFunnel("FROM awareness TO ad_click WITHIN 0s")?.window == 0)
    }

    @Test func unknownFields() {
        expectErrors("FROM awareness TO ad_click WHERE colour = red", [("check.unknown-field", "colour")])
        let outcome = check("FROM awareness TO ad_click WHERE amont > 5")
        #expect(outcome.diagnostics.map(\.id) == ["check.unknown-field"])
        #expect(outcome.diagnostics.first?.suggestion?.contains("'amount'") == true)
        expectErrors("FROM awareness TO ad_click WHERE customer.segmnt = b2b", [("check.unknown-attribute", "segmnt")])
        #expect(check("FROM awareness TO ad_click WHERE customer.segmnt = b2b").diagnostics.first?.suggestion?
            .contains("'segment'") == true)
        expectErrors("FROM awareness TO ad_click WHERE client.segment = b2b", [("check.unknown-qualifier", "client")])
        expectErrors("FROM awareness TO ad_click[colour = red] TO cart_add", [("check.unknown-field", "colour")])
    }

    @Test func typeMismatches() {
        let prefix = "FROM awareness TO ad_click WHERE "
        for (condition, value) in [("channel = 5", "5"), ("stage != 5", "5"), ("touchpoint = 1.5", "1.5"),
                                   ("customer = 42", "42"), ("time > 5", "5"), ("time = social", "social"),
                                   ("amount > 2024-01-01", "2024-01-01"), ("amount > 3 days", "3 days"),
                                   ("amount > 3d", "3d"), ("channel IN (web, 5)", "5"), ("time < 30d", "30d"),
                                   ("customer.segment = 2024-01-01", "2024-01-01")] {
            let id = condition.hasPrefix("time = social") ? "check.bad-time" : "check.type-mismatch"
            expectErrors(prefix + condition, [(id, value)])
        }
        expectErrors(prefix + "time > 'yesterday'", [("check.bad-time", "'yesterday'")])
        #expect(check(prefix + "customer = 42").diagnostics.first?.suggestion?.contains("'42'") == true)
    }

    @Test func unknownValuesWarnWithTheNearestKnownValue() {
        let text = "FROM awareness TO ad_click WHERE channel = socail"
        let outcome = check(text)
        #expect(outcome.statement != nil)
        #expect(outcome.diagnostics.map(\.id) == ["check.unknown-value"])
        #expect(outcome.diagnostics.first?.severity == .warning)
        #expect(outcome.diagnostics.first?.range == byteRange(of: "socail", in: text))
        #expect(outcome.diagnostics.first?.suggestion?.contains("'social'") == true)
        // IN lists and != warn per value; ordering comparisons and properties do not.
        let list = "FROM awareness TO ad_click WHERE channel IN (web, emial, sms) OR stage != awarenes"
        let listed = check(list)
        #expect(listed.diagnostics.map(\.id) == ["check.unknown-value", "check.unknown-value", "check.unknown-value"])
        #expect(listed.diagnostics.map(\.range) == [byteRange(of: "emial", in: list), byteRange(of: "sms", in: list),
                                                    byteRange(of: "awarenes", in: list, occurrence: 1)])
        #expect(check("FROM awareness TO ad_click WHERE channel < zzz AND device = nothing").diagnostics.isEmpty)
    }

    // MARK: Parameters

    @Test func unboundParameter() {
        expectErrors("FROM awareness TO ad_click WHERE amount > $min", [("check.unbound-parameter", "$min")])
        expectErrors("FROM awareness TO ad_click WHERE amount > $min OR time > $since",
                     [("check.unbound-parameter", "$min"), ("check.unbound-parameter", "$since")],
                     parameters: ["mini": "1"])
    }

    @Test func boundParametersAreTypedByTheirText() {
        #expect(whereCondition("amount > $min", parameters: ["min": "100"])
                == .compare(.property("amount"), .greater, .number(100)))
        #expect(whereCondition("amount > $min", parameters: ["min": "-2.5"])
                == .compare(.property("amount"), .greater, .number(-2.5)))
        #expect(whereCondition("time >= $since", parameters: ["since": "2024-01-31"])
                == .compare(.time, .greaterOrEqual, .time(jan31)))
        #expect(whereCondition("time >= $since", parameters: ["since": "2024-01-31T10:00:00Z"])
                == .compare(.time, .greaterOrEqual, .time(jan31 + 36_000_000)))
        #expect(whereCondition("channel = $ch", parameters: ["ch": "social"]) == channel("social"))
        #expect(whereCondition("device = $d", parameters: ["d": "it's"]) == .compare(.property("device"), .equal, .text("it's")))
        expectErrors("FROM awareness TO ad_click WHERE time > $t", [("check.bad-time", "$t")], parameters: ["t": "soon"])
    }

    /// Customer ids are often digits; a parameter compared with a text field should be text.
    @Test func numericParameterComparedWithATextField() {
        #expect(whereCondition("customer = $id", parameters: ["id": "12345"])
                == .compare(.customer, .equal, .text("12345")))
        #expect(whereCondition("channel = $ch", parameters: ["ch": "7"]) == channel("7"))
    }

    /// A parameter compared with a property is typed as the import types a CSV field (SEMANTICS.md §2): only a plain
    /// decimal number is a number, so `007`, `1e3` or `0x10` stay text and can match the text the store holds.
    @Test func parameterForAPropertyIsTypedLikeAnImportedField() {
        for number in ["10", "-2.5", "0", "0.25"] {
            #expect(whereCondition("device = $p", parameters: ["p": number])
                    == .compare(.property("device"), .equal, .number(Double(number)!)), "\(number)")
        }
        for text in ["007", "1e3", "0x10", "5.", "+5", "1_000", " 5"] {
            #expect(whereCondition("device = $p", parameters: ["p": text])
                    == .compare(.property("device"), .equal, .text(text)), "\(text.debugDescription)")
        }
    }

    /// Step names are resolved byte for byte, like every other text: a name that only looks the same
    /// (precomposed versus decomposed accent) is not a known stage.
    @Test func stepNamesAreResolvedByteForByte() {
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        let store = StoreCatalog(stages: TestCatalog.named([nfc]), touchpoints: TestCatalog.named(["ad_click"]),
                                 codes: [.stage: CodeTable([(nfc, 1)]), .touchpoint: CodeTable([("ad_click", 1)])])
        let outcome = check("FROM \(nfd) TO ad_click", in: store)
        #expect(outcome.diagnostics.map(\.id) == ["check.unknown-step"])
        let exact = check("FROM \(nfc) TO ad_click", in: store)
        #expect(exact.diagnostics.isEmpty)
    }

    // MARK: Several errors at once

    @Test func everyErrorOfTheStatementIsReported() {
        let text = "FROM purchse TO chekout_start WHERE colour = 1 AND channel = 5 OR time > $t"
        expectErrors(text, [("check.unknown-step", "purchse"), ("check.unknown-step", "chekout_start"),
                            ("check.unknown-field", "colour"), ("check.type-mismatch", "5"),
                            ("check.unbound-parameter", "$t")])
    }

    // MARK: Other statements

    @Test func importMapping() {
        let outcome = check("IMPORT 'a.csv' MAP Time = ts, customer = 'user id'")
        #expect(outcome.diagnostics.isEmpty)
        guard case .importData(let request)? = outcome.statement else {
            Issue.record("IMPORT did not check")
            return
        }
        #expect(request.files == ["a.csv"] && !request.customers)
        #expect(request.mapping == ["time": "ts", "customer": "user id"])
        expectErrors("IMPORT 'a.csv' MAP tiem = ts", [("check.unknown-map-field", "tiem")])
        #expect(check("IMPORT 'a.csv' MAP tiem = ts").diagnostics.first?.suggestion?.contains("'time'") == true)
        expectErrors("IMPORT CUSTOMERS 'a.csv', 'b.csv'", [("check.customers-files", "'b.csv'")])
    }

    @Test func showAndExplain() {
        #expect(check("SHOW CHANNELS").statement == .show(.channels))
        guard case .explain(let f)? = check("EXPLAIN FROM awareness TO ad_click").statement else {
            Issue.record("EXPLAIN did not check")
            return
        }
        #expect(f.steps.count == 2)
    }
}
