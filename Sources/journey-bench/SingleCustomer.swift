// `journey-bench single-customer` (issue 11): one customer with a million events (a bot, a kiosk, a B2B account),
// and every order mode, EXCLUDING, SAME, optional steps, gap windows and EXPLAIN CUSTOMER timed over it. Matching
// one customer must cost O(n log n) in its events, so each statement should take seconds at most, not hours.
import ArgumentParser
import Foundation
import JourneyEngine

struct SingleCustomerRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "single-customer",
        abstract: "Time every journey form over one customer with a million events.",
        discussion: """
            Writes <dir>/single-<events>/events.csv (kept for later runs): customer k's awareness / ad_click \
            events two to a second, a consideration / site_visit every 1,000th, then one purchase a minute after the \
            last; customer z has the only retention. Imports it into a fresh store beside it, then runs each \
            statement once untimed-for-the-copy and --runs times, printing the best and the first time, the \
            customers per step and the target. Exit status 1 when a statement fails or misses the target.
            """)

    @Option(help: "Events of the one customer.")
    var events: Int = 1_000_000

    @Option(help: "Timed runs per statement (after the first).")
    var runs: Int = 3

    @Option(help: "Where the data set is cached.")
    var dir: String = ".bench"

    @Option(help: "The most seconds a statement may take (best run).")
    var target: Double = 3

    func validate() throws {
        guard events >= 10 else { throw ValidationError("--events must be at least 10") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    /// The statements timed: each order mode, EXCLUDING with and without BETWEEN, SAME, optional steps, gap windows
    /// and EXPLAIN CUSTOMER. Steps `retention` never happen for k, so no start reaches the last step and every start
    /// counts (what made the old matchers quadratic).
    static let statements: [(label: String, text: String)] = {
        let twenty = Array(repeating: "awareness", count: 19) + ["purchase"]
        return [
            ("default order", "FROM awareness TO consideration TO purchase TO retention WITHIN 30 days"),
            ("DIRECTLY", "FROM awareness TO purchase DIRECTLY"),
            ("STRICT TIME", "FROM awareness TO consideration TO purchase TO retention STRICT TIME"),
            ("TIES ANY ORDER", "FROM awareness TO awareness TO consideration TO purchase TO retention TIES ANY ORDER"),
            ("TIES ANY ORDER, 20 steps", "FROM " + twenty.joined(separator: " TO ") + " WITHIN 1 hour TIES ANY ORDER"),
            ("IN ANY ORDER", "FROM awareness TO consideration TO purchase TO retention IN ANY ORDER"),
            ("EXCLUDING", "FROM awareness TO purchase EXCLUDING ad_click"),
            ("EXCLUDING ... BETWEEN", "FROM awareness TO consideration TO purchase TO retention EXCLUDING ad_click BETWEEN 2 AND 3"),
            ("SAME", "FROM awareness TO purchase TO retention SAME channel"),
            ("18 optional steps", "FROM awareness " + String(repeating: "TO ad_click? ", count: 18) + "TO purchase WITHIN 1 hour"),
            ("gap windows", "FROM awareness TO consideration WITHIN 10 seconds TO purchase WITHIN 1 hour TO retention"),
            ("EXPLAIN CUSTOMER", "EXPLAIN CUSTOMER k FROM awareness TO purchase WITHIN 1 hour"),
        ]
    }()

    func run() throws {
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let directory = "\(dir)/single-\(events)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let csv = directory + "/events.csv", store = directory + "/store.db"
        if !FileManager.default.fileExists(atPath: csv) {
            log("journey-bench: writing \(csv)")
            try writeCSV(csv)
        }
        for file in [store, store + "-wal", store + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        let clock = ContinuousClock()
        var started = clock.now
        let importing = try Session(storePath: store, access: .create)
        let report = try importing.importEvents([csv], options: ImportOptions())
        // Into the main file, as a store imported earlier would be: reading a million rows through the WAL is slower.
        try importing.store.checkpoint()
        log("journey-bench: imported \(Format.grouped(report.imported)) events in \(Format.seconds((clock.now - started).seconds))")
        let session = try Session(storePath: store)
        // The columnar copy is built by the first query of a store; build it here so no statement is charged it.
        started = clock.now
        try session.run(SourceText("FROM awareness TO purchase")) { _ in }
        log("journey-bench: columnar copy and a plain funnel in \(Format.seconds((clock.now - started).seconds))")

        var lines = ["one customer, \(Format.grouped(events)) events: best of \(runs) (first run), target \(Format.seconds(target))"]
        var failed = false
        for (label, text) in Self.statements {
            var times: [Double] = []
            var summary = ""
            for run in 0...runs {
                var counts: [String] = []
                var message = ""
                started = clock.now
                do {
                    try session.run(SourceText(text, name: "<bench>")) { event in
                        switch event {
                        case .result(let r):
                            if let c = r.columns.firstIndex(of: "customers") {
                                counts = r.rows.map { if case .int(let n) = $0[c] { String(n) } else { "-" } }
                            }
                        case .message(let m): message = m
                        default: break
                        }
                    }
                } catch {
                    lines.append("  \(label): failed: \(error.rendered)")
                    failed = true
                    break
                }
                times.append((clock.now - started).seconds)
                if run == 0 {
                    // Counted after the clock stopped: splitting a million lines is no part of the statement.
                    let lines = message.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                    summary = counts.isEmpty ? "\(Format.grouped(lines)) lines" : "customers " + counts.joined(separator: " ")
                }
            }
            guard times.count == runs + 1 else { continue }
            let best = times.dropFirst().min()!
            let met = best <= target
            failed = failed || !met
            lines.append("  " + label.padding(toLength: 26, withPad: " ", startingAt: 0)
                         + Format.seconds(best).leftPadded(9) + " (" + Format.seconds(times[0]) + ")  "
                         + (met ? "met" : "MISSED") + "  " + summary)
            log("  \(label): \(Format.seconds(best))")
        }
        print(lines.joined(separator: "\n"))
        if failed { throw ExitCode(1) }
    }

    /// Customer k: awareness / ad_click events two to a second with a consideration / site_visit every 1,000th,
    /// then a purchase 60 s after the last; customer z: one retention, so the stage exists.
    private func writeCSV(_ path: String) throws {
        let t0: Int64 = 1_704_067_200_000
        var text = "customer_id,timestamp,stage,touchpoint,channel\n"
        text.reserveCapacity(events * 48)
        for i in 0..<(events - 1) {
            let time = t0 + Int64(i / 2) * 1000
            text += i % 1000 == 999 ? "k,\(time),consideration,site_visit,web\n" : "k,\(time),awareness,ad_click,web\n"
        }
        text += "k,\(t0 + Int64((events - 2) / 2 + 60) * 1000),purchase,checkout_complete,web\n"
        text += "z,\(t0),retention,newsletter,email\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
