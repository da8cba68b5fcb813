// One benchmark run over one data set: generate (cached), import, then every query cold, warm and as SQL.
import Foundation
import JourneyEngine

/// A data set size the benchmark knows.
struct DataSetSpec {
    var name: String
    /// The generator averages about 12.2 events per customer (retail, seed 1), so these give ≈ 1M and ≈ 10M events.
    var customers: Int
    static let seed: UInt64 = 1
    static let scenario = JourneyGenerator.Scenario.retail

    static let known: [DataSetSpec] = [
        DataSetSpec(name: "100k", customers: 8_200),
        DataSetSpec(name: "1m", customers: 82_000),
        DataSetSpec(name: "10m", customers: 820_000),
        // About 7.2 GB of CSV and 4 GB of store: run with --skip-sql (SQLite's window functions take minutes here).
        DataSetSpec(name: "100m", customers: 8_200_000),
    ]
}

// MARK: Results (also written to .bench/<set>/results.json for scripts/bench-peers)

struct ImportMeasurement: Codable {
    var events: Int
    var callSeconds: Double
    var closeSeconds: Double
    /// The child process from start to exit: what `journey import` costs a user.
    var wallSeconds: Double
    /// The import process's own peak resident set (VmHWM).
    var peakBytes: Int
    var endToEndRate: Double { Double(events) / wallSeconds }
    var callRate: Double { Double(events) / callSeconds }
}

/// Imports into copies of the store, each run a child process: a day's events (issue 14: appends cost what they
/// add), or the customers file (`events` then counts its rows).
struct AppendMeasurement: Codable {
    var events: Int
    /// Each run's child process from start to exit, in the order run; the median is judged.
    var wallSeconds: [Double]
    var median: Double { wallSeconds.sorted()[wallSeconds.count / 2] }
}

struct WarmMeasurement: Codable {
    var openSeconds: Double
    var firstSeconds: Double
    var runs: [Double]
    var counts: [Int]
    var groups: [[String]]
    /// Peak resident set (VmHWM) of the process, and what was resident after the last run.
    var memory: ProcessMemory
    var peakBytes: Int { memory.peak }
    var best: Double { runs.min() ?? firstSeconds }
    var median: Double { Stats.median(runs) ?? firstSeconds }
}

struct ProcessMeasurement: Codable {
    /// From spawn to exit of a new `journey -c ... --format csv` process.
    var seconds: Double
    /// wait4's ru_maxrss (never below the benchmark process's own peak; see Children.swift).
    var peakBytes: Int
    /// The share of the store's pages in the OS page cache just before the process started.
    var residentShare: Double?
    var counts: [Int]
    /// Whether it printed exactly what the warm process computed.
    var sameAsWarm: Bool
}

struct SQLMeasurement: Codable {
    var runs: [Double]
    var counts: [Int]
    var groups: [[String]]
    /// Whether its groups and counts are JourneyQL's (in any order).
    var agrees: Bool
    var peakBytes: Int
    var best: Double { runs.min() ?? .nan }
}

struct QueryMeasurement: Codable {
    var id: String
    var label: String
    var text: String
    var target: Target
    /// nil when it ran; otherwise why not ("not yet supported: ...", or the error).
    var skipped: String?
    var warm: WarmMeasurement?
    var cold: ProcessMeasurement?
    /// A new process with the store already in the OS page cache.
    var newProcess: ProcessMeasurement?
    var sql: SQLMeasurement?
    var sqlText: String?
}

struct DataSetResult: Codable {
    var name: String
    var generatorCustomers: Int
    var seed: UInt64
    var scenario: String
    var csv: String
    var csvBytes: Int64
    var generatedSeconds: Double?
    var events: Int
    var customers: Int
    var store: String
    var storeBytes: Int64
    /// The median of `importRuns` (by time from process start to store closed): the run judged.
    var importRun: ImportMeasurement?
    /// Every import, in the order run (the VM's speed drifts, so one run can mislead).
    var importRuns: [ImportMeasurement]?
    var append: AppendMeasurement?
    /// Importing the generated customers file into copies of the store (`events`: its rows).
    var customersImport: AppendMeasurement?
    var runs: Int
    var coldVia: String
    var queries: [QueryMeasurement]
    var problems: [String]
    var totalSeconds: Double
    /// ru_maxrss of the benchmark process itself: the floor of every wait4 figure.
    var benchPeakBytes: Int
}

