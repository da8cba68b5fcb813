// The funnel aggregation: per-step customers, losses and times per group, shaped into the funnel table.
import Foundation
import JourneyStore

/// Per-step totals over the customers of one group, before they are shaped into result rows.
package struct FunnelTotals: Sendable, Equatable {
    /// customers[k]: how many customers reached at least step k+1 (passed it).
    package var customers: [Int]
    /// took[k]: how many customers' chains fill step k+1 (differs from `customers` only for optional steps).
    package var took: [Int]
    /// inProgress[k] (k ≥ 1): customers of level exactly k whose window is still open.
    package var inProgress: [Int]
    /// gaps[k] (k ≥ 1): for every chain filling step k+1, the time from the previous filled step, in milliseconds.
    package var gaps: [[Int64]]
    /// fromStart[k] (k ≥ 1): for every chain filling step k+1, the time from the first step.
    package var fromStart: [[Int64]]
    /// How many customers the scan delivered (those with an admitted event matching some step).
    package var customersScanned: Int
    package var eventsScanned: Int

    package init(stepCount: Int) {
        customers = Array(repeating: 0, count: stepCount)
        took = Array(repeating: 0, count: stepCount)
        inProgress = Array(repeating: 0, count: stepCount)
        gaps = Array(repeating: [], count: stepCount)
        fromStart = Array(repeating: [], count: stepCount)
        customersScanned = 0
        eventsScanned = 0
    }

    /// Adds the per-step counts and times of other customers (not the scan counts).
    package mutating func addCounts(of other: FunnelTotals) {
        for k in customers.indices {
            customers[k] += other.customers[k]
            took[k] += other.took[k]
            inProgress[k] += other.inProgress[k]
            gaps[k] += other.gaps[k]
            fromStart[k] += other.fromStart[k]
        }
    }

    /// Adds one customer's match; `open` tells whether its window is still open at the horizon.
    package mutating func add(_ match: CustomerMatch, times: [Int64], open: Bool = false) {
        times.withUnsafeBufferPointer { add(match, times: $0, open: open) }
    }

    package mutating func add(_ match: CustomerMatch, times: UnsafeBufferPointer<Int64>, open: Bool = false) {
        guard match.level > 0 else { return }
        let start = times[match.positions[0]]
        var previous = start
        for k in 0..<match.level {
            customers[k] += 1
            let p = match.positions[k]
            guard p >= 0 else { continue }
            took[k] += 1
            if k > 0 {
                gaps[k].append(times[p] - previous)
                fromStart[k].append(times[p] - start)
            }
            previous = times[p]
        }
        if open, match.level < customers.count { inProgress[match.level] += 1 }
    }
}

/// Sums each customer's match into the totals of its group.
struct FunnelAggregation: ChainAggregation {
    let plan: FunnelPlan
    let keys: GroupKeyReader
    /// Totals per group, under keys that are cheap to hash (codes and instants, displayed once at the end).
    var byKey: [[GroupKeys.RawKeyPart]: FunnelTotals] = [:]
    /// The totals of a journey without BY (no key to build and hash per customer), and whether anyone was added.
    var ungrouped: FunnelTotals
    var matchedUngrouped = false

    init(_ plan: FunnelPlan, keys: GroupKeyReader) {
        self.plan = plan
        self.keys = keys
        ungrouped = FunnelTotals(stepCount: plan.shape.stepCount)
    }

    mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
        guard match.level > 0 else { return }
        let first = match.positions[0]
        let open = plan.isOpen(start: customer.times[first])
        if keys.isEmpty {
            ungrouped.add(match, times: customer.times, open: open)
            matchedUngrouped = true
            return
        }
        byKey[keys.key(customer, first: first), default: FunnelTotals(stepCount: plan.shape.stepCount)]
            .add(match, times: customer.times, open: open)
    }

    mutating func merge(_ other: FunnelAggregation) {
        ungrouped.addCounts(of: other.ungrouped)
        matchedUngrouped = matchedUngrouped || other.matchedUngrouped
        for (key, totals) in other.byKey {
            byKey[key, default: FunnelTotals(stepCount: plan.shape.stepCount)].addCounts(of: totals)
        }
    }

    /// The groups in display order, LIMIT applied. Raw keys that display alike (an integer and the same real) are
    /// one group, as they are one value to SQL. A journey without BY has its one row even when nobody starts it;
    /// LIMIT 0 asks for no rows.
    func groups(customersScanned: Int, eventsScanned: Int) -> [FunnelTable.Group] {
        let m = plan.shape.stepCount
        var merged: [GroupKeys.GroupKey: FunnelTotals] = [:]
        for (raw, totals) in byKey {
            merged[GroupKeys.GroupKey(cells: keys.cells(raw)), default: FunnelTotals(stepCount: m)].addCounts(of: totals)
        }
        if matchedUngrouped {
            merged[GroupKeys.GroupKey(cells: []), default: FunnelTotals(stepCount: m)].addCounts(of: ungrouped)
        }
        var groups = merged.map { (key: $0.key.cells, totals: $0.value) }
        groups.sort { keys.precedes($0.key, size: $0.totals.customers[0], $1.key, size: $1.totals.customers[0]) }
        if let limit = plan.funnel.limit, groups.count > limit { groups.removeLast(groups.count - limit) }
        if groups.isEmpty && plan.breakdown.isEmpty && plan.funnel.limit != 0 {
            groups = [(key: [], totals: FunnelTotals(stepCount: m))]
        }
        for i in groups.indices {
            groups[i].totals.customersScanned = customersScanned
            groups[i].totals.eventsScanned = eventsScanned
        }
        return groups
    }
}

