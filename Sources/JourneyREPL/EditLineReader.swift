// The line editor on a terminal: libedit's readline API with history, tab completion and Ctrl-C handling.
// This is the only file that imports CEditLine.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
@preconcurrency import CEditLine
import JourneyPostgres

/// What the completion hook is asked: the whole line and the word under the cursor.
package struct CompletionRequest: Sendable {
    package var line: String
    /// The word being completed (libedit's word, split at blanks and punctuation such as `(` and `=`).
    package var word: String
    /// The text of the line before the word.
    package var before: String
}

/// What the completion hook answers.
package enum CompletionAnswer: Sendable {
    /// These words replace the word under the cursor (one: inserted; several: listed).
    case words([String])
    /// Let libedit complete a file name (after `.open`, `.read`, `.import`).
    case fileNames
}

// The one process-wide mutable reference in the code base: libedit calls its completion hook as a bare
// C function with no context pointer, so the hook finds the REPL's provider here. It is set by
// `EditLineReader` and read only on the thread that calls `readline`, inside that call.
nonisolated(unsafe) private var completionProvider: ((CompletionRequest) -> CompletionAnswer)?

/// Interactive lines through libedit: prompts, editing, history in a file, tab completion.
package final class EditLineReader: LineReader {
    private let historyPath: String?
    private var lastEntry: String?

    /// - Parameters:
    ///   - historyPath: the history file, read now and rewritten after each entry; nil keeps no history.
    ///   - complete: answers tab completion; it replaces any provider set before (there is one per process).
    package init(historyPath: String?, complete: ((CompletionRequest) -> CompletionAnswer)?) {
        // Without a locale libedit silently drops non-ASCII input.
        setlocale(LC_CTYPE, "")
        self.historyPath = historyPath
        rl_readline_name = UnsafePointer(strdup("journey"))  // the application name in ~/.editrc
        completionProvider = complete
        rl_attempted_completion_function = attemptCompletion
        // A unique match carries its own space (`matchArray`); libedit must not add another. (Its default, a space,
        // was added after some matches and not others once libpq was linked into the same program.)
        rl_completion_append_character = 0
        // libedit installs its own handlers while reading a line, and re-sends SIGINT to our handler.
        rl_catch_signals = 1
        Interrupt.install()
        using_history()
        stifle_history(5000)
        if let historyPath { _ = read_history(historyPath) }
    }

    /// The history file: `$JOURNEY_HISTORY` if set (empty disables history), else `~/.journey_history`.
    package static func defaultHistoryPath() -> String? {
        if let path = Terminal.environment("JOURNEY_HISTORY") { return path.isEmpty ? nil : path }
        guard let home = Terminal.environment("HOME"), !home.isEmpty else { return nil }
        return home.hasSuffix("/") ? home + ".journey_history" : home + "/.journey_history"
    }

    package var isInteractive: Bool { true }

    package func readLine(prompt: String) -> LineInput {
        Interrupt.clear()
        guard let raw = readline(prompt) else {
            // NULL is both Ctrl-C and Ctrl-D; only Ctrl-C sets the flag.
            if Interrupt.take() { return .interrupted }
            return .endOfInput
        }
        defer { free(raw) }
        // Decoding with replacement: a stray byte that is not UTF-8 must not end the session.
        let bytes = UnsafeRawBufferPointer(start: raw, count: strlen(raw))
        return .line(String(decoding: bytes, as: UTF8.self))
    }

    package func addHistory(_ entry: String) {
        guard !entry.isEmpty, entry != lastEntry else { return }
        lastEntry = entry
        // A database URL keeps its user and host in the history, never its password.
        _ = add_history(PostgresConnection.redactingURLs(in: entry))
        // Written after every entry so a killed session keeps what was typed.
        if let historyPath { _ = write_history(historyPath) }
    }
}

/// libedit's completion hook: asks the provider, hands back a NULL-terminated `strdup`'d array
/// (first the text that replaces the word, then the candidates to list).
private func attemptCompletion(_ text: UnsafePointer<CChar>?, _ start: Int32,
                               _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1  // never fall back to file names unless asked to below
    guard let provider = completionProvider else { return nil }
    let word = text.map { String(cString: $0) } ?? ""
    let line = rl_line_buffer.map { String(cString: $0) } ?? ""
    // `start` counts characters (libedit works in wide characters), not bytes.
    let before = String(String.UnicodeScalarView(line.unicodeScalars.prefix(max(0, Int(start)))))
    switch provider(CompletionRequest(line: line, word: word, before: before)) {
    case .fileNames:
        rl_attempted_completion_over = 0
        return nil
    case .words(let words):
        return matchArray(words, typed: word)
    }
}

/// The array libedit frees: [replacement, candidates..., NULL], or [only match, NULL].
private func matchArray(_ words: [String], typed: String) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    guard !words.isEmpty else { return nil }
    let slots = words.count == 1 ? 2 : words.count + 2
    guard let memory = malloc(slots * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride) else { return nil }
    let array = memory.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: slots)
    if words.count == 1 {
        // A unique match is complete: the space lets the next word be typed at once.
        array[0] = strdup(words[0].hasSuffix(".") ? words[0] : words[0] + " ")
        array[1] = nil
        return array
    }
    array[0] = strdup(commonPrefix(words, atLeast: typed))
    for (i, word) in words.enumerated() { array[i + 1] = strdup(word) }
    array[words.count + 1] = nil
    return array
}

/// The longest prefix all words share (ignoring case), never shorter than what was typed.
func commonPrefix(_ words: [String], atLeast typed: String) -> String {
    guard var prefix = words.first.map(Array.init) else { return typed }
    for word in words.dropFirst() {
        let other = Array(word)
        var n = 0
        while n < prefix.count, n < other.count, prefix[n].lowercased() == other[n].lowercased() { n += 1 }
        prefix.removeSubrange(n...)
    }
    return prefix.count >= typed.count ? String(prefix) : typed
}
