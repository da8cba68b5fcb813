// PATHS: the touchpoint sequences customers take from a journey's first step to its last, most common first.
import JourneyStore

public enum PathFinder {
    /// The label of an event without a touchpoint.
    static let noTouchpoint = "(none)"
    /// How many paths are shown without TOP or LIMIT.
    static let defaultTop = 10

    /// Counts paths over the customers whose chain fills the last step, and ranks them.
    public static func result(_ plan: FunnelPlan, source: EventSource, catalog: StoreCatalog,
                              isCancelled: () -> Bool) throws -> QueryResult {
        let counted = try FunnelExecutor.accumulate(PathAccumulator(plan), request: plan.request, source: source,
                                                    isCancelled: isCancelled)
        let names = Dictionary((catalog.codes[.touchpoint] ?? CodeTable()).entries.map { ($0.code, $0.value) },
                               uniquingKeysWith: { a, _ in a })
        let converters = counted.counts.values.reduce(0, +)
        let labelled = counted.counts.map { path, customers in
            (text: path.map { $0.flatMap { names[$0] } ?? noTouchpoint }.joined(separator: " > "), customers: customers)
        }
        // Most customers first; equal counts by the path's text, byte for byte.
        let ranked = labelled.sorted { a, b in
            a.customers != b.customers ? a.customers > b.customers : a.text.utf8.lexicographicallyPrecedes(b.text.utf8)
        }.prefix(plan.funnel.limit ?? defaultTop)
        let rows = ranked.enumerated().map { rank, entry -> [Cell] in
            [.int(Int64(rank + 1)), .text(entry.text), .int(Int64(entry.customers)),
             .percent(100 * Double(entry.customers) / Double(converters))]
        }
        let notes = ["\(converters) converters (chains reaching step \(plan.shape.stepCount)), \(counted.counts.count) distinct paths;"
                     + " a path is the touchpoints of the admitted events from the first step to the last, repeats collapsed"]
        return QueryResult(title: "paths: " + plan.funnel.text, columns: ["rank", "path", "customers", "pct_of_converters"],
                           rows: rows, notes: notes, barColumn: 2)
    }

    /// Per distinct path (touchpoint codes, nil for none), how many converters took it.
    struct PathAccumulator: CustomerAccumulator {
        let plan: FunnelPlan
        var matchers: JourneyMatchers
        var match = CustomerMatch()
        var counts: [[Int64?]: Int] = [:]
        /// The carried field holding each event's touchpoint (the planner puts it last).
        let touchpointField: Int

        init(_ plan: FunnelPlan) {
            self.plan = plan
            matchers = JourneyMatchers(plan)
            touchpointField = plan.request.carry.count - 1
        }

        mutating func add(_ customer: CustomerEvents) {
            matchers.match(customer, into: &match)
            let m = plan.shape.stepCount
            guard match.level == m else { return }
            let filled = match.positions.prefix(m).filter { $0 >= 0 }
            guard let first = filled.min(), let last = filled.max() else { return }
            var path: [Int64?] = []
            for i in first...last {
                let code: Int64?
                if case .integer(let c) = customer.carried[touchpointField][i] { code = c } else { code = nil }
                if path.last != code || path.isEmpty { path.append(code) }
            }
            counts[path, default: 0] += 1
        }

        mutating func merge(_ other: PathAccumulator) {
            for (path, n) in other.counts { counts[path, default: 0] += n }
        }
    }
}
