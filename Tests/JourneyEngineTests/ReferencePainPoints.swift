// The slow reference for DROPOFF and WHY: grammar/SEMANTICS.md's sections "Drop-off" and "Why" read literally over
// the brute-force reference's per-customer chains (ReferenceJourney.swift). Nothing here calls engine code: labels,
// ranks, medians, odds ratios and chi-square are computed again from the definitions.
import Foundation
import JourneyEngine
import JourneyStore

extension Reference {
    /// "lost at step k": the deepest step is k < steps and the window (if any) has closed at the horizon.
    static func isLost(_ member: ReferenceJourneyCustomer, _ funnel: CheckedFunnel, horizon: Int64) -> Bool {
        guard member.level > 0, member.level < funnel.steps.count else { return false }
        return !isOpen(member, funnel, horizon: horizon)
    }

    static func isOpen(_ member: ReferenceJourneyCustomer, _ funnel: CheckedFunnel, horizon: Int64) -> Bool {
        guard let window = funnel.window, let start = member.start else { return false }
        return start.time + window > horizon
    }

    /// An event's value of a dictionary column, as the rows name it.
    static func columnName(_ event: RawEvent, _ column: EventColumn) -> String? {
        switch column {
        case .stage: event.stage
        case .touchpoint: event.touchpoint
        case .channel: event.channel
        }
    }

    /// Groups of started customers, in the funnel's group order (periods, then size, then key); no BY is one group.
    private static func painPointGroups(_ funnel: CheckedFunnel, _ reached: [ReferenceJourneyCustomer],
                                        customers: [String: [String: PropertyValue]])
        -> [(key: [Cell], members: [ReferenceJourneyCustomer])] {
        if funnel.breakdown.isEmpty { return reached.isEmpty ? [] : [(key: [], members: reached)] }
        var byKey: [String: (cells: [Cell], members: [ReferenceJourneyCustomer])] = [:]
        for member in reached {
            let cells = funnel.breakdown.map { breakdownCell($0, of: member, customers: customers) }
            // Equal by bytes (text) and value (numbers): the cells' debug text tells them apart exactly.
            let key = cells.map { cell -> String in
                switch cell {
                case .text(let s): "t" + s.utf8.map { String($0) }.joined(separator: ".")
                case .int(let i): "n\(Double(i))"
                case .number(let d): "n\(d)"
                default: "\(cell)"
                }
            }.joined(separator: "|")
            byKey[key, default: (cells, [])].members.append(member)
        }
        let periods = funnel.breakdown.indices.filter {
            [BreakdownKey.startDay, .startWeek, .startMonth].contains(funnel.breakdown[$0])
        }
        return byKey.values.map { (key: $0.cells, members: $0.members) }.sorted { a, b in
            for i in periods {
                let order = keyOrder(a.key[i], b.key[i])
                if order != 0 { return order < 0 }
            }
            if a.members.count != b.members.count { return a.members.count > b.members.count }
            for (x, y) in zip(a.key, b.key) {
                let order = keyOrder(x, y)
                if order != 0 { return order < 0 }
            }
            return false
        }
    }

    /// (label, customers, times) rows: most customers first, then label bytes; past `limit`, one "(other)" row.
    private static func ranked(_ rows: [(label: String, times: [Int64?])], limit: Int)
        -> [(label: String, times: [Int64?])] {
        let sorted = rows.sorted { a, b in
            a.times.count != b.times.count ? a.times.count > b.times.count : byteOrder(a.label, b.label) < 0
        }
        guard sorted.count > limit else { return sorted }
        if limit == 0 { return [] }
        return Array(sorted.prefix(limit)) + [(label: "(other)", times: sorted[limit...].flatMap(\.times))]
    }

