// DROPOFF and WHY in parts: the statistics against textbook values, the parser's and checker's readings and
// errors (by id and byte range), and the plans (DROPOFF reads past the window).
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

@Suite("Pain points: statistics, syntax, checking, plans")
struct PainPointsTests {
    // MARK: Statistics against textbook values

    /// The chi-square distribution with 1 df: its critical values at 5%, 1% and 0.1% (any statistics table:
    /// 3.841, 6.635, 10.828), and 0 and 4 (P(|Z| ≥ 2) = 0.0455).
    @Test func chiSquareSurvivalMatchesTheTable() {
        #expect(abs(Significance.pValue(chiSquare: 3.841458820694124) - 0.05) < 1e-12)
        #expect(abs(Significance.pValue(chiSquare: 6.634896601021214) - 0.01) < 1e-12)
        #expect(abs(Significance.pValue(chiSquare: 10.827566170662733) - 0.001) < 1e-12)
        #expect(Significance.pValue(chiSquare: 0) == 1)
        #expect(abs(Significance.pValue(chiSquare: 4) - 0.04550026389635842) < 1e-12)
    }

    /// Two 2x2 tables worked out by hand: [[10, 20], [30, 40]] gives 100·(10·40 − 20·30)² / (30·70·40·60)
    /// = 4,000,000 / 5,040,000 = 0.793651, p = 0.3730; [[20, 30], [30, 20]] gives 100·(400 − 900)² / 50⁴ = 4.
    @Test func chiSquareOfTwoByTwoTables() throws {
        let first = try #require(Significance.chiSquare(converters: 30, lost: 70, convertersWith: 10, lostWith: 30))
        #expect(abs(first - 0.7936507936507936) < 1e-12)
        #expect(abs(Significance.pValue(chiSquare: first) - 0.37299848361348714) < 1e-9)
        let second = try #require(Significance.chiSquare(converters: 50, lost: 50, convertersWith: 20, lostWith: 30))
        #expect(abs(second - 4) < 1e-12)
        // An empty row or column: no test.
        #expect(Significance.chiSquare(converters: 0, lost: 10, convertersWith: 0, lostWith: 3) == nil)
        #expect(Significance.chiSquare(converters: 5, lost: 10, convertersWith: 5, lostWith: 10) == nil)
        #expect(Significance.chiSquare(converters: 5, lost: 10, convertersWith: 0, lostWith: 0) == nil)
    }

    /// PostHog's odds ratio: 1 added to each of the four cells. 10 converters (5 with the value), 20 lost (2 with
    /// it): (6/3)·(19/6) = 6.3333; nobody lost shows it: (a+1)/1 · (B+1)/(A−a+1).
    @Test func oddsRatioAddsOneToEachCell() {
        #expect(abs(Significance.oddsRatio(converters: 10, lost: 20, convertersWith: 5, lostWith: 2) - 19.0 / 3) < 1e-12)
        #expect(Significance.oddsRatio(converters: 3, lost: 1, convertersWith: 2, lostWith: 0) == 3)
        #expect(Significance.oddsRatio(converters: 4, lost: 4, convertersWith: 2, lostWith: 2) == 1)
    }

    // MARK: Syntax and checking

    @Test func dropoffReadsItsOptionsInAnyOrderWithTheClauses() throws {
        let outcome = check("DROPOFF FROM awareness THEN consideration TO purchase OF channel NEXT 3 BY customer.segment LIMIT 4")
        guard case .dropoff(let d)? = outcome.statement else {
            Issue.record("not a DROPOFF: \(outcome.diagnostics.map(\.id))")
            return
        }
        #expect(d.next == 3)
        #expect(d.of == .channel)
        #expect(d.funnel.steps.count == 3)
        #expect(d.funnel.limit == 4)
        #expect(d.funnel.breakdown == [.field(.customerAttribute("segment"))])
        guard case .dropoff(let plain)? = check("DROPOFF FROM awareness TO purchase").statement else {
            Issue.record("not a DROPOFF")
            return
        }
        #expect(plain.next == 1 && plain.of == .touchpoint)
    }

    /// NEXT, OF and USING end a condition that ends in a named condition (`WHERE big NEXT 2`), and are names
    /// elsewhere (a property called `next`).
    @Test func optionWordsEndConditionsAndStayNames() {
        for text in ["DROPOFF FROM awareness TO purchase WHERE big NEXT 2 OF channel",
                     "DROPOFF FROM awareness TO purchase WHERE big OF channel",
                     "WHY FROM awareness TO purchase WHERE big USING channel",
                     "DROPOFF FROM awareness TO purchase WHERE next = 1 AND of = 'x' NEXT 2"] {
            let parsed = Parser.parse(SourceText(text))
            #expect(parsed.diagnostics.isEmpty, "\(text): \(parsed.diagnostics.map(\.id))")
        }
        guard case .dropoff(let d)? = Parser.parse(SourceText("DROPOFF FROM awareness TO purchase WHERE big NEXT 2")).statements.first
        else {
            Issue.record("not a DROPOFF")
            return
        }
        #expect(d.next == 2)
        #expect(d.funnel.filter != nil)
    }