/// What a run is asked to do.
struct BenchOptions {
    var directory: String
    var runs: Int
    var importRuns: Int
    var sqlRuns: Int
    var skipImport: Bool
    var skipSQL: Bool
    var journey: String?
    var only: Set<String>?
}

struct Benchmark {
    let spec: DataSetSpec
    let options: BenchOptions
    let log: (String) -> Void

    var directory: String { options.directory + "/" + spec.name }
    var csvPath: String { directory + "/events.csv" }
    var storePath: String { directory + "/store.db" }

    func run() throws -> DataSetResult {
        let clock = ContinuousClock()
        let started = clock.now
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let generatedSeconds = try ensureCSV()

        var importRuns: [ImportMeasurement] = []
        if !options.skipImport || !FileManager.default.fileExists(atPath: storePath) {
            for _ in 0..<options.importRuns { importRuns.append(try importFresh()) }
        } else {
            log("  reusing \(storePath) (--skip-import)")
        }
        let storeBytes = PageCache.size(ofStore: storePath)
        let (events, customers) = try storeCounts()
        let append = try measureAppend()
        let customersImport = try measureCustomersImport()

        let me = ChildProcess.selfExecutable()
        let journey = options.journey ?? (me.split(separator: "/").dropLast().joined(separator: "/").prefixedSlash + "/journey")
        let coldVia = FileManager.default.isExecutableFile(atPath: journey) ? journey : me

        var queries: [QueryMeasurement] = []
        var problems: [String] = []
        for query in QuerySet.all where options.only?.contains(query.id) ?? true {
            let measured = try measure(query, selfPath: me, coldVia: coldVia)
            problems += Self.problems(in: measured)
            queries.append(measured)
        }
        return DataSetResult(name: spec.name, generatorCustomers: spec.customers, seed: DataSetSpec.seed,
                             scenario: DataSetSpec.scenario.rawValue, csv: csvPath,
                             csvBytes: PageCache.fileSize(csvPath), generatedSeconds: generatedSeconds,
                             events: events, customers: customers, store: storePath, storeBytes: storeBytes,
                             importRun: importRuns.sorted { $0.wallSeconds < $1.wallSeconds }.dropFirst(importRuns.count / 2).first,
                             importRuns: importRuns.isEmpty ? nil : importRuns, append: append,
                             customersImport: customersImport, runs: options.runs,
                             coldVia: coldVia == me ? "journey-bench cold-child" : "journey -c ... --format csv",
                             queries: queries, problems: problems, totalSeconds: (clock.now - started).seconds,
                             benchPeakBytes: Self.ownPeakBytes())
    }

    // MARK: Data

    /// Generates the CSV unless a file made with the same generator arguments is there; returns the time taken.
    private func ensureCSV() throws -> Double? {
        let stampPath = directory + "/events.stamp"
        let stamp = "customers=\(spec.customers) seed=\(DataSetSpec.seed) scenario=\(DataSetSpec.scenario.rawValue)"
            + " model=\(JourneyGenerator.modelVersion)\n"
        if FileManager.default.fileExists(atPath: csvPath),
           (try? String(contentsOfFile: stampPath, encoding: .utf8)) == stamp {
            log("  reusing \(csvPath)")
            return nil
        }
        log("  generating \(Format.grouped(spec.customers)) customers (seed \(DataSetSpec.seed)) into \(csvPath)")
        let clock = ContinuousClock()
        let started = clock.now
        let partial = csvPath + ".part"
        let child = try ChildProcess.run(ChildProcess.selfExecutable(),
                                         ["generate-child", "--customers", String(spec.customers),
                                          "--seed", String(DataSetSpec.seed), "--output", partial], passStderr: true)
        guard child.succeeded else { throw BenchError("generating \(csvPath) failed (exit \(child.exitStatus))") }
        try? FileManager.default.removeItem(atPath: csvPath)
        try FileManager.default.moveItem(atPath: partial, toPath: csvPath)
        try stamp.write(toFile: stampPath, atomically: true, encoding: .utf8)
        return (clock.now - started).seconds
    }

