// The slow, obviously-correct reference for VALUE (SEMANTICS.md, "Value"), read literally: per customer, the
// admitted events in (time, import order), the step's events among them, then every number by plain loops. It
// shares nothing with the engine but the checked statement's types: no planner, no scan bits, no Quantiles.
import Foundation
import JourneyEngine
import JourneyStore

enum ReferenceValue {
    /// One counted customer.
    private struct Member {
        var key: [Cell]
        /// The numeric values of the counted events, in order (nil for a missing or non-numeric value).
        var values: [Double?]
        var missing: Int
        var notNumeric: Int
    }

    /// The rows of `VALUE` over the store's raw events; `horizon` is now (SET now, else the latest event).
    /// Also how many customers were left out because their horizon had not ended.
    static func evaluate(_ value: CheckedValue, events: [RawEvent], customers: [String: [String: PropertyValue]],
                         horizon: Int64?) -> (rows: [[Cell]], open: Int) {
        let journey = value.journey
        var byCustomer: [String: [RawEvent]] = [:]
        for e in events where Reference.evaluate(journey.filter, on: e, customers: customers) == true {
            if Reference.evaluate(journey.steps[0].condition, on: e, customers: customers) == true {
                byCustomer[e.customer, default: []].append(e)
            }
        }
        var members: [Member] = []
        var open = 0
        for (customer, list) in byCustomer {
            let ordered = list.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
            let first = ordered[0]
            if let bounds = journey.startBounds, !bounds.contains(first.time) { continue }
            if let window = journey.window, let horizon, first.time + window > horizon {
                open += 1
                continue
            }
            var member = Member(key: journey.breakdown.map { Reference.breakdownCell($0, event: first, customer: customer, customers: customers) },
                                values: [], missing: 0, notNumeric: 0)
            for e in ordered where journey.window == nil || e.time - first.time <= journey.window! {
                switch e.properties[value.property] {
                case .number(let d)?: member.values.append(d)
                case .text?: member.values.append(nil); member.notNumeric += 1
                case nil: member.values.append(nil); member.missing += 1
                }
            }
            members.append(member)
        }
        var groups: [(key: [Cell], members: [Member])] = []
        for member in members {
            if let i = groups.firstIndex(where: { $0.key == member.key }) {
                groups[i].members.append(member)
            } else {
                groups.append((member.key, [member]))
            }
        }
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

        var rows: [[Cell]] = []
        for (key, group) in groups {
            let n = group.count
            let events = group.reduce(0) { $0 + $1.values.count }
            let values = group.flatMap { $0.values.compactMap { $0 } }
            var total = 0.0
            for v in values { total += v }
            let customerSums = group.filter { $0.values.contains { $0 != nil } }.map { m in
                m.values.compactMap { $0 }.reduce(0, +)
            }
            var after = 0.0
            for m in group { for v in m.values.dropFirst() { if let v { after += v } } }
            let repeaters = group.filter { $0.values.count >= 2 }.count
            let noValue = group.reduce(0) { $0 + $1.missing + $1.notNumeric }
            func mean(_ xs: [Double]) -> Cell { xs.isEmpty ? .null : .number(xs.reduce(0, +) / Double(xs.count)) }
            rows.append(key + [
                .int(Int64(n)), .int(Int64(events)), n == 0 ? .null : .number(Double(events) / Double(n)),
                .int(Int64(repeaters)), n == 0 ? .null : .percent(100 * Double(repeaters) / Double(n)),
                values.isEmpty ? .null : .number(total),
                mean(values), quantile(values, 0.5), quantile(values, 0.9),
                mean(customerSums), quantile(customerSums, 0.5), quantile(customerSums, 0.9),
                values.isEmpty ? .null : .number(after),
                values.isEmpty || total == 0 ? .null : .percent(100 * after / total),
                .int(Int64(noValue)),
            ])
        }
        return (rows, open)
    }

    /// The continuous quantile as a textbook writes it (DuckDB's quantile_cont, R's type 7): sort, take the
    /// position (n − 1) q, and go that fraction of the way between its two neighbours.
    static func quantile(_ xs: [Double], _ q: Double) -> Cell {
        guard !xs.isEmpty else { return .null }
        let s = xs.sorted()
        let h = Double(s.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return .number(s[lo] + (h - Double(lo)) * (s[hi] - s[lo]))
    }

    /// Two rows agree when counts are equal and numbers (sums, averages, quantiles, percentages) agree to a
    /// relative 1e-9: the engine adds in another order than the reference.
    static func rowsAgree(_ a: [[Cell]], _ b: [[Cell]]) -> Bool {
        func close(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 1e-9 * max(1, abs(x), abs(y)) }
        return a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.count == y.count && zip(x, y).allSatisfy { c, d in
                switch (c, d) {
                case (.number(let p), .number(let q)), (.percent(let p), .percent(let q)): close(p, q)
                default: c == d
                }
            }
        }
    }
}
