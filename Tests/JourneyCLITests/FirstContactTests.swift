// Issue 10 as a person meets it: one statement rule for typing and pasting, completion of values, results that
// fit 80 columns without a wrapped line, help and quit at the prompt, and no store made by a mistyped path.
import Foundation
import Testing

@Suite("First contact, in a terminal and on the command line")
struct FirstContactTests {
    /// The customers at each step of a CSV run, for comparing with what a screen shows.
    func customersPerStep(_ store: StoreFixture, _ statement: String) throws -> [String] {
        let csv = try store.journey(["--format", "csv", "-c", statement])
        #expect(csv.status == 0, "\(csv)")
        let rows = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(rows.first?.firstIndex(of: "customers"))
        return rows.dropFirst().map { String($0[column]) }
    }

    @Test("a statement pasted over three lines runs whole, once, at its ';'")
    func pastedLinesAreOneStatement() async throws {
        let store = try StoreFixture()
        let whole = "FROM awareness TO purchase WITHIN 7 days WHERE device = mobile"
        let expected = try customersPerStep(store, whole)
        let term = try Term(store: store)
        try await term.waitForPrompt()
        try term.paste("FROM awareness TO purchase\nWITHIN 7 days\nWHERE device = mobile\n")
        // Nothing has run yet: the prompt says the statement is complete and waits for its ';'.
        try await term.waitFor("the ';' prompt") { $0.lastLine.hasPrefix("  ...;>") }
        try term.submit(";")
        let screen = try await term.waitFor("the result and a new prompt") { $0.lastLine == Term.prompt }
        #expect(!screen.contains("error"), "\(screen)")
        // The numbers are the WHERE-filtered ones (the first line run alone would count more).
        let second = expected[1]
        let grouped = NumberFormatter.localizedString(from: NSNumber(value: Int(second) ?? -1), number: .decimal)
        #expect(screen.lines.contains { $0.contains("purchase") && ($0.contains(" \(grouped) ") || $0.contains(" \(second) ")) },
                "expected \(second) purchasers:\n\(screen)")
        #expect(screen.lines.filter { $0.contains("FROM awareness TO purchase") }.count <= 2, "ran more than once:\n\(screen)")
    }

    @Test("Tab after 'device =' completes the store's value and adds a space")
    func valueCompletion() async throws {
        let term = try Term(store: StoreFixture())
        try await term.waitForPrompt()
        try term.type("FROM awareness TO purchase WHERE device = mob")
        try term.press(.tab)
        try await term.waitFor("the value completed") { $0.lastLine.hasSuffix("WHERE device = mobile") }
        // The screen drops trailing blanks: the space shows once something follows it.
        try term.type("x")
        try await term.waitFor("a space after the value") { $0.lastLine.hasSuffix("WHERE device = mobile x") }
    }

    @Test("a BY funnel at 80 columns has no line wider than the screen and no wrapped row")
    func fitsEightyColumns() async throws {
        let term = try Term(store: StoreFixture(), columns: 80, rows: 40)
        try await term.waitForPrompt()
        try term.submit("FROM awareness TO consideration TO purchase WITHIN 30 days BY channel;")
        let screen = try await term.waitFor("the table and a new prompt") { $0.promptCount == 2 && $0.lastLine == Term.prompt }
        let rows = screen.lines.filter { $0.hasPrefix("│") || $0.hasPrefix("┌") || $0.hasPrefix("├") || $0.hasPrefix("└") }
        #expect(rows.count >= 7, "\(screen)")
        // A wrapped row would leave a line that does not end with the box's right edge.
        for row in rows { #expect(row.hasSuffix("│") || row.hasSuffix("┐") || row.hasSuffix("┤") || row.hasSuffix("┘"), "\(screen)") }
        #expect(screen.text.contains("shown"), "the hidden columns are named:\n\(screen)")
    }

    @Test("help and quit work alone at the prompt")
    func helpAndQuit() async throws {
        let term = try Term(store: StoreFixture(), rows: 50)
        try await term.waitForPrompt()
        try term.submit("help where")
        try await term.waitForPrompt(showing: "missing values are unknown")
        try term.submit("quit")
        let status = try await term.waitForExit()
        #expect(status == 0)
    }

    @Test("a query on a missing store exits 66, suggests the near name and leaves no file")
    func missingStore() throws {
        let store = try StoreFixture()
        let typo = "x.db"  // one letter from the fixture's s.db
        let result = try Journey.run([typo, "-c", "SHOW STAGES;"], in: store.directory.path)
        #expect(result.status == 66, "\(result)")
        #expect(result.stderr.contains("no store at '\(typo)'"), "\(result)")
        #expect(result.stderr.contains("did you mean 's.db'?"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: store.directory.path(typo)))
    }

    @Test("journey --help lists the options of journey [STORE]")
    func helpListsOptions() throws {
        let result = try Journey.run(["--help"], in: NSTemporaryDirectory())
        for option in ["-c, --command", "--format", "--param", "--engine", "--strict"] {
            #expect(result.stdout.contains(option), "\(option) missing:\n\(result.stdout)")
        }
    }
}

/// The help texts fit an 80-column terminal without wrapping.
@Suite("Help text width")
struct HelpWidthTests {
    @Test func everyHelpLineFitsEightyColumns() throws {
        let directory = NSTemporaryDirectory()
        var texts = [try Journey.run(["--help"], in: directory).stdout]
        let store = try StoreFixture()
        for topic in ["", "FROM", "WHERE", "WITHIN", "BY", "DURING", "EXCLUDING", "TIMES", "PATHS", "EXPLAIN",
                      "DEFINE", "SHOW", "IMPORT", "EXPECT", "PARAMETERS"] {
            let result = try store.journey(["-c", ".help \(topic)"])
            #expect(result.status == 0, "\(result)")
            #expect(!result.stdout.isEmpty, ".help \(topic) printed nothing")
            texts.append(result.stdout)
        }
        for text in texts {
            for line in text.split(separator: "\n") where !line.hasPrefix("USAGE:") && !line.hasPrefix("       journey") {
                #expect(line.count <= 80, "\(line.count) columns: \(line)")
            }
        }
    }
}

