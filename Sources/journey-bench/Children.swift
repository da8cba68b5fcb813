// The work done in child processes, so each measurement has a process of its own: its peak memory is its own,
// and a "first query" really is the first in its process. Each child prints one JSON object on stdout.
//
// Why even generation and SQL run in children: on Linux a spawned child's ru_maxrss starts at its parent's
// high-water mark (exec records the old address space's peak), so the parent must stay small for wait4's figures
// to mean anything. Our own children also read their peak from /proc/self/status (VmHWM), which exec resets.
import Foundation
import JourneyEngine

/// What `journey-bench import-child` reports.
struct ImportOutcome: Codable {
    var events: Int
    /// The `importEvents` call: CSV parsed, encoded, inserted, indexes built, committed.
    var callSeconds: Double
    /// Checkpointing the WAL into the main file and closing the store.
    var closeSeconds: Double
    var memory: ProcessMemory?
}

/// What `journey-bench query-child` reports.
struct QueryOutcome: Codable {
    /// Opening the store (the catalog is read lazily by the first query).
    var openSeconds: Double
    /// The first run in the process.
    var firstSeconds: Double
    /// The timed runs after it.
    var runs: [Double]
    /// The `customers` column of the result, when it has one.
    var counts: [Int]
    /// One entry per group (one in all for a plain funnel): its key values, then customers per step.
    var groups: [[String]]
    /// The result as CSV, to compare with what a new `journey` process prints.
    var csv: String
    var memory: ProcessMemory?
}

/// What `journey-bench sql-child` reports.
struct SQLOutcome: Codable {
    var runs: [Double]
    /// Customers per step over all rows, in row order.
    var counts: [Int]
    /// The rows as text: key values, then customers per step.
    var groups: [[String]]
    var memory: ProcessMemory?
}

/// The process's own memory figures from /proc/self/status, in bytes.
struct ProcessMemory: Codable {
    /// VmHWM: the peak resident set of this address space.
    var peak: Int
    /// RssAnon and RssFile at the time of reading: heap and the like, and file pages mapped in (the store's mmap).
    var anonymousNow: Int
    var fileNow: Int

    static func read() -> ProcessMemory? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        var values: [String: Int] = [:]
        for line in status.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let number = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            if let number { values[String(parts[0])] = number * 1024 }
        }
        guard let peak = values["VmHWM"] else { return nil }
        return ProcessMemory(peak: peak, anonymousNow: values["RssAnon"] ?? 0, fileNow: values["RssFile"] ?? 0)
    }
}

enum Children {
    static func importEvents(csv: String, store: String) throws -> ImportOutcome {
        let clock = ContinuousClock()
        let progress = isatty(2) != 0 ? ProgressLine() : nil
        var eventStore: EventStore? = try EventStore(path: store, access: .create)
        let started = clock.now
        let report = try eventStore!.importEvents([csv], options: ImportOptions()) { progress?.draw($0) }
        let imported = clock.now
        progress?.clear()
        try eventStore!.checkpoint()
        eventStore = nil  // closes the connection
        return ImportOutcome(events: report.imported, callSeconds: (imported - started).seconds,
                             closeSeconds: (clock.now - imported).seconds, memory: ProcessMemory.read())
    }

    /// Imports a customers file; `events` of the outcome counts its rows.
    static func importCustomers(csv: String, store: String) throws -> ImportOutcome {
        let clock = ContinuousClock()
        var eventStore: EventStore? = try EventStore(path: store)
        let started = clock.now
        let report = try eventStore!.importCustomers(csv)
        let imported = clock.now
        try eventStore!.checkpoint()
        eventStore = nil  // closes the connection
        return ImportOutcome(events: report.imported, callSeconds: (imported - started).seconds,
                             closeSeconds: (clock.now - imported).seconds, memory: ProcessMemory.read())
    }

    static func query(store: String, text: String, runs: Int) throws -> QueryOutcome {
        let clock = ContinuousClock()
        var started = clock.now
        let session = try Session(storePath: store)
        let openSeconds = (clock.now - started).seconds

        func once() throws -> (Double, [QueryResult]) {
            var results: [QueryResult] = []
            started = clock.now
            do {
                try session.run(SourceText(text, name: "<bench>")) { event in
                    if case .result(let r) = event { results.append(r) }
                }
            } catch {
                throw BenchError(error.rendered)
            }
            return ((clock.now - started).seconds, results)
        }

        let (firstSeconds, first) = try once()
        var times: [Double] = []
        for _ in 0..<runs { times.append(try once().0) }
        // Counts come from the last result that has groups (TIMES: its histogram; COMPARE: its table, not the
        // chi-square summary after it), or from both of DROPOFF's tables; the output compared with other processes
        // is every result, as `journey --format csv` prints them.
        let counted = Self.dropoffTables(first).map { [$0.next, $0.last] }
            ?? [first.last(where: { !Self.groups($0).isEmpty }) ?? first.last ?? QueryResult(columns: [], rows: [])]
        return QueryOutcome(openSeconds: openSeconds, firstSeconds: firstSeconds, runs: times,
                            counts: counted.flatMap(Self.customerCounts), groups: Self.groups(first),
                            csv: first.map(CSVRenderer.render).joined(),
                            memory: ProcessMemory.read())
    }

