// Flows: what PATHS AFTER|BEFORE and the PATHS options parse and check to, every error with its id and range, and
// the indented tree in a terminal table (csv stays flat).
import Foundation
import JourneyEngine
import JourneyStore
import Testing

private let catalog = TestCatalog.make(
    stages: ["awareness", "consideration", "purchase"], touchpoints: ["ad_click", "cart_add", "support_call"],
    channels: ["web"], properties: ["device"], attributes: ["segment"])

private func check(_ text: String) -> (CheckedStatement?, [Diagnostic]) {
    let source = SourceText(text)
    let parsed = Parser.parse(source)
    guard parsed.diagnostics.isEmpty, let statement = parsed.statements.first else { return (nil, parsed.diagnostics) }
    let outcome = Checker.check(statement, catalog: catalog, source: source)
    return (outcome.statement, outcome.diagnostics)
}

private func range(of piece: String, in text: String) -> SourceRange {
    let bytes = Array(text.utf8), p = Array(piece.utf8)
    for i in 0...(bytes.count - p.count) where Array(bytes[i..<i + p.count]) == p { return SourceRange(i, i + p.count) }
    return SourceRange(-1, -1)
}

@Suite("Flows: syntax and checking")
struct FlowsTests {
    @Test func optionsResolve() throws {
        guard case .flows(let f)? = check("PATHS BEFORE cart_add MIN SHARE 2.5 KEEP REPEATS OF Channel TOP 4 STEPS 5").0 else {
            Issue.record("not a flow")
            return
        }
        #expect(f.spec.kind == .before(steps: 5))
        #expect(f.spec.column == .channel && f.spec.keepRepeats && f.spec.minShare == 2.5 && f.spec.top == 4)
        #expect(f.funnel.steps.count == 1 && f.spec.anchorLabel == "cart_add")
        guard case .flows(let g)? = check("PATHS AFTER purchase").0 else { return }
        #expect(g.spec.kind == .after(steps: 3) && g.spec.column == .touchpoint && !g.spec.keepRepeats)
        guard case .flows(let h)? = check("PATHS FROM awareness TO consideration TO purchase WITHIN 7 days LOST AT 2 MAX LENGTH 4").0 else { return }
        #expect(h.spec.kind == .lost(at: 2) && h.spec.maxLength == 4 && h.funnel.window == 7 * 86_400_000)
        guard case .flows(let k)? = check("PATHS FROM awareness TO purchase CONVERTED").0 else { return }
        #expect(k.spec.kind == .converted)
    }

    /// PATHS without options is the statement it always was.
    @Test func plainPathsStayPaths() {
        for text in ["PATHS FROM awareness TO purchase TOP 3 WHERE channel = web",
                     "PATHS FROM awareness TO purchase DIRECTLY STRICT TIME",
                     "PATHS FROM awareness TO purchase WITHIN 1 day TIES ANY ORDER"] {
            guard case .paths? = check(text).0 else {
                Issue.record("\(text): PATHS without options changed kind")
                continue
            }
        }
    }

    @Test func errorsAreLocated() {
        let cases: [(String, DiagnosticID, String)] = [
            ("PATHS AFTER awareness STEPS 0", .checkFlowSteps, "0"),
            ("PATHS AFTER awareness STEPS 21", .checkFlowSteps, "21"),
            ("PATHS AFTER awareness MIN SHARE 0", .checkFlowShare, "0"),
            ("PATHS FROM awareness TO purchase MIN SHARE 100.5", .checkFlowShare, "100.5"),
            ("PATHS FROM awareness TO purchase LOST AT 2", .checkFlowLostAt, "2"),
            ("PATHS FROM awareness TO purchase LOST AT 0", .checkFlowLostAt, "0"),
            ("PATHS AFTER awareness OF device", .checkFlowField, "device"),
            ("PATHS FROM awareness TO purchase MAX LENGTH 0", .checkFlowLength, "0"),
            ("PATHS AFTER awareness WITHIN 2 days", .checkFlowClause, "2 days"),
            ("PATHS AFTER awareness EXCLUDING cart_add", .checkFlowClause, "EXCLUDING cart_add"),
            ("PATHS BEFORE purchase LOST", .checkFlowOption, "LOST"),
            ("PATHS AFTER purchase MAX LENGTH 3", .checkFlowOption, "3"),
            ("PATHS FROM awareness TO purchase STEPS 2", .checkFlowOption, "2"),
            ("PATHS FROM awareness TO purchase LOST CONVERTED", .checkFlowOption, "LOST CONVERTED"),
            ("PATHS FROM awareness TO purchase LOST BY channel", .checkPathsBy, "channel"),
            ("PATHS AFTER awarenes", .checkUnknownStep, "awarenes"),
            ("PATHS AFTER awareness WHERE channel = web STRICT TIME", .checkFlowClause, "STRICT TIME"),
            ("PATHS BEFORE purchase TOP 2 IN ANY ORDER", .checkFlowClause, "IN ANY ORDER"),
            ("PATHS BEFORE purchase DIRECTLY", .checkFlowClause, "DIRECTLY"),
            ("PATHS AFTER cart_add SAME device", .checkFlowClause, "device"),
        ]
        for (text, id, piece) in cases {
            let (statement, diagnostics) = check(text)
            #expect(statement == nil, "\(text)")
            let error = diagnostics.first { $0.severity == .error }
            #expect(error?.id == id.rawValue, "\(text): \(diagnostics.map(\.id))")
            let want = range(of: piece, in: text)
            // The range of the last occurrence for pieces that occur twice ("0" in "STEPS 0").
            let last = text.utf8.count - piece.utf8.count
            let wantLast = SourceRange(last, last + piece.utf8.count)
            #expect(error?.range == want || error?.range == wantLast, "\(text): \(String(describing: error?.range))")
        }
    }

