// The slow, obviously-correct reference for STAGES, the journey map (SEMANTICS.md, "The journey map"), read
// literally: per customer, the admitted events in (time, import order), each given its stage, then every number
// counted by hand. It shares nothing with the engine but the checked statement's types: no planner, no scan bits.
import Foundation
import JourneyEngine
import JourneyStore

/// The two tables the journey map gives: stages, then transitions; rows exactly as the engine's result holds them.
struct ReferenceStageMap {
    var stages: [[Cell]]
    var transitions: [[Cell]]
}

enum ReferenceStages {
    /// One customer as the map sees it.
    private struct Member {
        var key: [Cell]
        /// The stage (index in the order) of each stage event, in order, with its time.
        var staged: [(stage: Int, time: Int64)]
        /// The time of the last admitted event of any stage or none.
        var lastActive: Int64
    }

    /// The journey map of `map` over the store's raw events. `horizon` is "now": SET now, else the store's latest event.
    static func evaluate(_ map: CheckedStages, events: [RawEvent], customers: [String: [String: PropertyValue]],
                         horizon: Int64?) -> ReferenceStageMap {
        let journey = map.journey
        let n = journey.steps.count
        var byCustomer: [String: [RawEvent]] = [:]
        for e in events where Reference.evaluate(journey.filter, on: e, customers: customers) == true {
            byCustomer[e.customer, default: []].append(e)
        }
        var members: [Member] = []
        for (customer, list) in byCustomer {
            let ordered = list.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
            // An event's stage: the last stage of the order whose condition is true on it.
            var staged: [(stage: Int, time: Int64, event: RawEvent)] = []
            for e in ordered {
                var stage = -1
                for k in 0..<n where Reference.evaluate(journey.steps[k].condition, on: e, customers: customers) == true {
                    stage = k
                }
                if stage >= 0 { staged.append((stage, e.time, e)) }
            }
            guard let first = staged.first else { continue }
            if let bounds = journey.startBounds, !bounds.contains(first.time) { continue }
            let key = journey.breakdown.map { Reference.breakdownCell($0, event: first.event, customer: customer, customers: customers) }
            members.append(Member(key: key, staged: staged.map { ($0.stage, $0.time) }, lastActive: ordered.last!.time))
        }
        // Groups: larger first, ties by key (null, then numbers, then text byte for byte); LIMIT keeps the first n.
        var groups: [(key: [Cell], members: [Member])] = []
        for member in members {
            if let i = groups.firstIndex(where: { $0.key == member.key }) {
                groups[i].members.append(member)
            } else {
                groups.append((member.key, [member]))
            }
        }
        // Periods (BY day, week, month) first, in time order (their text sorts so).
        let periods = journey.breakdown.indices.filter {
            [BreakdownKey.startDay, .startWeek, .startMonth].contains(journey.breakdown[$0])
        }
        groups.sort { a, b in
            for i in periods where a.key[i] != b.key[i] { return Reference.keyPrecedes(a.key[i], b.key[i]) }
            if a.members.count != b.members.count { return a.members.count > b.members.count }
            for (x, y) in zip(a.key, b.key) where x != y { return Reference.keyPrecedes(x, y) }
            return false
        }
        if let limit = journey.limit { groups = Array(groups.prefix(limit)) }
        if groups.isEmpty, journey.breakdown.isEmpty, journey.limit != 0 { groups = [([], [])] }

        func percent(_ a: Int, _ b: Int) -> Cell { b == 0 ? .null : .percent(100 * Double(a) / Double(b)) }
        var result = ReferenceStageMap(stages: [], transitions: [])
        for (key, group) in groups {
            for k in 0..<n {
                let reached = group.filter { m in m.staged.contains { $0.stage == k } }
                let furthest = group.filter { m in m.staged.map(\.stage).max() == k }
                // First stay: from the first event in k to the first later stage event in another stage.
                var stays: [Int64] = []
                for m in reached {
                    let i = m.staged.firstIndex { $0.stage == k }!
                    if let j = m.staged[(i + 1)...].firstIndex(where: { $0.stage != k }) {
                        stays.append(m.staged[j].time - m.staged[i].time)
                    }
                }
                let churned = group.filter { m in
                    guard let horizon else { return false }
                    return m.staged.last!.stage == k && horizon - m.lastActive >= map.inactiveAfter
                }
                result.stages.append(key + [
                    .int(Int64(k + 1)), .text(journey.steps[k].label), .int(Int64(reached.count)),
                    percent(reached.count, group.count), .int(Int64(furthest.count)), percent(furthest.count, group.count),
                    Reference.median(stays).map { .duration($0) } ?? .null, .int(Int64(stays.count)),
                    .int(Int64(churned.count)), percent(churned.count, reached.count),
                ])
            }
            // Transitions: consecutive stage events whose stages differ.
            var counts = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
            var makers = counts
            for m in group {
                var made = Set<[Int]>()
                for (a, b) in zip(m.staged, m.staged.dropFirst()) where a.stage != b.stage {
                    counts[a.stage][b.stage] += 1
                    made.insert([a.stage, b.stage])
                }
                for pair in made { makers[pair[0]][pair[1]] += 1 }
            }
            for i in 0..<n {
                let out = counts[i].reduce(0, +)
                for j in 0..<n where counts[i][j] > 0 {
                    let kind = j == i + 1 ? "forward" : (j > i ? "skipped" : "back")
                    result.transitions.append(key + [
                        .text(journey.steps[i].label), .text(journey.steps[j].label), .text(kind),
                        .int(Int64(counts[i][j])), .int(Int64(makers[i][j])), percent(counts[i][j], out),
                    ])
                }
            }
        }
        return result
    }
}
