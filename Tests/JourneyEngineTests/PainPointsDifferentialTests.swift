// DROPOFF and WHY against their reference (ReferencePainPoints.swift) on the random journeys of DifferentialTests:
// every journey that test generates is also asked as DROPOFF (NEXT 1-3, OF touchpoint/channel/stage) and, without
// BY, as WHY, on both engines; every cell of every row must equal the reference's.
import Foundation
import Testing
import JourneyEngine
import JourneyStore

enum PainPointsDifferential {
    /// What the comparisons exercised over a run, so a generator gone quiet is noticed.
    struct Coverage {
        var dropoffs = 0, withLostRows = 0, folded = 0, nothingAfter = 0
        var whys = 0, bothDirections = 0
    }

    /// Runs DROPOFF and WHY over `journey` (the statement's text after its keyword, SET now first if any) and
    /// compares with the reference; returns how many comparisons failed (each recorded as an issue).
    static func compare(journey text: String, setNow: Int64?, funnel: CheckedFunnel, session: Session,
                        events: [RawEvent], customers: [String: [String: PropertyValue]], seed: UInt64,
                        variant: Int, coverage: inout Coverage) -> Int {
        var failures = 0
        let prefix = setNow.map { "SET now = \(TimeParser.format($0)); " } ?? ""
        let next = 1 + variant % 3
        let column = [EventColumn.touchpoint, .channel, .stage][(variant / 3) % 3]
        let dropoffScript = prefix + "DROPOFF " + text + " NEXT \(next) OF \(column.name)"
        // The chains, found once by brute force, serve both statements.
        let matched = Reference.journeyCustomers(funnel, events: events, customers: customers)
        let want = Reference.dropoff(funnel, next: next, of: column, events: events, customers: customers, matched: matched)
        coverage.dropoffs += 1
        if !want.next.isEmpty { coverage.withLostRows += 1 }
        if want.next.contains(where: { $0.contains(.text("(other)")) }) { coverage.folded += 1 }
        if want.next.contains(where: { $0.contains(.text("(nothing after)")) }) { coverage.nothingAfter += 1 }
        for engine in [Engine.columnar, .sqlite] {
            let results = run(dropoffScript, session: session, engine: engine, seed: seed, failures: &failures)
            guard results.count == 2 else {
                if failures == 0 { Issue.record("seed \(seed): DROPOFF gave \(results.count) results: \(dropoffScript)") }
                return failures + 1
            }
            if !Reference.rowsAgree(results[0].rows, want.next) || !Reference.rowsAgree(results[1].rows, want.last) {
                failures += 1
                Issue.record("seed \(seed): \(engine) engine: \(dropoffScript)\nnext: \(results[0].rows)\nreference: \(want.next)\nlast: \(results[1].rows)\nreference: \(want.last)")
            }
        }
        guard funnel.breakdown.isEmpty else { return failures }
        // WHY over every field the store has (touchpoint, channel, stage, amount, device, customer attributes).
        let fields: [EventField] = [.touchpoint, .channel, .stage, .property("amount"), .property("device"),
                                    .customerAttribute("segment"), .customerAttribute("size")]
        let catalog = session.catalog()
        let known = fields.filter { field in
            switch field {
            case .property(let name): catalog.properties.contains { $0.name == name }
            case .customerAttribute(let name): catalog.customerAttributes.contains { $0.name == name }
            default: true
            }
        }
        let using = known.map(\.description).joined(separator: ", ")
        let whyScript = prefix + "WHY " + text + " USING " + using
        let wantWhy = Reference.why(funnel, fields: known, events: events, customers: customers, matched: matched)
        coverage.whys += 1
        if wantWhy.contains(where: { $0[0] == .text("converts more") }) && wantWhy.contains(where: { $0[0] == .text("converts less") }) {
            coverage.bothDirections += 1
        }
        for engine in [Engine.columnar, .sqlite] {
            let results = run(whyScript, session: session, engine: engine, seed: seed, failures: &failures)
            guard results.count == 1 else { return failures + 1 }
            if !Reference.rowsAgree(results[0].rows, wantWhy) {
                failures += 1
                Issue.record("seed \(seed): \(engine) engine: \(whyScript)\nWHY: \(results[0].rows)\nreference: \(wantWhy)")
            }
        }
        return failures
    }

    private static func run(_ script: String, session: Session, engine: Engine, seed: UInt64,
                            failures: inout Int) -> [QueryResult] {
        session.engine = engine
        session.now = nil
        defer { session.engine = .auto; session.now = nil }
        var results: [QueryResult] = []
        do {
            try session.run(SourceText(script)) { if case .result(let r) = $0 { results.append(r) } }
        } catch {
            Issue.record("seed \(seed): \(engine) engine failed on \(script): \(error.rendered)")
            failures += 1
        }
        return results
    }
}

extension PainPointsDifferential {
    /// The random journeys must have exercised what DROPOFF and WHY do, not only empty tables.
    static func expectCoverage(_ c: Coverage, queries: Int) {
        #expect(c.dropoffs > queries / 2, "DROPOFF ran on only \(c.dropoffs) of \(queries) journeys")
        #expect(c.withLostRows > c.dropoffs / 4, "only \(c.withLostRows) DROPOFF queries had anyone lost")
        #expect(c.folded > 5, "only \(c.folded) DROPOFF queries folded rows into (other)")
        #expect(c.nothingAfter > 5, "only \(c.nothingAfter) DROPOFF queries had a (nothing after) row")
        #expect(c.whys > queries / 4, "WHY ran on only \(c.whys) journeys")
        #expect(c.bothDirections > c.whys / 10, "only \(c.bothDirections) WHY queries ranked both ways")
    }
}