    @Test func parseErrors() {
        for (text, id) in [("PATHS AFTER awareness STEPS 2 STEPS 3", DiagnosticID.parseDuplicateClause),
                           ("PATHS AFTER awareness STEPS 2.5", .parseExpectedCount),
                           ("PATHS AFTER awareness MIN SHARE web", .parseExpectedCount),
                           ("PATHS AFTER", .parseExpected),
                           ("PATHS FROM awareness TO purchase LOST AT x", .parseExpectedCount),
                           ("PATHS AFTER awareness WHERE channel = web STEPS 2 WHERE channel = email", .parseDuplicateClause),
                           ("PATHS FROM awareness TO purchase WITHIN 1 day LOST WITHIN 2 days", .parseDuplicateClause),
                           ("PATHS FROM awareness TO purchase DIRECTLY LOST DIRECTLY", .parseDuplicateClause),
                           ("PATHS BEFORE purchase TOP 2 KEEP REPEATS LIMIT 3", .parseDuplicateClause)] {
            let parsed = Parser.parse(SourceText(text))
            #expect(parsed.diagnostics.first?.id == id.rawValue, "\(text): \(parsed.diagnostics.map(\.id))")
        }
    }

    /// A terminal table indents the node column by the level column; csv writes the level and the plain node.
    @Test func treeIsIndentedInTablesOnly() {
        var node = ColumnInfo("node", type: .text)
        node.indentedBy = 0
        let result = QueryResult(title: "t", columns: [ColumnInfo("level", type: .integer), node, ColumnInfo("customers", type: .integer)],
                                 rows: [[.int(0), .text("a"), .int(3)], [.int(1), .text("b"), .int(2)], [.int(2), .text("c"), .int(1)]])
        let table = TableRenderer(options: RenderOptions(), maxBarWidth: 0).render(result)
        let nodes = table.split(separator: "\n").filter { $0.hasPrefix("│") }.map { line in
            line.split(separator: "│", omittingEmptySubsequences: false)[2]
        }
        #expect(nodes == [" node  ", " a     ", "   b   ", "     c "], "\(table)")
        let csv = CSVRenderer.render(result)
        #expect(csv.contains("1,b,2") && csv.contains("2,c,1"), "\(csv)")
    }
}

@Suite("Flows: the library")
struct FlowsSessionTests {
    /// Session.run gives typed results: the tree's columns say what they hold, csv or not.
    @Test func typedResultsAndCompletion() throws {
        let directory = try SampleStores.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try SampleStores.session(for: "tiny customers", in: directory)
        var results: [QueryResult] = []
        try session.run(SourceText("PATHS AFTER awareness STEPS 1; PATHS FROM awareness TO purchase LOST;")) {
            if case .result(let r) = $0 { results.append(r) }
        }
        try #require(results.count == 2)
        #expect(results[0].columnInfo.map(\.type) == [.integer, .text, .text, .integer, .percent, .percent])
        #expect(results[0].columnInfo[1].indentedBy == 0)
        #expect(results[0].rows[1] == [.int(1), .text("site_visit"), .text("awareness"), .int(3), .percent(75), .percent(75)])
        #expect(results[1].columns == ["rank", "path", "customers", "pct_of_lost"])
        #expect(results[1].rows == [[.int(1), .text("email_open > site_visit"), .int(1), .percent(100)]])
        #expect(session.completions(prefix: "aw", before: "PATHS AFTER ") == ["awareness"])
        #expect(session.completions(prefix: "ch", before: "PATHS BEFORE purchase OF ") == ["channel"])
        // EXPECT reads a flow's result as any other.
        var outcomes: [String] = []
        try session.run(SourceText("PATHS AFTER awareness STEPS 1; EXPECT customers WHERE node = 'site_visit' = 3;")) {
            if case .expectation(let e, let rendered) = $0 { outcomes.append(e.holds ? "ok" : rendered) }
        }
        #expect(outcomes == ["ok"])
    }
}
