// IN ANY ORDER against brute force: every assignment of steps to distinct events is enumerated
// (SEMANTICS.md, "IN ANY ORDER"), on random customers with few events and many equal times.
import Foundation
import JourneyQL
import Testing

private struct AnyOrderRng {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Every injective assignment of steps 0..<k to events satisfying `fits`, as index lists.
private func anyOrderAssignments(_ k: Int, _ events: [(time: Int64, stage: String)], _ steps: [String],
                         fits: (Int) -> Bool) -> [[Int]] {
    var out: [[Int]] = []
    func go(_ chosen: [Int]) {
        if chosen.count == k { out.append(chosen); return }
        for j in events.indices where fits(j) && !chosen.contains(j) && events[j].stage == steps[chosen.count] {
            go(chosen + [j])
        }
    }
    go([])
    return out
}

/// Brute force for one customer: the level, and c_1..c_level (c_1 the start's time).
private func anyOrderBruteForce(_ events: [(time: Int64, stage: String)], steps: [String], window: Int64?) -> (Int, [Int64]) {
    for level in stride(from: steps.count, through: 1, by: -1) {
        // Chains of this level whose earliest event is the start, all within the window of it.
        let chains = anyOrderAssignments(level, events, steps) { _ in true }.filter { chain in
            let start = chain.min()!
            return chain.allSatisfy { j in window.map { w in events[j].time - events[start].time <= w } ?? true }
        }
        guard let start = chains.map({ $0.min()! }).min() else { continue }
        var c: [Int64] = [events[start].time]
        for k in 2...max(2, level) where k <= level {
            let done = anyOrderAssignments(k, events, steps) { j in
                j >= start && (window.map { w in events[j].time - events[start].time <= w } ?? true)
            }.map { $0.map { events[$0].time }.max()! }
            c.append(done.min()!)
        }
        return (level, c)
    }
    return (0, [])
}

@Suite("Differential: IN ANY ORDER")
struct AnyOrderDifferentialTests {
    @Test func anyOrderJourneysAgreeWithBruteForce() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["JOURNEYQL_SEED"] ?? "") ?? 20_261_123
        var rng = AnyOrderRng(state: seed)
        let stages = ["a", "b", "c"]
        var compared = 0
        for round in 0..<25 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("anyorder-\(seed)-\(round)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var byCustomer: [String: [(time: Int64, stage: String)]] = [:]
            var csv = "customer_id,timestamp,stage,touchpoint\n"
            for c in 0..<40 {
                let key = "c\(c)"
                for _ in 0..<(1 + rng.below(6)) {
                    let minute = Int64(rng.below(4))
                    let stage = stages[rng.below(stages.count)]
                    byCustomer[key, default: []].append((minute * 60_000, stage))
                    csv += "\(key),2024-01-01T00:0\(minute):00Z,\(stage),t\n"
                }
            }
            let file = directory.appendingPathComponent("events.csv")
            try csv.write(to: file, atomically: true, encoding: .utf8)
            let session = try Session(storePath: directory.appendingPathComponent("s.db").path)
            _ = try session.importEvents([file.path], options: ImportOptions())
            for _ in 0..<8 {
                let steps = (0..<(2 + rng.below(2))).map { _ in stages[rng.below(stages.count)] }
                let window: Int64? = rng.below(2) == 0 ? nil : Int64(rng.below(3)) * 60_000
                let text = "FROM " + steps.joined(separator: " TO ")
                    + (window.map { " WITHIN \($0 / 1000)s" } ?? "") + " IN ANY ORDER"
                var result: QueryResult?
                try session.run(SourceText(text)) { if case .result(let r) = $0 { result = r } }
                let got = try #require(result)
                var counts = Array(repeating: 0, count: steps.count)
                var gaps = Array(repeating: [Int64](), count: steps.count)
                var starts = Array(repeating: [Int64](), count: steps.count)
                for logged in byCustomer.values {
                    // The order: time, then import order (a stable sort of the log).
                    let events = logged.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
                        .map(\.element)
                    let (level, times) = anyOrderBruteForce(events, steps: steps, window: window)
                    for k in 0..<level {
                        counts[k] += 1
                        if k > 0 {
                            gaps[k].append(times[k] - times[k - 1])
                            starts[k].append(times[k] - times[0])
                        }
                    }
                }
                let customers = got.columns.firstIndex(of: "customers")!
                let median = got.columns.firstIndex(of: "median_time_from_previous")!
                let fromStart = got.columns.firstIndex(of: "median_time_from_start")!
                let engineCounts = got.rows.map { row -> Int in if case .int(let n) = row[customers] { Int(n) } else { -1 } }
                #expect(engineCounts == counts, "seed \(seed) round \(round): \(text)")
                for k in 1..<steps.count {
                    let expected = FunnelExecutor.median(gaps[k]).map { Cell.duration($0) } ?? .null
                    #expect(got.rows[k][median] == expected, "seed \(seed) round \(round): \(text) step \(k + 1)")
                    let expectedStart = FunnelExecutor.median(starts[k]).map { Cell.duration($0) } ?? .null
                    #expect(got.rows[k][fromStart] == expectedStart, "seed \(seed) round \(round): \(text) step \(k + 1)")
                }
                compared += 1
            }
        }
        #expect(compared == 200)
    }
}
