// The interactive loop on a terminal, or a script read from a pipe, and what Tab offers while typing.
import JourneyEngine

/// Entry points the `journey` executable calls; each returns the process's exit status.
package enum REPL {
    /// On a terminal: the banner, then line editing with history and completion until `.quit` or Ctrl-D;
    /// errors are reported and the session goes on. Otherwise stdin is a script: no prompts, no banner,
    /// and the first error ends the run with its exit status (a failed EXPECT does not: it makes the status 1).
    package static func run(_ console: Console) -> Int32 {
        guard Terminal.stdinIsTTY else {
            return console.exitStatus(after: console.drive(PlainLineReader(descriptor: 0), sourceName: "<stdin>"))
        }
        console.reportsPassingExpectations = true
        let reader = EditLineReader(historyPath: EditLineReader.defaultHistoryPath()) { [unowned console] request in
            Completer.answer(request, session: console.session)
        }
        console.pager = console.output.isTerminal
        console.output.write(console.banner())
        _ = console.drive(reader, sourceName: "<stdin>")
        return 0
    }

    /// Runs a script's text (a `.jql` file, a `-c` argument) with dot-commands allowed between statements.
    /// The status is the first error's (which stops the script), else 1 when an EXPECT failed, else 0.
    package static func runScript(_ text: String, name: String, console: Console) -> Int32 {
        console.exitStatus(after: console.drive(TextLineReader(text), sourceName: name))
    }
}

/// Tab completion: dot-commands and their arguments at the start of a line, names from the session elsewhere.
enum Completer {
    static func answer(_ request: CompletionRequest, session: any StoreSession) -> CompletionAnswer {
        let before = request.before.trimmingBlanks()
        if before.isEmpty, request.word.hasPrefix(".") {
            return .words(DotCommand.names.filter { $0.hasPrefix(request.word.lowercased()) })
        }
        if before.hasPrefix(".") {
            let command = before.split(separator: " ").first.map { $0.lowercased() } ?? ""
            if DotCommand.takesFile.contains(command) { return .fileNames }
            let options: [String]
            switch command {
            case ".mode": options = OutputFormat.allCases.map(\.rawValue)
            case ".timer": options = ["on", "off"]
            default: options = []
            }
            return .words(options.filter { $0.hasPrefix(request.word.lowercased()) })
        }
        // Inside a quoted string (IMPORT 'ev<Tab>) the word is a file name.
        if request.before.filter({ $0 == "'" }).count % 2 == 1 { return .fileNames }
        return .words(adaptCase(session.completions(prefix: request.word, before: request.before), typed: request.word))
    }

    /// Keywords come upper-case; someone typing lower-case gets them lower-case.
    static func adaptCase(_ words: [String], typed: String) -> [String] {
        let lowerTyped = !typed.isEmpty && typed == typed.lowercased() && typed != typed.uppercased()
        var seen = Set<String>()
        return words.compactMap { word in
            let adapted = lowerTyped && word == word.uppercased() ? word.lowercased() : word
            return seen.insert(adapted).inserted ? adapted : nil
        }
    }
}