    /// Imports the CSV into a fresh store in a child process, then puts that store in place of the cached one.
    private func importFresh() throws -> ImportMeasurement {
        let fresh = directory + "/import.db"
        Self.removeStore(fresh)
        log("  importing \(csvPath) into a fresh store")
        let child = try ChildProcess.run(ChildProcess.selfExecutable(),
                                         ["import-child", "--csv", csvPath, "--db", fresh], passStderr: true)
        guard child.succeeded, let outcome = try? JSONDecoder().decode(ImportOutcome.self, from: Data(child.stdout.utf8)) else {
            throw BenchError("import failed (exit \(child.exitStatus)): \(child.stdout)\(child.stderr)")
        }
        Self.removeStore(storePath)
        for file in PageCache.storeFiles(fresh) {
            try FileManager.default.moveItem(atPath: file, toPath: storePath + file.dropFirst(fresh.count))
        }
        return ImportMeasurement(events: outcome.events, callSeconds: outcome.callSeconds,
                                 closeSeconds: outcome.closeSeconds, wallSeconds: child.wallSeconds,
                                 peakBytes: outcome.memory?.peak ?? child.peakBytes)
    }

    /// Appends a day's events (a log of a 365th of the customers, generated with another seed: about a 365th of
    /// the events) to a copy of the store, three times, each import in a child process from start to store closed.
    private func measureAppend() throws -> AppendMeasurement {
        let dayPath = directory + "/day.csv"
        let child = try ChildProcess.run(ChildProcess.selfExecutable(),
                                         ["generate-child", "--customers", String(max(1, spec.customers / 365)),
                                          "--seed", String(DataSetSpec.seed + 1), "--output", dayPath], passStderr: true)
        guard child.succeeded else { throw BenchError("generating \(dayPath) failed (exit \(child.exitStatus))") }
        return try importIntoCopies(dayPath, customers: false, noun: "events", copyName: "append.db")
    }

    /// Imports the customers file of the generated customers (one row each, with their segment, region and signup
    /// date: every customer's attributes are new) into a copy of the store, three times, each in a child process
    /// from start to store closed. The file is generated once and kept beside the events.
    private func measureCustomersImport() throws -> AppendMeasurement {
        let customersPath = directory + "/customers.csv"
        let stampPath = directory + "/customers.stamp"
        let stamp = "customers=\(spec.customers) seed=\(DataSetSpec.seed) scenario=\(DataSetSpec.scenario.rawValue)"
            + " model=\(JourneyGenerator.modelVersion)\n"
        if (try? String(contentsOfFile: stampPath, encoding: .utf8)) != stamp || !FileManager.default.fileExists(atPath: customersPath) {
            let child = try ChildProcess.run(ChildProcess.selfExecutable(),
                                             ["generate-child", "--customers", String(spec.customers), "--seed",
                                              String(DataSetSpec.seed), "--output", customersPath, "--customers-file"],
                                             passStderr: true)
            guard child.succeeded else { throw BenchError("generating \(customersPath) failed (exit \(child.exitStatus))") }
            try stamp.write(toFile: stampPath, atomically: true, encoding: .utf8)
        }
        return try importIntoCopies(customersPath, customers: true, noun: "customers", copyName: "customers.db")
    }

