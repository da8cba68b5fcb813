// The printed report: the machine, the times table, counts against SQL on SQLite, and every target met or MISSED.
import Foundation

enum Format {
    static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `0.042 s`, `1.38 s`, `61.2 s`.
    static func seconds(_ s: Double) -> String {
        guard s.isFinite else { return "—" }
        if s < 1 { return String(format: "%.3f s", s) }
        if s < 10 { return String(format: "%.2f s", s) }
        return String(format: "%.1f s", s)
    }

    static func ratio(_ r: Double) -> String {
        guard r.isFinite else { return "—" }
        return r >= 10 ? String(format: "%.0f×", r) : String(format: "%.2f×", r)
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }

    static func perEvent(_ bytes: Int64, _ events: Int) -> String {
        events > 0 ? String(format: "%.1f B/event", Double(bytes) / Double(events)) : "—"
    }

    static func rate(_ r: Double) -> String { grouped(Int(r.rounded())) + " events/s" }
}

/// A fixed-width text table with right-aligned numbers.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned left (the rest are right-aligned).
    var leftColumns: Set<Int> = [0]
    /// Rows of a first cell and one free text that spans the other columns (it does not widen them).
    var notes: [Int: String] = [:]

    func render(indent: String = "  ") -> String {
        var widths = header.map(\.count)
        for (r, row) in rows.enumerated() {
            for (i, cell) in row.enumerated() where i < widths.count && (notes[r] == nil || i == 0) {
                widths[i] = max(widths[i], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return leftColumns.contains(i) ? cell + pad : pad + cell
            }
            return indent + padded.joined(separator: "  ").replacing(/\s+$/, with: "")
        }
        var out = [line(header), indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        for (r, row) in rows.enumerated() {
            if let note = notes[r] {
                out.append(indent + row[0] + String(repeating: " ", count: max(0, widths[0] - row[0].count)) + "  " + note)
            } else {
                out.append(line(row))
            }
        }
        return out.joined(separator: "\n")
    }
}

/// One target line: what was asked, what was measured, the ratio, and the verdict.
struct Verdict {
    var name: String
    var goal: String
    var measured: String
    /// measured ÷ target for times and sizes (≤ 1 meets it); target ÷ measured for rates, so > 1 is always "short by".
    var factor: Double
    var met: Bool
}

enum Report {
    /// The 1, 5 and 15 minute load averages.
    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "? ? ?")
            .split(separator: " ").prefix(3).joined(separator: " ")
    }

    static func machine(loadAtStart: String) -> String {
        var lines: [String] = []
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
        let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("MemTotal") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } }
        lines.append("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, "
                     + (memory.map { String(format: "%.1f GiB", $0 / 1_048_576) } ?? "? GiB") + " memory, "
                     + (cpu ?? "unknown CPU"))
        // Other work on the machine moves every figure; say how busy it was.
        lines.append("load average (1, 5, 15 min): \(loadAtStart) at the start, \(loadAverage()) at the end")
        return lines.joined(separator: "\n")
    }

    static func render(_ r: DataSetResult) -> String {
        var out: [String] = []
        out.append("== \(r.name): \(Format.grouped(r.events)) events, \(Format.grouped(r.customers)) customers "
                   + "(generator: \(Format.grouped(r.generatorCustomers)) customers, seed \(r.seed), \(r.scenario)) ==")
        out.append("  csv \(r.csv) \(Format.megabytes(r.csvBytes))"
                   + (r.generatedSeconds.map { ", generated in \(Format.seconds($0))" } ?? " (cached)"))
        if let runs = r.importRuns, runs.count > 1 {
            out.append("  imports (\(runs.count), in the order run; the median is judged): "
                       + runs.map { "\(Format.seconds($0.wallSeconds)) = \(Format.rate($0.endToEndRate))" }.joined(separator: ", "))
        }
        if let i = r.importRun {
            out.append("  import\(r.importRuns.map { $0.count > 1 ? " (median)" : "" } ?? ""): \(Format.rate(i.endToEndRate)) end to end (\(Format.seconds(i.wallSeconds)) from process start to "
                       + "store closed); importEvents call \(Format.seconds(i.callSeconds)) = \(Format.rate(i.callRate)), "
                       + "checkpoint+close \(Format.seconds(i.closeSeconds)); peak memory \(Format.megabytes(Int64(i.peakBytes))) "
                       + "= \(Format.perEvent(Int64(i.peakBytes), r.events))")
        } else {
            out.append("  import: not measured (--skip-import reused the cached store)")
        }
        out.append("  store: \(Format.megabytes(r.storeBytes)) on disk incl. -wal after a checkpoint = \(Format.perEvent(r.storeBytes, r.events))")
        if let a = r.append {
            out.append("  append a day's events (\(Format.grouped(a.events)) events, a 365th of the customers, seed \(r.seed + 1)) to a copy"
                       + " of the store, process start to store closed: " + a.wallSeconds.map(Format.seconds).joined(separator: ", ")
                       + " (median \(Format.seconds(a.median)))")
        }
        if let c = r.customersImport {
            let rate = Double(c.events) / max(c.median, 1e-9)
            out.append("  import the customers file (\(Format.grouped(c.events)) customers, new attributes each) into a copy of the"
                       + " store, process start to store closed: " + c.wallSeconds.map(Format.seconds).joined(separator: ", ")
                       + " (median \(Format.seconds(c.median)) = \(Format.grouped(Int(rate))) customers/s; target 1,000,000/s: "
                       + (rate >= 1_000_000 ? "met" : "not met") + ")")
        }
        out.append("  warm = best and median of \(r.runs) runs in one process through Session.run, after a first run (\"1st\");"
                   + " cold = a new process (\(r.coldVia)) with the store's pages dropped from the OS cache;"
                   + " new proc = the same with the pages cached; SQLite = the same funnel as plain SQL (window functions)"
                   + " on the store's tables, run by SQLite's C API in a process of its own")
        out.append("")

        var table = TextTable(header: ["query", "warm best", "median", "1st", "cold", "new proc", "SQLite",
                                       "SQLite÷ours", "target", "ours÷target", "", "peak RSS", "per event"])
        table.leftColumns = [0, 10]
        for q in r.queries {
            guard let warm = q.warm else {
                table.notes[table.rows.count] = q.skipped ?? "—"
                table.rows.append([q.label])
                continue
            }
            let sql = q.sql?.best
            let met = warm.best <= q.target.seconds
            table.rows.append([
                q.label, Format.seconds(warm.best), Format.seconds(warm.median), Format.seconds(warm.firstSeconds),
                q.cold.map { Format.seconds($0.seconds) } ?? "—",
                q.newProcess.map { Format.seconds($0.seconds) } ?? "—",
                sql.map(Format.seconds) ?? "n/a",
                sql.map { Format.ratio($0 / warm.best) } ?? "",
                "≤ " + Format.seconds(q.target.seconds), Format.ratio(warm.best / q.target.seconds),
                met ? "met" : "MISSED",
                Format.megabytes(Int64(warm.peakBytes)), Format.perEvent(Int64(warm.peakBytes), r.events),
            ])
        }
        out.append(table.render())
        out.append("")

        out.append("  customers per step (JourneyQL warm | new processes | SQL on SQLite):")
        for q in r.queries {
            guard let warm = q.warm else {
                out.append("    \(q.label): —")
                continue
            }
            let processes = [q.cold, q.newProcess].compactMap { $0 }.allSatisfy(\.sameAsWarm) ? "same output" : "DIFFERENT OUTPUT"
            let steps = warm.groups.isEmpty ? 0 : warm.counts.count / warm.groups.count
            var line = "    \(q.label): \(groupList(warm.groups, steps: steps)) | \(processes)"
            if let sql = q.sql {
                line += " | " + (sql.agrees ? "the same: agree" : groupList(sql.groups, steps: steps) + "  *** MISMATCH ***")
            } else {
                line += " | no SQL twin"
            }
            out.append(line)
        }
        out.append("  memory (peak = VmHWM of the warm query process; then what stayed resident after its last run):")
        for q in r.queries {
            guard let warm = q.warm else { continue }
            var line = "    \(q.label): peak \(Format.megabytes(Int64(warm.memory.peak)))"
                + " = \(Format.perEvent(Int64(warm.memory.peak), r.events)); after: \(Format.megabytes(Int64(warm.memory.anonymousNow))) anonymous"
                + " + \(Format.megabytes(Int64(warm.memory.fileNow))) file-backed (the store, mmap'd)"
            if let cold = q.cold { line += "; cold process peak \(Format.megabytes(Int64(cold.peakBytes)))" }
            if let sql = q.sql { line += "; SQLite process peak \(Format.megabytes(Int64(sql.peakBytes)))" }
            out.append(line)
        }
        out.append("    (cold-process figures come from wait4 and are never below this benchmark process's own peak, "
                   + "\(Format.megabytes(Int64(r.benchPeakBytes))))")
        if let resident = r.queries.compactMap({ $0.cold?.residentShare }).max() {
            out.append(String(format: "  (before each cold run at most %.1f%% of the store's pages were in the OS cache)", resident * 100))
        }
        out.append("")

        out.append("  targets (issue 4, stated for 10M events; ×: measured ÷ target for times and sizes, target ÷ measured for rates):")
        if r.name != "10m" {
            out.append("  (this set is not 10M events, so these verdicts only inform: a process's fixed memory, for one, weighs"
                       + " more per event in a smaller set)")
        }
        var verdictTable = TextTable(header: ["target", "goal", "measured", "×", ""])
        verdictTable.leftColumns = [0, 1, 4]
        for v in verdicts(r) {
            verdictTable.rows.append([v.name, v.goal, v.measured, Format.ratio(v.factor), v.met ? "met" : "MISSED"])
        }
        out.append(verdictTable.render(indent: "    "))
        let assumed = r.queries.filter { $0.target.source != "issue 4" }
        for q in assumed { out.append("    (\(q.label): target \(q.target.source))") }

        if !r.problems.isEmpty {
            out.append("")
            out.append("  !!! \(r.problems.count) PROBLEM\(r.problems.count == 1 ? "" : "S"):")
            out += r.problems.map { "  !!! " + $0 }
        }
        out.append("")
        out.append("  (\(r.name) took \(Format.seconds(r.totalSeconds)))")
        return out.joined(separator: "\n")
    }

    /// `82,000 → 17,894`, or for a breakdown `social 48,096 → 10,452; paid_ads ...`.
    static func groupList(_ groups: [[String]], steps: Int) -> String {
        guard !groups.isEmpty else { return "—" }
        return groups.map { group in
            let keys = group.dropLast(steps).map { $0.isEmpty ? "(none)" : $0 }
            return (keys.isEmpty ? "" : keys.joined(separator: ",") + " ")
                + group.suffix(steps).map { Int($0).map(Format.grouped) ?? $0 }.joined(separator: " → ")
        }.joined(separator: "; ")
    }

    static func countList(_ counts: [Int]) -> String {
        counts.isEmpty ? "—" : counts.map(Format.grouped).joined(separator: " → ")
    }

    static func verdicts(_ r: DataSetResult) -> [Verdict] {
        var list: [Verdict] = []
        if let i = r.importRun {
            list.append(Verdict(name: "import, end to end", goal: "≥ " + Format.rate(Targets.importEventsPerSecond),
                                measured: Format.rate(i.endToEndRate),
                                factor: Targets.importEventsPerSecond / i.endToEndRate,
                                met: i.endToEndRate >= Targets.importEventsPerSecond))
        }
        for q in r.queries {
            guard let warm = q.warm else {
                list.append(Verdict(name: q.label + ", warm", goal: "≤ " + Format.seconds(q.target.seconds),
                                    measured: q.skipped?.hasPrefix("error") == true ? "error" : "not yet supported",
                                    factor: .nan, met: false))
                continue
            }
            list.append(Verdict(name: q.label + ", warm", goal: "≤ " + Format.seconds(q.target.seconds),
                                measured: Format.seconds(warm.best), factor: warm.best / q.target.seconds,
                                met: warm.best <= q.target.seconds))
        }
        for q in r.queries {
            guard let cold = q.cold else { continue }
            list.append(Verdict(name: q.label + ", cold", goal: "≤ " + Format.seconds(Targets.coldSeconds),
                                measured: Format.seconds(cold.seconds), factor: cold.seconds / Targets.coldSeconds,
                                met: cold.seconds <= Targets.coldSeconds))
        }
        let peaks = r.queries.compactMap { q in q.warm.map { (q.label, $0.peakBytes) } }
        if let worst = peaks.max(by: { $0.1 < $1.1 }), r.events > 0 {
            let perEvent = Double(worst.1) / Double(r.events)
            list.append(Verdict(name: "peak memory of a warm query process",
                                goal: String(format: "≤ %.0f B/event", Targets.peakBytesPerEvent),
                                measured: Format.perEvent(Int64(worst.1), r.events) + " (\(worst.0))",
                                factor: perEvent / Targets.peakBytesPerEvent, met: perEvent <= Targets.peakBytesPerEvent))
        }
        if r.events > 0 {
            let perEvent = Double(r.storeBytes) / Double(r.events)
            list.append(Verdict(name: "store on disk", goal: String(format: "≤ %.0f B/event", Targets.storeBytesPerEvent),
                                measured: Format.perEvent(r.storeBytes, r.events),
                                factor: perEvent / Targets.storeBytesPerEvent, met: perEvent <= Targets.storeBytesPerEvent))
        }
        return list
    }
}
