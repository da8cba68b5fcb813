// COMPARE in parts: the statistics against textbook values written out here, the parser's and checker's readings
// and errors (by id and the text under their range), the previous period's range, and the results through a session.
import Foundation
import Testing
@testable import JourneyEngine
import JourneyStore

private let catalog = TestCatalog.make(
    stages: ["awareness", "consideration", "purchase"],
    touchpoints: ["ad_click", "site_visit", "cart_add", "purchase"],
    channels: ["web", "social", "email"], properties: ["amount", "device"], attributes: ["segment", "region"])

private func check(_ text: String) -> CheckOutcome {
    let source = SourceText(text)
    let parsed = Parser.parse(source)
    guard parsed.diagnostics.isEmpty, let statement = parsed.statements.first else {
        return CheckOutcome(statement: nil, diagnostics: parsed.diagnostics)
    }
    return Checker.check(statement, catalog: catalog, source: source)
}

/// The id and the text under the range of the first error of `text`.
private func firstError(_ text: String) -> (id: String, text: String)? {
    guard let d = check(text).diagnostics.first(where: { $0.severity == .error }) else { return nil }
    let bytes = Array(text.utf8)
    let slice = bytes[min(d.range.start, bytes.count)..<min(d.range.end, bytes.count)]
    return (d.id, String(decoding: slice, as: UTF8.self))
}

private func close(_ a: Double?, _ b: Double, _ tolerance: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance
}

@Suite("COMPARE: statistics, syntax, checking, periods")
struct CompareTests {
    // MARK: Statistics against textbook values

    /// The standard normal quantiles of any table: 1.644854 (90%), 1.959964 (95%), 2.575829 (99%), 3.090232 for
    /// a tail of 0.001, and 0 at the median.
    @Test func normalQuantileMatchesTheTable() {
        #expect(close(ProportionStatistics.criticalZ(confidence: 90), 1.644854, 5e-7))
        #expect(close(ProportionStatistics.criticalZ(confidence: 95), 1.959964, 5e-7))
        #expect(close(ProportionStatistics.criticalZ(confidence: 99), 2.575829, 5e-7))
        #expect(close(ProportionStatistics.normalQuantile(0.001), -3.090232, 5e-7))
        #expect(close(ProportionStatistics.normalQuantile(0.999), 3.090232, 5e-7))
        #expect(close(ProportionStatistics.normalQuantile(0.5), 0, 1e-15))
        // Far in the tail the Halley step keeps it exact: Φ(−6.361341) = 1e-10.
        #expect(close(ProportionStatistics.normalQuantile(1e-10), -6.361341, 5e-6))
    }

    /// Chi-square critical values for df 1 to 4 at 0.05 (3.841459, 5.991465, 7.814728, 9.487729) and 0.01
    /// (6.634897, 9.210340, 11.344867, 13.276704): the survival function gives back the level.
    @Test func chiSquareSurvivalMatchesTheTable() {
        let at05 = [3.841459, 5.991465, 7.814728, 9.487729]
        let at01 = [6.634897, 9.210340, 11.344867, 13.276704]
        for df in 1...4 {
            #expect(close(ProportionStatistics.chiSquareSurvival(at05[df - 1], df: df), 0.05, 1e-6), "df \(df) at 0.05")
            #expect(close(ProportionStatistics.chiSquareSurvival(at01[df - 1], df: df), 0.01, 1e-6), "df \(df) at 0.01")
        }
        // Both branches of the incomplete gamma (series below a + 1, continued fraction above), closed forms for
        // even df: Q = e^(−x/2)(1 + x/2) for df 4.
        #expect(close(ProportionStatistics.chiSquareSurvival(2, df: 4), exp(-1) * 2, 1e-14))
        #expect(close(ProportionStatistics.chiSquareSurvival(30, df: 4), exp(-15) * 16, 1e-16))
        #expect(ProportionStatistics.chiSquareSurvival(0, df: 3) == 1)
    }

    /// The Wilson score interval of 8 of 10 at 95% is [0.4902, 0.9433] (Wilson 1927; Newcombe 1998, Table I);
    /// 0 of n starts at 0 and n of n ends at 1.
    @Test func wilsonIntervalOfEightOfTen() throws {
        let (low, high) = try #require(ProportionStatistics.wilson(8, of: 10, z: 1.959964))
        #expect(close(low, 0.4902, 5e-5) && close(high, 0.9433, 5e-5))
        #expect(ProportionStatistics.wilson(0, of: 5, z: 1.96)?.low == 0)
        #expect(ProportionStatistics.wilson(5, of: 5, z: 1.96)?.high == 1)
        #expect(ProportionStatistics.wilson(0, of: 0, z: 1.96) == nil)
    }

