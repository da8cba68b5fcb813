// Fix-its: for each kind of suggestion, the exact bytes replaced and the text put there, and that applying the first
// one leaves a statement that checks without the diagnostic. Every range and replacement is worked out by hand.
import Foundation
import Testing
import JourneyEngine
import JourneyStore

/// `purchase` is both a stage and a touchpoint; `gift card` is a touchpoint only a quoted name can name.
private let catalog = TestCatalog.make(
    stages: ["awareness", "consideration", "purchase"],
    touchpoints: ["ad_click", "site_visit", "cart_add", "checkout_start", "purchase", "gift card"],
    channels: ["web", "social", "email"], properties: ["amount", "device"], attributes: ["segment", "region"])

/// The values of `device` the store holds; `smart tv` needs quotes to be written.
private func knownValues(_ field: EventField) -> [String]? {
    field == .property("device") ? ["mobile", "desktop", "smart tv"] : nil
}

/// Every diagnostic of `text`: the parser's, then the checker's.
private func diagnostics(_ text: String, definitions: Definitions = Definitions(),
                         parameters: [String: String] = [:]) -> [Diagnostic] {
    let source = SourceText(text)
    let parsed = Parser.parse(source)
    guard parsed.diagnostics.isEmpty, let statement = parsed.statements.first else { return parsed.diagnostics }
    return Checker.check(statement, catalog: catalog, source: source, parameters: parameters,
                         definitions: definitions, knownValues: knownValues).diagnostics
}

/// `text` with the bytes of the fix-it's range replaced, as an editor applies it.
private func applying(_ fix: FixIt, to text: String) -> String {
    let bytes = Array(text.utf8)
    return String(decoding: bytes[..<fix.range.start] + Array(fix.replacement.utf8) + bytes[fix.range.end...], as: UTF8.self)
}

/// Asserts `text` draws exactly one `id`, whose fix-its are `expected` (range, replacement) in order, and that the
/// first applied gives `fixed`, which draws no `id` and no error. Returns the diagnostic.
@discardableResult
private func expectFixIts(_ text: String, _ id: DiagnosticID, _ expected: [(SourceRange, String)], fixed: String,
                          definitions: Definitions = Definitions(),
                          sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
    let found = diagnostics(text, definitions: definitions).filter { $0.id == id.rawValue }
    #expect(found.count == 1, "\(text): \(found.map(\.id))", sourceLocation: sourceLocation)
    guard let d = found.first else { return nil }
    #expect(d.fixIts.map(\.range) == expected.map(\.0), sourceLocation: sourceLocation)
    #expect(d.fixIts.map(\.replacement) == expected.map(\.1), sourceLocation: sourceLocation)
    guard let first = d.fixIts.first else { return d }
    let applied = applying(first, to: text)
    #expect(applied == fixed, sourceLocation: sourceLocation)
    let after = diagnostics(applied, definitions: definitions)
    #expect(!after.contains { $0.id == id.rawValue || $0.severity == .error },
            "\(applied): \(after.map { "\($0.id) \($0.range)" })", sourceLocation: sourceLocation)
    return d
}

@Suite("Fix-its")
struct FixItTests {
    @Test func unknownStepIsReplacedByTheNearestName() {
        // FROM awareness TO purchse: the step is bytes 18..<25.
        let d = expectFixIts("FROM awareness TO purchse", .checkUnknownStep, [(SourceRange(18, 25), "purchase")],
                             fixed: "FROM awareness TO purchase")
        // The prose is as it was.
        #expect(d?.suggestion == "did you mean 'purchase'?")
        // Written quoted, the name stays quoted; a name with a space is quoted to be one name.
        expectFixIts("FROM awareness TO 'purchse'", .checkUnknownStep, [(SourceRange(18, 27), "'purchase'")],
                     fixed: "FROM awareness TO 'purchase'")
        expectFixIts("FROM awareness TO gift_card", .checkUnknownStep, [(SourceRange(18, 27), "'gift card'")],
                     fixed: "FROM awareness TO 'gift card'")
        // No name near: prose and fix-its both empty.
        let none = diagnostics("FROM awareness TO zzzzzz").first
        #expect(none?.suggestion == nil && none?.fixIts == [])
    }

