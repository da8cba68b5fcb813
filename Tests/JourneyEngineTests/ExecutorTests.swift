// The execution shape of issue 12: the planner's choice of matcher, one cancellation token for queries and
// imports, the one map from failures to exit statuses, and a plan printer that reads nothing.
import Foundation
import Testing
@testable import JourneyEngine
import JourneyStore

@Suite("Executor")
struct ExecutorTests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    private func session(_ csv: String? = nil) throws -> Session {
        let session = try Session(storePath: directory.appendingPathComponent("store.db").path, access: .create)
        if let csv {
            let file = directory.appendingPathComponent("events.csv")
            try csv.write(to: file, atomically: true, encoding: .utf8)
            _ = try session.importEvents([file.path], options: ImportOptions())
        }
        return session
    }

    private func plan(_ text: String, in session: Session) throws -> Plan {
        let parsed = Parser.parse(SourceText(text))
        let outcome = try session.check(try #require(parsed.statements.first), source: SourceText(text))
        let checked = try #require(outcome.statement, "\(outcome.diagnostics)")
        return Planner(catalog: session.catalog()).plan(checked)
    }

    private static let log = """
        customer_id,timestamp,stage,touchpoint
        c1,2024-01-01T00:00:00Z,awareness,ad_click
        c1,2024-01-01T00:10:00Z,purchase,checkout
        c2,2024-01-02T00:00:00Z,awareness,ad_click
        """

    @Test func thePlannerChoosesTheCheapestExactMatcher() throws {
        let session = try session(Self.log)
        let cases: [(String, MatcherKind, Aggregation)] = [
            ("FROM awareness TO purchase", .plain, .funnel),
            ("FROM awareness TO purchase TIES ANY ORDER", .tied, .funnel),
            ("TIMES FROM awareness TO purchase IN ANY ORDER", .anyOrder, .times),
            ("PATHS FROM awareness TO purchase DIRECTLY", .general, .paths),
            ("FROM awareness TO purchase EXCLUDING checkout", .general, .funnel),
        ]
        for (text, matcher, aggregation) in cases {
            guard case .query(let journey, let planned) = try plan(text, in: session) else {
                Issue.record("\(text): not a query plan")
                continue
            }
            #expect(journey.matcher == matcher, "\(text)")
            #expect(planned == aggregation, "\(text)")
        }
        guard case .trace(_, let customer, _) = try plan("EXPLAIN CUSTOMER c1 FROM awareness TO purchase", in: session) else {
            Issue.record("EXPLAIN CUSTOMER is not a trace plan")
            return
        }
        #expect(customer == "c1")
    }

    @Test func theOrderClausesBecomeOneOrderMode() throws {
        let session = try session(Self.log)
        let cases: [(String, OrderMode)] = [
            ("FROM awareness TO purchase", .inOrder),
            ("FROM awareness TO purchase DIRECTLY", .sequence(.directly)),
            ("FROM awareness TO purchase STRICT TIME DIRECTLY", .sequence([.directly, .strictTime])),
            ("FROM awareness TO purchase TIES ANY ORDER", .tiesAnyOrder),
            ("FROM awareness TO purchase IN ANY ORDER", .anyOrder),
        ]
        for (text, order) in cases {
            guard case .query(let journey, _) = try plan(text, in: session) else { continue }
            #expect(journey.funnel.order == order && journey.shape.order == order, "\(text)")
        }
    }

    @Test func thePlanPrinterPrintsWhatItIsGiven() throws {
        let session = try session(Self.log)
        guard case .explain(let journey) = try plan("EXPLAIN FROM awareness TO purchase TIES ANY ORDER", in: session) else {
            Issue.record("not an EXPLAIN plan")
            return
        }
        let scan = ScanExplanation(sql: "SELECT made up", bindings: ["?1 = 7"], plan: ["SCAN nothing"])
        let choice = EngineChoice(source: session.store, name: "SQLite scan", reason: "a test says so")
        let lines = PlanPrinter.lines(journey, engine: choice, scan: scan)
        #expect(lines.contains("  SELECT made up"))
        #expect(lines.contains("  bindings: ?1 = 7"))
        #expect(lines.contains("  plan: SCAN nothing"))
        #expect(lines.contains("engine: SQLite scan, because a test says so"))
        #expect(lines.contains { $0.hasPrefix("match: ") && $0.contains("TIES ANY ORDER") })
    }

    @Test func oneTokenCancelsAnImportStatement() throws {
        let session = try session()
        var text = "customer_id,timestamp\n"
        for i in 0..<20_000 { text += "c\(i),2024-01-01\n" }
        let file = directory.appendingPathComponent("big.csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let token = CancellationToken()
        // The first progress report cancels the token; the executor's watcher interrupts the import through the store.
        session.importProgress = { _ in token.cancel() }
        let files = Array(repeating: "'\(file.path)'", count: 6).joined(separator: ", ")
        var failure: RunFailure?
        do throws(RunFailure) {
            try session.run(SourceText("IMPORT \(files);"), cancellation: token) { _ in }
        } catch {
            failure = error
        }
        #expect(failure?.exitCode == 130)
        #expect(session.catalog().eventCount == 0)
    }

    @Test func theSameTokenCancelsAQuery() throws {
        let session = try session(Self.log)
        let token = CancellationToken()
        token.cancel()
        var failure: RunFailure?
        do throws(RunFailure) {
            try session.run(SourceText("FROM awareness TO purchase;"), cancellation: token) { _ in }
        } catch {
            failure = error
        }
        #expect(failure?.exitCode == 130)
        #expect(failure?.rendered == "cancelled")
    }

    @Test func failuresMapToExitStatusesInOnePlace() {
        struct Unforeseen: Error {}
        #expect(ExitStatus.code(for: StoreError.schema("bad")) == 65)
        #expect(ExitStatus.code(for: StoreError.notFound(path: "x")) == 66)
        #expect(ExitStatus.code(for: StoreError.busy(path: "x", waitedSeconds: 1)) == 75)
        #expect(ExitStatus.code(for: StoreError.cancelled) == 130)
        #expect(ExitStatus.code(for: Unforeseen()) == 70)
        #expect(ExitStatus.code(for: RunFailure(diagnostics: [], rendered: "", exitCode: 1)) == 1)
        // A failure made from a store error keeps the store's status and says what it was.
        let failure = RunFailure(StoreError.schema("the columnar engine cannot run this query: LIKE"))
        #expect(failure.exitCode == 65)
        #expect(failure.rendered.hasPrefix("error: "))
    }
}
