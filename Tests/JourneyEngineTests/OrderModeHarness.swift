// Random stores for the order modes (TIES ANY ORDER, IN ANY ORDER): customers whose few events share a few
// minutes, and the comparison of a journey clause's results with a brute force over the same events.
import Foundation
import JourneyEngine
import Testing

struct OrderModeRng {
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

enum OrderModeHarness {
    /// One customer's events in (time, import order) order.
    typealias Events = [(time: Int64, stage: String)]
    /// A brute force: the customer's level and its chain's step times c_1 ... c_level.
    typealias BruteForce = (Events, [String], Int64?) -> (Int, [Int64])

    /// Runs 200 random journeys ending in `clause` on 25 random stores; returns how many were compared.
    /// Customers per step, and the medians from the previous step and from the start, must equal the brute force's.
    static func compare(clause: String, bruteForce: BruteForce) throws -> Int {
        let seed = UInt64(ProcessInfo.processInfo.environment["JOURNEYQL_SEED"] ?? "") ?? 20_261_123
        var rng = OrderModeRng(state: seed)
        let stages = ["a", "b", "c"]
        var compared = 0
        for round in 0..<25 {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("order-modes-\(seed)-\(round)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var byCustomer: [String: Events] = [:]
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
            let session = try Session(storePath: directory.appendingPathComponent("s.db").path, access: .create)
            _ = try session.importEvents([file.path], options: ImportOptions())
            for _ in 0..<8 {
                let steps = (0..<(2 + rng.below(2))).map { _ in stages[rng.below(stages.count)] }
                let window: Int64? = rng.below(2) == 0 ? nil : Int64(rng.below(3)) * 60_000
                let text = "FROM " + steps.joined(separator: " TO ")
                    + (window.map { " WITHIN \($0 / 1000)s" } ?? "") + clause
                var result: QueryResult?
                try session.run(SourceText(text)) { if case .result(let r) = $0 { result = r } }
                let got = try #require(result)
                var counts = Array(repeating: 0, count: steps.count)
                var gaps = Array(repeating: [Int64](), count: steps.count)
                var fromStart = Array(repeating: [Int64](), count: steps.count)
                for logged in byCustomer.values {
                    // The order: time, then import order (a stable sort of the log).
                    let events = logged.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
                        .map(\.element)
                    let (level, times) = bruteForce(events, steps, window)
                    for k in 0..<level {
                        counts[k] += 1
                        if k > 0 {
                            gaps[k].append(times[k] - times[k - 1])
                            fromStart[k].append(times[k] - times[0])
                        }
                    }
                }
                func column(_ name: String) -> Int { got.columns.firstIndex(of: name)! }
                let engineCounts = got.rows.map { row -> Int in if case .int(let n) = row[column("customers")] { Int(n) } else { -1 } }
                #expect(engineCounts == counts, "seed \(seed) round \(round): \(text)")
                for k in 1..<steps.count {
                    for (name, values) in [("median_time_from_previous", gaps[k]), ("median_time_from_start", fromStart[k])] {
                        let expected = FunnelTable.median(values).map { Cell.duration($0) } ?? .null
                        #expect(got.rows[k][column(name)] == expected, "seed \(seed) round \(round): \(text) step \(k + 1) \(name)")
                    }
                }
                compared += 1
            }
        }
        return compared
    }
}