    @Test func unknownStepNameOfExcludingIsQuotedWhenItIsNoWord() {
        // The label `purchase?` is written quoted; `purchse` is bytes 73..<80.
        expectFixIts("FROM awareness TO purchase? TO ad_click EXCLUDING cart_add BETWEEN 1 AND purchse",
                     .checkUnknownStepName, [(SourceRange(73, 80), "'purchase?'")],
                     fixed: "FROM awareness TO purchase? TO ad_click EXCLUDING cart_add BETWEEN 1 AND 'purchase?'")
    }

    @Test func unknownFieldIsReplacedAtTheFieldOnly() {
        // `chanel` is bytes 33..<39; the comparison runs on to 45.
        expectFixIts("FROM awareness TO ad_click WHERE chanel = web", .checkUnknownField, [(SourceRange(33, 39), "channel")],
                     fixed: "FROM awareness TO ad_click WHERE channel = web")
        // A built-in field is written bare, though `stage` is quoted where it would open a step.
        expectFixIts("FROM awareness TO ad_click WHERE stag = awareness", .checkUnknownField, [(SourceRange(33, 37), "stage")],
                     fixed: "FROM awareness TO ad_click WHERE stage = awareness")
    }

    @Test func unknownValueIsWrittenAsTheValueWas() {
        // `mobil` is bytes 42..<47, `'mobil'` 42..<49.
        expectFixIts("FROM awareness TO ad_click WHERE device = mobil", .checkUnknownValue, [(SourceRange(42, 47), "mobile")],
                     fixed: "FROM awareness TO ad_click WHERE device = mobile")
        expectFixIts("FROM awareness TO ad_click WHERE device = 'mobil'", .checkUnknownValue,
                     [(SourceRange(42, 49), "'mobile'")], fixed: "FROM awareness TO ad_click WHERE device = 'mobile'")
        // A bare word for a value with a space: quoted, so it is one value.
        expectFixIts("FROM awareness TO ad_click WHERE device = smart_tv", .checkUnknownValue,
                     [(SourceRange(42, 50), "'smart tv'")], fixed: "FROM awareness TO ad_click WHERE device = 'smart tv'")
        // Inside an IN list, each value at its own bytes: `web` is 45..<48, `emial` 50..<55.
        expectFixIts("FROM awareness TO ad_click WHERE channel IN (web, emial)", .checkUnknownValue,
                     [(SourceRange(50, 55), "email")], fixed: "FROM awareness TO ad_click WHERE channel IN (web, email)")
    }

    @Test func aValueFromAParameterKeepsItsProseButHasNoFixIt() {
        let d = diagnostics("FROM awareness TO ad_click WHERE device = $d", parameters: ["d": "mobil"])
            .first { $0.id == DiagnosticID.checkUnknownValue.rawValue }
        #expect(d?.suggestion == "did you mean 'mobile'?")
        #expect(d?.fixIts == [])
    }

    @Test func customerAttributeIsReplacedAfterTheDot() {
        // `customer.` is bytes 33..<42; `segmnt` 42..<48.
        let d = expectFixIts("FROM awareness TO ad_click WHERE customer.segmnt = b2b", .checkUnknownAttribute,
                             [(SourceRange(42, 48), "segment")],
                             fixed: "FROM awareness TO ad_click WHERE customer.segment = b2b")
        #expect(d?.range == SourceRange(42, 48))
        // The qualifier: `custmer` is bytes 33..<40.
        expectFixIts("FROM awareness TO ad_click WHERE custmer.segment = b2b", .checkUnknownQualifier,
                     [(SourceRange(33, 40), "customer")], fixed: "FROM awareness TO ad_click WHERE customer.segment = b2b")
    }

