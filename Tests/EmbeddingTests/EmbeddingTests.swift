// The embedding API as an embedder meets it: only `import JourneyQL`, nothing of the engine. The numbers are the
// hand-checked ones of samples/tiny.jql (5 customers, 13 events).
import Foundation
import JourneyQL
import Testing

private let samples = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("samples")

/// A new store in a temporary folder holding samples/tiny-events.csv and tiny-customers.csv.
private func tinyStore() async throws -> (Store, URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embedding-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("tiny.db").path
    let store = try Store(path: path, access: .create)
    let events = samples.appendingPathComponent("tiny-events.csv").path
    let customers = samples.appendingPathComponent("tiny-customers.csv").path
    _ = try await store.query("IMPORT '\(events)'; IMPORT CUSTOMERS '\(customers)'")
    return (store, folder)
}

@Suite struct EmbeddingTests {
    @Test func openingIsExplicit() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embedding-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("typo.db").path
        for access in [Store.Access.readOnly, .readWrite] {
            #expect(throws: JourneyError.self) { _ = try Store(path: missing, access: access) }
            do {
                _ = try Store(path: missing, access: access)
            } catch {
                #expect(error.code == .notFound)
                #expect(error.exitStatus == 66)
            }
        }
        // A mistyped path made no store.
        #expect(!FileManager.default.fileExists(atPath: missing))
        // A file that is not a store is refused, and left as it was.
        let foreign = folder.appendingPathComponent("notes.txt")
        try Data("not a store\n".utf8).write(to: foreign)
        do {
            _ = try Store(path: foreign.path, access: .create)
            Issue.record("a text file opened as a store")
        } catch {
            #expect(error.code == .invalidInput)
        }
        #expect(try String(contentsOf: foreign, encoding: .utf8) == "not a store\n")
    }

    @Test func aFunnelIsTyped() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = try await store.query("FROM awareness TO consideration TO purchase WITHIN 30 days")
        #expect(results.count == 1)
        let funnel = try #require(results[0].funnel)
        #expect(results[0].kind == .funnel)
        #expect(funnel.groupColumns.isEmpty)
        let steps = try #require(funnel.groups.first?.steps)
        // tiny.jql: 4 -> 3 -> 1; medians 5m and 35m from the previous step; nobody still in the window.
        #expect(steps.map(\.name) == ["awareness", "consideration", "purchase"])
        #expect(steps.map(\.customers) == [4, 3, 1])
        #expect(steps.map(\.lost) == [nil, 1, 2])
        #expect(steps[1].percentOfFirst == 75)
        #expect(steps[2].percentOfFirst == 25)
        #expect(steps[1].medianTimeFromPrevious == .seconds(300))
        #expect(steps[2].medianTimeFromPrevious == .seconds(2100))
        #expect(steps[2].medianTimeFromStart == .seconds(2400))
        #expect(steps[2].inProgress == 0)
        #expect(steps[0].medianTimeFromPrevious == nil)
    }

    @Test func groupsTimesAndPathsAreTyped() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let times = try await store.query("TIMES FROM awareness TO purchase")
        #expect(times.map(\.kind) == [.timeToConvert, .timeToConvert])
        #expect(times.map(\.part) == [0, 1])
        let summary = try #require(times[0].timeToConvert?.groups.first)
        // tiny.jql: c1 40m, c3 24h, c4 41d.
        #expect(summary.converters == 3)
        #expect(summary.minimum == .seconds(2400))
        #expect(summary.median == .seconds(86400))
        #expect(summary.maximum == .seconds(41 * 86400))
        #expect(times[1].timeToConvert == nil)
        #expect(times[1].value(row: 2, column: "time_to_convert") == .text("10m - 1h"))
        #expect(times[1].value(row: 2, column: "customers") == .int(1))

        // tiny.jql: within 1 day only c1 (social, 40m) and c3 (paid_ads, exactly 24h) convert; c2 (email) stops.
        let byChannel = try #require(try await store.query("TIMES FROM awareness TO purchase WITHIN 1 day BY channel")[0]
            .timeToConvert)
        #expect(byChannel.groupColumns == ["channel"])
        #expect(byChannel.groups.map(\.key) == [[.text("social")], [.text("email")], [.text("paid_ads")]])
        #expect(byChannel.groups.map(\.converters) == [1, 0, 1])
        #expect(byChannel.groups.map(\.median) == [.seconds(2400), nil, .seconds(86400)])

        let paths = try #require(try await store.query("PATHS FROM awareness TO purchase")[0].paths)
        #expect(paths.paths.map(\.customers).reduce(0, +) == 3)
        #expect(paths.paths.first?.rank == 1)
        #expect(paths.paths.allSatisfy { $0.touchpoints.count >= 2 })
    }

    @Test func identicalRunsAreEqual() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let statement = "FROM awareness TO purchase BY channel"
        let first = try await store.query(statement)
        let second = try await store.query(statement)
        #expect(first == second)
        #expect(first[0].formatted(as: .table) == second[0].formatted(as: .table))
        #expect(first[0].measured?.contains("events read") == true)
        #expect(first[0].formatted(as: .csv).hasPrefix("channel,step,name,customers,"))
    }

    @Test func badStatementsHaveLocationsAndFixIts() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let statement = "FROM awareness TO purchace"
        do {
            _ = try await store.query(statement)
            Issue.record("a misspelled step ran")
        } catch {
            #expect(error.code == .invalidStatement)
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.id == "check.unknown-step")
            #expect(diagnostic.severity == .error)
            #expect(diagnostic.range == 18..<26)
            #expect(diagnostic.start == SourceLocation(line: 1, column: 19))
            let fix = try #require(diagnostic.fixIts.first)
            #expect(fix.applied(to: statement) == "FROM awareness TO purchase")
            #expect(diagnostic.rendered.contains("^^^^^^^^"))
        }
        // The store is still usable after a failure.
        #expect(try await store.query("FROM awareness TO purchase")[0].funnel?.groups[0].steps[1].customers == 3)
    }

    @Test func readOnlyStoresRefuseWrites() async throws {
        let (created, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Store(path: created.path, access: .readOnly)
        #expect(try await store.query("FROM awareness TO purchase")[0].funnel?.groups[0].steps.map(\.customers) == [4, 3])
        let events = samples.appendingPathComponent("tiny-events.csv").path
        do {
            _ = try await store.query("IMPORT '\(events)'")
            Issue.record("a read-only store imported")
        } catch {
            #expect(error.code == .readOnly)
        }
    }

    @Test func concurrentQueriesAgree() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let statements = ["FROM awareness TO purchase", "FROM awareness TO purchase WHERE channel = social",
                          "FROM consideration TO awareness", "FROM ad_click TO ad_click"]
        let alone = try await statements.asyncMap { try await store.query($0)[0] }
        let together = try await withThrowingTaskGroup(of: (Int, StatementResult).self) { group in
            for round in 0..<4 {
                for (index, statement) in statements.enumerated() {
                    group.addTask { (index, try await store.query(statement)[0]) }
                }
                _ = round
            }
            var found: [(Int, StatementResult)] = []
            for try await pair in group { found.append(pair) }
            return found
        }
        #expect(together.count == 16)
        for (index, result) in together { #expect(result == alone[index]) }
        // tiny.jql's counts: 4 -> 3, 2 -> 0, 4 -> 2, 2 -> 1.
        #expect(alone.map { $0.funnel?.groups[0].steps.map(\.customers) ?? [] } == [[4, 3], [2, 0], [4, 2], [2, 1]])
    }

    @Test func aCancelledTaskStopsBeforeRunning() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await store.query("FROM awareness TO purchase")
        }
        do {
            _ = try await task.value
            Issue.record("a cancelled task ran its statement")
        } catch let error as JourneyError {
            #expect(error.code == .cancelled)
            #expect(error.exitStatus == 130)
        }
    }

    @Test func anInterpreterKeepsDefinitionsAndStreamsOutputs() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let interpreter = try store.makeInterpreter()
        let script = """
            LET social = channel = social;
            FROM awareness TO purchase WHERE social;
            EXPECT customers AT STEP 1 = 2;
            EXPECT customers AT STEP 1 = 3;
            FROM awareness TO purchase WHERE channel = $wanted;
            """
        var outputs: [StatementOutput] = []
        for try await output in interpreter.outputs(of: script, name: "check.jql", parameters: ["wanted": "email"]) {
            outputs.append(output)
        }
        let results = outputs.compactMap { if case .result(let result) = $0 { result } else { nil } }
        let expectations = outputs.compactMap { output -> Bool? in
            if case .expectation(let passed, _, _) = output { return passed }
            return nil
        }
        #expect(results.count == 2)
        #expect(results[0].funnel?.groups[0].steps.map(\.customers) == [2, 0])
        #expect(expectations == [true, false])
        // The failed EXPECT points into the script, on line 4.
        let failed = outputs.compactMap { output -> Diagnostic? in
            if case .expectation(false, _, let diagnostic?) = output { return diagnostic }
            return nil
        }
        #expect(failed.first?.start.line == 4)
        // The definition stays for later runs of the interpreter.
        let later = try await interpreter.run("FROM awareness TO purchase WHERE social")
        let laterResults = later.compactMap { if case .result(let result) = $0 { result } else { nil } }
        #expect(laterResults.first?.funnel?.groups[0].steps.map(\.customers) == [2, 0])
        // Nobody reaches purchase through social events: the warning comes with the result.
        let warnings = later.compactMap { if case .diagnostic(let warning) = $0 { warning } else { nil } }
        #expect(warnings.map(\.severity) == [.warning])
    }

    @Test func aFailingScriptEndsItsStreamWithTheError() async throws {
        let (store, folder) = try await tinyStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let interpreter = try store.makeInterpreter()
        var results = 0
        do {
            for try await output in interpreter.outputs(of: "FROM awareness TO purchase;\nFROM nowhere TO purchase;") {
                if case .result = output { results += 1 }
            }
            Issue.record("the stream ended without the error")
        } catch let error as JourneyError {
            #expect(error.code == .invalidStatement)
            #expect(error.diagnostics.first?.start.line == 2)
        }
        #expect(results == 1)
    }
}

extension Array {
    /// The elements transformed one after another by an async function.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
