// Scripts with EXPECT through Console, as `journey run`, `-c`, piped stdin and the REPL run them: what reaches
// stdout and stderr, and the exit status (0 when every EXPECT holds, 1 when one failed, an error's own status).
import Foundation
import Testing
import JourneyEngine
import JourneyREPL
import JourneyStore

/// samples/tiny-events.csv: `FROM awareness TO purchase` is 4 -> 3 (75 %), median gap 1 day (see samples/tiny.jql).
private let samples = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("samples")

/// A console over a fresh store of the tiny log, writing stdout and stderr to files in its own directory.
private final class ConsoleFixture {
    let directory: URL
    let console: Console
    private let outPath: String
    private let errPath: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyql-console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let session = try Session(storePath: directory.appendingPathComponent("store.db").path, access: .create)
        _ = try session.importEvents([samples.appendingPathComponent("tiny-events.csv").path], options: ImportOptions())
        outPath = directory.appendingPathComponent("stdout").path
        errPath = directory.appendingPathComponent("stderr").path
        console = Console(session: session, format: .csv, output: try TextSink.file(outPath), errors: try TextSink.file(errPath))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

private func count(_ piece: String, in text: String) -> Int {
    text.components(separatedBy: piece).count - 1
}

/// An interactive reader that types the given lines, then Ctrl-D.
private final class TypedLines: LineReader {
    private var lines: [String]
    init(_ lines: [String]) { self.lines = lines }
    var isInteractive: Bool { true }
    func addHistory(_ entry: String) {}
    func readLine(prompt: String) -> LineInput { lines.isEmpty ? .endOfInput : .line(lines.removeFirst()) }
}

@Suite("EXPECT in scripts")
struct ExpectScriptTests {
    @Test func aScriptWhoseExpectationsHoldIsQuietAndExitsZero() throws {
        let f = try ConsoleFixture()
        let status = REPL.runScript("""
            FROM awareness TO purchase;
            EXPECT customers AT STEP 2 BETWEEN 3 AND 4;
            EXPECT median_time_from_previous AT STEP 2 < 2 days;
            EXPECT ROWS = 2;
            """, name: "ok.jql", console: f.console)
        #expect(status == 0)
        #expect(f.stderr == "", "\(f.stderr)")
        #expect(f.stdout.hasPrefix("step,name,customers"))
        #expect(!f.stdout.contains("ok:"))
        #expect(f.console.expectationsRun == 3 && f.console.failedExpectations == 0)
    }

    @Test func everyFailureIsReportedAndTheStatusIsOne() throws {
        let f = try ConsoleFixture()
        let status = REPL.runScript("""
            FROM awareness TO purchase;
            EXPECT customers AT STEP 2 BETWEEN 4 AND 5;
            EXPECT pct_of_first AT STEP purchase >= 70;
            FROM consideration TO awareness;
            EXPECT pct_of_first AT STEP 2 > 60;
            """, name: "checks/daily.jql", console: f.console)
        #expect(status == 1)
        let err = f.stderr
        #expect(count("[expect.failed]", in: err) == 2, "\(err)")
        #expect(err.contains("error: EXPECT failed: customers at step 2 is 3; expected between 4 and 5 [expect.failed]"))
        #expect(err.contains("--> checks/daily.jql:2:1"))
        #expect(err.contains("error: EXPECT failed: pct_of_first at step 2 is 50; expected > 60 [expect.failed]"))
        #expect(err.contains("--> checks/daily.jql:5:1"))
        #expect(err.hasSuffix("2 of 3 EXPECT statements failed\n"))
        // The statement after the first failure ran: both results are on stdout.
        #expect(count("step,name,customers", in: f.stdout) == 2)
    }

