// COMPARE: a journey's groups (BY) or two periods (PREVIOUS) side by side — per step and group the rate with a
// Wilson interval, against a reference group the difference with Newcombe's interval and a pooled z test, and per
// step a chi-square test over all groups. The counts are the funnel's (FunnelAggregation); only the shaping is here.
import JourneyStore

/// What a comparison needs besides the journey's plan: the statement's options and, for PREVIOUS, the plan of
/// the same journey over the previous period.
package struct CompareSpec: Sendable, Hashable {
    package let compare: CheckedCompare
    /// COMPARE PREVIOUS: the journey with the previous period's start range.
    package let previous: FunnelPlan?

    package init(_ compare: CheckedCompare, previous: FunnelPlan?) {
        self.compare = compare
        self.previous = previous
    }

    // A plan is not hashable; it is made from `compare`, which is.
    package static func == (a: CompareSpec, b: CompareSpec) -> Bool { a.compare == b.compare }
    package func hash(into hasher: inout Hasher) { hasher.combine(compare) }
}

package enum GroupComparison {
    /// The groups as a comparison shapes them: key cells and per-step customers.
    package struct Group: Sendable {
        package var key: [Cell]
        package var customers: [Int]
        package var inProgress: Int
    }

    /// The verdict on a difference: its direction when the test's p is below α, else not significant (also when
    /// there is nothing to test: both groups all alike). NULL when there is no difference (an empty group).
    static func verdict(p: Double?, difference: Double?, alpha: Double) -> Cell {
        guard let difference else { return .null }
        guard let p, p < alpha else { return .text("not significant") }
        return .text(difference > 0 ? "higher" : "lower")
    }

    /// The comparison table and the chi-square table. `keyNames` are the group key columns; `reference` is the index
    /// of the group the others are compared with.
    package static func results(_ spec: CompareSpec, stepLabels: [String], keyNames: [String], groups: [Group],
                               reference: Int) -> [QueryResult] {
        let compare = spec.compare
        let z = ProportionStatistics.criticalZ(confidence: compare.confidence)
        let alpha = Double(100 - compare.confidence) / 100
        var columns = [ColumnInfo("step", type: .integer), ColumnInfo("name", type: .text)]
        columns += keyNames.map { ColumnInfo($0) }
        columns += [ColumnInfo("customers", type: .integer),
                    ColumnInfo("rate", type: .percent, label: "% first"),
                    ColumnInfo("rate_low", type: .percent, label: "low", priority: 2),
                    ColumnInfo("rate_high", type: .percent, label: "high", priority: 2),
                    ColumnInfo("step_rate", type: .percent, label: "% prev", priority: 5),
                    ColumnInfo("step_rate_low", type: .percent, label: "low", priority: 7),
                    ColumnInfo("step_rate_high", type: .percent, label: "high", priority: 7),
                    ColumnInfo("diff_pp", type: .number, label: "diff pp", priority: 1),
                    ColumnInfo("diff_low", type: .number, label: "low", priority: 3),
                    ColumnInfo("diff_high", type: .number, label: "high", priority: 3),
                    ColumnInfo("p_value", type: .number, label: "p", priority: 4),
                    ColumnInfo("verdict", type: .text)]
        func percent(_ x: Double?) -> Cell { x.map { .percent(100 * $0) } ?? .null }
        func points(_ x: Double?) -> Cell { x.map { .number(100 * $0) } ?? .null }
        let base = groups[reference]
        var rows: [[Cell]] = []
        var chiRows: [[Cell]] = []
        for (k, label) in stepLabels.enumerated() {
            for (g, group) in groups.enumerated() {
                let n = group.customers[0], x = group.customers[k]
                var row: [Cell] = [.int(Int64(k + 1)), .text(label)] + group.key + [.int(Int64(x))]
                if k == 0 {
                    // Step 1 is 100% of itself: nothing to estimate or compare.
                    row += [n > 0 ? .percent(100) : .null] + Array(repeating: Cell.null, count: 9)
                    row.append(g == reference ? .text("reference") : .null)
                    rows.append(row)
                    continue
                }
                let previous = group.customers[k - 1]
                let rate = ProportionStatistics.wilson(x, of: n, z: z)
                let stepRate = ProportionStatistics.wilson(x, of: previous, z: z)
                row += [n > 0 ? .percent(100 * Double(x) / Double(n)) : .null, percent(rate?.low), percent(rate?.high),
                        previous > 0 ? .percent(100 * Double(x) / Double(previous)) : .null,
                        percent(stepRate?.low), percent(stepRate?.high)]
                if g == reference {
                    row += Array(repeating: Cell.null, count: 4) + [.text("reference")]
                } else {
                    let n0 = base.customers[0], x0 = base.customers[k]
                    let interval = ProportionStatistics.newcombe(x, of: n, x0, of: n0, z: z)
                    let p = ProportionStatistics.twoProportionZ(x, of: n, x0, of: n0).map { ProportionStatistics.twoSidedP(z: $0) }
                    let difference = n > 0 && n0 > 0 ? Double(x) / Double(n) - Double(x0) / Double(n0) : nil
                    row += [points(difference), points(interval?.low), points(interval?.high), p.map { .number($0) } ?? .null]
                    row.append(verdict(p: p, difference: difference, alpha: alpha))
                }
                rows.append(row)
            }
            guard k > 0 else { continue }
            let test = ProportionStatistics.chiSquare(reached: groups.map { $0.customers[k] }, of: groups.map { $0.customers[0] })
            let p = test.map { ProportionStatistics.chiSquareSurvival($0.statistic, df: $0.df) }
            chiRows.append([.int(Int64(k + 1)), .text(label), .int(Int64(groups.filter { $0.customers[0] > 0 }.count)),
                            test.map { .number($0.statistic) } ?? .null, test.map { .int(Int64($0.df)) } ?? .null,
                            p.map { .number($0) } ?? .null,
                            p.map { .text($0 < alpha ? "groups differ" : "not significant") } ?? .null])
        }
        let referenceText = base.key.map { CSVRenderer.text(of: $0) }.joined(separator: ", ")
        var notes = ["rates with \(compare.confidence)% Wilson intervals; differences against \(keyNames.joined(separator: ", ")) = \(referenceText) in percentage points, with Newcombe's hybrid score interval; p from the pooled two-proportion z test (two-sided); verdict at p < \(CellFormatting.exactNumber(alpha))"]
        let inProgress = groups.reduce(0) { $0 + $1.inProgress }
        if inProgress > 0 {
            notes.append("\(inProgress) customer\(inProgress == 1 ? " is" : "s are") in progress (window still open): counted at the step they have reached, as the funnel counts them")
        }
        if compare.periods, let bounds = spec.previous?.funnel.startBounds, let lower = bounds.lower, let upper = bounds.upper {
            notes.append("previous: starts from \(CellFormatting.isoTime(milliseconds: lower)) to before \(CellFormatting.isoTime(milliseconds: upper))")
        }
        let table = QueryResult(kind: .table, title: compare.text, columns: columns, rows: rows, notes: notes)
        let chi = QueryResult(kind: .table, title: "chi-square test of independence per step (groups x reached)",
                              columns: [ColumnInfo("step", type: .integer), ColumnInfo("name", type: .text),
                                        ColumnInfo("groups", type: .integer), ColumnInfo("chi_square", type: .number),
                                        ColumnInfo("df", type: .integer), ColumnInfo("p_value", type: .number),
                                        ColumnInfo("verdict", type: .text)],
                              rows: chiRows,
                              notes: ["Pearson's chi-square over the groups with customers at step 1, without continuity correction; df = groups - 1"])
        return [table, chi]
    }
}