    /// Imports `file` (events, or with `customers` a customers file) into a copy of the store, three times, each in
    /// a child process from start to store closed.
    private func importIntoCopies(_ file: String, customers: Bool, noun: String, copyName: String) throws -> AppendMeasurement {
        let copy = directory + "/" + copyName
        defer { Self.removeStore(copy) }
        var runs: [Double] = []
        var rows = 0
        for _ in 0..<3 {
            try copyStore(to: copy)
            let run = try ChildProcess.run(ChildProcess.selfExecutable(),
                                           ["import-child", "--csv", file, "--db", copy] + (customers ? ["--customers"] : []),
                                           passStderr: true)
            guard run.succeeded, let outcome = try? JSONDecoder().decode(ImportOutcome.self, from: Data(run.stdout.utf8)) else {
                throw BenchError("importing \(file) failed (exit \(run.exitStatus)): \(run.stdout)\(run.stderr)")
            }
            rows = outcome.events
            runs.append(run.wallSeconds)
        }
        log("  imported \(Format.grouped(rows)) \(noun) into copies of the store: \(runs.map(Format.seconds).joined(separator: ", "))")
        return AppendMeasurement(events: rows, wallSeconds: runs)
    }

    /// Copies the store's files to `copy` and writes them to disk: left dirty in the page cache, the copy's 180 MB
    /// would be written by the import's first sync (a customers import took 0.85-1.09 s so, 0.68-0.72 s after a sync).
    private func copyStore(to copy: String) throws {
        Self.removeStore(copy)
        for file in PageCache.storeFiles(storePath) {
            let target = copy + file.dropFirst(storePath.count)
            try FileManager.default.copyItem(atPath: file, toPath: target)
            let descriptor = open(target, O_RDONLY)
            guard descriptor >= 0 else { throw BenchError("cannot open \(target) to sync it") }
            fsync(descriptor)
            close(descriptor)
        }
    }

    private static func removeStore(_ path: String) {
        for file in PageCache.storeFiles(path) { try? FileManager.default.removeItem(atPath: file) }
    }

    private func storeCounts() throws -> (events: Int, customers: Int) {
        let catalog = try EventStore(path: storePath).catalog()
        return (catalog.eventCount, catalog.customerCount)
    }

    // MARK: Queries

    private func measure(_ query: BenchQuery, selfPath: String, coldVia: String) throws -> QueryMeasurement {
        var m = QueryMeasurement(id: query.id, label: query.label, text: query.text, target: query.target,
                                 sqlText: query.sql?.text)
        if query.feature != nil {
            let parsed = Parser.parse(SourceText(query.text, name: "<bench>"))
            if let error = parsed.diagnostics.first(where: { $0.severity == .error }) {
                m.skipped = "not yet supported (\(query.feature!) does not parse: \(error.message))"
                log("  \(query.label): \(m.skipped!)")
                return m
            }
        }
        log("  \(query.label): \(query.text)")

        // Cold: a new process, the store's pages dropped from the OS cache first. Then a new process again,
        // with the pages still cached, which separates disk reads from what a process does on its first query.
        PageCache.evict(store: storePath)
        let resident = PageCache.residentShare(store: storePath)
        let coldRun = try runNewProcess(query, via: coldVia)
        let warmCacheRun = try runNewProcess(query, via: coldVia)

        let warmChild = try ChildProcess.run(selfPath, ["query-child", "--db", storePath, "--runs", String(options.runs),
                                                        "--query", query.text])
        guard warmChild.succeeded,
              let outcome = try? JSONDecoder().decode(QueryOutcome.self, from: Data(warmChild.stdout.utf8)) else {
            m.skipped = "error: " + (warmChild.stderr + warmChild.stdout).trimmingCharacters(in: .whitespacesAndNewlines)
            log("    \(m.skipped!)")
            return m
        }
        m.warm = WarmMeasurement(openSeconds: outcome.openSeconds, firstSeconds: outcome.firstSeconds,
                                 runs: outcome.runs, counts: outcome.counts, groups: outcome.groups,
                                 memory: outcome.memory ?? ProcessMemory(peak: warmChild.peakBytes, anonymousNow: 0, fileNow: 0))
        m.cold = processMeasurement(coldRun, resident: resident, warmCSV: outcome.csv)
        m.newProcess = processMeasurement(warmCacheRun, resident: nil, warmCSV: outcome.csv)

        if query.sql != nil, !options.skipSQL {
            m.sql = try runSQL(query, warmGroups: outcome.groups)
        }
        log("    warm \(Format.seconds(m.warm!.best))  cold \(Format.seconds(m.cold!.seconds))"
            + (m.sql.map { "  SQLite \(Format.seconds($0.best))" } ?? ""))
        return m
    }

