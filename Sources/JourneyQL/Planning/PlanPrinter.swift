// EXPLAIN: the checked query and its plan as lines of text.
import JourneyStore

public enum PlanPrinter {
    public static func lines(_ plan: FunnelPlan, source: EventSource) throws -> [String] {
        var out: [String] = []
        out.append("journey: \(plan.funnel.text)")
        for (k, step) in plan.funnel.steps.enumerated() {
            out.append("  step \(k + 1) '\(step.label)': \(step.condition)  -> mask bit \(k)")
        }
        out.append("filter (WHERE): \(plan.funnel.filter)")
        if let w = plan.window {
            out.append("window: \(formatDuration(w)) from the first step (inclusive)")
        } else {
            out.append("window: none")
        }
        let explanation = try source.explain(plan.request)
        out.append("read (SQLite scan, events in customer, time, import order):")
        out.append("  " + explanation.sql)
        if !explanation.bindings.isEmpty {
            out.append("  bindings: " + explanation.bindings.joined(separator: ", "))
        }
        for line in explanation.plan { out.append("  plan: " + line) }
        out.append("match: per customer, every step-1 event is a start; each next step is the earliest later event")
        out.append("       within the window; deepest level over all starts, times from the earliest such start")
        out.append("       (one forward pointer per step: O(events x steps) per customer)")
        return out
    }

    /// A duration for people: `30d`, `2h 30m`, `45s`.
    public static func formatDuration(_ ms: Int64) -> String {
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

    static func seconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        let millis = s * 1000 + atto / 1_000_000_000_000_000
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}