    @Test func whyDefaultsToTouchpointChannelPropertiesAndAttributes() {
        guard case .why(let w)? = check("WHY FROM awareness TO purchase").statement else {
            Issue.record("not a WHY")
            return
        }
        #expect(w.fields == [.touchpoint, .channel, .property("amount"), .property("device"),
                             .customerAttribute("segment"), .customerAttribute("region")])
        guard case .why(let using)? = check("WHY FROM awareness TO purchase USING device, stage, device LIMIT 3").statement else {
            Issue.record("not a WHY")
            return
        }
        #expect(using.fields == [.property("device"), .stage])
        #expect(using.funnel.limit == 3)
    }

    @Test func badInputIsALocatedError() {
        let cases: [(String, String, String)] = [
            ("DROPOFF FROM awareness;", "parse.expected", ";"),
            ("DROPOFF awareness TO purchase", "parse.expected", "awareness"),
            ("WHY TO purchase", "parse.expected", "TO"),
            ("DROPOFF FROM awareness TO purchase NEXT 0", "parse.expected-count", "0"),
            ("DROPOFF FROM awareness TO purchase NEXT 2.5", "parse.expected-count", "2.5"),
            ("DROPOFF FROM awareness TO purchase NEXT 21", "parse.expected-count", "21"),
            ("DROPOFF FROM awareness TO purchase NEXT -1", "parse.expected-count", "-"),
            ("DROPOFF FROM awareness TO purchase NEXT", "parse.expected-count", ""),
            ("DROPOFF FROM awareness TO purchase OF channel OF stage", "parse.duplicate-clause", "OF"),
            ("DROPOFF FROM awareness TO purchase OF chanel", "check.dropoff-of", "chanel"),
            ("DROPOFF FROM awareness TO purchase BY channel NEXT 2 BY stage", "parse.duplicate-clause", "BY"),
            ("WHY FROM awareness TO purchase BY channel", "check.why-by", "channel"),
            ("WHY FROM awareness TO purchase USING customer", "check.why-field", "customer"),
            ("WHY FROM awareness TO purchase USING customer.plan", "check.unknown-attribute", "plan"),
            ("WHY FROM awareness TO purchase USING", "parse.expected", ""),
        ]
        for (text, id, under) in cases {
            let error = firstError(text)
            #expect(error?.id == id, "\(text): \(String(describing: error))")
            #expect(error?.text == under, "\(text): \(String(describing: error))")
        }
    }

    // MARK: Plans

    /// With a window and a start range the journey's scan stops at the last start plus the window; DROPOFF's does
    /// not (what the lost did next may be later), and every event comes with the OF column.
    @Test func dropoffReadsPastTheWindow() {
        guard case .dropoff(let d)? = check("DROPOFF FROM awareness TO purchase WITHIN 1 day DURING 2024-01-01 .. 2024-01-31 OF channel").statement
        else {
            Issue.record("not a DROPOFF")
            return
        }
        let planner = Planner(catalog: catalog)
        guard case .query(let plan, .dropoff(next: 1, of: .channel)) = planner.plan(.dropoff(d)) else {
            Issue.record("not a DROPOFF plan")
            return
        }
        let funnelPlan = planner.planFunnel(d.funnel)
        func upperBound(_ p: JourneyStore.Predicate) -> Bool {
            switch p {
            case .time(.less, _), .time(.lessOrEqual, _): true
            case .and(let terms): terms.contains(where: upperBound)
            default: false
            }
        }
        #expect(upperBound(funnelPlan.request.filter))
        #expect(!upperBound(plan.request.filter))
        #expect(plan.request.deliverAll)
        #expect(plan.eventFields[.channel] != nil)
    }
}

/// WHY's default set leaves out fields with more than 50 values (signup dates here), and says so; USING keeps them.
@Suite struct WhyDefaultSetTests {
    @Test func manyValuedFieldsAreLeftOutOfTheDefaultSet() throws {
        let directory = try SampleStores.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try SampleStores.session(for: "generated retail 400 7", in: directory)
        func why(_ text: String) throws -> QueryResult {
            var got: QueryResult?
            try session.run(SourceText(text)) { if case .result(let r) = $0 { got = r } }
            return try #require(got)
        }
        let defaulted = try why("WHY FROM cart_add TO checkout_complete WITHIN 7 days LIMIT 1000")
        #expect(defaulted.notes.contains { $0.hasPrefix("left out for having more than 50 values: customer.signup_date (") })
        #expect(!defaulted.rows.contains { if case .text(let f) = $0[1] { f.hasPrefix("customer.signup_date") } else { false } })
        #expect(defaulted.rows.contains { $0[1] == .text("touchpoint = 'support_call'") })
        let named = try why("WHY FROM cart_add TO checkout_complete WITHIN 7 days USING customer.signup_date LIMIT 1000")
        #expect(named.rows.count > 50)
        #expect(!named.notes.contains { $0.hasPrefix("left out") })
    }
}
