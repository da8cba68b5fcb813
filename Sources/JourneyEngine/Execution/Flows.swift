// Flows: PATHS AFTER|BEFORE a step, a tree of what customers did next (or before) with counts and shares per
// level, and PATHS between steps with options (the lost or the converters, OF a column, repeats kept or collapsed,
// a maximum length, rare paths folded). grammar/SEMANTICS.md, section "Flows", says what each number means.
import JourneyStore

package enum Flows {
    /// Path elements that are not a column's code: an event without a value, the journey's end or start, the cut
    /// of a long path.
    static let none: Int32 = -1
    static let end: Int32 = -2
    static let start: Int32 = -3
    static let cut: Int32 = -4
    static let other = "(other)"

    /// The values a customer's path reads: `column` codes of the admitted events from `range`, walking forward
    /// or backward, consecutive repeats collapsed unless `keep` (the value at `seed`, if any, counts as the one
    /// before the first), at most `limit` values.
    static func values(_ customer: ScannedCustomer, field: Int, indices: StrideTo<Int>, seed: Int32?, keep: Bool,
                       limit: Int) -> [Int32] {
        var path: [Int32] = []
        var last = seed
        for i in indices {
            if path.count >= limit { break }
            let v = customer.code(field, at: i).map { Int32(truncatingIfNeeded: $0) } ?? none
            if keep || last != v { path.append(v) }
            last = v
        }
        return path
    }

    /// PATHS AFTER|BEFORE: per group, how many customers have an anchor and how many follow each path (of at most
    /// `steps` values, ending in (end) or (start) when shorter).
    struct TreeAggregation: ChainAggregation {
        let spec: FlowSpec
        let steps: Int
        let forward: Bool
        let field: Int
        let keys: GroupKeyReader
        var anchors: [[GroupKeys.RawKeyPart]: Int] = [:]
        var paths: [[GroupKeys.RawKeyPart]: [[Int32]: Int]] = [:]

        init(_ plan: FunnelPlan, spec: FlowSpec, keys: GroupKeyReader) {
            self.spec = spec
            switch spec.kind {
            case .after(let n): (steps, forward) = (n, true)
            case .before(let n): (steps, forward) = (n, false)
            default: preconditionFailure("a tree flows after or before an anchor")
            }
            field = plan.eventFields[spec.column]!
            self.keys = keys
        }

        /// The customer's first anchor event is the chain's one step (the earliest event that fills it).
        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
            guard match.level >= 1 else { return }
            let a = match.positions[0]
            let key = keys.isEmpty ? [] : keys.key(customer, first: a)
            let seed = customer.code(field, at: a).map { Int32(truncatingIfNeeded: $0) } ?? Flows.none
            let indices = forward ? stride(from: a + 1, to: customer.count, by: 1) : stride(from: a - 1, to: -1, by: -1)
            var path = Flows.values(customer, field: field, indices: indices, seed: seed, keep: spec.keepRepeats,
                                    limit: steps)
            if path.count < steps { path.append(forward ? Flows.end : Flows.start) }
            anchors[key, default: 0] += 1
            paths[key, default: [:]][path, default: 0] += 1
        }

        mutating func merge(_ other: TreeAggregation) {
            for (key, n) in other.anchors { anchors[key, default: 0] += n }
            for (key, counts) in other.paths {
                for (path, n) in counts { paths[key, default: [:]][path, default: 0] += n }
            }
        }
    }

    /// PATHS between steps with options: per distinct path, how many converters (or lost customers) took it.
    struct BetweenAggregation: ChainAggregation {
        let spec: FlowSpec
        let stepCount: Int
        let field: Int
        let plan: FunnelPlan
        var counts: [[Int32]: Int] = [:]
        /// The customers counted (converters, or the lost).
        var customers = 0

        init(_ plan: FunnelPlan, spec: FlowSpec) {
            self.spec = spec
            self.plan = plan
            stepCount = plan.shape.stepCount
            field = plan.eventFields[spec.column]!
        }

        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
            let m = stepCount
            guard match.level >= 1 else { return }
            var first = Int.max, last = -1
            for p in match.positions.prefix(match.level) where p >= 0 {
                first = min(first, p)
                last = max(last, p)
            }
            guard last >= 0 else { return }
            switch spec.kind {
            case .converted:
                guard match.level == m else { return }
            case .lost(let at):
                guard match.level < m, at == nil || match.level == at else { return }
                let start = customer.times[first]
                guard !plan.isOpen(start: start) else { return }
                // The lost customer's path runs on to the last admitted event inside the window.
                if let window = plan.window {
                    let (end, overflow) = start.addingReportingOverflow(window)
                    last = first
                    while last + 1 < customer.count, overflow || customer.times[last + 1] <= end { last += 1 }
                } else {
                    last = customer.count - 1
                }
            default:
                return
            }
            let limit = spec.maxLength.map { $0 + 1 } ?? Int.max
            var path = Flows.values(customer, field: field, indices: stride(from: first, to: last + 1, by: 1), seed: nil,
                                    keep: spec.keepRepeats, limit: limit)
            if let n = spec.maxLength, path.count > n {
                path.removeLast(path.count - n)
                path.append(Flows.cut)
            }
            counts[path, default: 0] += 1
            customers += 1
        }

        mutating func merge(_ other: BetweenAggregation) {
            for (path, n) in other.counts { counts[path, default: 0] += n }
            customers += other.customers
        }
    }

    /// The label of a path element.
    static func label(_ code: Int32, names: [Int64: String]) -> String {
        switch code {
        case none: "(none)"
        case end: "(end)"
        case start: "(start)"
        case cut: "…"
        default: names[Int64(code)] ?? "(none)"
        }
    }

    static func names(_ column: EventColumn, catalog: StoreCatalog) -> [Int64: String] {
        Dictionary((catalog.codes[column] ?? CodeTable()).entries.map { ($0.code, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// Whether `customers` of `total` reaches a share of `minShare` percent (always, without MIN SHARE).
    static func reaches(_ customers: Int, of total: Int, minShare: Double?) -> Bool {
        guard let minShare else { return true }
        return Double(customers) * 100 >= minShare * Double(total)
    }

    static func percent(_ part: Int, _ whole: Int) -> Cell {
        whole == 0 ? .null : .percent(100 * Double(part) / Double(whole))
    }

    /// Orders labelled entries: most customers first, equal counts by the label's bytes.
    static func ranked<T>(_ entries: [(label: String, customers: Int, value: T)]) -> [(label: String, customers: Int, value: T)] {
        entries.sorted { a, b in
            a.customers != b.customers ? a.customers > b.customers : a.label.utf8.lexicographicallyPrecedes(b.label.utf8)
        }
    }

    // MARK: Results

    /// The tree's rows for one group: the anchor (level 0), then each node depth first, children ranked.
    static func treeRows(_ counts: [[Int32]: Int], anchors: Int, spec: FlowSpec, names: [Int64: String],
                         forward: Bool) -> [(level: Int, node: String, parent: String?, customers: Int, parentCustomers: Int?)] {
        var rows: [(level: Int, node: String, parent: String?, customers: Int, parentCustomers: Int?)] = []
        rows.append((0, spec.anchorLabel, nil, anchors, nil))
        func pathText(_ labels: [String]) -> String {
            forward ? ([spec.anchorLabel] + labels).joined(separator: " > ")
                    : (labels.reversed() + [spec.anchorLabel]).joined(separator: " > ")
        }
        func visit(_ paths: [([Int32], Int)], depth: Int, labels: [String], parentCustomers: Int) {
            var children: [Int32: [([Int32], Int)]] = [:]
            for (path, n) in paths where path.count > depth { children[path[depth], default: []].append((path, n)) }
            let entries = ranked(children.map { code, members in
                (label: label(code, names: names), customers: members.reduce(0) { $0 + $1.1 }, value: members)
            })
            var shown = 0, folded = 0
            let parent = pathText(labels)
            for entry in entries {
                let marker = entry.value[0].0[depth] == end || entry.value[0].0[depth] == start
                if !marker {
                    guard shown < (spec.top ?? Int.max), reaches(entry.customers, of: anchors, minShare: spec.minShare) else {
                        folded += entry.customers
                        continue
                    }
                    shown += 1
                }
                rows.append((depth + 1, entry.label, parent, entry.customers, parentCustomers))
                visit(entry.value, depth: depth + 1, labels: labels + [entry.label], parentCustomers: entry.customers)
            }
            if folded > 0 { rows.append((depth + 1, other, parent, folded, parentCustomers)) }
        }
        visit(counts.map { ($0.key, $0.value) }, depth: 0, labels: [], parentCustomers: anchors)
        return rows
    }

    static func treeResult(_ plan: FunnelPlan, spec: FlowSpec, counted: TreeAggregation, keys: GroupKeyReader,
                           catalog: StoreCatalog) -> QueryResult {
        var merged: [GroupKeys.GroupKey: (anchors: Int, paths: [[Int32]: Int])] = [:]
        for (raw, n) in counted.anchors {
            let key = GroupKeys.GroupKey(cells: keys.cells(raw))
            merged[key, default: (0, [:])].anchors += n
            for (path, c) in counted.paths[raw] ?? [:] { merged[key, default: (0, [:])].paths[path, default: 0] += c }
        }
        var groups = merged.map { (key: $0.key.cells, value: $0.value) }
        groups.sort { keys.precedes($0.key, size: $0.value.anchors, $1.key, size: $1.value.anchors) }
        return treeResult(plan, spec: spec, groups: groups, catalog: catalog)
    }

    /// The trees of groups in their order: per group, the customers with an anchor and each path's customers.
    package static func treeResult(_ plan: FunnelPlan, spec: FlowSpec,
                                   groups: [(key: [Cell], value: (anchors: Int, paths: [[Int32]: Int]))],
                                   catalog: StoreCatalog) -> QueryResult {
        let names = names(spec.column, catalog: catalog)
        var groups = groups
        // Without BY the anchor's row is there even when nobody reaches it, as a funnel's first step is.
        if groups.isEmpty, plan.breakdown.isEmpty { groups = [(key: [], value: (anchors: 0, paths: [:]))] }
        let (steps, forward): (Int, Bool)
        switch spec.kind {
        case .after(let n): (steps, forward) = (n, true)
        case .before(let n): (steps, forward) = (n, false)
        default: preconditionFailure("a tree flows after or before an anchor")
        }
        var rows: [[Cell]] = []
        for group in groups {
            for r in treeRows(group.value.paths, anchors: group.value.anchors, spec: spec, names: names, forward: forward) {
                rows.append(group.key + [.int(Int64(r.level)), .text(r.node), r.parent.map { .text($0) } ?? .null,
                                         .int(Int64(r.customers)), percent(r.customers, group.value.anchors),
                                         r.parentCustomers.map { percent(r.customers, $0) } ?? .null])
            }
        }
        let k = plan.funnel.breakdown.count
        var level = ColumnInfo("level", type: .integer, priority: 1)
        level.label = "lvl"
        var node = ColumnInfo("node", type: .text)
        node.indentedBy = k
        let columns = plan.funnel.breakdown.map { ColumnInfo($0.description, type: nil) } + [
            level, node, ColumnInfo("parent", type: .text, priority: 3), ColumnInfo("customers", type: .integer),
            ColumnInfo("pct_of_anchor", type: .percent, label: "% anchor", priority: 1),
            ColumnInfo("pct_of_parent", type: .percent, label: "% parent", priority: 2),
        ]
        let anchors = groups.reduce(0) { $0 + $1.value.anchors }
        let column = "\(spec.column)"
        let direction = forward ? "after" : "before"
        var notes = ["\(anchors) customers reached \(spec.anchorLabel); each is followed from the first such event: the"
                     + " \(column) of the next \(steps) admitted events \(direction) it, "
                     + (spec.keepRepeats ? "repeats kept" : "repeats collapsed")
                     + (forward ? "; (end): no more events" : "; (start): no earlier events")]
        if spec.minShare != nil || spec.top != nil {
            notes.append("(other): branches"
                         + (spec.minShare.map { " below \(formatNumber($0))% of the anchor's customers" } ?? "")
                         + (spec.minShare != nil && spec.top != nil ? " or" : "")
                         + (spec.top.map { " beyond the top \($0) of their parent" } ?? ""))
        }
        return QueryResult(title: "paths \(direction) " + plan.funnel.text, columns: columns, rows: rows,
                           notes: notes, barColumn: k + 3)
    }

    static func betweenResult(_ plan: FunnelPlan, spec: FlowSpec, counted: BetweenAggregation,
                              catalog: StoreCatalog) -> QueryResult {
        betweenResult(plan, spec: spec, counts: counted.counts, catalog: catalog)
    }

    /// Ranks paths counted elsewhere (column codes and the markers above): per path, its customers.
    package static func betweenResult(_ plan: FunnelPlan, spec: FlowSpec, counts paths: [[Int32]: Int],
                                      catalog: StoreCatalog) -> QueryResult {
        let names = names(spec.column, catalog: catalog)
        let total = paths.values.reduce(0, +)
        let top = spec.top ?? PathFinder.defaultTop
        // Only paths at least as common as the top-th can be listed: spell out just those (as PathFinder does).
        let counts = paths.values.sorted(by: >)
        let threshold = counts.isEmpty || top == 0 ? Int.max : counts[min(top, counts.count) - 1]
        let entries = ranked(paths.filter { $0.value >= threshold }.map { path, n in
            (label: path.map { label($0, names: names) }.joined(separator: " > "), customers: n, value: ())
        })
        var rows: [[Cell]] = []
        var listed = 0
        for entry in entries where rows.count < top && reaches(entry.customers, of: total, minShare: spec.minShare) {
            rows.append([.int(Int64(rows.count + 1)), .text(entry.label), .int(Int64(entry.customers)),
                         percent(entry.customers, total)])
            listed += entry.customers
        }
        if spec.minShare != nil, listed < total {
            rows.append([.null, .text(other), .int(Int64(total - listed)), percent(total - listed, total)])
        }
        let who: String
        switch spec.kind {
        case .lost(let at):
            who = at.map { "customers lost at step \($0)" } ?? "lost customers"
        default:
            who = "converters"
        }
        let share = spec.kind == .converted ? "pct_of_converters" : "pct_of_lost"
        var notes = ["\(total) \(who), \(paths.count) distinct paths; a path is the \(spec.column)"
                     + " of the admitted events " + (spec.kind == .converted ? "from the first step to the last"
                                                                              : "from the first step to the last event inside the window")
                     + ", " + (spec.keepRepeats ? "repeats kept" : "repeats collapsed")]
        if let n = spec.maxLength { notes.append("paths longer than \(n) keep their first \(n) and end in …") }
        if let p = spec.minShare { notes.append("(other): every path not listed (below \(formatNumber(p))% or beyond the top \(top))") }
        return QueryResult(title: "paths: " + plan.funnel.text,
                           columns: [ColumnInfo("rank", type: .integer), ColumnInfo("path", type: .text),
                                     ColumnInfo("customers", type: .integer),
                                     ColumnInfo(share, type: .percent, label: spec.kind == .converted ? "% conv" : "% lost",
                                                priority: 1)],
                           rows: rows, notes: notes, barColumn: 2)
    }
}

extension Executor {
    /// A flow's scan and matching, fed to its aggregation, shaped into its result.
    func flows(_ plan: FunnelPlan, _ spec: FlowSpec, source: EventSource, started: ContinuousClock.Instant,
               emit: (SessionEvent) -> Void) throws {
        var result: QueryResult
        if spec.kind.isTree {
            let keys = GroupKeyReader(plan, catalog: catalog, attributes: try attributeValues(plan))
            let done = try plan.aggregate(Flows.TreeAggregation(plan, spec: spec, keys: keys), source: source,
                                          isCancelled: isCancelled)
            result = Flows.treeResult(plan, spec: spec, counted: done.aggregation, keys: keys, catalog: catalog)
        } else {
            let done = try plan.aggregate(Flows.BetweenAggregation(plan, spec: spec), source: source, isCancelled: isCancelled)
            result = Flows.betweenResult(plan, spec: spec, counted: done.aggregation, catalog: catalog)
        }
        result.measured = "(\(PlanPrinter.seconds(ContinuousClock.now - started)))"
        result.analysis = .flows
        emit(.result(result))
    }
}