    @Test func attributionModel() {
        // ATTRIBUTE purchase BY channel MODEL linaer: the model is bytes 36..<42.
        expectFixIts("ATTRIBUTE purchase BY channel MODEL linaer LOOKBACK 30 days", .checkAttributionModel,
                     [(SourceRange(36, 42), "linear")],
                     fixed: "ATTRIBUTE purchase BY channel MODEL linear LOOKBACK 30 days")
    }

    @Test func dropoffOfWord() {
        // DROPOFF FROM awareness TO purchase OF chanel: the word is bytes 38..<44.
        expectFixIts("DROPOFF FROM awareness TO purchase OF chanel", .checkDropoffOf, [(SourceRange(38, 44), "channel")],
                     fixed: "DROPOFF FROM awareness TO purchase OF channel")
    }

    @Test func aDefinitionsFixItIsInItsOwnText() throws {
        let definitions = Definitions(entries: [.init(kind: .condition, name: "big", text: "amont > 100")])
        let found = diagnostics("FROM awareness TO ad_click WHERE big", definitions: definitions)
        let d = try #require(found.first { $0.id == DiagnosticID.checkUnknownField.rawValue })
        #expect(d.origin?.text == "amont > 100")
        #expect(d.range == SourceRange(0, 5))
        #expect(d.fixIts == [FixIt(range: SourceRange(0, 5), replacement: "amount")])
        // Applied to the definition's text, the definition checks.
        let fixed = applying(d.fixIts[0], to: "amont > 100")
        #expect(fixed == "amount > 100")
        let redefined = Definitions(entries: [.init(kind: .condition, name: "big", text: fixed)])
        #expect(diagnostics("FROM awareness TO ad_click WHERE big", definitions: redefined).isEmpty)
    }

    @Test func expectColumnAtRunTime() throws {
        let result = QueryResult(columns: ["step", "name", "customers"], rows: [[.int(1), .text("awareness"), .int(500)]])
        let byKey = QueryResult(columns: ["customer.segment", "customers"], rows: [[.text("b2b"), .int(5)]])
        func thrown(_ text: String, on results: [QueryResult]) -> Diagnostic? {
            let source = SourceText(text)
            guard let statement = Parser.parse(source).statements.first,
                  case .expect(let e)? = Checker.check(statement, catalog: catalog, source: source).statement else { return nil }
            do {
                _ = try Expectation.evaluate(e, on: results)
                return nil
            } catch {
                return error
            }
        }
        // EXPECT custmers: the column is bytes 7..<15.
        let d = try #require(thrown("EXPECT custmers AT STEP 1 = 500", on: [result]))
        #expect(d.id == DiagnosticID.expectUnknownColumn.rawValue)
        #expect(d.fixIts == [FixIt(range: SourceRange(7, 15), replacement: "customers")])
        #expect(thrown(applying(d.fixIts[0], to: "EXPECT custmers AT STEP 1 = 500"), on: [result]) == nil)
        // A key column `customer.segmnt` is bytes 23..<38, and a dotted name is written bare.
        let key = try #require(thrown("EXPECT customers WHERE customer.segmnt = b2b = 5", on: [byKey]))
        #expect(key.fixIts == [FixIt(range: SourceRange(23, 38), replacement: "customer.segment")])
        #expect(thrown(applying(key.fixIts[0], to: "EXPECT customers WHERE customer.segmnt = b2b = 5"), on: [byKey]) == nil)
    }

