// A person at a terminal: runs `journey` in a pseudo-terminal of a fixed size through tmux, types and pastes
// into it, and reads the screen back. One tmux server per Term, so tests never see each other's sessions.
import Foundation

/// The real REPL in a tmux pane: keys go in through `send-keys`, the screen comes out through `capture-pane`.
///
///     let term = try Term(store: StoreFixture())
///     try await term.waitForPrompt()
///     try term.submit("FROM awareness TO purchase;")              // types the line, then Enter
///     let screen = try await term.waitForPrompt(showing: "purchase")
///     #expect(!screen.contains("error"), "\(screen)")
///
/// journey's exit status is kept when it exits, and the pane stays on screen (`remain-on-exit`) for a test to
/// read. The server, its socket and the temporary HOME go when the Term is released or closed, including when
/// a test fails halfway.
final class Term {
    /// Keys that are not text, by their tmux names.
    enum Key: String {
        case enter = "Enter", tab = "Tab", escape = "Escape", backspace = "BSpace"
        case up = "Up", down = "Down", left = "Left", right = "Right", home = "Home", end = "End"
        case ctrlA = "C-a", ctrlC = "C-c", ctrlD = "C-d", ctrlE = "C-e", ctrlK = "C-k", ctrlL = "C-l", ctrlU = "C-u"
    }

    /// What the REPL shows when it waits for a new statement.
    static let prompt = "journey>"

    let columns: Int
    let rows: Int
    /// HOME for journey (its history file goes here); shared when a test passes one in, else the Term's own.
    let home: TemporaryDirectory
    /// Holds the tmux socket and configuration.
    private let control: TemporaryDirectory
    /// The store journey has open, kept for as long as the Term (its directory goes with it).
    private let store: StoreFixture?
    private var closed = false
    private static let target = "t"

    /// Starts `journey STORE` (plus `arguments`) on a `columns`×`rows` terminal in the store's directory.
    convenience init(store: StoreFixture, arguments: [String] = [], columns: Int = 80, rows: Int = 24,
                     home: TemporaryDirectory? = nil) throws {
        try self.init(arguments: [store.name] + arguments, directory: store.directory.path,
                      columns: columns, rows: rows, home: home, keeping: store)
    }

    /// Starts `journey arguments` on a `columns`×`rows` terminal in `directory`.
    init(arguments: [String], directory: String, columns: Int = 80, rows: Int = 24,
         home: TemporaryDirectory? = nil, environment extra: [String: String] = [:],
         keeping store: StoreFixture? = nil) throws {
        self.store = store
        self.columns = columns
        self.rows = rows
        self.control = try TemporaryDirectory(prefix: "jqterm")
        self.home = try home ?? TemporaryDirectory(prefix: "jqhome")
        let configuration = control.path("tmux.conf")
        // No status line, so the pane is the whole size asked for; `screen` is a terminfo entry every system has.
        try control.file("tmux.conf", """
            set -g status off
            set -g remain-on-exit on
            set -g default-terminal screen

            """)
        // journey runs under a shell that writes its exit status to a file: tmux 3.3 at times marks a pane dead
        // and never reports its process's status (seen here: the process left a zombie for seconds). The trap keeps the shell,
        // which is in journey's process group, alive through the SIGINT a Ctrl-C sends them both; a caught
        // signal is reset on exec, so journey still gets Ctrl-C as it would from a login shell.
        let wrapper = #"trap : INT; "$@"; echo $? > "$0.part" && mv "$0.part" "$0""#
        // The server takes its environment from this first client, and panes take theirs from the server.
        do {
            try tmux(["-f", configuration, "new-session", "-d", "-s", Self.target,
                      "-x", String(columns), "-y", String(rows), "-c", directory, "--",
                      "/bin/sh", "-c", wrapper, control.path("status"), try Journey.executable()] + arguments,
                     environment: Journey.environment(home: self.home.path, extra: ["TERM": "screen"].merging(extra) { $1 }))
        } catch {
            // The server may be up even though the client failed; no Term exists yet to stop it later.
            closed = true
            _ = try? tmux(["kill-server"], timeout: .seconds(10))
            throw error
        }
    }

    deinit {
        close()
    }

    /// Kills the tmux server (and so journey, with SIGHUP) and removes the temporary files.
    func close() {
        guard !closed else { return }
        closed = true
        _ = try? tmux(["kill-server"], timeout: .seconds(10))
    }

    // MARK: Input

    /// Types `text` as it stands, one character after another (no key names, no Enter at the end).
    func type(_ text: String) throws {
        // tmux reads an argument ending in ';' as the end of a command, so each ';' goes on its own, as a
        // hex key code, and the pieces between are sent literally; all in one tmux call, in order.
        var commands: [[String]] = []
        for (index, piece) in text.split(separator: ";", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { commands.append(["send-keys", "-t", Self.target, "-H", "3b"]) }
            if !piece.isEmpty { commands.append(["send-keys", "-t", Self.target, "-l", "--", String(piece)]) }
        }
        guard !commands.isEmpty else { return }
        try tmux(Array(commands.joined(separator: [";"])))
    }

    /// Same as `type`: the literal text, for those who think in tmux terms.
    func sendLiteral(_ text: String) throws { try type(text) }

    /// Presses keys that are not text, one after another.
    func press(_ keys: Key...) throws {
        try sendKeys(keys.map(\.rawValue))
    }

    /// Sends keys by their tmux names (`Enter`, `C-c`, `M-b`, `F1`, ...).
    func sendKeys(_ names: [String]) throws {
        guard !names.isEmpty else { return }
        try tmux(["send-keys", "-t", Self.target, "--"] + names)
    }

    /// Types a line and presses Enter.
    func submit(_ line: String) throws {
        try type(line)
        try press(.enter)
    }