    /// Runs a query's SQL twin on a connection of its own (the store's, which reads the events through the
    /// virtual table over the columnar copy).
    static func sql(store: String, queryID: String, runs: Int) throws -> SQLOutcome {
        guard let twin = QuerySet.all.first(where: { $0.id == queryID })?.sql else {
            throw BenchError("no SQL twin for query '\(queryID)'")
        }
        let opened = try EventStore(path: store)
        let db = opened.sqlConnection
        let clock = ContinuousClock()
        var times: [Double] = []
        var counts: [Int] = []
        var groups: [[String]] = []
        for _ in 0..<max(1, runs) {
            let started = clock.now
            let statement = try db.prepare(twin.text)
            counts = []
            groups = []
            while try statement.step() {
                let columns = 0..<statement.columnCount
                groups.append(columns.map { statement.text(Int32($0)) ?? "" })
                counts += columns.dropFirst(twin.keyColumns).map { Int(statement.int64(Int32($0))) }
            }
            times.append((clock.now - started).seconds)
        }
        return SQLOutcome(runs: times, counts: counts, groups: groups, memory: ProcessMemory.read())
    }

    static func generate(customers: Int, seed: UInt64, output: String, customersFile: Bool) throws {
        let generator = JourneyGenerator(customers: customers, seed: seed, scenario: DataSetSpec.scenario)
        if customersFile {
            try generator.writeCustomers(to: output)
        } else {
            try generator.writeEvents(to: output)
        }
    }

    /// The `customers` column as integers.
    static func customerCounts(_ result: QueryResult) -> [Int] {
        guard let column = result.columns.firstIndex(of: "customers") else { return [] }
        return result.rows.compactMap { row in
            guard column < row.count else { return nil }
            if case .int(let n) = row[column] { return Int(n) }
            return nil
        }
    }

    /// A statement's results read into the rows scripts/bench-peers compares with its twins: both of DROPOFF's
    /// tables, else the last result that has groups.
    static func groups(_ results: [QueryResult]) -> [[String]] {
        if let tables = dropoffTables(results) {
            return dropoffRows("next", tables.next) + dropoffRows("last", tables.last)
        }
        return results.last(where: { !groups($0).isEmpty }).map(groups) ?? []
    }

    /// DROPOFF's "next" and "last" tables, when `results` are a DROPOFF's.
    static func dropoffTables(_ results: [QueryResult]) -> (next: QueryResult, last: QueryResult)? {
        func table(_ prefix: String) -> QueryResult? {
            results.first { result in
                result.columns.contains("lost") && result.columns.contains { $0.hasPrefix(prefix) }
            }
        }
        guard let next = table("next_"), let last = table("last_"), last.columns.contains("median_time_since_step")
        else { return nil }
        return (next, last)
    }

    /// A DROPOFF table's rows: the table's name, step, lost at the step, the label (next events or last event),
    /// for "last" the median time since the step event in milliseconds to a tenth ('' for none), and customers.
    static func dropoffRows(_ name: String, _ result: QueryResult) -> [[String]] {
        let columns = result.columns
        guard let step = columns.firstIndex(of: "step"), let lost = columns.firstIndex(of: "lost"),
              let label = columns.firstIndex(where: { $0.hasPrefix(name + "_") }),
              let customers = columns.firstIndex(of: "customers") else { return [] }
        let median = columns.firstIndex(of: "median_time_since_step")
        return result.rows.map { row in
            var milliseconds = ""
            if let median, case .duration(let d) = row[median] { milliseconds = String(format: "%.1f", d) }
            return [name, text(row[step]), text(row[lost]), text(row[label]), milliseconds, text(row[customers])]
        }
    }

    /// The first two numbers of the note that begins `N <who>, M <what>` (PATHS: `1626 converters (...), 1536
    /// distinct paths`; WHY: `1564 converters, 1814 lost ...`), when it has them.
    static func noteCounts(_ result: QueryResult, _ what: String) -> (Int, Int)? {
        for note in result.notes {
            let parts = note.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, let first = Int(parts[0].prefix { $0.isNumber }) else { continue }
            let rest = parts[1].drop { $0 == " " }
            let digits = rest.prefix { $0.isNumber }
            if let second = Int(digits), rest.dropFirst(digits.count).hasPrefix(" " + what) { return (first, second) }
        }
        return nil
    }