    /// DROPOFF's two tables (next, last) as rows, every column.
    static func dropoff(_ funnel: CheckedFunnel, next: Int, of column: EventColumn, events: [RawEvent],
                        customers: [String: [String: PropertyValue]],
                        matched given: [String: ReferenceJourneyCustomer]? = nil) -> (next: [[Cell]], last: [[Cell]]) {
        let matched = given ?? journeyCustomers(funnel, events: events, customers: customers)
        let horizon = funnel.now ?? events.map(\.time).max() ?? 0
        let reached = matched.values.filter { $0.level > 0 }
        let limit = funnel.limit ?? 10
        var nextRows: [[Cell]] = [], lastRows: [[Cell]] = []
        for group in painPointGroups(funnel, reached, customers: customers) {
            for k in 1..<funnel.steps.count {
                let lost = group.members.filter { $0.level == k && isLost($0, funnel, horizon: horizon) }
                guard !lost.isEmpty else { continue }
                // Keyed by the label's bytes: Swift's String equality would merge a precomposed "é" with "e" and a
                // combining accent, which the store keeps apart.
                var nexts: [[UInt8]: (label: String, times: [Int64?])] = [:]
                var lasts: [[UInt8]: (label: String, times: [Int64?])] = [:]
                func add(_ table: inout [[UInt8]: (label: String, times: [Int64?])], _ label: String, _ time: Int64?) {
                    table[Array(label.utf8), default: (label, [])].times.append(time)
                }
                for member in lost {
                    // The step-k event: the chain's latest event (its entries are in increasing event order).
                    let anchor = member.chain.compactMap { $0 }.max()!
                    let after = Array(member.admitted[(anchor + 1)...])
                    let names = after.map { columnName($0, column) ?? "(none)" }
                    let label = after.isEmpty ? "(nothing after)" : names.prefix(next).joined(separator: " → ")
                    add(&nexts, label, nil)
                    if let last = after.last {
                        add(&lasts, names.last!, last.time - member.admitted[anchor].time)
                    } else {
                        add(&lasts, "(nothing after)", nil)
                    }
                }
                let prefix: [Cell] = group.key + [.int(Int64(k)), .text(funnel.steps[k - 1].label), .int(Int64(lost.count))]
                for row in ranked(Array(nexts.values), limit: limit) {
                    nextRows.append(prefix + [.text(row.label), .int(Int64(row.times.count)),
                                              .percent(100 * Double(row.times.count) / Double(lost.count))])
                }
                for row in ranked(Array(lasts.values), limit: limit) {
                    let median = quantileCont(row.times.compactMap { $0 }, 0.5)
                    lastRows.append(prefix + [.text(row.label), .int(Int64(row.times.count)),
                                              .percent(100 * Double(row.times.count) / Double(lost.count)),
                                              median.map { .duration($0) } ?? .null])
                }
            }
        }
        return (nextRows, lastRows)
    }