    /// Newcombe (1998), example (a): 56/70 − 48/80 = 0.2000, the hybrid score interval (his method 10) is
    /// 0.0524 to 0.3339.
    @Test func newcombeIntervalOfTheTextbookExample() throws {
        let (low, high) = try #require(ProportionStatistics.newcombe(56, of: 70, 48, of: 80, z: 1.959964))
        #expect(close(low, 0.0524, 5e-5) && close(high, 0.3339, 5e-5))
    }

    /// The Physicians' Health Study (Agresti, Categorical Data Analysis, section 2.2): myocardial infarction in
    /// 189 of 11,034 on placebo and 104 of 11,037 on aspirin. Pearson's X² = 25.01 (z = 5.00), p < 0.0001.
    @Test func twoProportionZOfTheAspirinStudy() throws {
        let z = try #require(ProportionStatistics.twoProportionZ(189, of: 11_034, 104, of: 11_037))
        #expect(close(z, 5.00, 0.005))
        #expect(close(z * z, 25.01, 0.005))
        let chi = try #require(ProportionStatistics.chiSquare(reached: [189, 104], of: [11_034, 11_037]))
        #expect(chi.df == 1 && close(chi.statistic, z * z, 1e-9))
        #expect(ProportionStatistics.twoSidedP(z: z) < 0.0001)
        #expect(close(ProportionStatistics.twoSidedP(z: 1.959964), 0.05, 1e-7))
        // Everyone or no one reached: no variance, no test.
        #expect(ProportionStatistics.twoProportionZ(3, of: 3, 5, of: 5) == nil)
        #expect(ProportionStatistics.twoProportionZ(0, of: 3, 0, of: 5) == nil)
    }

    /// Three groups of 20 with 10, 15 and 5 reaching (P = 1/2, expected 10 each): χ² = (0 + 25 + 25)/5 = 10 with 2 df,
    /// p = e^−5 = 0.006738. An empty group is left out (df 1 then); with one group left there is no test.
    @Test func chiSquareOfThreeGroups() throws {
        let chi = try #require(ProportionStatistics.chiSquare(reached: [10, 15, 5], of: [20, 20, 20]))
        #expect(close(chi.statistic, 10, 1e-12) && chi.df == 2)
        #expect(close(ProportionStatistics.chiSquareSurvival(chi.statistic, df: chi.df), exp(-5), 1e-15))
        #expect(ProportionStatistics.chiSquare(reached: [10, 0, 5], of: [20, 0, 20])?.df == 1)
        #expect(ProportionStatistics.chiSquare(reached: [10, 0], of: [20, 0]) == nil)
    }

    // MARK: Syntax and checking

    @Test func readsTheStatementAndItsOptions() throws {
        guard case .compare(let c)? = check("FROM awareness TO purchase BY channel, customer.segment COMPARE AGAINST web, NULL CONFIDENCE 99 LIMIT 3").statement else {
            Issue.record("not a comparison")
            return
        }
        #expect(!c.periods && c.confidence == 99 && c.funnel.limit == 3)
        #expect(c.against! == [.text("web"), nil])
        guard case .compare(let p)? = check("FROM awareness TO purchase COMPARE PREVIOUS DURING 2024-03-01 .. 2024-03-31").statement else {
            Issue.record("not a comparison of periods")
            return
        }
        #expect(p.periods && p.confidence == 95 && p.against == nil)
        // A journey without COMPARE is a journey, as ever.
        guard case .funnel? = check("FROM awareness TO purchase BY channel").statement else {
            Issue.record("not a journey")
            return
        }
        // COMPARE ends a condition: `big` is no comparison missing its operator.
        #expect(Parser.parse(SourceText("LET big = amount > 100; FROM awareness TO purchase BY channel WHERE big COMPARE")).diagnostics.isEmpty)
    }

    @Test func errorsAreLocated() {
        let cases: [(String, String, String)] = [
            ("FROM awareness TO purchase COMPARE", "check.compare-no-groups", "COMPARE"),
            ("FROM awareness TO purchase COMPARE PREVIOUS", "check.compare-previous-range", "PREVIOUS"),
            ("FROM awareness TO purchase SINCE 2024-01-01 COMPARE PREVIOUS", "check.compare-previous-range", "SINCE 2024-01-01"),
            ("FROM awareness TO purchase BEFORE 2024-01-01 COMPARE PREVIOUS", "check.compare-previous-range", "BEFORE 2024-01-01"),
            ("FROM awareness TO purchase LAST 7 days BY channel COMPARE PREVIOUS", "check.compare-previous-by", "channel"),
            ("FROM awareness TO purchase BY channel COMPARE CONFIDENCE 80", "check.compare-confidence", "80"),
            ("FROM awareness TO purchase BY channel COMPARE CONFIDENCE 95.5", "check.compare-confidence", "95.5"),
            ("FROM awareness TO purchase BY channel COMPARE CONFIDENCE high", "parse.expected-count", "high"),
            ("FROM awareness TO purchase BY channel COMPARE AGAINST web, b2b", "check.compare-against", "AGAINST web, b2b"),
            ("FROM awareness TO purchase LAST 7 days COMPARE PREVIOUS AGAINST last_year", "check.compare-against", "last_year"),
            ("FROM awareness TO purchase BY channel COMPARE PREVIOUS PREVIOUS", "parse.duplicate-clause", "PREVIOUS"),
            ("FROM awareness TO purchase BY channel LIMIT 2 COMPARE LIMIT 3", "parse.duplicate-clause", "LIMIT"),
            ("FROM awareness TO purchase BY channel COMPARE COMPARE", "parse.expected-end", "COMPARE"),
        ]
        for (text, id, under) in cases {
            let error = firstError(text)
            #expect(error?.id == id && error?.text == under, "\(text): \(String(describing: error))")
        }
    }

