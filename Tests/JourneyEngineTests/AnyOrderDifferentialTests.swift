// IN ANY ORDER against brute force: every assignment of steps to distinct events is enumerated
// (SEMANTICS.md, "IN ANY ORDER"), on random customers with few events and many equal times.
import JourneyEngine
import Testing

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
    @Test func agreesWithBruteForce() throws {
        #expect(try OrderModeHarness.compare(clause: " IN ANY ORDER", bruteForce: { anyOrderBruteForce($0, steps: $1, window: $2) }) == 200)
    }
}
