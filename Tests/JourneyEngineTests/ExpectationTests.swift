// The EXPECT evaluator on hand-made results: which cell is read, how each kind of value compares, when a selection
// fails (an outcome) and when the script is at fault (an error), and the line-by-line comparison of RESULT.
import Testing
import JourneyEngine
import JourneyStore

private let hour = 3_600_000.0

/// A three-step journey: 500 -> 421 -> 140.
private let funnel = QueryResult(
    kind: .funnel,
    columns: ["step", "name", "customers", "pct_of_first", "pct_of_previous", "lost", "median_time_from_previous"],
    rows: [
        [.int(1), .text("awareness"), .int(500), .percent(100), .null, .null, .null],
        [.int(2), .text("consideration"), .int(421), .percent(84.2), .percent(84.2), .int(79), .duration(2 * hour)],
        [.int(3), .text("purchase"), .int(140), .percent(28), .percent(100 * 140 / 421.0), .int(281), .duration(36 * hour)],
    ])

/// A journey BY channel, with a group of customers whose first step had no channel.
private let byChannel = QueryResult(
    kind: .funnel, columns: ["channel", "step", "name", "customers"],
    rows: [
        [.text("social"), .int(1), .text("awareness"), .int(300)], [.text("social"), .int(2), .text("purchase"), .int(90)],
        [.text("email"), .int(1), .text("awareness"), .int(150)], [.text("email"), .int(2), .text("purchase"), .int(60)],
        [.null, .int(1), .text("awareness"), .int(50)], [.null, .int(2), .text("purchase"), .int(5)],
    ])

/// TIMES gives two tables.
private let timesSummary = QueryResult(columns: ["converters", "median"], rows: [[.int(3), .duration(24 * hour)]])
private let timesHistogram = QueryResult(
    columns: ["time_to_convert", "customers", "pct"],
    rows: [[.text("< 1m"), .int(0), .percent(0)], [.text("10m - 1h"), .int(1), .percent(100 / 3.0)]])

private let trend = QueryResult(columns: ["day", "customers"],
                                rows: [[.text("2024-01-15"), .int(7)], [.text("2024-01-16"), .int(9)]])