    /// Per group, the key values (the columns before `step`) and then the `customers` of each step, as text.
    /// For TIMES (its histogram) and PATHS: per bucket or path, its label and customers.
    static func groups(_ result: QueryResult) -> [[String]] {
        if let label = result.columns.firstIndex(of: "path") ?? result.columns.firstIndex(of: "time_to_convert"),
           let customers = result.columns.firstIndex(of: "customers") {
            // PATHS first says how many customers have a path and how many distinct paths they took (its note).
            let totals = noteCounts(result, "distinct paths").map { [["(all)", String($0.0), String($0.1)]] } ?? []
            return totals + result.rows.map { [text($0[label]), text($0[customers])] }
        }
        // PATHS AFTER|BEFORE: every node of the tree, as (level, parent, node, customers).
        if let level = result.columns.firstIndex(of: "level"), let node = result.columns.firstIndex(of: "node"),
           let parent = result.columns.firstIndex(of: "parent"), let customers = result.columns.firstIndex(of: "customers") {
            return result.rows.map { [text($0[level]), text($0[parent]), text($0[node]), text($0[customers])] }
        }
        // WHY: the converters and the lost (its note), then per row listed its direction, feature, converters, lost.
        if let direction = result.columns.firstIndex(of: "direction"), let feature = result.columns.firstIndex(of: "feature"),
           let converters = result.columns.firstIndex(of: "converters"), let lost = result.columns.firstIndex(of: "lost") {
            let totals = noteCounts(result, "lost").map { [["(all)", "converters, lost", String($0.0), String($0.1)]] } ?? []
            return totals + result.rows.map { [text($0[direction]), text($0[feature]), text($0[converters]), text($0[lost])] }
        }
        // STAGES: its transitions table, per (from, to) how many transitions.
        if let from = result.columns.firstIndex(of: "from"), let to = result.columns.firstIndex(of: "to"),
           let transitions = result.columns.firstIndex(of: "transitions") {
            return result.rows.map { [text($0[from]), text($0[to]), text($0[transitions])] }
        }
        // VALUE: customers, events, repeat customers, the total and the value after the first, to the cent.
        if let after = result.columns.firstIndex(of: "after_first"), let total = result.columns.firstIndex(of: "total"),
           let customers = result.columns.firstIndex(of: "customers"), let events = result.columns.firstIndex(of: "events"),
           let repeaters = result.columns.firstIndex(of: "repeat_customers") {
            func cents(_ cell: Cell) -> String {
                if case .number(let d) = cell { return String(format: "%.2f", d) }
                return text(cell)
            }
            return result.rows.map { [text($0[customers]), text($0[events]), text($0[repeaters]), cents($0[total]), cents($0[after])] }
        }
        // ATTRIBUTE: per credited value, its credit (the first model's column).
        if result.columns.count == 3, result.columns[1] == "conversions", result.columns[2] == "share" {
            return result.rows.map { [text($0[0]), text($0[1])] }
        }
        // CUSTOMERS: one row per customer; compared by how many are listed.
        if result.columns.first == "customer", result.columns.contains("status") {
            return [[String(result.rows.count)]]
        }
        // COMPARE: rows step by step, the group keys between `name` and `customers`; back to one row per group (in
        // the groups' order) with its customers per step, as a BY journey gives them.
        if result.columns.contains("verdict"), result.columns.contains("diff_pp"),
           let name = result.columns.firstIndex(of: "name"), let customers = result.columns.firstIndex(of: "customers"),
           name < customers {
            var order: [[String]] = []
            var counts: [[String]: [String]] = [:]
            for row in result.rows where row.count > customers {
                let key = row[(name + 1)..<customers].map(text)
                if counts[key] == nil { order.append(key) }
                counts[key, default: []].append(text(row[customers]))
            }
            return order.map { $0 + counts[$0]! }
        }
        // RETENTION: its curve, per period the customers counted and those returning.
        if let period = result.columns.firstIndex(of: "period"), let returning = result.columns.firstIndex(of: "returning"),
           let customers = result.columns.firstIndex(of: "customers"), !result.columns.contains("cohort") {
            return result.rows.map { [text($0[period]), text($0[customers]), text($0[returning])] }
        }
        guard let step = result.columns.firstIndex(of: "step"),
              let customers = result.columns.firstIndex(of: "customers") else { return [] }
        var groups: [[String]] = []
        var key: [String]?
        for row in result.rows where row.count > max(step, customers) {
            let rowKey = row[0..<step].map(text)
            if rowKey != key {
                groups.append(rowKey)
                key = rowKey
            }
            groups[groups.count - 1].append(text(row[customers]))
        }
        return groups
    }

    /// A key or count as the SQL twin prints it: text as is, NULL as ''.
    static func text(_ cell: Cell) -> String {
        switch cell {
        case .null: ""
        case .text(let s): s
        case .int(let n): String(n)
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .percent(let d), .duration(let d): String(d)
        case .time(let ms): String(ms)
        }
    }

    /// Writes `value` as one line of JSON on stdout.
    static func emit<T: Encodable>(_ value: T) throws {
        let data = try JSONEncoder().encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// `importing events.csv  1,200,000 rows  45%`, redrawn in place on a terminal.
final class ProgressLine {
    private var lastDraw = ContinuousClock.now

    func draw(_ p: ImportProgress) {
        let now = ContinuousClock.now
        guard now - lastDraw > .milliseconds(200) || p.fraction >= 1 else { return }
        lastDraw = now
        let text = "\r  importing \(Format.grouped(p.rows)) rows  \(Int(p.fraction * 100))%"
        FileHandle.standardError.write(Data(text.utf8))
    }

    func clear() {
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 50) + "\r").utf8))
    }
}