extension Executor {
    /// COMPARE: the journey's groups (or its two periods) counted as the funnel counts them, then compared.
    func compareResults(_ plan: FunnelPlan, _ spec: CompareSpec, source eventSource: EventSource) throws -> [QueryResult] {
        var scanned = (0, 0)
        var results = try GroupComparison.results(plan, spec, source: source) { journey, isCurrent in
            guard isCurrent else {
                let resolved = try resolvingCustomerSets(journey)
                return try funnelGroups(resolved, source: try choose(for: resolved.request).source)
            }
            let groups = try funnelGroups(journey, source: eventSource)
            scanned = (groups.first?.totals.customersScanned ?? 0, groups.first?.totals.eventsScanned ?? 0)
            return groups
        }
        results[0].notes.append("\(scanned.0) customers, \(scanned.1) events read")
        return results
    }
}

extension GroupComparison {
    /// COMPARE from the funnel groups `groupsOf` counts (its flag: the current journey, not the previous period's),
    /// for any engine. Fewer than two groups, or an AGAINST group that is not there, is an error drawn in `source`.
    package static func results(_ plan: FunnelPlan, _ spec: CompareSpec, source: SourceText,
                                groupsOf: (FunnelPlan, Bool) throws -> [FunnelTable.Group]) throws -> [QueryResult] {
        let compare = spec.compare
        var groups: [GroupComparison.Group] = []
        var keyNames = plan.funnel.breakdown.map(\.description)
        func group(_ key: [Cell], _ totals: FunnelTotals) -> GroupComparison.Group {
            GroupComparison.Group(key: key, customers: totals.customers, inProgress: totals.inProgress.reduce(0, +))
        }
        if let previousPlan = spec.previous {
            let before = try groupsOf(previousPlan, false)
            let now = try groupsOf(plan, true)
            // Without BY each has its one group (none under LIMIT 0); previous first: periods in time order.
            keyNames = ["period"]
            groups = before.map { group([.text("previous")], $0.totals) } + now.map { group([.text("current")], $0.totals) }
        } else {
            groups = try groupsOf(plan, true).map { group($0.key, $0.totals) }
        }
        guard groups.count >= 2 else {
            let names = groups.map { $0.key.map { CSVRenderer.text(of: $0) }.joined(separator: ", ") }
            let listed = names.isEmpty ? "" : " (\(keyNames.joined(separator: ", ")) = \(names[0]))"
            throw RunFailure(.error(.checkCompareGroups,
                                    "COMPARE needs two or more groups; this journey has \(groups.count) group\(groups.count == 1 ? "" : "s")\(listed)",
                                    at: compare.keywordRange,
                                    notes: ["a comparison needs at least two groups: BY a key with more values, widen WHERE or FOR, or raise LIMIT"]),
                             in: source)
        }
        var reference = 0
        if let against = compare.against {
            guard let found = groups.firstIndex(where: { g in
                zip(g.key, against).allSatisfy { Expectation.keyMatches($0, $1) }
            }) else {
                let names = groups.map { "(" + $0.key.map { CSVRenderer.text(of: $0) }.joined(separator: ", ") + ")" }
                throw RunFailure(.error(.checkCompareAgainst, "no group of this comparison is \(compare.against!.map { $0?.description ?? "NULL" }.joined(separator: ", "))",
                                        at: compare.againstRange ?? compare.keywordRange,
                                        notes: ["its groups: " + names.prefix(20).joined(separator: " ")]), in: source)
            }
            reference = found
        }
        return GroupComparison.results(spec, stepLabels: plan.stepLabels, keyNames: keyNames, groups: groups,
                                       reference: reference)
    }
}
