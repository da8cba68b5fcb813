// Checking the journey clauses of SEMANTICS.md section 4a: what each resolves to, and every error with its range.
import Foundation
import JourneyEngine
import JourneyStore
import Testing

private let catalog = TestCatalog.make(
    stages: ["awareness", "consideration", "purchase"], touchpoints: ["ad_click", "cart_add", "support_call"],
    channels: ["web"], properties: ["device", "order_id"], attributes: ["segment"])

private func check(_ text: String) -> (CheckedFunnel?, [Diagnostic]) {
    let source = SourceText(text)
    let parsed = Parser.parse(source)
    #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
    guard let statement = parsed.statements.first else { return (nil, parsed.diagnostics) }
    let outcome = Checker.check(statement, catalog: catalog, source: source)
    if case .funnel(let f)? = outcome.statement { return (f, outcome.diagnostics) }
    return (nil, outcome.diagnostics)
}

private func range(of piece: String, in text: String) -> SourceRange {
    let bytes = Array(text.utf8), p = Array(piece.utf8)
    for i in 0...(bytes.count - p.count) where Array(bytes[i..<i + p.count]) == p { return SourceRange(i, i + p.count) }
    return SourceRange(-1, -1)
}

@Suite("Checker: journey clauses")
struct JourneyClauseCheckerTests {
    @Test func clausesResolve() throws {
        let (f, _) = check("FROM awareness TO consideration? TO cart_add WITHIN 2h TO purchase WITHIN 30d "
                           + "DIRECTLY STRICT TIME EXCLUDING support_call BETWEEN 2 AND purchase SAME device "
                           + "DURING 2024-01-01 .. 2024-01-31 BY month, customer.segment, device LIMIT 3")
        let funnel = try #require(f)
        #expect(funnel.steps.map(\.optional) == [false, true, false, false])
        #expect(funnel.steps.map(\.gapWindow) == [nil, nil, 7_200_000, nil])
        #expect(funnel.window == Int64(30) * 86_400_000)
        #expect(funnel.directly && funnel.strictTime)
        #expect(funnel.exclusions.map(\.from) == [1] && funnel.exclusions.map(\.to) == [3])
        #expect(funnel.same == .property("device"))
        // A date-only end covers its whole day: [Jan 1, Feb 1).
        #expect(funnel.startBounds == TimeBounds(lower: 1_704_067_200_000, upper: 1_706_745_600_000))
        #expect(funnel.breakdown == [.startMonth, .field(.customerAttribute("segment")), .field(.property("device"))])
        #expect(funnel.limit == 3)
    }

    @Test func defaultExclusionSpansTheWholeJourney() throws {
        let funnel = try #require(check("FROM awareness TO consideration TO purchase EXCLUDING support_call").0)
        #expect(funnel.exclusions.first?.from == 0 && funnel.exclusions.first?.to == 2)
    }

    @Test func lastIsResolvedAgainstNow() throws {
        let funnel = try #require(check("FROM awareness TO purchase LAST 1 day").0)
        let resolved = funnel.resolved(setNow: 1_000_000_000, clock: 5)
        #expect(resolved.startBounds == TimeBounds(lower: 1_000_000_000 - 86_400_000, upper: 1_000_000_001))
        #expect(funnel.resolved(setNow: nil, clock: 86_400_000).startBounds == TimeBounds(lower: 0, upper: 86_400_001))
    }

