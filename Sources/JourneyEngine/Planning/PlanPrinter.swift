// EXPLAIN: the checked query and its plan as lines of text. Pure: what the engine says of its scan is read by the
// executor and handed in.
import JourneyStore

package enum PlanPrinter {
    package static func lines(_ plan: FunnelPlan, engine: EngineChoice, scan explanation: ScanExplanation) -> [String] {
        var out: [String] = []
        out.append("journey: \(plan.funnel.text)")
        for (k, step) in plan.funnel.steps.enumerated() {
            out.append("  step \(k + 1) '\(step.label)': \(step.condition)  -> mask bit \(k)")
        }
        out.append("filter (WHERE): \(plan.funnel.filter)")
        if let set = plan.funnel.customerSet {
            out.append("segment: FOR \(set.name), the customers \(set.customers.pick) of \(set.customers.funnel.text)"
                       + " (found by running that journey first; the scan keeps only them)")
        }
        if let w = plan.window {
            out.append("window: \(formatDuration(w)) from the first step (inclusive)")
        } else {
            out.append("window: none")
        }
        out.append("engine: \(engine.name), because \(engine.reason)")
        if explanation.sql.isEmpty {
            out.append("read (columnar copy, events in customer, time, import order):")
        } else {
            out.append("read (SQLite scan, events in customer, time, import order):")
            out.append("  " + explanation.sql)
        }
        if !explanation.bindings.isEmpty {
            // A behavioural segment's customers are one long binding: show its start.
            out.append("  bindings: " + explanation.bindings.map { $0.count > 200 ? $0.prefix(197) + "..." : $0 }.joined(separator: ", "))
        }
        for line in explanation.plan { out.append("  plan: " + line) }
        for (i, exclusion) in plan.funnel.exclusions.enumerated() {
            out.append("  exclusion '\(exclusion.label)': \(exclusion.condition)  between steps \(exclusion.from + 1) and \(exclusion.to + 1)"
                       + "  -> mask bit \(plan.shape.stepCount + i)")
        }
        if let bounds = plan.shape.startBounds {
            out.append("start: \(bounds.lower.map(TimeParser.format) ?? "-inf") <= first step < \(bounds.upper.map(TimeParser.format) ?? "+inf")")
        }
        if !plan.funnel.breakdown.isEmpty {
            out.append("group by: " + plan.funnel.breakdown.map(\.description).joined(separator: ", ")
                       + (plan.funnel.limit.map { ", the \($0) largest groups" } ?? ""))
        }
        switch plan.matcher {
        case .plain:
            out.append("match: per customer, every step-1 event is a start; each next step is the earliest later event")
            out.append("       within the window; deepest level over all starts, times from the earliest such start")
            out.append("       (one forward pointer per step: O(events x steps) per customer)")
        case .tied, .anyOrder, .general:
            var rules: [String] = []
            if plan.shape.order != .inOrder { rules.append(plan.shape.order.description) }
            if plan.shape.order == .anyOrder { rules[rules.count - 1] += " (bipartite matching of steps to events per start)" }
            if plan.shape.order == .tiesAnyOrder { rules[rules.count - 1] += " (time groups, augmenting-path matching within a group)" }
            if plan.shape.optional.contains(true) { rules.append("optional steps") }
            if plan.shape.gapWindows.contains(where: { $0 != nil }) { rules.append("gap windows") }
            if !plan.shape.exclusions.isEmpty { rules.append("exclusions") }
            if plan.funnel.same != nil { rules.append("SAME") }
            out.append("match: per customer, dynamic programming over (step, event) for " + rules.joined(separator: ", "))
            out.append("       (latest reachable predecessor, earliest extendable successor: O(steps^2 x events) per start)")
        case .eventsOnly:
            out.append("match: none; every admitted event goes to the aggregation")
        }
        return out
    }

    /// A duration for people: `30d`, `2h 30m`, `45s`.
    package static func formatDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms / 1000
        var parts: [String] = []
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        if parts.isEmpty { return "\(ms)ms" }
        return parts.joined(separator: " ")
    }

    package static func seconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        let millis = s * 1000 + atto / 1_000_000_000_000_000
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}