    /// A value as WHY writes it: text in single quotes (quotes doubled), integral numbers without a fraction.
    static func whyValue(_ value: PropertyValue) -> String {
        switch value {
        case .text(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .number(let d):
            if d == d.rounded(), abs(d) < 9e15 { return String(Int64(d)) }
            return "\(d)"
        }
    }

    /// WHY's rows: every column. The chi-square is written out from the 2x2 table's expected counts here
    /// (the engine uses the shortcut formula), and the p-value from the normal tail by erfc.
    static func why(_ funnel: CheckedFunnel, fields: [EventField], events: [RawEvent],
                    customers: [String: [String: PropertyValue]],
                    matched given: [String: ReferenceJourneyCustomer]? = nil) -> [[Cell]] {
        let matched = given ?? journeyCustomers(funnel, events: events, customers: customers)
        let horizon = funnel.now ?? events.map(\.time).max() ?? 0
        let m = funnel.steps.count
        var converterCount = 0, lostCount = 0
        // label bytes → (label, converters, lost)
        var features: [[UInt8]: (label: String, a: Int, b: Int)] = [:]
        for member in matched.values where member.level > 0 {
            let converted = member.level == m
            if !converted && isOpen(member, funnel, horizon: horizon) { continue }
            let filled = member.chain.compactMap { $0 }
            let start = member.start!
            // Converters: chain's first event up to the completing one, not included. The lost: to the window's end.
            let span = member.admitted.indices.filter { i in
                guard i >= filled.min()! else { return false }
                if converted { return i < filled.max()! }
                if let window = funnel.window { return member.admitted[i].time - start.time <= window }
                return true
            }
            var labels = Set<[UInt8]>()
            var texts: [[UInt8]: String] = [:]
            func see(_ field: EventField, _ value: String) {
                let label = "\(field) = \(value)"
                labels.insert(Array(label.utf8))
                texts[Array(label.utf8)] = label
            }
            for field in fields {
                switch field {
                case .touchpoint, .channel, .stage:
                    for i in span {
                        if let name = columnName(member.admitted[i], field.column!) {
                            see(field, "'" + name.replacingOccurrences(of: "'", with: "''") + "'")
                        }
                    }
                case .property(let name):
                    for i in span { if let value = member.admitted[i].properties[name] { see(field, whyValue(value)) } }
                case .customerAttribute(let name):
                    if let value = customers[member.customer]?[name] { see(field, whyValue(value)) }
                case .time, .customer:
                    break
                }
            }
            if converted { converterCount += 1 } else { lostCount += 1 }
            for label in labels {
                features[label, default: (texts[label]!, 0, 0)].a += converted ? 1 : 0
                features[label, default: (texts[label]!, 0, 0)].b += converted ? 0 : 1
            }
        }
        let A = converterCount, B = lostCount
        struct Row { var label: String; var a: Int; var b: Int; var odds: Double; var p: Double? }
        let rows = features.values.map { f -> Row in
            // Odds of converting with the value over without it, 1 added to each cell.
            let odds = (Double(f.a + 1) / Double(f.b + 1)) * (Double(B - f.b + 1) / Double(A - f.a + 1))
            // Pearson: sum over the four cells of (observed - expected)^2 / expected.
            let observed = [[f.a, A - f.a], [f.b, B - f.b]].map { $0.map(Double.init) }
            let rowTotals = observed.map { $0[0] + $0[1] }
            let columnTotals = [observed[0][0] + observed[1][0], observed[0][1] + observed[1][1]]
            let n = rowTotals[0] + rowTotals[1]
            var p: Double?
            if !rowTotals.contains(0), !columnTotals.contains(0) {
                var chi = 0.0
                for r in 0..<2 { for c in 0..<2 {
                    let expected = rowTotals[r] * columnTotals[c] / n
                    chi += (observed[r][c] - expected) * (observed[r][c] - expected) / expected
                } }
                p = erfc((chi / 2).squareRoot())
            }
            return Row(label: f.label, a: f.a, b: f.b, odds: odds, p: p)
        }
        func before(_ x: Row, _ y: Row, _ up: Bool) -> Bool {
            if x.odds != y.odds { return up ? x.odds > y.odds : x.odds < y.odds }
            if x.a + x.b != y.a + y.b { return x.a + x.b > y.a + y.b }
            return byteOrder(x.label, y.label) < 0
        }
        let limit = funnel.limit ?? 10
        let up = rows.filter { $0.odds > 1 }.sorted { before($0, $1, true) }.prefix(limit)
        let down = rows.filter { $0.odds < 1 }.sorted { before($0, $1, false) }.prefix(limit)
        func cells(_ r: Row, _ direction: String) -> [Cell] {
            [.text(direction), .text(r.label), .int(Int64(r.a)), .int(Int64(r.b)),
             A > 0 ? .percent(100 * Double(r.a) / Double(A)) : .null,
             B > 0 ? .percent(100 * Double(r.b) / Double(B)) : .null,
             .number(r.odds), r.p.map { .number($0) } ?? .null]
        }
        return up.map { cells($0, "converts more") } + down.map { cells($0, "converts less") }
    }
}
