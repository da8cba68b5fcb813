// One front end over a Session: runs statements and dot-commands, and sends results, messages and errors
// to the right stream in the current output mode. The REPL, scripts, `-c` and `.read` all go through it.
import JourneyEngine
import JourneyStore

/// The version the banner and `--version` show: the library's (see `engineVersion`).
package let journeyVersion = engineVersion

/// How a line loop ended.
package enum DriveOutcome: Equatable, Sendable {
    /// End of input, or `.quit`.
    case finished
    /// A script stopped at an error; the exit status to leave with (65 for bad input, 70 internal).
    case failed(Int32)

    package var exitCode: Int32 {
        switch self {
        case .finished: 0
        case .failed(let code): code
        }
    }
}

/// The state a person changes with dot-commands (output mode, destination, timer) around a session.
package final class Console {
    /// A SQLite store's `Session`, or a PostgreSQL database's session; `.open` may switch between them.
    package private(set) var session: any StoreSession
    package var format: OutputFormat
    /// `.timer on`: after each statement, `Run Time: 0.123 s` on stderr.
    package var timer = false
    /// `.nullvalue TEXT`, `.headers on|off`, `.expanded on|off|auto`: how results are drawn (the width and colour
    /// come from the terminal each time, so a resized window is honoured).
    package var nullText = ""
    package var headers = true
    package var expanded: ExpandedMode = .auto
    /// The results of the current run (a script, or one statement at the prompt) as one output: one JSON
    /// document however many results it has. Closed by `finishResults()`.
    private var writer: ResultWriter?
    /// `.once FILE`: the next statement's results go to this file, then output returns to where it was.
    private var onceTarget: TextSink?
    /// `.pager on|off`: at the prompt, a statement's results taller than the terminal go through a pager.
    /// On when the REPL runs on a terminal; never for scripts, files or pipes.
    package var pager = false
    /// A statement's results held back while `pager` may take them (see `finishResults`).
    private var held: String?
    package private(set) var output: TextSink
    package let errors: TextSink
    /// Something was written to `output` since it was opened (tables are then set apart by a blank line).
    private var wroteResult = false
    /// `.read` nesting, bounded so a script that reads itself stops.
    private var readDepth = 0
    /// `.quit` was seen: every enclosing loop stops.
    private var quitRequested = false
    /// EXPECT statements run, and those that failed (each reported on stderr as it happened; the script goes on).
    package private(set) var expectationsRun = 0
    package private(set) var failedExpectations = 0
    /// An EXPECT that holds says `ok: ...` (at a terminal); a script stays quiet.
    package var reportsPassingExpectations = false

    package init(session: any StoreSession, format: OutputFormat = .table,
                output: TextSink = .standardOutput(), errors: TextSink = .standardError()) {
        self.session = session
        self.format = format
        self.output = output
        self.errors = errors
    }

    // MARK: Statements

    /// Runs the statements of `source`, printing as they come. Returns nil on success, else the exit status
    /// of the failure (its diagnostics already on stderr).
    @discardableResult
    package func run(_ source: SourceText) -> Int32? {
        Interrupt.clear()
        var mark = ContinuousClock.now
        do throws(RunFailure) {
            try session.run(source, cancellation: CancellationToken(polling: { Interrupt.isSet })) { event in
                switch event {
                case .result(let result):
                    show(result)
                    if timer {
                        errors.write("Run Time: \(Self.seconds(ContinuousClock.now - mark)) s\n")
                        mark = ContinuousClock.now
                    }
                case .diagnostic(_, let rendered):
                    errors.write(Self.line(rendered))
                case .message(let text):
                    message(text)
                case .expectation(let outcome, let rendered):
                    expectationsRun += 1
                    if !outcome.holds {
                        failedExpectations += 1
                        errors.write(Self.line(rendered))
                    } else if reportsPassingExpectations {
                        message(rendered)
                    }
                }
            }
            return nil
        } catch {
            if Interrupt.take() || error.exitCode == 130 {
                // On a terminal "^C" was echoed where the cursor stood; write over it.
                errors.write(errors.isTerminal ? "\rcancelled\n" : "cancelled\n")
                return 130
            }
            errors.write(Self.line(error.rendered.isEmpty ? "error: statement failed" : error.rendered))
            return error.exitCode
        }
    }

    /// Writes a result in the current mode, as part of the current run's output.
    package func show(_ result: QueryResult) {
        let sink = onceTarget ?? output
        if writer == nil || writer?.format != format {
            finishResults()
            writer = ResultWriter(format: format, options: renderOptions(for: sink))
            if pager, sink.isTerminal, Pager.command() != nil { held = "" }
            write(writer!.begin(), to: sink)
            // A table after a message or an earlier run's table is set apart by a blank line.
            if format == .table, wroteResult { write("\n", to: sink) }
        }
        write(writer!.element(result), to: sink)
        wroteResult = true
    }

    /// Ends the current run's results (a JSON document's closing bracket); the next result starts a new run.
    /// Results held for the pager are shown now: through it when they are taller than the terminal.
    package func finishResults() {
        guard let current = writer else { return }
        let sink = onceTarget ?? output
        write(current.end(), to: sink)
        writer = nil
        guard let text = held else { return }
        held = nil
        let lines = text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        if let rows = Pager.height(of: sink.descriptor), lines > rows - 2, let command = Pager.command(),
           Pager.show(text, command: command) {
            return
        }
        sink.write(text)
    }

    private func write(_ text: String, to sink: TextSink) {
        if held != nil { held! += text } else { sink.write(text) }
    }

    /// How results are drawn on `sink`: fitted to the terminal's width, with bars, and coloured unless
    /// `NO_COLOR` is set (or TERM is dumb); plain and unbounded for a file or a pipe.
    func renderOptions(for sink: TextSink) -> RenderOptions {
        var options = RenderOptions()
        if sink.isTerminal {
            let noColor = !(Terminal.environment("NO_COLOR") ?? "").isEmpty || Terminal.environment("TERM") == "dumb"
            options = .terminal(width: Terminal.width(of: sink.descriptor), color: !noColor)
            options.hiddenColumnsHint = ".expanded on shows every column"
        }
        options.nullText = nullText
        options.headers = headers
        options.expanded = expanded
        return options
    }

    /// A line for people: with the results in table mode, on stderr when stdout carries CSV, JSON or Markdown
    /// so a program reading it sees only data.
    package func message(_ text: String) {
        (format == .table ? output : errors).write(Self.line(text))
    }

    package func error(_ text: String) {
        errors.write(Self.line(text.hasPrefix("error:") ? text : "error: " + text))
    }

    /// The exit status of a script that ended with `outcome`: an error's own status (it stopped the script);
    /// else 1 when some EXPECT failed, after a line saying how many; else 0.
    package func exitStatus(after outcome: DriveOutcome) -> Int32 {
        if case .failed(let code) = outcome { return code }
        guard failedExpectations > 0 else { return 0 }
        errors.write("\(failedExpectations) of \(expectationsRun) EXPECT statement\(expectationsRun == 1 ? "" : "s") failed\n")
        return 1
    }

    // MARK: Lines

    /// Reads lines until the input ends, `.quit`, or (in a script) the first error.
    ///
    /// One rule in every mode: a statement ends at `;` (or at the end of a script), and runs as soon as
    /// its `;` is read. A dot-command is a line of its own between statements. At a terminal, errors are
    /// reported and the loop goes on; in a script the first error ends it, with its exit status.
    package func drive(_ reader: LineReader, sourceName: String) -> DriveOutcome {
        let interactive = reader.isInteractive
        var splitter = StatementSplitter()
        /// The lines typed since the last statement ended, for the history.
        var typed: [String] = []

        while !quitRequested {
            let prompt = splitter.isAtBoundary ? "journey> " : continuationPrompt(splitter.pendingText)
            // At a prompt, the prompt itself separates what comes next from the last result.
            if interactive { wroteResult = false }
            switch reader.readLine(prompt: prompt) {
            case .interrupted:
                // Ctrl-C at the prompt abandons the statement being typed, never the session.
                splitter.reset()
                typed = []
                if errors.isTerminal { errors.write("\n") }  // the prompt starts a fresh line
            case .endOfInput:
                defer { finishResults() }
                if interactive {
                    if errors.isTerminal { errors.write("\n") }  // leave the shell's prompt on its own line
                } else if let last = splitter.finish(), let code = run(last.source(name: sourceName)) {
                    return .failed(code)
                }
                return .finished
            case .line(let text):
                let trimmed = text.trimmingBlanks()
                if splitter.isAtBoundary {
                    if trimmed.hasPrefix(".") {
                        reader.addHistory(trimmed)
                        _ = splitter.add(line: "")  // keeps the line count
                        finishResults()  // a dot-command may change the mode or the destination
                        if let code = dotCommand(trimmed), !interactive {
                            return .failed(code)
                        }
                        continue
                    }
                    if interactive, let command = Self.shellWord(trimmed) {
                        reader.addHistory(trimmed)
                        _ = splitter.add(line: "")
                        dotCommand(command)
                        continue
                    }
                }
                typed.append(text)
                let pieces = splitter.add(line: text)
                if interactive, !pieces.isEmpty {
                    reader.addHistory(Self.historyEntry(typed))
                    typed = splitter.isAtBoundary ? [] : [text]
                }
                for piece in pieces {
                    let code = run(piece.source(name: sourceName))
                    // At the prompt each statement is a run of its own; `.once` lasts one statement.
                    if interactive || onceTarget != nil { finishResults() }
                    onceTarget = nil
                    if let code, !interactive {
                        finishResults()
                        return .failed(code)
                    }
                    if quitRequested || (interactive && code == 130) { break }
                }
                if splitter.isAtBoundary { typed = [] }
            }
        }
        finishResults()
        return .finished
    }

    /// The continuation prompt; it shows `;` when what has been typed is already a whole statement,
    /// because a statement runs only when its `;` comes.
    func continuationPrompt(_ pending: String) -> String {
        Session.completeness(of: pending) == .complete ? "  ...;> " : "   ...> "
    }

    /// `help`, `exit` and `quit` typed alone at the prompt (with or without `;`), as psql understands them:
    /// the dot-command they stand for.
    static func shellWord(_ line: String) -> String? {
        var word = line.lowercased()
        while word.hasSuffix(";") { word.removeLast() }
        word = word.trimmingBlanks()
        switch word {
        case "exit", "quit": return ".quit"
        case "help": return ".help"
        default:
            if word.hasPrefix("help ") { return ".help " + String(word.dropFirst(5)).trimmingBlanks() }
            return nil
        }
    }

    // MARK: Dot-commands

    /// Runs one dot-command line. Returns nil on success, else the exit status a script stops with.
    @discardableResult
    package func dotCommand(_ line: String) -> Int32? {
        do throws(ConsoleError) {
            let words = try DotCommand.split(line)
            guard let name = words.first else { return nil }
            try perform(DotCommand(name: name, arguments: Array(words.dropFirst())))
            return nil
        } catch {
            if !error.message.isEmpty { self.error(error.message) }
            return error.exitCode
        }
    }

    private func perform(_ command: DotCommand) throws(ConsoleError) {
        let args = command.arguments
        switch command.name {
        case ".help":
            if args.isEmpty {
                output.write(DotCommand.help)
            } else if let text = LanguageHelp.topic(args.joined(separator: " ")) {
                output.write(text)
            } else {
                throw ConsoleError("no help on '\(args.joined(separator: " "))'; topics: \(LanguageHelp.topicNames.joined(separator: ", "))")
            }
        case ".quit", ".exit":
            quitRequested = true
        case ".open":
            // `.open --new FILE` is the one way to make an empty store here; a plain `.open` of a missing file fails.
            let create = args.first == "--new"
            let rest = create ? Array(args.dropFirst()) : args
            guard rest.count == 1 else { throw ConsoleError("usage: .open [--new] FILE") }
            let access: StoreAccess = create ? .create : .readWrite
            if let local = session as? Session, !StoreOpening.isDatabaseURL(rest[0]) {
                try StoreOpening.reopen(local, at: rest[0], access: access)
            } else {
                // Another kind of store: a new session, which keeps the parameters and strict mode.
                let opened = try StoreOpening.open(rest[0], access: access)
                opened.parameters = session.parameters
                opened.strict = session.strict
                session = opened
            }
            message("opened \(session.storeName): \(storeSummary())")
        case ".import":
            try importCommand(args)
        case ".read":
            let path = try command.single("FILE")
            guard readDepth < 16 else { throw ConsoleError(".read nested too deeply (does '\(path)' read itself?)") }
            let text = try FileText.read(path)
            readDepth += 1
            defer { readDepth -= 1 }
            if case .failed(let code) = drive(TextLineReader(text), sourceName: path) {
                throw ConsoleError("", exitCode: code)  // the error inside the file is already reported
            }
        case ".mode":
            guard let name = args.first else {
                output.write("current output mode: \(format.rawValue)\n")
                return
            }
            guard args.count == 1, let mode = OutputFormat(name: name) else {
                throw ConsoleError("unknown mode '\(args.joined(separator: " "))'; use "
                                   + OutputFormat.allCases.map(\.rawValue).joined(separator: ", "))
            }
            format = mode
        case ".timer":
            timer = try Self.onOff(args, usage: ".timer on|off")
        case ".engine":
            guard let session = session as? Session else {
                throw ConsoleError("a PostgreSQL store has one engine: the SQL it is sent (EXPLAIN shows it)")
            }
            guard let name = args.first else {
                output.write("current engine: \(session.engine.rawValue)\n")
                return
            }
            guard args.count == 1, let engine = Engine(rawValue: name.lowercased()) else {
                throw ConsoleError("usage: .engine auto|columnar|sqlite")
            }
            session.engine = engine
        case ".output":
            let target = args.first ?? "stdout"
            guard args.count <= 1 else { throw ConsoleError("usage: .output FILE|stdout") }
            output = target == "stdout" ? .standardOutput() : try TextSink.file(target)
            wroteResult = false
        case ".once":
            guard args.count == 1 else { throw ConsoleError("usage: .once FILE  (the next statement's results go to FILE)") }
            onceTarget = try TextSink.file(args[0])
        case ".headers":
            headers = try Self.onOff(args, usage: ".headers on|off")
        case ".nullvalue":
            guard args.count <= 1 else { throw ConsoleError("usage: .nullvalue TEXT  (quote text with spaces)") }
            nullText = args.first ?? ""
        case ".expanded", ".x":
            guard args.count == 1, let mode = ExpandedMode(rawValue: args[0].lowercased()) else {
                throw ConsoleError("usage: .expanded on|off|auto  (auto: one record per row when a table would not fit)")
            }
            expanded = mode
        case ".pager":
            pager = try Self.onOff(args, usage: ".pager on|off  (long results at the prompt through $JOURNEY_PAGER, $PAGER or less)")
        case ".strict":
            session.strict = try Self.onOff(args, usage: ".strict on|off  (on: warnings are errors)")
        case ".values":
            guard args.count == 1 else { throw ConsoleError("usage: .values FIELD  (channel, device, customer.segment, ...)") }
            show(try valuesResult(args[0]))
            finishResults()
        case ".schema":
            guard args.isEmpty else { throw ConsoleError("usage: .schema") }
            output.write(schemaText())
        case ".param", ".parameter":
            try paramCommand(args)
        default:
            throw ConsoleError("unknown command '\(command.name)'; enter .help for the list")
        }
    }

    /// The setting of a `.name on|off` command.
    static func onOff(_ args: [String], usage: String) throws(ConsoleError) -> Bool {
        switch args.first?.lowercased() {
        case "on" where args.count == 1: true
        case "off" where args.count == 1: false
        default: throw ConsoleError("usage: " + usage)
        }
    }

    /// `.values FIELD`: the values a field takes in the store.
    private func valuesResult(_ field: String) throws(ConsoleError) -> QueryResult {
        do {
            return try session.values(of: field)
        } catch {
            throw ConsoleError("\(error)")
        }
    }

    private func paramCommand(_ args: [String]) throws(ConsoleError) {
        switch args.count {
        case 0:
            for (name, value) in session.parameters.sorted(by: { $0.key < $1.key }) {
                output.write("$\(name) = \(value)\n")
            }
        case 1 where args[0] == "clear":
            session.parameters = [:]
        case 2 where args[0] == "unset":
            session.parameters[Self.parameterName(args[1])] = nil
        case 2:
            let name = Self.parameterName(args[0])
            guard Self.isParameterName(name) else { throw ConsoleError("'\(args[0])' is not a parameter name") }
            session.parameters[name] = args[1]
        default:
            throw ConsoleError("usage: .param NAME VALUE  (or .param to list, .param unset NAME, .param clear)")
        }
    }

    private func importCommand(_ args: [String]) throws(ConsoleError) {
        var files: [String] = []
        var customers = false
        var options = ImportOptions()
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--customers": customers = true
            case "--skip-bad-rows": options.skipBadRows = true
            case "--map":
                i += 1
                guard i < args.count else { throw ConsoleError("--map needs name=column,...") }
                options.mapping.merge(try ImportSummary.parseMapping(args[i]), uniquingKeysWith: { $1 })
            case let flag where flag.hasPrefix("--"):
                throw ConsoleError("unknown .import option '\(flag)'; usage: .import FILE... [--customers] [--skip-bad-rows] [--map name=column,...]")
            default: files.append(args[i])
            }
            i += 1
        }
        guard !files.isEmpty else { throw ConsoleError("usage: .import FILE... [--customers] [--skip-bad-rows] [--map name=column,...]") }
        guard !customers || files.count == 1 else { throw ConsoleError(".import --customers takes one file") }
        let importer = Importer(session: session, errors: errors)
        let report = try importer.run(options: options) { session, options in
            customers ? try session.importCustomers(files[0], options: options)
                      : try session.importEvents(files, options: options)
        }
        message(report.summary(noun: customers ? "customers" : "events"))
    }

    // MARK: Text for people

    /// `123,456 events, 20,000 customers`.
    package func storeSummary() -> String {
        let catalog = session.catalog()
        return "\(CellFormatting.groupedInteger(catalog.eventCount)) events, "
            + "\(CellFormatting.groupedInteger(catalog.customerCount)) customers"
    }

    /// The banner shown when the REPL starts on a terminal.
    package func banner() -> String {
        "JourneyQL \(journeyVersion), store \(session.storeName): \(storeSummary())\n"
            + "Statements end with ';'. Enter .help for help, .quit or Ctrl-D to leave.\n"
    }

    /// The catalog as `.schema` prints it: one line per kind of name, each name with its event count.
    package func schemaText() -> String {
        let catalog = session.catalog()
        func list(_ values: [NamedCount], prefix: String = "") -> String {
            values.isEmpty ? "(none)"
                : values.map { "\(prefix)\($0.name) (\(CellFormatting.groupedInteger($0.count)))" }.joined(separator: ", ")
        }
        var ordered: [NamedCount] = []
        for name in catalog.stageOrder { if let s = catalog.stages.first(where: { $0.name == name }) { ordered.append(s) } }
        ordered += catalog.stages.filter { !catalog.stageOrder.contains($0.name) }
        var text = "-- \(session.storeName): \(storeSummary())"
        if let range = catalog.timeRange {
            text += ", \(CellFormatting.isoTime(milliseconds: range.lowerBound)) .. \(CellFormatting.isoTime(milliseconds: range.upperBound))"
        }
        text += "\n"
        text += "stages:      \(list(ordered))\n"
        text += "touchpoints: \(list(catalog.touchpoints))\n"
        text += "channels:    \(list(catalog.channels))\n"
        text += "fields:      customer, time, stage, touchpoint, channel"
        text += catalog.properties.isEmpty ? "\n" : ", " + list(catalog.properties) + "\n"
        if !catalog.customerAttributes.isEmpty {
            text += "customer:    \(list(catalog.customerAttributes, prefix: "customer."))\n"
        }
        // Definitions stored with the data, as statements that would make them again.
        for entry in (try? session.definitions())?.entries ?? [] {
            let name = Self.isBareName(entry.name) ? entry.name : quoteText(entry.name)
            switch entry.kind {
            case .stage: text += "DEFINE STAGE \(name) AS \(entry.text);\n"
            case .condition: text += "LET \(name) = \(entry.text);\n"
            case .segment: text += "SEGMENT \(name) AS \(entry.text);\n"
            }
        }
        return text
    }

    // MARK: Helpers

    static func line(_ text: String) -> String { text.hasSuffix("\n") ? text : text + "\n" }

    static func seconds(_ duration: Duration) -> String {
        let (s, attoseconds) = duration.components
        return CellFormatting.fixed(Double(s) + Double(attoseconds) / 1e18, decimals: 3)
    }

    /// Whether `name` can be written without quotes: a word that is not reserved.
    static func isBareName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic || first.value >= 0x80 else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || $0.value >= 0x80 || ("0"..."9").contains($0) }
            && !Parser.reservedWords.contains(name.lowercased())
    }

    static func parameterName(_ raw: String) -> String { raw.hasPrefix("$") ? String(raw.dropFirst()) : raw }

    static func isParameterName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }

    /// A statement typed over several lines as one history line. `--` comments are dropped first: joined
    /// onto one line, a comment would swallow the rest of the statement.
    static func historyEntry(_ lines: [String]) -> String {
        lines.map { stripComment($0).trimmingBlanks() }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// A line without its `--` comment; `--` inside a `'...'` string is text, not a comment.
    static func stripComment(_ line: String) -> String {
        var inString = false
        var previous: Character?
        var index = line.startIndex
        while index < line.endIndex {
            let ch = line[index]
            if ch == "'" { inString.toggle() }
            if !inString, ch == "-", previous == "-" {
                return String(line[..<line.index(before: index)])
            }
            previous = inString ? nil : ch
            index = line.index(after: index)
        }
        return line
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    func trimmingBlanks() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
