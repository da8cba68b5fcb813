// Golden tests: every samples/*.jql runs against the store its first line names, and its CSV output must
// equal samples/NAME.expected. Set JOURNEY_UPDATE_GOLDEN=1 to rewrite the files (then check them by hand).
import Foundation
import JourneyEngine
import Testing

enum SampleStores {
    static let samplesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples")

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("journeyql-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Builds the store a script's header asks for:
    /// `-- store: tiny` (samples/tiny-events.csv) or `-- store: generated SCENARIO CUSTOMERS SEED`.
    static func session(for header: String, in directory: URL) throws -> Session {
        let session = try Session(storePath: directory.appendingPathComponent("store.db").path, access: .create)
        let words = header.split(separator: " ").map(String.init)
        if words.first == "tiny" {
            _ = try session.importEvents([samplesDirectory.appendingPathComponent("tiny-events.csv").path],
                                         options: ImportOptions())
            // `-- store: tiny customers` adds samples/tiny-customers.csv.
            if words.dropFirst().first == "customers" {
                _ = try session.importCustomers(samplesDirectory.appendingPathComponent("tiny-customers.csv").path,
                                                options: ImportOptions())
            }
        } else if words.first == "generated", words.count == 4,
                  let scenario = JourneyGenerator.Scenario(rawValue: words[1]),
                  let customers = Int(words[2]), let seed = UInt64(words[3]) {
            let generator = JourneyGenerator(customers: customers, seed: seed, scenario: scenario)
            let events = directory.appendingPathComponent("events.csv").path
            let people = directory.appendingPathComponent("customers.csv").path
            try generator.writeEvents(to: events)
            try generator.writeCustomers(to: people)
            _ = try session.importEvents([events], options: ImportOptions())
            _ = try session.importCustomers(people, options: ImportOptions())
        } else if words == ["orders"] {
            // `-- store: orders`: samples/orders-events.csv (repeat purchases with amounts) and its customers (VALUE).
            _ = try session.importEvents([samplesDirectory.appendingPathComponent("orders-events.csv").path],
                                         options: ImportOptions())
            _ = try session.importCustomers(samplesDirectory.appendingPathComponent("orders-customers.csv").path,
                                            options: ImportOptions())
        } else {
            Issue.record("unknown store header '\(header)'")
        }
        return session
    }

    /// A sample's text and a session over the store its `-- store:` line names, in a new temporary directory
    /// (the caller removes it).
    static func open(_ script: String) throws -> (text: String, session: Session, directory: URL) {
        let text = try String(contentsOf: samplesDirectory.appendingPathComponent(script), encoding: .utf8)
        let header = text.split(separator: "\n").first { $0.hasPrefix("-- store:") }
            .map { $0.dropFirst("-- store:".count).trimmingCharacters(in: .whitespaces) } ?? "tiny"
        let directory = try temporaryDirectory()
        return (text, try session(for: header, in: directory), directory)
    }

    /// Runs a script and returns its CSV output, each result followed by a blank line, and each EXPECT's outcome
    /// (`ok: ...` or its error). The script runs under its path in samples/, as `journey run samples/NAME.jql`
    /// would run it (EXPECT RESULT reads files from there); the folder is left out of the output.
    static func csvOutput(of script: String, name: String, session: Session) throws -> String {
        var out = ""
        let folder = samplesDirectory.path + "/"
        do {
            try session.run(SourceText(script, name: folder + name)) { event in
                switch event {
                case .result(let result):
                    out += ResultRenderer.render(result, format: .csv) + "\n"
                case .message(let message):
                    out += message + "\n\n"
                case .diagnostic:
                    break
                case .expectation(_, let rendered):
                    out += rendered + (rendered.hasSuffix("\n") ? "\n" : "\n\n")
                }
            }
        } catch {
            out += error.rendered
        }
        return out.replacing(folder, with: "")
    }
}

@Suite struct SampleScriptTests {
    static let scripts: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: SampleStores.samplesDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".jql") && files.contains(String($0.dropLast(4)) + ".expected") }.sorted()
    }()

    @Test func everySampleHasExpectedOutput() {
        #expect(Self.scripts.contains("tiny.jql"))
        #expect(Self.scripts.contains("tour.jql"))
    }

    @Test(arguments: scripts) func sampleMatchesExpected(_ script: String) throws {
        let url = SampleStores.samplesDirectory.appendingPathComponent(script)
        let (text, session, directory) = try SampleStores.open(script)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try SampleStores.csvOutput(of: text, name: script, session: session)
        let expectedURL = url.deletingPathExtension().appendingPathExtension("expected")
        if ProcessInfo.processInfo.environment["JOURNEY_UPDATE_GOLDEN"] == "1" {
            try output.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(output == expected)
    }
}

