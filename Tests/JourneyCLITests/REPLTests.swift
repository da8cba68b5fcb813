// The REPL as a person meets it on an 80×24 terminal: banner, results, Tab, Ctrl-C, leaving, and history.
// Statements always end with ';'. Results are checked by their content, never by the table's layout.
import Foundation
import JourneyREPL
import Testing

@Suite("journey's REPL on a terminal")
struct REPLTests {
    @Test("the banner names the version and the store, then a prompt waits")
    func banner() async throws {
        let store = try StoreFixture()
        let term = try Term(store: store)
        let screen = try await term.waitForPrompt()
        let first = screen.lines.first ?? ""
        #expect(first.contains("JourneyQL \(journeyVersion)"), "\(screen)")
        #expect(first.contains(store.name), "\(screen)")
        #expect(screen.promptCount == 1, "\(screen)")
    }

    @Test("SHOW CHANNELS; shows every channel with its count, then a new prompt")
    func showChannels() async throws {
        let store = try StoreFixture()
        // The same numbers as data, to look for on the screen.
        let csv = try store.journey(["--format", "csv", "-c", "SHOW CHANNELS;"])
        let channels = csv.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(channels.count >= 5, "\(csv)")

        let term = try Term(store: store)
        try await term.waitForPrompt()
        try term.submit("SHOW CHANNELS;")
        let screen = try await term.waitForPrompt(showing: "paid_ads")
        for channel in channels {
            let name = try #require(channel.first), count = try #require(channel.last)
            #expect(screen.hasRow(withWords: [name, count]), "no row with \(name) and \(count):\n\(screen)")
        }
        #expect(!screen.contains("error"), "\(screen)")
    }

    @Test("Tab completes a stage from a unique prefix, and the completed line runs")
    func tabCompletesStage() async throws {
        let term = try Term(store: StoreFixture())
        try await term.waitForPrompt()
        try term.type("FROM aware")
        try term.press(.tab)
        try await term.waitFor("the stage completed") { $0.lastLine.hasPrefix("\(Term.prompt) FROM awareness") }
        // The completion is in the line being edited, not only drawn: the statement runs with it.
        try term.submit(" TO purchase;")
        let screen = try await term.waitFor("the funnel and a new prompt") {
            $0.promptCount == 2 && $0.lastLine == Term.prompt
        }
        #expect(screen.hasRow(withWords: ["awareness"]) && screen.hasRow(withWords: ["purchase"]), "\(screen)")
        #expect(!screen.contains("error"), "\(screen)")
    }

    @Test("Ctrl-C abandons a half-typed statement; the session goes on")
    func ctrlCAbandonsLine() async throws {
        let term = try Term(store: StoreFixture())
        try await term.waitForPrompt()
        try term.type("FROM awareness TO")
        try await term.waitFor(text: "FROM awareness TO")
        try term.press(.ctrlC)
        let interrupted = try await term.waitForPrompt()
        #expect(interrupted.promptCount == 2, "\(interrupted)")
        let status = try term.exitStatus()
        #expect(status == nil, "journey exited on Ctrl-C:\n\(interrupted)")

        // Had the abandoned text been kept, this would read "FROM awareness TO SHOW CHANNELS;" and fail.
        try term.submit("SHOW CHANNELS;")
        let screen = try await term.waitForPrompt(showing: "paid_ads")
        #expect(!screen.contains("error"), "\(screen)")
    }

    @Test(".quit ends journey with status 0")
    func quit() async throws {
        let term = try Term(store: StoreFixture())
        try await term.waitForPrompt()
        try term.submit(".quit")
        let status = try await term.waitForExit()
        let screen = try term.screen()
        #expect(status == 0, "\(screen)")
    }

    @Test("Ctrl-D at an empty prompt ends journey with status 0")
    func ctrlDExits() async throws {
        let term = try Term(store: StoreFixture())
        try await term.waitForPrompt()
        try term.press(.ctrlD)
        let status = try await term.waitForExit()
        let screen = try term.screen()
        #expect(status == 0, "\(screen)")
    }

    @Test("a pasted statement runs as if typed")
    func pastedStatement() async throws {
        let term = try Term(store: StoreFixture())
        try await term.waitForPrompt()
        try term.paste("SHOW CHANNELS;\n")
        let screen = try await term.waitForPrompt(showing: "paid_ads")
        #expect(!screen.contains("error"), "\(screen)")
    }
}

@Suite("journey's REPL history")
struct HistoryTests {
    @Test("a statement typed in one session is in ~/.journey_history and Up recalls it in the next")
    func historyAcrossSessions() async throws {
        let store = try StoreFixture()
        let home = try TemporaryDirectory(prefix: "jqhome")

        let first = try Term(store: store, home: home)
        try await first.waitForPrompt()
        try first.submit("SHOW CHANNELS;")
        try await first.waitForPrompt(showing: "paid_ads")
        // Ctrl-D rather than .quit, so the statement is the newest entry.
        try first.press(.ctrlD)
        let status = try await first.waitForExit()
        #expect(status == 0)
        first.close()

        let entries = try historyEntries(home.path(".journey_history"))
        #expect(entries.last == "SHOW CHANNELS;", "history file: \(entries)")

        let second = try Term(store: store, home: home)
        try await second.waitForPrompt()
        try second.press(.up)
        try await second.waitFor("the statement recalled") { $0.lastLine == "\(Term.prompt) SHOW CHANNELS;" }
        try second.press(.enter)
        try await second.waitForPrompt(showing: "paid_ads")
    }

    /// The entries of a libedit history file: a `_HiStOrY_V2_` line, then one entry a line, with blanks and
    /// other special characters written as `\ooo` octal escapes (vis(3)).
    private func historyEntries(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        if lines.first == "_HiStOrY_V2_" { lines.removeFirst() }
        return lines.map(unvis)
    }

    private func unvis(_ line: String) -> String {
        var bytes: [UInt8] = []
        var rest = Substring(line).utf8[...]
        while let byte = rest.popFirst() {
            let digits = rest.prefix(3)
            if byte == UInt8(ascii: "\\"), digits.count == 3, digits.allSatisfy({ (48...55).contains($0) }),
               let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 8) {
                bytes.append(value)
                rest = rest.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
