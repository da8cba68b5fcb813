// TIES ANY ORDER against brute force: every chain of distinct events with non-decreasing times is enumerated,
// on random customers whose events mostly share a few timestamps (SEMANTICS.md, "TIES ANY ORDER").
import JourneyEngine
import Testing

/// Brute force for one customer: the level, and the step times of the chosen chain.
private func bruteForce(_ events: [(time: Int64, stage: String)], steps: [String], window: Int64?) -> (Int, [Int64]) {
    var bestLevel = 0
    var bestStart = Int.max
    var bestTimes: [Int64] = []
    func better(_ level: Int, _ start: Int, _ times: [Int64]) -> Bool {
        if level != bestLevel { return level > bestLevel }
        if start != bestStart { return start < bestStart }
        return times.lexicographicallyPrecedes(bestTimes)
    }
    func extend(_ chain: [Int]) {
        let times = chain.map { events[$0].time }
        if better(chain.count, chain[0], times) {
            bestLevel = chain.count
            bestStart = chain[0]
            bestTimes = times
        }
        guard chain.count < steps.count else { return }
        for j in events.indices where !chain.contains(j) && events[j].stage == steps[chain.count]
            && events[j].time >= events[chain.last!].time
            && (window.map { events[j].time - events[chain[0]].time <= $0 } ?? true) {
            extend(chain + [j])
        }
    }
    for s in events.indices where events[s].stage == steps[0] { extend([s]) }
    return (bestLevel, bestTimes)
}

@Suite("Differential: TIES ANY ORDER")
struct TiesDifferentialTests {
    @Test func agreesWithBruteForce() throws {
        #expect(try OrderModeHarness.compare(clause: " TIES ANY ORDER", bruteForce: { bruteForce($0, steps: $1, window: $2) }) == 200)
    }
}
