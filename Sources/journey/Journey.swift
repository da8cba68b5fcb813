// The `journey` executable: parses the command line, validates it, and maps outcomes to exit codes.
// Everything an embedding program would need lives in JourneyREPL and JourneyQL.
import ArgumentParser
import JourneyEngine
import JourneyPostgres
import JourneyREPL
import JourneyStore

@main
struct Journey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journey",
        abstract: "Customer-journey analytics: a query language over an indexed SQLite event store.",
        usage: """
            journey [STORE] [-c STATEMENT] [--format table|csv|json|jsonl|markdown] [--param NAME=VALUE ...] [--engine E] [--strict]
            journey run SCRIPT.jql [--db STORE] [--format table|csv|json|jsonl|markdown] [--param NAME=VALUE ...] [--engine E] [--strict]
            journey import FILE... [--db STORE] [--customers FILE] [--map name=column,...] [--skip-bad-rows]
            journey generate [--customers N] [--seed S] [--scenario retail|travel|banking] [-o FILE] [--customers-out FILE]
            journey check STORE
            journey pg-extension DIR
            """,
        discussion: """
            With no subcommand, journey opens STORE (default ./journey.db): the REPL on a terminal, a script \
            when statements are piped on stdin, or the statement given with -c. STORE must exist: only `journey \
            import` (and `.open --new` in the REPL) make stores.

            \(Repl.optionsHelp())
            Exit status: 0 ok, 1 an EXPECT failed, 64 usage error, 65 a statement, script or import failed, \
            66 no such store or file, 69 a PostgreSQL server unreachable or refusing the login, 70 internal error, \
            130 cancelled (Ctrl-C).
            """,
        version: journeyVersion,
        subcommands: [Repl.self, Run.self, Import.self, Generate.self, Check.self, PgExtension.self],
        defaultSubcommand: Repl.self)
}

extension OutputFormat: ExpressibleByArgument {}

/// Options every statement-running command shares.
struct StatementOptions: ParsableArguments {
    @Option(help: "How results are printed: table, csv, json or markdown (default: table).")
    var format: OutputFormat?

    @Option(name: .customLong("param"), help: ArgumentHelp("Binds $NAME in statements (repeatable).",
                                                           valueName: "NAME=VALUE"))
    var params: [String] = []

    @Option(help: "Which engine reads events: auto (the columnar copy when it can serve the query), columnar or sqlite.")
    var engine: Engine = .auto

    @Flag(help: "Treat warnings (an unknown value, a step no event can reach) as errors: exit 65.")
    var strict = false

    @Flag(name: .customLong("read-only"), help: "Open the store read-only: nothing is written to it (also automatic when it cannot be written).")
    var readOnly = false

    func validate() throws {
        _ = try parameters()
    }

    func parameters() throws -> [String: String] {
        var bound: [String: String] = [:]
        for param in params {
            let parts = param.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            var name = parts.first.map(String.init) ?? ""
            if name.hasPrefix("$") { name.removeFirst() }
            guard parts.count == 2, !name.isEmpty else {
                throw ValidationError("--param expects NAME=VALUE, got '\(param)'")
            }
            bound[name] = String(parts[1])
        }
        return bound
    }

    /// A console over a newly opened store, with the parameters bound.
    func console(store: String) throws -> Console {
        let session = try StoreOpening.open(store, access: readOnly ? .readOnly : .readWrite)
        session.parameters = try parameters()
        (session as? Session)?.engine = engine
        session.strict = strict
        return Console(session: session, format: format ?? .table)
    }
}

struct Repl: ParsableCommand {
    /// The options of `journey [STORE]`, for the top-level help: the subcommand that takes them is hidden.
    static func optionsHelp() -> String {
        let text = helpMessage(columns: 78)
        guard let range = text.range(of: "OPTIONS:") else { return "" }
        let lines = text[range.lowerBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("--version") && !$0.contains("--help") }
        return "OPTIONS (journey [STORE], also for run):\n" + lines.dropFirst().joined(separator: "\n")
    }

    static let configuration = CommandConfiguration(
        commandName: "repl", abstract: "Open a store: the REPL, a piped script, or one statement.",
        usage: "journey [STORE] [-c STATEMENT] [--format table|csv|json|jsonl|markdown] [--param NAME=VALUE ...] [--engine auto|columnar|sqlite]",
        shouldDisplay: false)

    @Argument(help: "The store file (it must exist), or a PostgreSQL database: postgres://user:password@host:port/db.")
    var store: String = "journey.db"

    @Option(name: [.short, .customLong("command")], help: "Run this statement (or dot-command) and exit.")
    var command: String?

    @OptionGroup var options: StatementOptions

