// EXPECT in the executor: the previous result, the expected CSV read from its file, the outcome as an event.
// A failed expectation is an event, not an error: the script goes on, and the front end turns failures into exit 1.
import Foundation

extension Executor {
    func expect(_ expectation: CheckedExpectation, previousResults: [QueryResult],
                emit: (SessionEvent) -> Void) throws(RunFailure) {
        try ExpectationRun.run(expectation, previousResults: previousResults, source: source, emit: emit)
    }

    static func expectedFilePath(_ path: String, scriptName: String) -> String {
        ExpectationRun.expectedFilePath(path, scriptName: scriptName)
    }
}

/// EXPECT as any engine's session runs it: it reads only the previous results (and an expected file).
package enum ExpectationRun {
    /// Runs an EXPECT on `previousResults`. Faults of the script (no previous result, a column that is not
    /// there, an expected file that cannot be read) throw; a number that moved is emitted as a failed outcome.
    package static func run(_ expectation: CheckedExpectation, previousResults: [QueryResult], source: SourceText,
                            emit: (SessionEvent) -> Void) throws(RunFailure) {
        func failure(_ diagnostic: Diagnostic, exitCode: Int32 = 65) -> RunFailure {
            RunFailure(diagnostics: [diagnostic], rendered: DiagnosticRenderer.render(diagnostic, in: source),
                       exitCode: exitCode)
        }
        guard !previousResults.isEmpty else {
            throw failure(.error(.expectNoResult, "EXPECT checks the previous result, and there is none",
                                 at: expectation.range,
                                 notes: ["run a query first (FROM awareness TO purchase;), then EXPECT what it gives",
                                         "a statement that fails leaves no result to check"]))
        }
        var texts: (expected: String, seen: String)?
        if case .result(let expected, let valueRange, _) = expectation {
            let seen = previousResults.map { ResultRenderer.render($0, format: .csv) }.joined()
            switch expected {
            case .inline(let text):
                texts = (text, seen)
            case .file(let path):
                let resolved = expectedFilePath(path, scriptName: source.name)
                guard let data = FileManager.default.contents(atPath: resolved) else {
                    throw failure(.error(.expectNoFile, "cannot read the expected result '\(resolved)'", at: valueRange,
                                         notes: ["a relative path is read from the script's folder (the current directory for -c, stdin and the REPL)",
                                                 "journey --format csv -c 'STATEMENT' > FILE writes a statement's result as this compares it"]),
                                  exitCode: ExitStatus.noInput)
                }
                var bytes = [UInt8](data)
                if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
                texts = (String(decoding: bytes, as: UTF8.self), seen)
            }
        }
        let outcome: ExpectationOutcome
        do throws(Diagnostic) {
            outcome = try Expectation.evaluate(expectation, on: previousResults, texts: texts)
        } catch {
            throw failure(error)
        }
        let rendered = outcome.diagnostic.map { DiagnosticRenderer.render($0, in: source) } ?? "ok: " + outcome.summary
        emit(.expectation(outcome, rendered: rendered))
    }

    /// Where `EXPECT RESULT = 'path'` reads: an absolute path as it is; a relative one from the folder of the script
    /// (`scriptName` is the path the script was run as), or from the current directory when the text has no file
    /// (`<command>`, `<stdin>`, the REPL).
    static func expectedFilePath(_ path: String, scriptName: String) -> String {
        guard !path.hasPrefix("/"), !scriptName.hasPrefix("<"), let slash = scriptName.lastIndex(of: "/") else { return path }
        return String(scriptName[...slash]) + path
    }
}