    /// The previous period is the same length just before: DURING March (31 days, to the end of the 31st) steps
    /// back 31 days to January 30; LAST 30 days at now steps back to [now − 60 days, now − 30 days).
    @Test func thePreviousPeriod() throws {
        let day: Int64 = 86_400_000
        guard case .compare(let march)? = check("FROM awareness TO purchase DURING 2024-03-01 .. 2024-03-31 COMPARE PREVIOUS").statement else {
            Issue.record("not a comparison")
            return
        }
        let previous = try #require(march.resolved(setNow: nil, clock: 0).previousFunnel?.startBounds)
        #expect(previous.lower == TimeParser.parse("2024-01-30") && previous.upper == TimeParser.parse("2024-03-01"))
        guard case .compare(let last)? = check("FROM awareness TO purchase LAST 30 days COMPARE PREVIOUS").statement else {
            Issue.record("not a comparison")
            return
        }
        let now = try #require(TimeParser.parse("2024-06-30T12:00:00Z"))
        let resolved = last.resolved(setNow: now, clock: 0)
        #expect(resolved.funnel.startBounds == TimeBounds(lower: now - 30 * day, upper: now + 1))
        #expect(resolved.previousFunnel?.startBounds == TimeBounds(lower: now - 60 * day, upper: now - 30 * day))
        // Unresolved, LAST has no range yet; and a comparison of groups has no previous period.
        #expect(last.previousFunnel == nil)
        guard case .compare(let groups)? = check("FROM awareness TO purchase DURING 2024-03-01 .. 2024-03-31 BY channel COMPARE").statement else {
            Issue.record("not a comparison")
            return
        }
        #expect(groups.previousFunnel == nil)
    }
}

/// The library: `Session.run` gives two typed results, whose cells are numbers of the column's kind.
@Suite("COMPARE through the library")
struct CompareLibraryTests {
    @Test func typedResults() throws {
        let (_, session, directory) = try SampleStores.open("compare.jql")
        defer { try? FileManager.default.removeItem(at: directory) }
        var results: [QueryResult] = []
        try session.run(SourceText("FROM awareness TO purchase BY channel COMPARE CONFIDENCE 90")) {
            if case .result(let r) = $0 { results.append(r) }
        }
        #expect(results.count == 2)
        let table = try #require(results.first)
        let types = Dictionary(uniqueKeysWithValues: table.columnInfo.map { ($0.name, $0.type) })
        #expect(types["rate"] == .percent && types["rate_low"] == .percent && types["step_rate_high"] == .percent)
        #expect(types["diff_pp"] == .number && types["p_value"] == .number && types["customers"] == .integer)
        #expect(types["verdict"] == .text && table.columns[2] == "channel")
        // email (0 of 1) against social (2 of 2): −100 points, p = erfc(√3/√2) = 0.083265 (data/compare.test).
        let email = try #require(table.rows.first { $0[0] == .int(2) && $0[2] == .text("email") })
        #expect(email[10] == .number(-100))
        guard case .number(let p) = email[13] else {
            Issue.record("p is not a number: \(email)")
            return
        }
        #expect(abs(p - 0.0832645166635505) < 1e-12)
        #expect(results[1].columns == ["step", "name", "groups", "chi_square", "df", "p_value", "verdict"])
    }
}

extension CompareLibraryTests {
    /// Completion after COMPARE offers its options, after CONFIDENCE its levels.
    @Test func completionOffersTheOptions() throws {
        let (_, session, directory) = try SampleStores.open("compare.jql")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(session.completions(prefix: "", before: "FROM awareness TO purchase BY channel COMPARE ").sorted()
                == ["AGAINST", "CONFIDENCE", "PREVIOUS"])
        #expect(session.completions(prefix: "9", before: "FROM awareness TO purchase BY channel COMPARE CONFIDENCE ").sorted()
                == ["90", "95", "99"])
    }
}
