// The slow reference for CUSTOMERS (grammar/SEMANTICS.md, "Customers"): each customer's level and chain by brute
// force (ReferenceJourney.swift), then the pick, the row and the order read literally. Nothing is shared with the
// engine but the checked query's types and the result's cell kinds.
import Foundation
import JourneyQL
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
