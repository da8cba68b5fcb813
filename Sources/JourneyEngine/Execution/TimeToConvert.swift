// TIMES: the distribution of the time from a journey's first step to its last, over the customers who complete it.

package enum TimeToConvert {
    /// Histogram buckets: [lower, upper) in milliseconds, with their labels. Fixed, human-sized edges, so the same
    /// bucket means the same thing in every query and in any other engine (`CASE WHEN t < 60000 ...`).
    package static let buckets: [(label: String, lower: Int64, upper: Int64?)] = {
        let minute: Int64 = 60_000, hour = 60 * minute, day = 24 * hour
        let edges: [(String, Int64)] = [("< 1m", 0), ("1m - 10m", minute), ("10m - 1h", 10 * minute), ("1h - 6h", hour),
                                        ("6h - 1d", 6 * hour), ("1d - 7d", day), ("7d - 30d", 7 * day), (">= 30d", 30 * day)]
        return edges.enumerated().map { k, edge in
            (edge.0, edge.1, k + 1 < edges.count ? edges[k + 1].1 : nil)
        }
    }()

    /// Two tables: the statistics per group (converters, min, p25, median, p75, p90, max, mean) and the histogram per
    /// group (every bucket, empty ones included). Quantiles are DuckDB's `quantile_cont`.
    package static func results(_ plan: FunnelPlan, groups: [FunnelTable.Group]) -> [QueryResult] {
        let last = plan.shape.stepCount - 1
        return results(plan, summaries: groups.map { (key: $0.key, summary: Summary(times: $0.totals.fromStart[last])) })
    }

    /// One group's converters: how many, the quantiles (0, 0.25, 0.5, 0.75, 0.9, 1), the mean, the bucket counts.
    package struct Summary: Sendable {
        package var converters: Int
        package var quantiles: [Double?]
        package var mean: Double?
        package var counts: [Int]

        package init(converters: Int, quantiles: [Double?], mean: Double?, counts: [Int]) {
            self.converters = converters
            self.quantiles = quantiles
            self.mean = mean
            self.counts = counts
        }

        /// The quantiles this table shows.
        package static let levels: [Double] = [0, 0.25, 0.5, 0.75, 0.9, 1]

        init(times: [Int64]) {
            converters = times.count
            quantiles = Quantiles.continuous(times, Self.levels)
            mean = converters == 0 ? nil : Double(times.reduce(0, { $0 + Double($1) })) / Double(converters)
            counts = Array(repeating: 0, count: buckets.count)
            for t in times {
                // The last bucket whose lower edge is at or below t (times are never negative).
                let k = buckets.lastIndex { $0.lower <= t } ?? 0
                counts[k] += 1
            }
        }
    }

    /// The two tables from each group's summary, found here or by another engine.
    package static func results(_ plan: FunnelPlan, summaries: [(key: [Cell], summary: Summary)]) -> [QueryResult] {
        let funnel = plan.funnel
        let last = plan.shape.stepCount - 1
        let keys = funnel.breakdown.map { ColumnInfo($0.description) }
        var statistics: [[Cell]] = []
        var histogram: [[Cell]] = []
        for (key, summary) in summaries {
            let converters = summary.converters
            let counts = summary.counts
            statistics.append(key + [.int(Int64(converters))] + summary.quantiles.map { $0.map { .duration($0) } ?? .null }
                              + [summary.mean.map { .duration($0) } ?? .null])
            for (k, bucket) in buckets.enumerated() {
                histogram.append(key + [.text(bucket.label), .int(Int64(counts[k])),
                                              converters > 0 ? .percent(100 * Double(counts[k]) / Double(converters)) : .null])
            }
        }
        let title = "time to convert: " + funnel.text
        var notes = ["converters: customers whose chain reaches step \(last + 1) '\(funnel.steps[last].label)';"
                     + " time: from their first step to it"]
        if funnel.breakdown.contains(where: \.readsFirstStep) {
            notes.append("breakdown fields are read from each customer's first step")
        }
        return [
            // A narrow table keeps the median and the p90 longest; all but `converters` are durations.
            QueryResult(title: title, columns: keys + [ColumnInfo("converters", type: .integer)]
                        + [("min", 4), ("p25", 3), ("median", 1), ("p75", 3), ("p90", 2), ("max", 4), ("mean", 5)].map {
                            ColumnInfo($0.0, type: .duration, priority: $0.1)
                        },
                        rows: statistics, notes: notes),
            QueryResult(title: "histogram",
                        columns: keys + [ColumnInfo("time_to_convert", type: .text, label: "time to convert"),
                                         ColumnInfo("customers", type: .integer),
                                         ColumnInfo("pct", type: .percent, label: "%", priority: 1)],
                        rows: histogram, barColumn: keys.isEmpty ? keys.count + 1 : nil),
        ]
    }
}