    @Test func anErrorStillStopsTheScriptWithItsOwnStatus() throws {
        let f = try ConsoleFixture()
        let status = REPL.runScript("""
            FROM awareness TO purchase;
            EXPECT customers AT STEP 2 = 4;
            EXPECT custmers AT STEP 2 = 3;
            FROM consideration TO awareness;
            """, name: "s.jql", console: f.console)
        #expect(status == 65)
        #expect(f.stderr.contains("[expect.failed]"))
        #expect(f.stderr.contains("[expect.unknown-column]"))
        #expect(!f.stderr.contains("EXPECT statements failed"))
        #expect(count("step,name,customers", in: f.stdout) == 1)
        // So does an EXPECT with nothing before it.
        let g = try ConsoleFixture()
        #expect(REPL.runScript("EXPECT ROWS = 1;", name: "<command>", console: g.console) == 65)
        #expect(g.stderr.contains("[expect.no-result]"))
    }

    @Test func pipedStdinAndReadFilesBehaveTheSame() throws {
        let f = try ConsoleFixture()
        // A .read file's failure is reported under its name; the script around it goes on and exits 1.
        let inner = try f.write("inner.jql", "EXPECT customers AT STEP 1 = 5;\n")
        let script = """
            FROM awareness TO purchase;
            .read \(inner)
            EXPECT customers AT STEP 1 = 4;
            EXPECT lost AT STEP 2 = 0;

            """
        // Piped stdin: the same loop over a pipe.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let bytes = Array(script.utf8)
        #expect(bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == bytes.count)
        close(fds[1])
        defer { close(fds[0]) }
        let outcome = f.console.drive(PlainLineReader(descriptor: fds[0]), sourceName: "<stdin>")
        #expect(outcome == .finished)
        #expect(f.console.exitStatus(after: outcome) == 1)
        #expect(f.stderr.contains("--> \(inner):1:1"))
        #expect(f.stderr.contains("--> <stdin>:4:1"))
        #expect(f.stderr.hasSuffix("2 of 3 EXPECT statements failed\n"))
    }

    @Test func atThePromptAFailureIsReportedAndTheSessionGoesOn() throws {
        let f = try ConsoleFixture()
        f.console.format = .table
        f.console.reportsPassingExpectations = true
        let outcome = f.console.drive(TypedLines([
            "FROM awareness TO purchase;",
            "EXPECT customers AT STEP 2 = 5;",
            "EXPECT customers AT STEP 2 BETWEEN 3 AND 4;",
            "EXPECT nope = 1;",
            "EXPECT ROWS = 2;",
        ]), sourceName: "<stdin>")
        #expect(outcome == .finished)
        #expect(f.stderr.contains("customers at step 2 is 3; expected = 5 [expect.failed]"))
        #expect(f.stderr.contains("[expect.unknown-column]"))
        #expect(f.stdout.contains("ok: customers at step 2 is 3 (between 3 and 4)\n"))
        #expect(f.stdout.contains("ok: ROWS is 2 (= 2)\n"))
    }

    @Test func resultFilesAreReadFromTheScriptsFolder() throws {
        let f = try ConsoleFixture()
        try FileManager.default.createDirectory(at: f.directory.appendingPathComponent("checks/expected"),
                                                withIntermediateDirectories: true)
        // Made the way the documentation says: `journey --format csv -c 'STATEMENT' > FILE`.
        #expect(REPL.runScript("FROM awareness TO purchase", name: "<command>", console: f.console) == 0)
        let expected = f.stdout
        _ = try f.write("checks/expected/funnel.csv", expected)
        let script = f.directory.appendingPathComponent("checks/daily.jql").path
        let status = REPL.runScript("FROM awareness TO purchase; EXPECT RESULT = 'expected/funnel.csv';",
                                    name: script, console: f.console)
        #expect(status == 0, "\(f.stderr)")
        _ = try f.write("checks/expected/funnel.csv", expected.replacing("2,purchase,3,", with: "2,purchase,2,"))
        #expect(REPL.runScript("FROM awareness TO purchase; EXPECT RESULT = 'expected/funnel.csv';",
                               name: script, console: f.console) == 1)
        #expect(f.stderr.contains("the result differs from 'expected/funnel.csv' at line 3"))
        #expect(f.stderr.contains("= note: expected: 2,purchase,2,"))
        #expect(f.stderr.contains("= note: seen:     2,purchase,3,"))
    }
}