    private func runNewProcess(_ query: BenchQuery, via executable: String) throws -> ChildRun {
        let arguments = executable.hasSuffix("/journey")
            ? [storePath, "-c", query.text, "--format", "csv"]
            : ["cold-child", "--db", storePath, "--query", query.text]
        return try ChildProcess.run(executable, arguments)
    }

    private func processMeasurement(_ run: ChildRun, resident: Double?, warmCSV: String) -> ProcessMeasurement {
        ProcessMeasurement(seconds: run.wallSeconds, peakBytes: run.peakBytes, residentShare: resident,
                           counts: run.succeeded ? CSVColumn.integers(named: "customers", in: run.stdout) : [],
                           sameAsWarm: run.succeeded && run.stdout == warmCSV)
    }

    /// Runs the SQL twin in a process of its own.
    private func runSQL(_ query: BenchQuery, warmGroups: [[String]]) throws -> SQLMeasurement {
        let child = try ChildProcess.run(ChildProcess.selfExecutable(),
                                         ["sql-child", "--db", storePath, "--query-id", query.id,
                                          "--runs", String(options.sqlRuns)])
        guard child.succeeded, let outcome = try? JSONDecoder().decode(SQLOutcome.self, from: Data(child.stdout.utf8)) else {
            throw BenchError("the SQL twin of \(query.id) failed (exit \(child.exitStatus)): \(child.stderr)")
        }
        // Groups with equal step-1 counts may be listed in another order; compare them as sets.
        let sorted: ([[String]]) -> [[String]] = { $0.sorted { $0.lexicographicallyPrecedes($1) } }
        return SQLMeasurement(runs: outcome.runs, counts: outcome.counts, groups: outcome.groups,
                              agrees: sorted(outcome.groups) == sorted(warmGroups),
                              peakBytes: outcome.memory?.peak ?? child.peakBytes)
    }

    static func ownPeakBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Count mismatches and failed processes, each one line.
    static func problems(in m: QueryMeasurement) -> [String] {
        guard let warm = m.warm else {
            return m.skipped?.hasPrefix("error") == true ? ["\(m.label): \(m.skipped!)"] : []
        }
        var problems: [String] = []
        if let sql = m.sql, !sql.agrees {
            problems.append("\(m.label): JourneyQL counts \(warm.groups) but SQL on SQLite counts \(sql.groups)")
        }
        for (name, run) in [("cold process", m.cold), ("new process", m.newProcess)] {
            if let run, !run.sameAsWarm {
                problems.append("\(m.label): the \(name) printed \(run.counts.isEmpty ? "an error or nothing" : "\(run.counts)")"
                                + ", not the warm process's \(warm.counts)")
            }
        }
        return problems
    }
}

enum Stats {
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// Reads one integer column of a CSV result by header name (RFC 4180 quoting).
enum CSVColumn {
    /// The column `name` of the last table in CSV output that has one (a statement with several results, like
    /// TIMES, prints them one after another; the warm run keeps the last). A line naming the column is a header.
    static func integers(named name: String, in text: String) -> [Int] {
        var column: Int?
        var values: [Int] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let cells = fields(String(line))
            if let header = cells.firstIndex(of: name) {
                column = header
                values = []
            } else if let column, column < cells.count, let n = Int(cells[column]) {
                values.append(n)
            }
        }
        return values
    }

    static func fields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var characters = line.makeIterator()
        while let c = characters.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote is a quote; a single one ends the quoted part.
                    var lookahead = characters
                    if lookahead.next() == "\"" { current.append("\""); characters = lookahead } else { quoted = false }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}

private extension String {
    var prefixedSlash: String { hasPrefix("/") ? self : "/" + self }
}