    @Test(arguments: [
        ("FROM awareness? TO purchase", "check.optional-end", "awareness?"),
        ("FROM awareness TO purchase?", "check.optional-end", "purchase?"),
        ("FROM awareness TO (ad_click? | cart_add) TO purchase", "check.optional-alternative", "ad_click?"),
        ("FROM awareness TO purchase EXCLUDING ad_click BETWEEN 2 AND 1", "check.bad-span", "2 AND 1"),
        ("FROM awareness TO purchase EXCLUDING ad_click BETWEEN 1 AND 3", "check.bad-step-number", "3"),
        ("FROM awareness TO purchase EXCLUDING ad_click BETWEEN awarnes AND 2", "check.unknown-step-name", "awarnes"),
        ("FROM ad_click TO ad_click TO purchase EXCLUDING cart_add BETWEEN ad_click AND 3", "check.ambiguous-step-name", "ad_click AND"),
        ("FROM awareness TO purchase SAME customer.segment", "check.bad-same", "customer.segment"),
        ("FROM awareness TO purchase BY time", "check.bad-breakdown", "time"),
        ("FROM awareness TO purchase BY devise", "check.unknown-field", "devise"),
        ("FROM awareness TO purchase DURING 2024-02-01 .. 2024-01-01", "check.empty-range", "DURING 2024-02-01 .. 2024-01-01"),
        ("FROM awareness TO purchase EXCLUDING supprt_call", "check.unknown-step", "supprt_call"),
    ])
    func clauseErrors(_ text: String, _ id: String, _ piece: String) {
        let (funnel, diagnostics) = check(text)
        #expect(funnel == nil)
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.id) == [id], "\(text)")
        var expected = range(of: piece, in: text)
        // The ambiguous-name case points at the name alone; its piece carries context to find the right copy.
        if id == "check.ambiguous-step-name" { expected = SourceRange(expected.start, expected.start + "ad_click".utf8.count) }
        #expect(errors.first?.range == expected, "\(text)")
    }
}

@Suite("Completion in context")
struct CompletionContextTests {
    @Test func valuesAfterAComparisonAndStepsAfterTO() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("e.csv")
        try "customer_id,timestamp,stage,touchpoint,channel\nc1,2024-01-01,awareness,site_visit,social\nc1,2024-01-02,purchase,sale,search\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let session = try Session(storePath: directory.appendingPathComponent("s.db").path, access: .create)
        _ = try session.importEvents([file.path], options: ImportOptions())
        #expect(session.completions(prefix: "s", before: "FROM awareness TO purchase WHERE channel = ").sorted() == ["search", "social"])
        #expect(session.completions(prefix: "", before: "FROM a TO b WHERE channel IN (social, ").sorted() == ["search", "social"])
        // Steps: touchpoints (and stages); no channels, fields or keywords.
        #expect(session.completions(prefix: "s", before: "FROM awareness TO ").sorted() == ["sale", "site_visit"])
        // Elsewhere every kind of name is offered: keywords, fields, values.
        #expect(session.completions(prefix: "s", before: "").contains("SHOW"))
        #expect(session.completions(prefix: "s", before: "").contains("social"))
    }

    /// Issue 10: fields only after WHERE and BY, the store's values of any property or attribute after `=`,
    /// and every keyword of the grammar.
    @Test func fieldsAfterWhereAndByAndValuesOfAnyField() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("e.csv")
        try "customer_id,timestamp,stage,touchpoint,channel,device\nc1,2024-01-01,awareness,site_visit,social,desktop\nc1,2024-01-02,purchase,sale,search,mobile\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let customers = directory.appendingPathComponent("c.csv")
        try "customer_id,segment\nc1,b2b\nc2,b2c\n".write(to: customers, atomically: true, encoding: .utf8)
        let session = try Session(storePath: directory.appendingPathComponent("s.db").path, access: .create)
        _ = try session.importEvents([file.path], options: ImportOptions())
        _ = try session.importCustomers(customers.path, options: ImportOptions())
        #expect(session.completions(prefix: "", before: "FROM awareness TO purchase WHERE ").sorted()
                == ["channel", "customer", "customer.segment", "device", "stage", "time", "touchpoint"])
        #expect(session.completions(prefix: "d", before: "FROM awareness TO purchase WHERE channel = social AND ") == ["device"])
        #expect(session.completions(prefix: "", before: "FROM awareness TO purchase BY channel, ").contains("month"))
        #expect(session.completions(prefix: "m", before: "FROM a TO b WHERE device = ") == ["mobile"])
        #expect(session.completions(prefix: "b", before: "FROM a TO b WHERE customer.segment = ").sorted() == ["b2b", "b2c"])
        for keyword in ["BY", "LIMIT", "DURING", "SINCE", "LAST", "DIRECTLY", "STRICT", "TIES", "EXCLUDING", "SAME"] {
            #expect(session.completions(prefix: String(keyword.prefix(2)), before: "FROM a TO b ").contains(keyword))
        }
    }
}