    @Test func rewritesThatAreReplacements() {
        // RETENTION OF purchase: the OF step, bytes 13..<21, names the returning step too.
        expectFixIts("RETENTION OF purchase BY month", .checkRetentionNoReturning,
                     [(SourceRange(13, 21), "purchase RETURNING purchase")],
                     fixed: "RETENTION OF purchase RETURNING purchase BY month")
        // "quote it": the number 42, bytes 45..<47.
        expectFixIts("FROM awareness TO ad_click WHERE device LIKE 42", .checkTypeMismatch, [(SourceRange(45, 47), "'42'")],
                     fixed: "FROM awareness TO ad_click WHERE device LIKE '42'")
        // `channel = null`, bytes 33..<47, becomes a test for a missing value.
        expectFixIts("FROM awareness TO ad_click WHERE channel = null", .checkNullText,
                     [(SourceRange(33, 47), "channel IS NULL")], fixed: "FROM awareness TO ad_click WHERE channel IS NULL")
        // EXPECT ... = NULL: from the end of `AT STEP 2` (byte 26) to the end of NULL (33).
        expectFixIts("EXPECT customers AT STEP 2 = NULL", .checkExpectNull, [(SourceRange(26, 33), " IS NULL")],
                     fixed: "EXPECT customers AT STEP 2 IS NULL")
    }

    @Test func adviceHasNoFixIt() {
        let d = diagnostics("FROM awareness TO ad_click WHERE time LIKE 'x%'").first
        #expect(d?.id == DiagnosticID.checkTypeMismatch.rawValue)
        #expect(d?.suggestion == "compare times with BETWEEN, <, >=")
        #expect(d?.fixIts == [])
    }

    @Test func keywordCloseToTheOneExpected() {
        // SHOW STAGSE: the word is bytes 5..<11.
        expectFixIts("SHOW STAGSE", .parseExpected, [(SourceRange(5, 11), "STAGES")], fixed: "SHOW STAGES")
    }

    /// The other sites, one line each: the statement, the id, the fix-its (bytes and text) and the first applied.
    @Test func everyOtherSite() {
        let b2b = Definitions(entries: [.init(kind: .segment, name: "b2b", text: "customer.segment = 'b2b'")])
        let cases: [(String, DiagnosticID, [(SourceRange, String)], String, Definitions)] = [
            // BY time: `time` is bytes 30..<34; the three periods, in the order the prose gives them.
            ("FROM awareness TO ad_click BY time", .checkBadBreakdown,
             [(SourceRange(30, 34), "day"), (SourceRange(30, 34), "week"), (SourceRange(30, 34), "month")],
             "FROM awareness TO ad_click BY day", Definitions()),
            ("VALUE amont FROM purchase", .checkUnknownField, [(SourceRange(6, 11), "amount")],
             "VALUE amount FROM purchase", Definitions()),
            ("PATHS FROM awareness TO purchase OF chanel", .checkFlowField, [(SourceRange(36, 42), "channel")],
             "PATHS FROM awareness TO purchase OF channel", Definitions()),
            ("SET STAGES awareness, consideraton, purchase", .checkUnknownStage, [(SourceRange(22, 34), "consideration")],
             "SET STAGES awareness, consideration, purchase", Definitions()),
            ("IMPORT 'e.csv' MAP tiem = ts", .checkUnknownMapField, [(SourceRange(19, 23), "time")],
             "IMPORT 'e.csv' MAP time = ts", Definitions()),
            ("FROM awareness TO stage awarenes", .checkUnknownStage, [(SourceRange(24, 32), "awareness")],
             "FROM awareness TO stage awareness", Definitions()),
            // LIKE that matches nothing: the pattern, bytes 46..<53, gives way to the value, quoted as it was.
            ("FROM awareness TO ad_click WHERE channel LIKE 'emial'", .checkUnknownValue, [(SourceRange(46, 53), "'email'")],
             "FROM awareness TO ad_click WHERE channel LIKE 'email'", Definitions()),
            // EXPECT BETWEEN 450 AND 400: bytes 25..<36, the bounds swapped.
            ("EXPECT customers BETWEEN 450 AND 400", .checkExpectBounds, [(SourceRange(25, 36), "400 AND 450")],
             "EXPECT customers BETWEEN 400 AND 450", Definitions()),
            ("FROM awareness TO ad_click WHERE channel = 42", .checkTypeMismatch, [(SourceRange(43, 45), "'42'")],
             "FROM awareness TO ad_click WHERE channel = '42'", Definitions()),
            // A pattern ending with its escape character, bytes 45..<50: the character doubled.
            ("FROM awareness TO ad_click WHERE device LIKE 'ab!' ESCAPE '!'", .checkBadPattern, [(SourceRange(45, 50), "'ab!!'")],
             "FROM awareness TO ad_click WHERE device LIKE 'ab!!' ESCAPE '!'", Definitions()),
            ("FROM awareness TO purchase FOR b2c", .checkUnknownSegment, [(SourceRange(31, 34), "b2b")],
             "FROM awareness TO purchase FOR b2b", b2b),
            // A property where a condition goes, and no LET near it: test it.
            ("FROM awareness TO ad_click WHERE amount", .checkUnknownCondition,
             [(SourceRange(33, 39), "amount IS NOT NULL")], "FROM awareness TO ad_click WHERE amount IS NOT NULL", Definitions()),
            // A name that is both: the note offers the touchpoint.
            ("FROM awareness TO purchase", .checkAmbiguousStep, [(SourceRange(18, 26), "touchpoint purchase")],
             "FROM awareness TO touchpoint purchase", Definitions()),
            // Keywords the parser expected, at the word written instead.
            ("FORM awareness TO purchase", .parseExpectedStatement, [(SourceRange(0, 4), "FROM")],
             "FROM awareness TO purchase", Definitions()),
            ("CUSTOMERS FROM awareness TO purchase ORDER BY strat", .parseExpected, [(SourceRange(46, 51), "start")],
             "CUSTOMERS FROM awareness TO purchase ORDER BY start", Definitions()),
            ("RETENTION OF purchase RETURNING purchase EVERY wek", .parseExpected, [(SourceRange(47, 50), "week")],
             "RETENTION OF purchase RETURNING purchase EVERY week", Definitions()),
            ("DEFINE SATGE x AS channel = web", .parseExpected, [(SourceRange(7, 12), "STAGE")],
             "DEFINE STAGE x AS channel = web", Definitions()),
        ]
        for (text, id, expected, fixed, definitions) in cases {
            expectFixIts(text, id, expected, fixed: fixed, definitions: definitions)
        }
    }