/// The tour a new user runs first (samples/tour.jql, as scripts/tour runs it) on an 80-column terminal.
@Suite("The tour at 80 columns")
struct TourWidthTests {
    @Test("every line of the tour's output fits 80 columns, and the headline answer is not zero")
    func tourFitsEightyColumns() async throws {
        let tour = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples/tour.jql").path
        let store = try StoreFixture()
        // Tall enough to hold the whole output, which is then on the screen at once.
        let term = try Term(arguments: ["run", tour, "--db", store.name], directory: store.directory.path,
                            columns: 80, rows: 400, environment: ["JOURNEY_PAGER": ""], keeping: store)
        let status = try await term.waitForExit(timeout: .seconds(60))
        let screen = try term.screen()
        #expect(status == 0, "\(screen)")
        let rows = screen.lines.filter { $0.hasPrefix("│") || $0.hasPrefix("┌") || $0.hasPrefix("└") }
        #expect(rows.count > 50, "\(screen)")
        // A line longer than the screen would have wrapped, leaving a row that does not end with the box.
        for row in rows {
            #expect(row.hasSuffix("│") || row.hasSuffix("┐") || row.hasSuffix("┘") || row.contains("█"), "wrapped: \(row)")
        }
        // The headline example: WHERE channel = social gives a non-zero purchase step.
        let headline = try #require(screen.lines.firstIndex { $0.contains("FROM awareness TO purchase WHERE channel = social") })
        let purchaseRow = try #require(screen.lines[headline...].first { $0.contains("│ purchase ") })
        let count = purchaseRow.split(separator: "│").map { $0.trimmingCharacters(in: .whitespaces) }[2]  // step, name, customers
        #expect(Int(count.replacingOccurrences(of: ",", with: "")) ?? 0 > 0, "\(purchaseRow)")
    }
}

/// Output settings as a script uses them: one JSON document per run, JSON Lines, .nullvalue, .headers, .once.
@Suite("Output of a run")
struct RunOutputTests {
    @Test("a run of several statements with --format json is one JSON document, an object per result")
    func oneJSONDocument() throws {
        let store = try StoreFixture()
        let result = try store.journey(["--format", "json", "-c", "SHOW CHANNELS; SHOW STAGES; FROM awareness TO purchase"])
        #expect(result.status == 0, "\(result)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        #expect(document?.count == 3, "\(result.stdout)")
        let funnel = try #require(document?.last)
        #expect((funnel["columns"] as? [String])?.contains("median_time_from_previous_seconds") == true)
        #expect((funnel["rows"] as? [[String: Any]])?.count == 2)
    }

    @Test("--format jsonl writes one JSON object per row, numbered by result")
    func jsonLines() throws {
        let store = try StoreFixture()
        let result = try store.journey(["--format", "jsonl", "-c", "SHOW STAGES; FROM awareness TO purchase"])
        #expect(result.status == 0, "\(result)")
        let objects = try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.last?["_result"] as? Int == 2, "\(result.stdout)")
        #expect(objects.filter { $0["_result"] as? Int == 2 }.count == 2)
    }

    @Test(".nullvalue, .headers off and .once in a script")
    func nullHeadersOnce() throws {
        let store = try StoreFixture()
        let once = store.directory.path("once.csv")
        let script = """
            .mode csv
            .nullvalue NULL
            .headers off
            FROM awareness TO purchase;
            .once \(once)
            SHOW STAGES;
            SHOW CHANNELS;
            """
        let result = try store.journey([], stdin: script)
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("1,awareness,") == true, "no header: \(result.stdout)")
        #expect(lines.first?.contains("NULL") == true, "null text: \(result.stdout)")
        // SHOW STAGES went to the file; SHOW CHANNELS came back to stdout.
        let written = try String(contentsOfFile: once, encoding: .utf8)
        #expect(written.contains("awareness") && !written.contains("paid_ads"), "\(written)")
        #expect(result.stdout.contains("paid_ads") && !result.stdout.contains("retention"), "\(result.stdout)")
    }
}

@Suite("Colour on a terminal")
struct ColourTests {
    /// The funnel's table on a terminal, as escape-coded screen text, with `environment` added.
    func funnelScreen(_ environment: [String: String]) async throws -> String {
        let store = try StoreFixture()
        let term = try Term(arguments: [store.name], directory: store.directory.path, columns: 100, rows: 30,
                            environment: environment, keeping: store)
        try await term.waitForPrompt()
        try term.submit("FROM awareness TO consideration TO purchase;")
        try await term.waitFor("the funnel") { $0.promptCount == 2 && $0.lastLine == Term.prompt }
        return try term.styledText()
    }

    @Test("results are coloured on a terminal, and not at all with NO_COLOR")
    func noColor() async throws {
        let coloured = try await funnelScreen([:])
        let plain = try await funnelScreen(["NO_COLOR": "1"])
        // The table's lines: from the title to the notes under it (the prompt's own drawing is left out).
        func table(_ text: String) -> String {
            text.split(separator: "\n").filter { $0.contains("│") || $0.contains("┌") || $0.contains("└") }.joined(separator: "\n")
        }
        #expect(table(coloured).contains("\u{1B}["), "no colour on a terminal:\n\(coloured)")
        #expect(!table(plain).contains("\u{1B}["), "colour despite NO_COLOR:\n\(plain)")
    }
}
