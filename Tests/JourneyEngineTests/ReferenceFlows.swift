// The slow reference for flows (grammar/SEMANTICS.md, "Flows"), read literally: PATHS AFTER|BEFORE as a tree built
// from every customer's list of values, PATHS between steps from the reference chains. It shares nothing with the
// engine but the checked query's types and the result's cell kinds: no planner, no matcher, no Flows.swift.
import JourneyEngine
import JourneyStore

extension Reference {
    /// A column's value on an event as a path shows it.
    static func flowValue(_ event: RawEvent, _ column: EventColumn) -> String {
        let value: String?
        switch column {
        case .touchpoint: value = event.touchpoint
        case .channel: value = event.channel
        case .stage: value = event.stage
        }
        return value ?? "(none)"
    }

    /// Drops each value equal (byte for byte) to the one before it; `before` is the value before the first.
    static func collapsed(_ values: [String], before: String?) -> [String] {
        var out: [String] = []
        var last = before
        for v in values {
            if last == nil || !last!.utf8.elementsEqual(v.utf8) { out.append(v) }
            last = v
        }
        return out
    }

    static func byBytes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// The share rule of MIN SHARE: at least p percent of `total`.
    static func keeps(_ n: Int, of total: Int, _ p: Double?) -> Bool {
        p.map { Double(n) / Double(total) * 100 >= $0 - 1e-9 } ?? true
    }

    /// PATHS AFTER|BEFORE: rows (keys..., level, node, parent, customers, pct_of_anchor, pct_of_parent).
    static func flowTree(_ flows: CheckedFlows, events: [RawEvent], customers: [String: [String: PropertyValue]]) -> [[Cell]] {
        let funnel = flows.funnel, spec = flows.spec
        let (depth, forward): (Int, Bool)
        switch spec.kind {
        case .after(let n): (depth, forward) = (n, true)
        case .before(let n): (depth, forward) = (n, false)
        default: preconditionFailure()
        }
        // Per customer: the key and the list of labels (at most `depth`, then (end) or (start) when shorter).
        var members: [(key: [Cell], path: [String])] = []
        for (id, own) in Dictionary(grouping: events, by: \.customer) {
            let admitted = own.filter { evaluate(funnel.filter, on: $0, customers: customers) == true }
                .sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
            guard let a = admitted.indices.first(where: {
                evaluate(funnel.steps[0].condition, on: admitted[$0], customers: customers) == true
                    && (funnel.startBounds?.contains(admitted[$0].time) ?? true)
            }) else { continue }
            let side = forward ? Array(admitted[(a + 1)...]) : Array(admitted[..<a].reversed())
            let raw = side.map { flowValue($0, spec.column) }
            var path = spec.keepRepeats ? raw : collapsed(raw, before: flowValue(admitted[a], spec.column))
            path = Array(path.prefix(depth))
            if path.count < depth { path.append(forward ? "(end)" : "(start)") }
            let member = ReferenceJourneyCustomer(customer: id, admitted: admitted, level: 1, chain: [a])
            members.append((funnel.breakdown.map { breakdownCell($0, of: member, customers: customers) }, path))
        }
        // Groups: period keys in time order first, then largest first, then by key (text by bytes).
        let periods = funnel.breakdown.indices.filter { [BreakdownKey.startDay, .startWeek, .startMonth].contains(funnel.breakdown[$0]) }
        var groups: [(key: [Cell], paths: [[String]])] = []
        for m in members {
            if let i = groups.firstIndex(where: { $0.key.count == m.key.count && zip($0.key, m.key).allSatisfy { keyOrder($0, $1) == 0 && sameKind($0, $1) } }) {
                groups[i].paths.append(m.path)
            } else {
                groups.append((m.key, [m.path]))
            }
        }
        groups.sort { a, b in
            for i in periods where keyOrder(a.key[i], b.key[i]) != 0 { return keyOrder(a.key[i], b.key[i]) < 0 }
            if a.paths.count != b.paths.count { return a.paths.count > b.paths.count }
            for (x, y) in zip(a.key, b.key) where keyOrder(x, y) != 0 { return keyOrder(x, y) < 0 }
            return false
        }
        // Without BY, the anchor's row is shown even when nobody reaches it.
        if groups.isEmpty, funnel.breakdown.isEmpty { groups = [(key: [], paths: [])] }
        var rows: [[Cell]] = []
        for group in groups {
            let total = group.paths.count
            func text(_ labels: [String]) -> String {
                (forward ? [spec.anchorLabel] + labels : labels.reversed() + [spec.anchorLabel]).joined(separator: " > ")
            }
            func percent(_ a: Int, _ b: Int) -> Cell { b == 0 ? .null : .percent(100 * Double(a) / Double(b)) }
            rows.append(group.key + [.int(0), .text(spec.anchorLabel), .null, .int(Int64(total)), percent(total, total), .null])
            // Depth first: the children of a prefix are the distinct next labels of the paths that have that prefix.
            func visit(_ prefix: [String], count: Int) {
                guard prefix.count < depth, prefix.last != "(end)", prefix.last != "(start)" else { return }
                let below = group.paths.filter { $0.count > prefix.count && Array($0.prefix(prefix.count)).elementsEqual(prefix) { $0.utf8.elementsEqual($1.utf8) } }
                var counts: [(String, Int)] = []
                for p in below {
                    let next = p[prefix.count]
                    if let i = counts.firstIndex(where: { $0.0.utf8.elementsEqual(next.utf8) }) { counts[i].1 += 1 } else { counts.append((next, 1)) }
                }
                counts.sort { $0.1 != $1.1 ? $0.1 > $1.1 : byBytes($0.0, $1.0) }
                var kept = 0, other = 0
                for (label, n) in counts {
                    let marker = label == "(end)" || label == "(start)"
                    if !marker, kept >= (spec.top ?? Int.max) || !keeps(n, of: total, spec.minShare) {
                        other += n
                        continue
                    }
                    if !marker { kept += 1 }
                    rows.append(group.key + [.int(Int64(prefix.count + 1)), .text(label), .text(text(prefix)), .int(Int64(n)),
                                             percent(n, total), percent(n, count)])
                    visit(prefix + [label], count: n)
                }
                if other > 0 {
                    rows.append(group.key + [.int(Int64(prefix.count + 1)), .text("(other)"), .text(text(prefix)),
                                             .int(Int64(other)), percent(other, total), percent(other, count)])
                }
            }
            visit([], count: total)
        }
        return rows
    }