    @Test func aFieldTestIsAdviceWhereNoConditionIsWritten() {
        let d = diagnostics("DROP LET amount").first
        #expect(d?.id == DiagnosticID.checkUnknownDefinition.rawValue)
        #expect(d?.suggestion == "did you mean amount IS NOT NULL?")
        #expect(d?.fixIts == [])
    }

    @Test func unknownCustomerAtRunTime() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-fixit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = directory.appendingPathComponent("e.csv").path
        try "customer_id,timestamp,touchpoint\nalice,2024-01-01,ad_click\nbob-2,2024-01-02,ad_click\n"
            .write(toFile: events, atomically: true, encoding: .utf8)
        let session = try Session(storePath: directory.appendingPathComponent("s.db").path, access: .create)
        _ = try session.importEvents([events], options: ImportOptions())
        func failure(_ text: String) -> Diagnostic? {
            do {
                try session.run(SourceText(text)) { _ in }
                return nil
            } catch {
                return error.diagnostics.first
            }
        }
        // SHOW CUSTOMER alcie: the id is bytes 14..<19; an id that is no word is quoted.
        for (text, replacement) in [("SHOW CUSTOMER alcie", "alice"), ("SHOW CUSTOMER bob_2", "'bob-2'")] {
            let d = try #require(failure(text))
            #expect(d.id == DiagnosticID.checkUnknownCustomer.rawValue)
            #expect(d.fixIts == [FixIt(range: SourceRange(14, 19), replacement: replacement)])
            #expect(failure(applying(d.fixIts[0], to: text)) == nil)
        }
    }
}