/// The funnel table: group keys, then one row per step.
package enum FunnelTable {
    /// A group's key cells (empty without BY) and its totals.
    package typealias Group = (key: [Cell], totals: FunnelTotals)

    /// The result table: group keys, then one row per step.
    package static func result(_ plan: FunnelPlan, groups: [Group]) -> QueryResult {
        // The times' quantiles of every group and step at once, on every core.
        let timeArrays = groups.flatMap { group in
            (1..<max(1, group.totals.gaps.count)).flatMap { k in [group.totals.gaps[k], group.totals.fromStart[k]] }
        }
        return result(plan, groups: groups, timeQuantiles: Quantiles.continuous(each: timeArrays, [0.5, 0.9]))
    }

    /// The result table from counts and quantiles found elsewhere (another engine computes them where the data is):
    /// `timeQuantiles` holds, per group and per step k ≥ 2 in order, the [median, p90] of the times from the previous
    /// step and then of the times from the start; the totals' time arrays are not read.
    package static func result(_ plan: FunnelPlan, groups: [Group], timeQuantiles: [[Double?]]) -> QueryResult {
        let funnel = plan.funnel
        let optional = funnel.hasOptionalSteps
        let windowed = funnel.window != nil
        // Priorities say what a narrow table keeps: the counts before the times, medians before spreads
        // (the bars rank at 6, after the median from the previous step).
        var columns = funnel.breakdown.map { ColumnInfo($0.description) }
        columns += [ColumnInfo("step", type: .integer), ColumnInfo("name", type: .text),
                    ColumnInfo("customers", type: .integer)]
        if optional { columns.append(ColumnInfo("took", type: .integer, priority: 1)) }
        columns += [ColumnInfo("pct_of_first", type: .percent, label: "% first", priority: 2),
                    ColumnInfo("pct_of_previous", type: .percent, label: "% prev", priority: 3),
                    ColumnInfo("lost", type: .integer, priority: 4)]
        if windowed { columns.append(ColumnInfo("in_progress", type: .integer, label: "in progress", priority: 8)) }
        columns += [ColumnInfo("median_time_from_previous", type: .duration, label: "median ←prev", priority: 5),
                    ColumnInfo("p90_time_from_previous", type: .duration, label: "p90 ←prev", priority: 9),
                    ColumnInfo("median_time_from_start", type: .duration, label: "median ←start", priority: 7),
                    ColumnInfo("p90_time_from_start", type: .duration, label: "p90 ←start", priority: 10)]
        var timeQuantiles = timeQuantiles.makeIterator()
        var rows: [[Cell]] = []
        for group in groups {
            let totals = group.totals
            let first = totals.customers.first ?? 0
            for (k, label) in plan.stepLabels.enumerated() {
                let n = totals.customers[k]
                let previous = k > 0 ? totals.customers[k - 1] : n
                var row = group.key + [.int(Int64(k + 1)), .text(label), .int(Int64(n))]
                if optional { row.append(.int(Int64(totals.took[k]))) }
                row.append(first > 0 ? .percent(100.0 * Double(n) / Double(first)) : .null)
                row.append(k == 0 ? .null : (previous > 0 ? .percent(100.0 * Double(n) / Double(previous)) : .null))
                row.append(k == 0 ? .null : .int(Int64(previous - n - totals.inProgress[k])))
                if windowed { row.append(k == 0 ? .null : .int(Int64(totals.inProgress[k]))) }
                for _ in 0..<2 {
                    let quantiles = k == 0 ? [nil, nil] : timeQuantiles.next()!
                    row.append(quantiles[0].map { .duration($0) } ?? .null)
                    row.append(quantiles[1].map { .duration($0) } ?? .null)
                }
                rows.append(row)
            }
        }
        var notes: [String] = []
        if funnel.breakdown.contains(where: \.readsFirstStep) {
            notes.append("breakdown fields are read from each customer's first step")
        }
        return QueryResult(kind: .funnel, title: funnel.text, columns: columns, rows: rows, notes: notes,
                           barColumn: funnel.breakdown.isEmpty ? columns.firstIndex { $0.name == "customers" } : nil,
                           barPriority: 6)
    }

    /// The result table of an ungrouped journey.
    package static func result(_ plan: FunnelPlan, totals: FunnelTotals) -> QueryResult {
        result(plan, groups: [(key: [], totals: totals)])
    }

    /// The median as DuckDB's `median` computes it: the middle value, or the mean of the two middle values.
    package static func median(_ values: [Int64]) -> Double? {
        quantile(values, 0.5)
    }

    /// DuckDB's `quantile_cont(q)`: interpolated between the two nearest order statistics.
    package static func quantile(_ values: [Int64], _ q: Double) -> Double? {
        Quantiles.continuous(values, [q])[0]
    }

    /// The median and the 90th percentile, as `quantile` computes them, found together.
    static func medianAndP90(_ values: [Int64]) -> (Double?, Double?) {
        let both = Quantiles.continuous(values, [0.5, 0.9])
        return (both[0], both[1])
    }
}
