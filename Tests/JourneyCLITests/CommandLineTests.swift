// `journey` run the way scripts and shells run it: arguments, stdin, stdout, stderr and the exit status.
// A new case: `let result = try StoreFixture().journey(["-c", "SHOW STAGES;"])`, then #expect on
// result.status, .stdout and .stderr (passing "\(result)" as the message shows all three on failure).
import Foundation
import JourneyREPL
import Testing

@Suite("journey without a terminal")
struct CommandLineTests {
    @Test("--version prints the version and nothing else")
    func version() throws {
        let dir = try TemporaryDirectory()
        let result = try Journey.run(["--version"], in: dir.path)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == journeyVersion + "\n", "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
    }

    @Test("run with a script that does not exist fails and names the script")
    func runMissingScript() throws {
        let store = try StoreFixture()
        let result = try Journey.run(["run", "missing.jql", "--db", store.path], in: store.directory.path)
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("missing.jql"), "\(result)")
        #expect(result.stderr.contains("error"), "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test("a misspelt stage exits 65 with a caret under it and a suggestion on stderr")
    func misspeltStage() throws {
        let store = try StoreFixture()
        let result = try store.journey(["-c", "FROM awareness TO purchse;"])
        #expect(result.status == 65, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The caret run sits under the misspelt word and is as wide as it.
        let source = try #require(lines.firstIndex { $0.contains("FROM awareness TO purchse") }, "\(result)")
        let caretLine = try #require(lines.dropFirst(source + 1).first, "\(result)")
        let word = try #require(lines[source].range(of: "purchse"), "\(result)")
        let column = lines[source].distance(from: lines[source].startIndex, to: word.lowerBound)
        let carets = try #require(caretLine.range(of: "^^^^^^^"), "\(result)")
        #expect(caretLine.distance(from: caretLine.startIndex, to: carets.lowerBound) == column, "\(result)")
        #expect(!caretLine[carets.upperBound...].contains("^"), "\(result)")
        #expect(result.stderr.contains("did you mean 'purchase'"), "\(result)")
    }

    @Test("statements piped on stdin all run, each giving what it gives alone",
          arguments: ["\n", " "])
    func pipedStatements(separator: String) throws {
        let store = try StoreFixture()
        let first = "FROM awareness TO purchase;", second = "FROM consideration TO retention;"
        // CSV: the numbers without the table's layout, which is being redrawn.
        let piped = try store.journey(["--format", "csv"], stdin: first + separator + second + "\n")
        let alone = try [first, second].map { try store.journey(["--format", "csv", "-c", $0]) }
        for result in [piped] + alone { #expect(result.status == 0, "\(result)") }
        #expect(rows(piped.stdout) == rows(alone[0].stdout) + rows(alone[1].stdout), "\(piped)")
        // And they are real numbers: every generated customer is aware, some of them buy.
        #expect(alone[0].stdout.contains("awareness,300,"), "\(alone[0])")
        #expect(alone[0].stdout.contains("purchase,"), "\(alone[0])")
        #expect(alone[1].stdout.contains("retention,"), "\(alone[1])")
    }

    /// The non-empty lines of CSV output.
    private func rows(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}
