// The `journey-bench` executable (issue 4): argument parsing, the run over the chosen data sets, and the hidden
// child commands each measurement runs in. The measuring lives in Benchmark, the printing in Report; the
// one-customer run of issue 11 in SingleCustomer.
import ArgumentParser
import Foundation
import JourneyEngine

@main
struct JourneyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journey-bench",
        abstract: "Benchmark JourneyQL: import rate, cold and warm query times, memory and store size, beside SQL on SQLite.",
        subcommands: [Run.self, SingleCustomerRun.self, GenerateChild.self, ImportChild.self, QueryChild.self, ColdChild.self, SQLChild.self],
        defaultSubcommand: Run.self)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Generate (cached), import and query the benchmark data sets and print the report.",
        discussion: """
            Data sets are generated once with JourneyGenerator (retail, seed 1) and cached under --dir as \
            <set>/events.csv; every run imports the CSV into a fresh store (the import is measured) that replaces \
            <set>/store.db, unless --skip-import reuses it. Results also go to <set>/results.json for \
            scripts/bench-peers. Exit status 1 when a count disagrees (JourneyQL vs SQL on SQLite, or a new \
            process vs the warm one) or a query fails.
            """)

    @Option(help: "Which data sets: 1m, 10m, both, 100m (or 100k for a quick check).")
    var events: String = "1m"

    @Option(help: "Timed warm runs per query (after one untimed first run).")
    var runs: Int = 5

    @Option(help: "Imports of each data set into a fresh store; the median run is the one judged.")
    var importRuns: Int = 3

    @Option(help: "Runs of each SQL-on-SQLite query (the best is reported).")
    var sqlRuns: Int = 1

    @Option(help: "Where data sets are cached.")
    var dir: String = ".bench"

    @Flag(help: "Reuse the cached store instead of importing afresh (the import is then not measured).")
    var skipImport = false

    @Flag(help: "Do not run the SQL-on-SQLite twins.")
    var skipSQL = false

    @Option(help: "The journey executable used for cold runs (default: the one beside journey-bench).")
    var journey: String?

    @Option(help: "Run only these queries (comma-separated ids: funnel2, funnel4, filters, breakdown, paths, times).")
    var only: String?

    @Flag(help: "Print the SQL of each SQL-on-SQLite twin after the report.")
    var showSQL = false

    func validate() throws {
        guard !sets().isEmpty else { throw ValidationError("--events must be 1m, 10m, both, 100m or 100k") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard importRuns >= 1 else { throw ValidationError("--import-runs must be at least 1") }
    }

    func sets() -> [DataSetSpec] {
        let names = events == "both" ? ["1m", "10m"] : [events.lowercased()]
        let specs = names.compactMap { name in DataSetSpec.known.first { $0.name == name } }
        return specs.count == names.count ? specs : []
    }

    func run() throws {
        let options = BenchOptions(directory: dir, runs: runs, importRuns: importRuns, sqlRuns: sqlRuns, skipImport: skipImport,
                                   skipSQL: skipSQL, journey: journey,
                                   only: only.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) })
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let loadAtStart = Report.loadAverage()
        var reports: [String] = []
        var failed = false
        for spec in sets() {
            log("journey-bench: \(spec.name)")
            let result = try Benchmark(spec: spec, options: options, log: log).run()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(result).write(to: URL(fileURLWithPath: "\(dir)/\(spec.name)/results.json"))
            reports.append(Report.render(result))
            failed = failed || !result.problems.isEmpty
        }
        print(([Report.machine(loadAtStart: loadAtStart)] + reports).joined(separator: "\n\n"))
        if showSQL {
            for query in QuerySet.all where options.only?.contains(query.id) ?? true {
                guard let sql = query.sql else { continue }
                print("\n-- \(query.label): \(query.text)\n\(sql.text);")
            }
        }
        if failed { throw ExitCode(1) }
    }
}

struct GenerateChild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate-child", shouldDisplay: false)
    @Option var customers: Int
    @Option var seed: UInt64
    @Option var output: String
    /// Writes the customers file instead of the events (the same generated customers).
    @Flag var customersFile = false

    func run() throws {
        try Children.generate(customers: customers, seed: seed, output: output, customersFile: customersFile)
    }
}

struct SQLChild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sql-child", shouldDisplay: false)
    @Option var db: String
    @Option var queryID: String
    @Option var runs: Int = 1

    func run() throws {
        try Children.emit(try Children.sql(store: db, queryID: queryID, runs: runs))
    }
}

struct ImportChild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-child", shouldDisplay: false)
    @Option var csv: String
    @Option var db: String
    /// The file is a customers file, imported into the existing store.
    @Flag var customers = false

    func run() throws {
        try Children.emit(try customers ? Children.importCustomers(csv: csv, store: db) : Children.importEvents(csv: csv, store: db))
    }
}

struct QueryChild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query-child", shouldDisplay: false)
    @Option var db: String
    @Option var query: String
    @Option var runs: Int = 5

    func run() throws {
        do {
            try Children.emit(try Children.query(store: db, text: query, runs: runs))
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(65)
        }
    }
}

/// A cold query without the `journey` executable: the same library call, printed as `journey --format csv` would.
struct ColdChild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cold-child", shouldDisplay: false)
    @Option var db: String
    @Option var query: String

    func run() throws {
        let outcome = try Children.query(store: db, text: query, runs: 0)
        FileHandle.standardOutput.write(Data(outcome.csv.utf8))
    }
}
