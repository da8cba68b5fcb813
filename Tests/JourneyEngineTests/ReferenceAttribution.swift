// The slow reference for ATTRIBUTE: grammar/SEMANTICS.md's section "Attribution" read literally, per customer and
// per conversion, with no engine code. The Markov removal effect is found by another method than the engine's:
// the conversion probability is iterated (x ← Q x + r from x = 0) to its fixed point, and removal sets a state's x to
// zero, instead of an elimination.
import Foundation
import JourneyEngine
import JourneyStore

extension Reference {
    struct AttributionWant {
        /// All counted conversions' units (100 per conversion, or the value in hundredths), and those without a touch.
        var total: Int64 = 0
        var untouched: Int64 = 0
        var conversions = 0
        /// Per model, each credited value's raw credit in units.
        var credits: [[String: Double]]
    }

    static func attributionLabel(_ field: EventField, _ event: RawEvent) -> String? {
        switch field {
        case .stage: return event.stage
        case .touchpoint: return event.touchpoint
        case .channel: return event.channel
        case .property(let name):
            switch event.properties[name] {
            case .text(let s)?: return s
            case .number(let d)?: return d == d.rounded() ? String(Int64(d)) : "\(d)"
            case nil: return nil
            }
        default: return nil
        }
    }

    static func attribution(_ a: CheckedAttribution, events: [RawEvent],
                            customers: [String: [String: PropertyValue]]) -> AttributionWant {
        var want = AttributionWant(credits: Array(repeating: [:], count: a.models.count))
        var paths: [(states: [String], converted: Bool)] = []
        let bounds = a.journey.startBounds
        for (_, all) in Dictionary(grouping: events, by: \.customer) {
            let admitted = all.filter { evaluate(a.journey.filter, on: $0, customers: customers) == true }
                .sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
            let isConversion = admitted.map { evaluate(a.journey.steps[0].condition, on: $0, customers: customers) == true }
            var touches: [(time: Int64, label: String)] = []
            var converted = false
            for (i, event) in admitted.enumerated() {
                if !isConversion[i] {
                    if let label = attributionLabel(a.credit, event) { touches.append((event.time, label)) }
                    continue
                }
                if let bounds, !bounds.contains(event.time) { continue }
                converted = true
                want.conversions += 1
                var amount: Int64 = 100
                if let value = a.value {
                    if case .number(let d)? = event.properties[value] { amount = Int64((d * 100).rounded()) } else { amount = 0 }
                }
                want.total += amount
                let mine = touches.filter { event.time - $0.time <= a.lookback }
                if mine.isEmpty {
                    want.untouched += amount
                    continue
                }
                let n = mine.count
                for (m, model) in a.models.enumerated() {
                    var weights = Array(repeating: 0.0, count: n)
                    switch model {
                    case .firstTouch: weights[0] = 1
                    case .lastTouch: weights[n - 1] = 1
                    case .linear: weights = weights.map { _ in 1 / Double(n) }
                    case .position:
                        if n <= 2 {
                            weights = weights.map { _ in 1 / Double(n) }
                        } else {
                            weights = weights.map { _ in 0.2 / Double(n - 2) }
                            weights[0] = 0.4
                            weights[n - 1] = 0.4
                        }
                    case .timeDecay:
                        weights = mine.map { pow(2, -Double(event.time - $0.time) / Double(a.halfLife)) }
                        let sum = weights.reduce(0, +)
                        weights = weights.map { $0 / sum }
                    case .markov: continue
                    }
                    for (j, t) in mine.enumerated() { want.credits[m][t.label, default: 0] += Double(amount) * weights[j] }
                }
                paths.append((mine.map(\.label), true))
            }
            if !converted, let last = touches.lastIndex(where: { bounds?.contains($0.time) ?? true }) {
                let path = touches[...last].filter { touches[last].time - $0.time <= a.lookback }.map(\.label)
                paths.append((path, false))
            }
        }
        if let m = a.models.firstIndex(of: .markov) {
            let touched = Double(want.total - want.untouched)
            let effects = markovRemovalEffects(paths)
            let sum = effects.values.reduce(0, +)
            if sum > 0 { want.credits[m] = effects.mapValues { touched * $0 / sum } }
        }
        return want
    }

    /// Removal effects by iterating the conversion probability to its fixed point.
    static func markovRemovalEffects(_ paths: [(states: [String], converted: Bool)]) -> [String: Double] {
        // Transition counts: "" is the start; "+" conversion, "-" null.
        var counts: [String: [String: Double]] = [:]
        for path in paths {
            let walk = [""] + path.states + [path.converted ? "+" : "-"]
            for (from, to) in zip(walk, walk.dropFirst()) { counts[from, default: [:]][to, default: 0] += 1 }
        }
        let states = Array(counts.keys)
        func probability(removing removed: String?) -> Double {
            var x: [String: Double] = [:]
            for _ in 0..<200_000 {
                var change = 0.0
                for s in states where s != removed {
                    let out = counts[s]!.values.reduce(0, +)
                    var v = 0.0
                    for (to, c) in counts[s]! {
                        if to == "+" { v += c / out } else if to != "-", to != removed { v += c / out * (x[to] ?? 0) }
                    }
                    change = max(change, abs(v - (x[s] ?? 0)))
                    x[s] = v
                }
                if change < 1e-15 { break }
            }
            return x[""] ?? 0
        }
        let base = probability(removing: nil)
        var effects: [String: Double] = [:]
        guard base > 0 else { return effects }
        for s in states where s != "" { effects[s] = max(0, 1 - probability(removing: s) / base) }
        return effects
    }
}