    func run() throws {
        try Failure.guarding {
            Terminal.guardStandardDescriptors()
            let console = try options.console(store: store)
            if let command {
                return REPL.runScript(command, name: "<command>", console: console)
            }
            return REPL.run(console)
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a script of statements and dot-commands; stop at the first error (exit 65), exit 1 if an EXPECT failed.")

    @Argument(help: "The script (.jql).")
    var script: String

    @Option(help: "The store file (it must exist), or a postgres:// URL.")
    var db: String = "journey.db"

    @OptionGroup var options: StatementOptions

    func run() throws {
        try Failure.guarding {
            Terminal.guardStandardDescriptors()
            let text = try FileText.read(script)
            let console = try options.console(store: db)
            return REPL.runScript(text, name: script, console: console)
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load events (CSV or JSON Lines) and customer attributes into a store.")

    @Argument(help: "Event files (.csv, .jsonl).")
    var files: [String] = []

    @Option(help: "The store file (created when missing), or a postgres:// URL (its tables made when missing).")
    var db: String = "journey.db"

    @Option(help: "A customers file: one row per customer, its attributes as columns.")
    var customers: String?

    @Option(help: ArgumentHelp("Read a field from a differently named column (repeatable).",
                               valueName: "name=column,..."))
    var map: [String] = []

    @Flag(help: "Skip malformed rows (each listed on stderr) instead of failing the import.")
    var skipBadRows = false

    func validate() throws {
        guard !files.isEmpty || customers != nil else {
            throw ValidationError("give at least one events FILE or --customers FILE")
        }
        _ = try mapping()
    }

    func mapping() throws -> [String: String] {
        var mapping: [String: String] = [:]
        for text in map {
            do {
                mapping.merge(try ImportSummary.parseMapping(text), uniquingKeysWith: { $1 })
            } catch {
                throw ValidationError("--map: \(error.message)")
            }
        }
        return mapping
    }

    func run() throws {
        try Failure.guarding {
            Terminal.guardStandardDescriptors()
            return DataCommands.importIntoStore(db, events: files, customers: customers,
                                                mapping: try mapping(), skipBadRows: skipBadRows)
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a store for damage (SQLite's integrity check and the store's own rules); exit 65 if damaged.")

    @Argument(help: "The store file.")
    var store: String

    func run() throws {
        try Failure.guarding {
            Terminal.guardStandardDescriptors()
            return DataCommands.check(store)
        }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a realistic sample journey log as CSV.")

    @Option(help: "How many customers.")
    var customers: Int = 1000

    @Option(help: "Random seed: the same seed gives the same data.")
    var seed: UInt64 = 42

    @Option(help: "The kind of business: retail, travel or banking.")
    var scenario: String = "retail"

    @Option(name: [.short, .customLong("output")], help: "The events file (default: stdout).")
    var output: String?

    @Option(help: "Also write the customers' attributes to this file.")
    var customersOut: String?

    func validate() throws {
        guard customers >= 0 else { throw ValidationError("--customers must be 0 or more") }
        guard DataCommands.scenarios.contains(scenario) else {
            throw ValidationError("--scenario must be one of \(DataCommands.scenarios.joined(separator: ", "))")
        }
    }

    func run() throws {
        try Failure.guarding {
            Terminal.guardStandardDescriptors()
            return DataCommands.generate(customers: customers, seed: seed, scenario: scenario,
                                         eventsPath: output, customersPath: customersOut)
        }
    }
}

struct PgExtension: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg-extension",
        abstract: "Write the PostgreSQL extension `journeyql` (the matcher functions) into DIR, for a sharded setup.",
        discussion: """
            DIR is the extension folder of each PostgreSQL server: $(pg_config --sharedir)/extension. Then, in each \
            database: CREATE SCHEMA IF NOT EXISTS journeyql; CREATE EXTENSION journeyql SCHEMA journeyql; and list \
            the extension in each postgres_fdw server's options (extensions 'journeyql') so that the per-customer \
            matching is sent to the servers holding the partitions. A single server needs none of this: the store \
            makes the functions itself.
            """)

    @Argument(help: "The folder to write journeyql.control, journeyql--1.1.sql and the 1.0 update into.")
    var folder: String

    func run() throws {
        try Failure.guarding {
            for path in try MatcherFunctions.writeExtension(to: folder) { print("wrote \(path)") }
            return 0
        }
    }
}

/// Turns outcomes into exit statuses: the body's status, 65 for a failure it reports, 70 for anything unforeseen.
enum Failure {
    static func guarding(_ body: () throws -> Int32) throws {
        let code: Int32
        do {
            code = try body()
        } catch let error as ConsoleError {
            printError(error.message)
            code = error.exitCode
        } catch let error as ValidationError {
            throw error
        } catch {
            printError("internal error: \(error)")
            code = 70
        }
        if code != 0 { throw ExitCode(code) }
    }

    static func printError(_ message: String) {
        TextSink.standardError().write(message.hasPrefix("error") || message.hasPrefix("internal")
                                       ? message + "\n" : "error: " + message + "\n")
    }
}

extension Engine: ExpressibleByArgument {}