private func checked(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> CheckedExpectation? {
    let source = SourceText(text)
    guard let statement = Parser.parse(source).statements.first,
          case .expect(let e)? = Checker.check(statement, catalog: StoreCatalog(), source: source).statement else {
        Issue.record("'\(text)' does not check", sourceLocation: sourceLocation)
        return nil
    }
    return e
}

/// The outcome of `text` on `results`; an error thrown by the evaluator is recorded as an issue.
private func outcome(_ text: String, on results: [QueryResult],
                     sourceLocation: Testing.SourceLocation = #_sourceLocation) -> ExpectationOutcome? {
    guard let e = checked(text, sourceLocation: sourceLocation) else { return nil }
    do {
        return try Expectation.evaluate(e, on: results)
    } catch {
        Issue.record("\(text): \(error.id) \(error.message)", sourceLocation: sourceLocation)
        return nil
    }
}

private func holds(_ text: String, on results: [QueryResult] = [funnel],
                   sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let o = outcome(text, on: results, sourceLocation: sourceLocation)
    #expect(o?.holds == true, "\(text): \(o?.summary ?? "")", sourceLocation: sourceLocation)
    #expect(o?.diagnostic == nil, sourceLocation: sourceLocation)
}

/// Asserts the expectation fails, as an `expect.failed` error over the whole EXPECT; returns its summary.
@discardableResult
private func fails(_ text: String, on results: [QueryResult] = [funnel],
                   sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
    guard let o = outcome(text, on: results, sourceLocation: sourceLocation) else { return "" }
    #expect(!o.holds, "\(text): \(o.summary)", sourceLocation: sourceLocation)
    #expect(o.diagnostic?.id == "expect.failed", sourceLocation: sourceLocation)
    #expect(o.diagnostic?.severity == .error, sourceLocation: sourceLocation)
    #expect(o.diagnostic?.range == SourceRange(0, text.utf8.count), sourceLocation: sourceLocation)
    #expect(o.diagnostic?.message == "EXPECT failed: " + o.summary, sourceLocation: sourceLocation)
    return o.summary
}

/// Asserts the evaluator refuses the script with `id` at the bytes of `piece`.
@discardableResult
private func refuses(_ text: String, _ id: String, at piece: String, on results: [QueryResult] = [funnel],
                     sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
    guard let e = checked(text, sourceLocation: sourceLocation) else { return nil }
    do {
        let o = try Expectation.evaluate(e, on: results)
        Issue.record("\(text) gave an outcome: \(o.summary)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.id == id, "\(text)", sourceLocation: sourceLocation)
        #expect(error.range == byteRange(of: piece, in: text), "\(text)", sourceLocation: sourceLocation)
        return error
    }
}

@Suite("EXPECT evaluation")
struct ExpectationTests {
    @Test func countsCompareWithEveryOperator() {
        holds("EXPECT customers AT STEP 2 = 421")
        holds("EXPECT customers AT STEP 2 != 420")
        holds("EXPECT customers AT STEP 2 < 422")
        holds("EXPECT customers AT STEP 2 <= 421")
        holds("EXPECT customers AT STEP 2 > 420")
        holds("EXPECT customers AT STEP 2 >= 421")
        holds("EXPECT customers AT STEP 2 BETWEEN 421 AND 421")  // inclusive at both ends
        holds("EXPECT customers AT STEP 2 BETWEEN 400 AND 450")
        fails("EXPECT customers AT STEP 2 = 420")
        fails("EXPECT customers AT STEP 2 < 421")
        fails("EXPECT customers AT STEP 2 > 421")
        fails("EXPECT customers AT STEP 2 BETWEEN 422 AND 450")
        // The message the issue asks for: the value seen and the range expected.
        #expect(fails("EXPECT customers AT STEP 2 BETWEEN 430 AND 450")
                == "customers at step 2 is 421; expected between 430 and 450")
        #expect(outcome("EXPECT customers AT STEP 2 BETWEEN 400 AND 450", on: [funnel])?.summary
                == "customers at step 2 is 421 (between 400 and 450)")
    }

    @Test func percentagesAreNumbersFrom0To100AsCSVShowsThem() {
        holds("EXPECT pct_of_first AT STEP 2 >= 20")
        holds("EXPECT pct_of_first AT STEP 2 = 84.2")
        // 140 / 421 = 33.25415...%: CSV shows 33.2542, and that is what `=` compares with.
        holds("EXPECT pct_of_previous AT STEP 3 = 33.2542")
        fails("EXPECT pct_of_previous AT STEP 3 = 33.25")
        holds("EXPECT pct_of_previous AT STEP 3 BETWEEN 33 AND 34")
        #expect(fails("EXPECT pct_of_first AT STEP purchase > 30") == "pct_of_first at step purchase is 28; expected > 30")
    }

    @Test func durationsCompareWithDurations() {
        holds("EXPECT median_time_from_previous AT STEP 2 < 2 days")
        holds("EXPECT median_time_from_previous AT STEP 2 = 2 hours")
        holds("EXPECT median_time_from_previous AT STEP 2 = 120m")
        holds("EXPECT median_time_from_previous AT STEP 3 BETWEEN 1 day AND 2 days")
        #expect(fails("EXPECT median_time_from_previous AT STEP 3 < 1 day")
                == "median_time_from_previous at step 3 is 1d 12h; expected < 1d")
        // A plain number for a duration is the script's fault, pointed at the value.
        let error = refuses("EXPECT median_time_from_previous AT STEP 2 < 2", "expect.type-mismatch", at: "2", occurrence: 1)
        #expect(error?.notes.contains { $0.contains("unit") } == true)
        refuses("EXPECT customers AT STEP 2 < 2 days", "expect.type-mismatch", at: "2 days")
        refuses("EXPECT name AT STEP 2 = 5", "expect.type-mismatch", at: "5")
        refuses("EXPECT customers AT STEP 2 = many", "expect.type-mismatch", at: "many")
    }

    @Test func textComparesByteForByte() {
        holds("EXPECT name AT STEP 3 = purchase")
        holds("EXPECT name AT ROW 1 = 'awareness'")
        holds("EXPECT name AT ROW 1 < 'b'")
        fails("EXPECT name AT ROW 1 = Awareness")
        #expect(fails("EXPECT name AT ROW 2 = purchase") == "name at row 2 is 'consideration'; expected = 'purchase'")
    }

    @Test func nullHoldsOnlyIsNull() {
        holds("EXPECT pct_of_previous AT STEP 1 IS NULL")
        holds("EXPECT pct_of_previous AT STEP 2 IS NOT NULL")
        fails("EXPECT pct_of_previous AT STEP 2 IS NULL")
        fails("EXPECT lost AT STEP 1 IS NOT NULL")
        #expect(fails("EXPECT lost AT STEP 1 = 0") == "lost at step 1 is null; expected = 0")
        fails("EXPECT lost AT STEP 1 != 0")
        fails("EXPECT lost AT STEP 1 BETWEEN 0 AND 10")
    }

    @Test func rowsAreSelectedByStepRowAndKeys() {
        holds("EXPECT customers AT STEP purchase = 140")
        holds("EXPECT customers AT ROW 3 = 140")
        holds("EXPECT customers AT STEP 2 WHERE channel = email = 60", on: [byChannel])
        holds("EXPECT customers WHERE channel = social AND step = 2 = 90", on: [byChannel])
        holds("EXPECT customers AT STEP purchase WHERE channel IS NULL = 5", on: [byChannel])
        // AT ROW counts among the rows the keys leave.
        holds("EXPECT name AT ROW 2 WHERE channel = email = purchase", on: [byChannel])
        holds("EXPECT customers WHERE day = 2024-01-16 = 9", on: [trend])
        holds("EXPECT customers WHERE day = '2024-01-15' = 7", on: [trend])
        // A result of one row needs no AT.
        holds("EXPECT converters = 3", on: [timesSummary, timesHistogram])
        // Column names ignore case when nothing matches exactly.
        holds("EXPECT CUSTOMERS AT STEP 1 = 500")
    }

    @Test func aSelectionThatIsNotOneRowFailsAndSaysSo() {
        #expect(fails("EXPECT customers = 500") == "customers: the result has 3 rows, not one")
        #expect(fails("EXPECT customers AT STEP 4 = 1") == "customers at step 4: no row of the result matches")
        #expect(fails("EXPECT customers AT STEP 2 WHERE channel = tiktok = 1", on: [byChannel])
                == "customers at step 2 where channel = 'tiktok': no row of the result matches")
        #expect(fails("EXPECT customers WHERE channel = social = 90", on: [byChannel])
                == "customers where channel = 'social': 2 rows match, not one")
        #expect(fails("EXPECT customers AT ROW 4 = 1") == "customers at row 4: the result has only 3 rows")
        fails("EXPECT customers AT ROW 3 WHERE channel = email = 1", on: [byChannel])
        // A step written twice in the journey has two rows of that name.
        let twice = QueryResult(columns: ["step", "name", "customers"],
                                rows: [[.int(1), .text("ad_click"), .int(2)], [.int(2), .text("ad_click"), .int(1)]])
        fails("EXPECT customers AT STEP ad_click = 1", on: [twice])
        holds("EXPECT customers AT STEP 2 = 1", on: [twice])
        // An empty result has no row to read, but a row count.
        let empty = QueryResult(columns: ["step", "customers"], rows: [])
        fails("EXPECT customers AT STEP 1 = 0", on: [empty])
        holds("EXPECT ROWS = 0", on: [empty])
    }

    @Test func unknownColumnsAndStepsAreErrorsWithSuggestions() {
        let error = refuses("EXPECT custmers AT STEP 2 = 421", "expect.unknown-column", at: "custmers")
        #expect(error?.suggestion == "did you mean 'customers'?")
        #expect(error?.notes.first?.hasPrefix("its columns: step, name, customers") == true)
        let key = refuses("EXPECT customers AT STEP 2 WHERE chanel = email = 1", "expect.unknown-column", at: "chanel",
                          on: [byChannel])
        #expect(key?.suggestion == "did you mean 'channel'?")
        refuses("EXPECT customers AT STEP 2 = 1", "expect.no-steps", at: "2", on: [timesHistogram])
        refuses("EXPECT customers AT STEP purchase = 1", "expect.no-steps", at: "purchase", on: [timesHistogram])
        // A column of TIMES's second table is read there; one neither has is an error naming both tables' columns.
        holds("EXPECT customers WHERE time_to_convert = '10m - 1h' = 1", on: [timesSummary, timesHistogram])
        holds("EXPECT pct AT ROW 2 = 33.3333", on: [timesSummary, timesHistogram])
        let both = refuses("EXPECT mean = 1 day", "expect.unknown-column", at: "mean", on: [timesSummary, timesHistogram])
        #expect(both?.notes.first == "its columns: converters, median, time_to_convert, customers, pct")
    }

    @Test func rowsCountsTheFirstTable() {
        holds("EXPECT ROWS = 3")
        holds("EXPECT ROWS BETWEEN 1 AND 3")
        holds("EXPECT ROWS = 1", on: [timesSummary, timesHistogram])
        #expect(fails("EXPECT ROWS > 3") == "ROWS is 3; expected > 3")
    }

    @Test func resultTextIsComparedLineByLine() throws {
        let seen = "step,name\n1,awareness\n2,purchase\n"
        let range = SourceRange(0, 10)
        #expect(Expectation.compareText(expected: seen, seen: seen, label: "'a.csv'", at: range).holds)
        // CRLF and a missing last line break are no difference.
        #expect(Expectation.compareText(expected: "step,name\r\n1,awareness\r\n2,purchase", seen: seen,
                                        label: "'a.csv'", at: range).holds)
        let moved = Expectation.compareText(expected: "step,name\n1,awareness\n2,checkout\n", seen: seen,
                                            label: "'a.csv'", at: range)
        #expect(!moved.holds)
        #expect(moved.summary == "the result differs from 'a.csv' at line 3")
        #expect(moved.diagnostic?.id == "expect.failed")
        #expect(moved.diagnostic?.range == range)
        #expect(moved.diagnostic?.notes == ["expected: 2,checkout", "seen:     2,purchase"])
        let longer = Expectation.compareText(expected: "step,name\n1,awareness\n", seen: seen, label: "the CSV written here", at: range)
        #expect(longer.summary == "the result differs from the CSV written here at line 3")
        #expect(longer.diagnostic?.notes == ["expected: (no more lines)", "seen:     2,purchase",
                                             "the CSV written here has 2 lines, the result 3"])
        // Through evaluate: the caller passes both texts.
        let e = try #require(checked("EXPECT RESULT = 'a.csv'"))
        #expect(try Expectation.evaluate(e, on: [funnel], texts: (seen, seen)).summary == "the result equals 'a.csv' (3 lines)")
        #expect(throws: Diagnostic.self) { try Expectation.evaluate(e, on: [funnel]) }
    }
}

/// `byteRange` for a later occurrence, for values written twice (`AT STEP 2 < 2`).
private func refuses(_ text: String, _ id: String, at piece: String, occurrence: Int,
                     sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
    guard let e = checked(text, sourceLocation: sourceLocation) else { return nil }
    do {
        _ = try Expectation.evaluate(e, on: [funnel])
        Issue.record("\(text) gave an outcome", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.id == id, sourceLocation: sourceLocation)
        #expect(error.range == byteRange(of: piece, in: text, occurrence: occurrence), sourceLocation: sourceLocation)
        return error
    }
}
