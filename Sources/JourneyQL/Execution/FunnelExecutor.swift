// Runs a funnel plan: scans the source, matches each customer, aggregates the per-step table.
import JourneyStore

/// Per-step totals over all customers, before they are shaped into a result table.
public struct FunnelTotals: Sendable, Equatable {
    /// customers[k]: how many customers reached at least step k+1.
    public var customers: [Int]
    /// gaps[k] (k ≥ 1): for every customer reaching step k+1, the time from step k to step k+1
    /// on its chosen chain, in milliseconds.
    public var gaps: [[Int64]]
    /// How many customers the scan delivered (those with an admitted event matching some step).
    public var customersScanned: Int
    public var eventsScanned: Int

    public init(stepCount: Int) {
        customers = Array(repeating: 0, count: stepCount)
        gaps = Array(repeating: [], count: stepCount)
        customersScanned = 0
        eventsScanned = 0
    }

    /// Adds one customer's match.
    public mutating func add(_ match: CustomerMatch, times: [Int64]) {
        guard match.level > 0 else { return }
        for k in 0..<match.level {
            customers[k] += 1
            if k > 0 { gaps[k].append(times[match.positions[k]] - times[match.positions[k - 1]]) }
        }
    }
}

public enum FunnelExecutor {
    /// Scans and matches every customer.
    public static func totals(_ plan: FunnelPlan, source: EventSource,
                              isCancelled: () -> Bool) throws -> FunnelTotals {
        var matcher = FunnelMatcher(stepCount: plan.request.steps.count, window: plan.window)
        var totals = FunnelTotals(stepCount: plan.request.steps.count)
        var match = CustomerMatch()
        try source.scanCustomers(plan.request, isCancelled: isCancelled) { events in
            totals.customersScanned += 1
            totals.eventsScanned += events.times.count
            matcher.match(times: events.times, masks: events.masks, into: &match)
            totals.add(match, times: events.times)
        }
        return totals
    }

    /// The result table: one row per step.
    public static func result(_ plan: FunnelPlan, totals: FunnelTotals) -> QueryResult {
        var rows: [[Cell]] = []
        let first = totals.customers.first ?? 0
        for (k, label) in plan.stepLabels.enumerated() {
            let n = totals.customers[k]
            let previous = k > 0 ? totals.customers[k - 1] : n
            rows.append([
                .int(Int64(k + 1)),
                .text(label),
                .int(Int64(n)),
                first > 0 ? .percent(100.0 * Double(n) / Double(first)) : .null,
                k == 0 ? .null : (previous > 0 ? .percent(100.0 * Double(n) / Double(previous)) : .null),
                k == 0 ? .null : .int(Int64(previous - n)),
                k == 0 ? .null : median(totals.gaps[k]).map { .duration($0) } ?? .null,
            ])
        }
        return QueryResult(kind: .funnel, title: plan.funnel.text,
                           columns: ["step", "name", "customers", "pct_of_first", "pct_of_previous", "lost",
                                     "median_time_from_previous"],
                           rows: rows, barColumn: 2)
    }

    /// The median as DuckDB's `median` computes it: the middle value, or the mean of the two middle values.
    public static func median(_ values: [Int64]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        if sorted.count % 2 == 1 { return Double(sorted[mid]) }
        return (Double(sorted[mid - 1]) + Double(sorted[mid])) / 2
    }
}