/// The golden files are not self-certifying: every journey in every sample is also computed by the brute-force
/// reference (`Reference.journey`, SEMANTICS.md sections 4 and 4a) over the same store, and the engine's whole
/// result table must equal it.
@Suite struct SampleFunnelsAgreeWithReference {
    @Test(arguments: SampleScriptTests.scripts) func funnelsAgree(_ script: String) throws {
        let (text, session, directory) = try SampleStores.open(script)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = SourceText(text, name: script)
        let events = try session.store.rawEvents()
        let customers = try session.store.rawCustomers()
        var compared = 0
        for statement in Parser.parse(source).statements {
            // STAGES, the journey map: both of its tables against ReferenceStages.
            if case .stages = statement, case .stages(let map)? = try session.check(statement, source: source).statement?
                .resolvingNow(setNow: session.now, clock: 0) {
                let expected = ReferenceStages.evaluate(map, events: events, customers: customers,
                                                        horizon: session.now ?? events.map(\.time).max())
                var got: [QueryResult] = []
                try session.run(SourceText(source.slice(statement.range))) { event in
                    if case .result(let r) = event { got.append(r) }
                }
                #expect(got.count == 2 && Reference.rowsAgree(got[0].rows, expected.stages)
                        && Reference.rowsAgree(got[1].rows, expected.transitions), "\(source.slice(statement.range))")
                compared += 1
                continue
            }
            // VALUE against ReferenceValue (counts exactly, sums and quantiles to a relative 1e-9).
            if case .value = statement, case .value(let value)? = try session.check(statement, source: source).statement?
                .resolvingNow(setNow: session.now, clock: 0) {
                let expected = ReferenceValue.evaluate(value, events: events, customers: customers,
                                                       horizon: session.now ?? events.map(\.time).max())
                var got: QueryResult?
                try session.run(SourceText(source.slice(statement.range))) { if case .result(let r) = $0 { got = r } }
                #expect(ReferenceValue.rowsAgree(try #require(got).rows, expected.rows), "\(source.slice(statement.range))")
                compared += 1
                continue
            }
            // RETENTION: the cohort table and the curve against ReferenceRetention.
            if case .retention = statement, case .retention(let retention)? = try session.check(statement, source: source)
                .statement?.resolvingNow(setNow: session.now, clock: 0) {
                let expected = ReferenceRetention.evaluate(retention, events: events, customers: customers,
                                                           horizon: session.now ?? events.map(\.time).max())
                var got: [QueryResult] = []
                try session.run(SourceText(source.slice(statement.range))) { event in
                    if case .result(let r) = event { got.append(r) }
                }
                #expect(got.count == 2 && Reference.rowsAgree(got[0].rows, expected.cohorts)
                        && Reference.rowsAgree(got[1].rows, expected.curve), "\(source.slice(statement.range))")
                compared += 1
                continue
            }
            // Flows against their own brute force (ReferenceFlows.swift).
            if case .flows = statement, case .flows(let written)? = try session.check(statement, source: source).statement {
                let flows = written.resolved(setNow: session.now, clock: 0)
                let want = flows.spec.kind.isTree ? Reference.flowTree(flows, events: events, customers: customers)
                                                  : Reference.flowPaths(flows, events: events, customers: customers)
                var got: QueryResult?
                try session.run(SourceText(source.slice(statement.range))) { if case .result(let r) = $0 { got = r } }
                #expect(Reference.rowsAgree(try #require(got).rows, want), "\(flows.funnel.text)")
                compared += 1
                continue
            }
            // COMPARE: both tables against ReferenceCompare over the reference's counts (BY groups, or both periods).
            if case .compare = statement, case .compare(let compare)? = try session.check(statement, source: source).statement?
                .resolvingNow(setNow: session.now, clock: 0) {
                let groups = ReferenceCompare.groups(of: compare, events: events, customers: customers)
                let reference = ReferenceCompare.index(of: compare.against, in: groups)
                let (table, chi) = ReferenceCompare.tables(groups: groups, labels: compare.funnel.steps.map { $0.label },
                                                           confidence: compare.confidence, reference: reference)
                var got: [QueryResult] = []
                try session.run(SourceText(source.slice(statement.range))) { if case .result(let r) = $0 { got.append(r) } }
                #expect(got.count == 2 && Reference.rowsAgree(got[0].rows, table) && Reference.rowsAgree(got[1].rows, chi),
                        "\(compare.text)")
                compared += 1
                continue
            }
            // Attribution against its brute force (ReferenceAttribution.swift): each credit is its raw credit to
            // the hundredth, each column adds up exactly.
            if case .attribution = statement, case .attribution(let written)? = try session.check(statement, source: source).statement {
                let a = written.resolved(setNow: session.now, clock: 0)
                let want = Reference.attribution(a, events: events, customers: customers)
                var got: QueryResult?
                try session.run(SourceText(source.slice(statement.range))) { if case .result(let r) = $0 { got = r } }
                let rows = try #require(got).rows
                for m in a.models.indices {
                    var units: Int64 = 0
                    for row in rows {
                        guard case .text(let label) = row[0], case .number(let v) = row[1 + 2 * m] else { continue }
                        units += Int64((v * 100).rounded())
                        let raw = label == "(none)" ? Double(want.untouched) / 100 : (want.credits[m][label] ?? 0) / 100
                        #expect(abs(v - raw) < 0.01 + 1e-9, "\(a.journey.text): \(label) \(v) vs \(raw)")
                    }
                    #expect(units == want.total, "\(a.journey.text)")
                }
                compared += 1
                continue
            }
            guard case .funnel = statement else {
                // Definitions and settings change what later journeys mean: run them as the script does.
                try? session.run(SourceText(source.slice(statement.range))) { _ in }
                continue
            }
            let outcome = try session.check(statement, source: source)
            guard case .funnel(let funnel)? = outcome.statement else { continue }
            // TIES ANY ORDER and IN ANY ORDER have brute-force differential tests of their own.
            if funnel.tiesAnyOrder || funnel.anyOrder { continue }
            let expected = Reference.journey(funnel.resolved(setNow: session.now, clock: 0), events: events,
                                             customers: customers)
            var got: QueryResult?
            try session.run(SourceText(source.slice(statement.range))) { event in
                if case .result(let r) = event { got = r }
            }
            let result = try #require(got)
            #expect(result.columns == expected.columns, "\(funnel.text)")
            #expect(Reference.rowsAgree(result.rows, expected.rows), "\(funnel.text): \(result.rows) vs \(expected.rows)")
            compared += 1
        }
        #expect(compared >= 5, "\(script) should exercise several journeys")
    }
}
