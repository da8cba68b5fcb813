// The golden samples (samples/*.jql) on PostgreSQL: each script runs statement by statement on a SQLite store and on a
// PostgreSQL store made from the same files. Every statement the PostgreSQL engine runs must give the SQLite engine's
// tables exactly; the ones it refuses must be refused by name (engine.unsupported) or fail for want of what an earlier
// refused statement would have made (a definition). Nothing may come out different.
import Foundation
import Testing
import JourneyEngine
@testable import JourneyPostgres
import JourneyStore

@Suite(.serialized) struct PostgresSampleTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples")

    /// The files a script's `-- store:` header names (as SampleScriptTests builds its stores).
    static func files(for header: String, in folder: URL) throws -> (events: String, customers: String?) {
        let words = header.split(separator: " ").map(String.init)
        switch words.first {
        case "tiny":
            return (samples.appendingPathComponent("tiny-events.csv").path,
                    words.dropFirst().first == "customers" ? samples.appendingPathComponent("tiny-customers.csv").path : nil)
        case "orders":
            return (samples.appendingPathComponent("orders-events.csv").path,
                    samples.appendingPathComponent("orders-customers.csv").path)
        default:
            let generator = JourneyGenerator(customers: Int(words[2])!, seed: UInt64(words[3])!,
                                             scenario: JourneyGenerator.Scenario(rawValue: words[1])!)
            let events = folder.appendingPathComponent("events.csv").path
            let customers = folder.appendingPathComponent("customers.csv").path
            try generator.writeEvents(to: events)
            try generator.writeCustomers(to: customers)
            return (events, customers)
        }
    }

    @Test func everyStatementPostgreSQLRunsGivesTheSQLiteTables() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.samples.path)
            .filter { $0.hasSuffix(".jql") }.sorted()
        var same = 0, refused = 0, failedAfterRefusal = 0
        for (number, script) in scripts.enumerated() {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journey-pgsample-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let text = try String(contentsOf: Self.samples.appendingPathComponent(script), encoding: .utf8)
            let header = text.split(separator: "\n").first { $0.hasPrefix("-- store:") }
                .map { $0.dropFirst("-- store:".count).trimmingCharacters(in: .whitespaces) } ?? "tiny"
            let files = try Self.files(for: header, in: folder)
            let local = try Session(storePath: folder.appendingPathComponent("s.journey").path, access: .create)
            let remote = try PostgresSession(url: try PostgresFunnelTests.database(server, "sample\(number)"), create: true)
            _ = try local.importEvents([files.events], options: ImportOptions())
            _ = try remote.importEvents([files.events], options: ImportOptions())
            if let customers = files.customers {
                _ = try local.importCustomers(customers, options: ImportOptions())
                _ = try remote.importCustomers(customers, options: ImportOptions())
            }
            var splitter = StatementSplitter()
            var pieces: [StatementPiece] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix(".") {
                pieces += splitter.add(line: String(line))
            }
            if let last = splitter.finish() { pieces.append(last) }
            var refusedHere = false
            for piece in pieces {
                let source = piece.source(name: Self.samples.path + "/" + script)
                let expected = results(source) { (s, emit) throws(RunFailure) in try local.run(s, emit: emit) }
                let found = results(source) { (s, emit) throws(RunFailure) in try remote.run(s, emit: emit) }
                let context = "\(script):\(piece.firstLine): \(piece.text.trimmingCharacters(in: .whitespacesAndNewlines))"
                // After a refused definition the stores differ in what SHOW lists (the SQLite store has the definition):
                // those lists are not compared; every analysis still is.
                let listsState = piece.text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased().hasPrefix("SHOW")
                switch (expected, found) {
                case (.success, .success) where refusedHere && listsState:
                    break
                case (.success(let e), .success(let f)):
                    #expect(e.tables.map(\.columns) == f.tables.map(\.columns), "\(context)")
                    #expect(e.tables.map(\.rows) == f.tables.map(\.rows), "\(context)")
                    #expect(e.expectations == f.expectations, "\(context)")
                    if !e.isEmpty { same += 1 }
                case (_, .failure(let f)) where f.diagnostics.first?.id == DiagnosticID.engineUnsupported.rawValue:
                    refused += 1
                    refusedHere = true
                case (.success, .failure(let f)):
                    // Only a statement after a refused one (a definition it needs) may fail where SQLite did not.
                    #expect(refusedHere, "\(context)\n\(f.rendered)")
                    failedAfterRefusal += 1
                case (.failure, .failure), (.failure, .success):
                    break   // a statement the script means to fail (EXPECT); nothing to compare
                }
            }
        }
        print("samples on PostgreSQL: \(same) statements gave the same tables or EXPECT outcomes, \(refused) refused by name, "
              + "\(failedAfterRefusal) failed after a refusal")
        #expect(same >= 60)
    }
}

/// What a statement gave: its tables, and what each EXPECT found (as it is printed).
private struct Outputs {
    var tables: [QueryResult] = []
    var expectations: [String] = []
    var isEmpty: Bool { tables.isEmpty && expectations.isEmpty }
}

/// Runs a source on a session and returns its outputs, or the failure.
private func results(_ source: SourceText,
                     _ run: (SourceText, (SessionEvent) -> Void) throws(RunFailure) -> Void) -> Result<Outputs, RunFailure> {
    var found = Outputs()
    do throws(RunFailure) {
        try run(source) { event in
            if case .result(let result) = event { found.tables.append(result) }
            if case .expectation(_, let rendered) = event { found.expectations.append(rendered) }
            // EXPLAIN CUSTOMER's trace is a message; others (EXPLAIN's plan, IMPORT's timing) differ by engine.
            if case .message(let text) = event, text.hasPrefix("customer '") || text.hasPrefix("no customer is called") {
                found.expectations.append(text)
            }
        }
        return .success(found)
    } catch {
        return .failure(error)
    }
}