    private static func sameKind(_ a: Cell, _ b: Cell) -> Bool {
        switch (a, b) {
        case (.null, .null), (.text, .text): true
        case (.number, .number), (.int, .int), (.time, .time): true
        default: false
        }
    }

    /// PATHS between steps with options: (rank, path, customers, pct), then (other) under MIN SHARE.
    static func flowPaths(_ flows: CheckedFlows, events: [RawEvent], customers: [String: [String: PropertyValue]]) -> [[Cell]] {
        let funnel = flows.funnel, spec = flows.spec
        let m = funnel.steps.count
        let horizon = funnel.now ?? events.map(\.time).max() ?? 0
        var counts: [(text: String, n: Int)] = []
        var total = 0
        for member in journeyCustomers(funnel, events: events, customers: customers).values where member.level > 0 {
            let filled = member.chain.compactMap { $0 }
            let first = filled.min()!
            var last = filled.max()!
            switch spec.kind {
            case .converted:
                guard member.level == m else { continue }
            case .lost(let at):
                guard member.level < m, at == nil || at == member.level else { continue }
                let start = member.admitted[first].time
                if let w = funnel.window {
                    // In progress: the window is still open at the horizon.
                    if start + w > horizon { continue }
                    last = member.admitted.indices.last { member.admitted[$0].time <= start + w }!
                } else {
                    last = member.admitted.count - 1
                }
            default:
                preconditionFailure()
            }
            let raw = member.admitted[first...last].map { flowValue($0, spec.column) }
            var path = spec.keepRepeats ? raw : collapsed(raw, before: nil)
            if let n = spec.maxLength, path.count > n { path = Array(path.prefix(n)) + ["…"] }
            let text = path.joined(separator: " > ")
            if let i = counts.firstIndex(where: { $0.text.utf8.elementsEqual(text.utf8) }) { counts[i].n += 1 } else { counts.append((text, 1)) }
            total += 1
        }
        counts.sort { $0.n != $1.n ? $0.n > $1.n : byBytes($0.text, $1.text) }
        let top = spec.top ?? 10
        var rows: [[Cell]] = []
        var listed = 0
        for (text, n) in counts where rows.count < top && keeps(n, of: total, spec.minShare) {
            rows.append([.int(Int64(rows.count + 1)), .text(text), .int(Int64(n)), .percent(100 * Double(n) / Double(total))])
            listed += n
        }
        if spec.minShare != nil, listed < total {
            rows.append([.null, .text("(other)"), .int(Int64(total - listed)), .percent(100 * Double(total - listed) / Double(total))])
        }
        return rows
    }
}
