// Tests as data: each Tests/JourneyEngineTests/data/*.test file is a list of statements with what they must give,
// in the manner of sqllogictest, so a new case is three lines. The format:
//
//     # a comment                          store tiny [customers]   (the store the file runs on; first line)
//     query                                statement ok             statement error check.unknown-step
//     FROM awareness TO purchase;          LET paid = ...;          FROM awareness TO purchse;
//     ----
//     step,name,customers,...              (a result as `--format csv` writes it; every result of the statement)
//
// `statement warning ID` runs the statement and needs a warning with that id. Records are separated by blank
// lines; statements run in order in one session, so a definition or SET now holds for the records after it.
import Foundation
import JourneyEngine
import Testing

struct DataRecord: CustomStringConvertible, Sendable {
    enum Expectation: Sendable {
        case ok
        case error(String)
        case warning(String)
        case rows([String])
    }
    var file: String
    var line: Int
    var statement: String
    var expectation: Expectation
    var description: String { "\(file):\(line)" }
}

enum DataFiles {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("data")

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".test") }.sorted()
    }

    /// The file's store line and its records.
    static func parse(_ name: String) throws -> (store: String, records: [DataRecord]) {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var store = "tiny"
        var records: [DataRecord] = []
        var i = 0
        while i < lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { i += 1; continue }
            if line.hasPrefix("store ") { store = String(line.dropFirst(6)); i += 1; continue }
            let head = i + 1
            let words = line.split(separator: " ").map(String.init)
            i += 1
            var statement: [String] = []
            while i < lines.count, !lines[i].trimmingCharacters(in: .whitespaces).isEmpty, lines[i] != "----" {
                statement.append(lines[i])
                i += 1
            }
            let expectation: DataRecord.Expectation
            switch (words.first, words.dropFirst().first) {
            case ("query", _):
                guard i < lines.count, lines[i] == "----" else {
                    throw DataFileError("\(name):\(head): a query needs '----' and its expected rows")
                }
                i += 1
                var rows: [String] = []
                while i < lines.count, !lines[i].isEmpty { rows.append(lines[i]); i += 1 }
                expectation = .rows(rows)
            case ("statement", "ok"): expectation = .ok
            case ("statement", "error") where words.count == 3: expectation = .error(words[2])
            case ("statement", "warning") where words.count == 3: expectation = .warning(words[2])
            default: throw DataFileError("\(name):\(head): expected 'query', 'statement ok|error ID|warning ID' or 'store ...'")
            }
            records.append(DataRecord(file: name, line: head, statement: statement.joined(separator: "\n"), expectation: expectation))
        }
        return (store, records)
    }
}

struct DataFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("Tests as data")
struct DataFileTests {
    @Test func thereAreDataFiles() {
        #expect(!DataFiles.names.isEmpty, "no .test files in \(DataFiles.directory.path)")
    }

    @Test(arguments: DataFiles.names)
    func dataFile(_ name: String) throws {
        let (store, records) = try DataFiles.parse(name)
        let directory = try SampleStores.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try SampleStores.session(for: store, in: directory)
        for record in records {
            var results: [QueryResult] = []
            var diagnostics: [Diagnostic] = []
            var failure: RunFailure?
            do {
                try session.run(SourceText(record.statement, name: record.description)) { event in
                    switch event {
                    case .result(let result): results.append(result)
                    case .diagnostic(let d, _): diagnostics.append(d)
                    default: break
                    }
                }
            } catch {
                failure = error
            }
            let where_ = Comment(rawValue: "\(record): \(record.statement)")
            switch record.expectation {
            case .ok:
                #expect(failure == nil, "\(where_)\n\(failure?.rendered ?? "")")
            case .error(let id):
                #expect(failure?.diagnostics.map(\.id).contains(id) == true,
                        "\(where_)\nexpected error \(id), got \(failure?.rendered ?? "success")")
            case .warning(let id):
                #expect(failure == nil, "\(where_)\n\(failure?.rendered ?? "")")
                #expect(diagnostics.map(\.id).contains(id), "\(where_)\nexpected warning \(id), got \(diagnostics.map(\.id))")
            case .rows(let expected):
                #expect(failure == nil, "\(where_)\n\(failure?.rendered ?? "")")
                let seen = results.flatMap { ResultRenderer.render($0, format: .csv).split(separator: "\n").map(String.init) }
                #expect(seen == expected, "\(where_)\nseen:\n\(seen.joined(separator: "\n"))\nexpected:\n\(expected.joined(separator: "\n"))")
            }
        }
    }
}