    /// Pastes `text` as a terminal does: wrapped in bracketed-paste sequences if journey turned them on,
    /// plain otherwise; newlines arrive as carriage returns, as from a real paste.
    func paste(_ text: String) throws {
        let file = try control.file("paste-\(UUID().uuidString.prefix(8))", text)
        try tmux(["load-buffer", "-b", "paste", file, ";",
                  "paste-buffer", "-p", "-d", "-b", "paste", "-t", Self.target])
    }

    // MARK: Output

    /// The visible screen now.
    func screen() throws -> Screen {
        let text = try tmux(["capture-pane", "-p", "-t", Self.target]).stdout
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return Screen(lines: lines)
    }

    /// The visible screen now with its colours and styles as escape sequences (`capture-pane -e`).
    func styledText() throws -> String {
        try tmux(["capture-pane", "-p", "-e", "-t", Self.target]).stdout
    }

    /// Polls the screen until `predicate` holds and returns that screen; throws with the last screen after `timeout`.
    /// Timeouts are generous on purpose: a loaded two-core machine can stall a process for seconds, and a
    /// passing test returns as soon as the screen is right. The screen is always read once more after the
    /// deadline, so a test whose task sat unscheduled behind CPU-bound tests does not fail for that.
    @discardableResult
    func waitFor(_ what: String = "the screen to match", timeout: Duration = .seconds(20),
                 _ predicate: (Screen) -> Bool) async throws -> Screen {
        let deadline = ContinuousClock.now + timeout
        while true {
            let screen = try screen()
            if predicate(screen) { return screen }
            if ContinuousClock.now >= deadline {
                throw HarnessError("timed out after \(timeout) waiting for \(what); the screen:\n\(screen)")
            }
            try await Task.sleep(for: .milliseconds(40))
        }
    }

    /// Waits until `text` appears anywhere on the screen.
    @discardableResult
    func waitFor(text: String, timeout: Duration = .seconds(20)) async throws -> Screen {
        try await waitFor("'\(text)' on the screen", timeout: timeout) { $0.contains(text) }
    }

    /// Waits until the last row with text is an empty prompt (journey is ready for a statement) and, if given,
    /// `text` is on the screen: the usual way to wait for a statement's result.
    @discardableResult
    func waitForPrompt(showing text: String? = nil, timeout: Duration = .seconds(20)) async throws -> Screen {
        let what = text.map { "'\($0)' and an empty prompt" } ?? "an empty prompt"
        return try await waitFor(what, timeout: timeout) { screen in
            screen.lastLine == Self.prompt && (text.map(screen.contains) ?? true)
        }
    }

    // MARK: The process

    /// journey's exit status once it has exited (128 + the signal if a signal ended it), nil while it runs.
    func exitStatus() throws -> Int32? {
        guard let text = FileManager.default.contents(atPath: control.path("status")) else { return nil }
        let status = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Int32(status) else { throw HarnessError("unreadable exit status '\(status)'") }
        return value
    }

    /// Waits for journey to exit and returns its status.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = try exitStatus() { return status }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(40))
        }
        throw HarnessError("journey still running after \(timeout); the screen:\n\(try screen())")
    }

    // MARK: tmux

    /// Runs one tmux client command (or several, separated by ";" arguments) against this Term's server.
    @discardableResult
    private func tmux(_ arguments: [String], environment: [String: String]? = nil,
                      timeout: Duration = .seconds(20)) throws -> ProcessResult {
        let result = try ChildProcess.run(Self.tmuxPath, ["-S", control.path("sock")] + arguments,
                                          environment: environment ?? Journey.environment(home: home.path),
                                          timeout: timeout)
        guard result.status == 0 else {
            throw HarnessError("tmux \(arguments.joined(separator: " ")) failed: \(result)")
        }
        return result
    }

    /// tmux on PATH; its absence is a failure that says to install it.
    private static var tmuxPath: String {
        get throws { try locatedTmux.get() }
    }

    private static let locatedTmux: Result<String, any Error> = Result {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/tmux"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw HarnessError("tmux is not installed (apt-get install tmux); the REPL tests drive a terminal with it")
    }
}

/// What a terminal showed at one moment: its rows, trailing blanks removed. Printing it draws a frame, so a
/// failure message shows blank rows and where each row ends.
struct Screen: CustomStringConvertible {
    var lines: [String]

    /// The rows joined by newlines.
    var text: String { lines.joined(separator: "\n") }

    /// Whether `text` appears within a row (not across rows).
    func contains(_ text: String) -> Bool {
        lines.contains { $0.contains(text) }
    }

    /// The last row with anything on it: where the cursor's line usually is.
    var lastLine: String {
        lines.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
    }

    /// How many rows start with the REPL's prompt (prompts with statements typed after them included).
    var promptCount: Int {
        lines.filter { $0.hasPrefix(Term.prompt) }.count
    }

    /// Whether one row holds all of `words` as whole words (letters, digits and `_`), whatever lies between:
    /// a table row found by its content, not its layout.
    func hasRow(withWords words: [String]) -> Bool {
        lines.contains { line in
            // Tables group thousands (1,192): a comma between digits belongs to the number.
            var plain = ""
            let characters = Array(line)
            for (i, c) in characters.enumerated() {
                if c == ",", i > 0, i + 1 < characters.count, characters[i - 1].isNumber, characters[i + 1].isNumber { continue }
                plain.append(c)
            }
            let present = Set(plain.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
            return words.allSatisfy(present.contains)
        }
    }

    var description: String {
        let rule = String(repeating: "─", count: 40)
        return ([rule] + lines.map { "│" + $0 } + [rule]).joined(separator: "\n")
    }
}
