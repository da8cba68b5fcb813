// The slow reference for CUSTOMERS (grammar/SEMANTICS.md, "Customers"): each customer's level and chain by brute
// force (ReferenceJourney.swift), then the pick, the row and the order read literally. Nothing is shared with the
// engine but the checked query's types and the result's cell kinds.
import Foundation
import JourneyEngine
import JourneyStore

extension Reference {
    /// One listed customer as the reference computes it.
    struct ListedCustomer: Equatable {
        var customer: String
        var start: Int64
        var level: Int
        var reached: Int64
        var status: String
    }

    /// Every customer of `funnel` the pick keeps, in the statement's order, LIMIT applied. The horizon for the
    /// window is `funnel.now` if set, else the latest time of any event in `events`.
    static func customers(_ funnel: CheckedFunnel, pick: CustomerPick, order: CustomerOrderKey, descending: Bool,
                          events: [RawEvent], customers attributes: [String: [String: PropertyValue]]) -> [ListedCustomer] {
        let m = funnel.steps.count
        let horizon = funnel.now ?? events.map(\.time).max() ?? 0
        var listed: [ListedCustomer] = []
        for member in journeyCustomers(funnel, events: events, customers: attributes, enumeration: .validPrefixes).values {
            let level = member.level
            guard level >= 1, let first = member.chain.first!, let last = member.chain.last! else { continue }
            let start = member.admitted[first].time
            let reached = member.admitted[last].time
            // Open: the window has not closed at the horizon (no window never is open).
            let open = funnel.window.map { start + $0 > horizon } ?? false
            let kept: Bool
            switch pick {
            case .started: kept = true
            case .atLeast(let k): kept = level >= k
            case .lostAt(let k): kept = level == k && k < m && !open
            case .lost: kept = level < m && !open
            case .converted: kept = level == m
            case .inProgress: kept = level < m && open
            }
            guard kept else { continue }
            let status = level == m ? "converted" : (open ? "in progress" : "lost")
            listed.append(ListedCustomer(customer: member.customer, start: start, level: level, reached: reached,
                                         status: status))
        }
        func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
        listed.sort { a, b in
            let key: (ListedCustomer) -> Int64 = order == .reached ? { $0.reached } : { $0.start }
            if order != .customer, key(a) != key(b) { return descending ? key(a) > key(b) : key(a) < key(b) }
            if order == .customer, descending { return bytes(b.customer).lexicographicallyPrecedes(bytes(a.customer)) }
            return bytes(a.customer).lexicographicallyPrecedes(bytes(b.customer))
        }
        if let limit = funnel.limit { listed = Array(listed.prefix(limit)) }
        return listed
    }

    /// The rows a CUSTOMERS result should have for `listed`.
    static func customerRows(_ listed: [ListedCustomer], _ funnel: CheckedFunnel) -> [[Cell]] {
        listed.map {
            [.text($0.customer), .time($0.start), .int(Int64($0.level)), .text(funnel.steps[$0.level - 1].label),
             .time($0.reached), .text($0.status)]
        }
    }
}

/// TIES ANY ORDER and IN ANY ORDER for one customer by brute force (SEMANTICS.md, those sections), over events
/// given in (time, import order) order as (time, stage): the level and the chain's times c_1 ... c_level.
enum OrderModeReference {
    /// TIES ANY ORDER: chains of distinct events with non-decreasing times; the deepest level, then the earliest
    /// start in the order, then the lexicographically earliest step times.
    static func ties(_ events: [(time: Int64, stage: String)], steps: [String], window: Int64?) -> (level: Int, times: [Int64]) {
        var best: (level: Int, start: Int, times: [Int64]) = (0, Int.max, [])
        func extend(_ chain: [Int]) {
            let times = chain.map { events[$0].time }
            if chain.count > best.level || (chain.count == best.level
                && (chain[0] < best.start || (chain[0] == best.start && times.lexicographicallyPrecedes(best.times)))) {
                best = (chain.count, chain[0], times)
            }
            guard chain.count < steps.count else { return }
            for j in events.indices where !chain.contains(j) && events[j].stage == steps[chain.count]
                && events[j].time >= events[chain.last!].time
                && (window.map { events[j].time - events[chain[0]].time <= $0 } ?? true) {
                extend(chain + [j])
            }
        }
        for s in events.indices where events[s].stage == steps[0] { extend([s]) }
        return (best.level, best.times)
    }

    /// IN ANY ORDER: steps 1..L filled by distinct events in any order, all within the window of the earliest (the
    /// start); the deepest level, the earliest start; c_k the earliest time by which steps 1..k are all done by
    /// distinct events at or after the start, within the window.
    static func anyOrder(_ events: [(time: Int64, stage: String)], steps: [String], window: Int64?) -> (level: Int, times: [Int64]) {
        func assignments(_ k: Int, allowed: (Int) -> Bool) -> [[Int]] {
            var out: [[Int]] = []
            func go(_ chosen: [Int]) {
                if chosen.count == k { out.append(chosen); return }
                for j in events.indices where allowed(j) && !chosen.contains(j) && events[j].stage == steps[chosen.count] {
                    go(chosen + [j])
                }
            }
            go([])
            return out
        }
        for level in stride(from: steps.count, through: 1, by: -1) {
            let chains = assignments(level) { _ in true }.filter { chain in
                let start = chain.min()!
                return chain.allSatisfy { j in window.map { events[j].time - events[start].time <= $0 } ?? true }
            }
            guard let start = chains.map({ $0.min()! }).min() else { continue }
            var times: [Int64] = [events[start].time]
            if level >= 2 {
                for k in 2...level {
                    let done = assignments(k) { j in
                        j >= start && (window.map { events[j].time - events[start].time <= $0 } ?? true)
                    }.map { $0.map { events[$0].time }.max()! }
                    times.append(done.min()!)
                }
            }
            return (level, times)
        }
        return (0, [])
    }
}
