// PATHS: the touchpoint sequences customers take from a journey's first step to its last, most common first.
import JourneyStore

package enum PathFinder {
    /// The label of an event without a touchpoint.
    static let noTouchpoint = "(none)"
    /// How many paths are shown without TOP or LIMIT.
    static let defaultTop = 10

    /// Ranks the paths `aggregation` counted over the customers whose chain fills the last step.
    static func result(_ plan: FunnelPlan, counted: PathAggregation, catalog: StoreCatalog) -> QueryResult {
        result(plan, counts: counted.counts, catalog: catalog)
    }

    /// Ranks paths (touchpoint codes, -1 for none) counted elsewhere: per path, how many converters took it.
    package static func result(_ plan: FunnelPlan, counts paths: [[Int32]: Int], catalog: StoreCatalog) -> QueryResult {
        let names = Dictionary((catalog.codes[.touchpoint] ?? CodeTable()).entries.map { ($0.code, $0.value) },
                               uniquingKeysWith: { a, _ in a })
        let converters = paths.values.reduce(0, +)
        let top = plan.funnel.limit ?? defaultTop
        // Only paths at least as common as the top-th can rank: find that count first (integers sort fast), then
        // spell out and order just those.
        let counts = paths.values.sorted(by: >)
        let threshold = counts.isEmpty || top == 0 ? Int.max : counts[min(top, counts.count) - 1]
        let labelled = paths.filter { $0.value >= threshold }.map { path, customers in
            (text: path.map { $0 < 0 ? noTouchpoint : names[Int64($0)] ?? noTouchpoint }.joined(separator: " > "),
             customers: customers)
        }
        // Most customers first; equal counts by the path's text, byte for byte.
        let ranked = labelled.sorted { a, b in
            a.customers != b.customers ? a.customers > b.customers : a.text.utf8.lexicographicallyPrecedes(b.text.utf8)
        }.prefix(top)
        let rows = ranked.enumerated().map { rank, entry -> [Cell] in
            [.int(Int64(rank + 1)), .text(entry.text), .int(Int64(entry.customers)),
             .percent(100 * Double(entry.customers) / Double(converters))]
        }
        let notes = ["\(converters) converters (chains reaching step \(plan.shape.stepCount)), \(paths.count) distinct paths;"
                     + " a path is the touchpoints of the admitted events from the first step to the last, repeats collapsed"]
        return QueryResult(title: "paths: " + plan.funnel.text,
                           columns: [ColumnInfo("rank", type: .integer), ColumnInfo("path", type: .text),
                                     ColumnInfo("customers", type: .integer),
                                     ColumnInfo("pct_of_converters", type: .percent, label: "% conv", priority: 1)],
                           rows: rows, notes: notes, barColumn: 2)
    }

    /// Per distinct path (touchpoint codes, -1 for none), how many converters took it.
    struct PathAggregation: ChainAggregation {
        let stepCount: Int
        /// Paths as touchpoint codes, -1 for an event without one.
        var counts: [[Int32]: Int] = [:]
        /// The carried field holding each event's touchpoint.
        let touchpointField: Int

        init(_ plan: FunnelPlan) {
            stepCount = plan.shape.stepCount
            counts.reserveCapacity(1 << 12)
            touchpointField = plan.eventFields[.touchpoint]!
        }

        /// Counts the path of a customer whose chain fills the last step: the touchpoints of the events from the
        /// chain's first event to its last, repeats collapsed.
        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
            let m = stepCount
            guard match.level == m else { return }
            var first = Int.max, last = -1
            for p in match.positions.prefix(m) where p >= 0 {
                first = min(first, p)
                last = max(last, p)
            }
            guard last >= 0 else { return }
            var path: [Int32] = []
            for i in first...last {
                let code = customer.code(touchpointField, at: i).map { Int32(truncatingIfNeeded: $0) } ?? -1
                if path.isEmpty || path.last! != code { path.append(code) }
            }
            counts[path, default: 0] += 1
        }

        mutating func merge(_ other: PathAggregation) {
            counts.reserveCapacity(counts.count + other.counts.count)
            for (path, n) in other.counts { counts[path, default: 0] += n }
        }
    }
}
