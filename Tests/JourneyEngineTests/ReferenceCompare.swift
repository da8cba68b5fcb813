// COMPARE by brute force: the group counts come from the reference evaluator's funnel table (ReferenceJourney.swift);
// every statistic is computed here from its own formula, written differently from the engine's
// (ProportionStatistics.swift): the normal quantile by bisection, the Wilson interval as the roots of its quadratic,
// the chi-square of a groups x 2 table by the k-sample shortcut, and its survival function in closed form for
// whole degrees of freedom. Nothing here calls engine code.
import Foundation
import JourneyEngine
import JourneyStore

enum ReferenceCompare {
    /// One group of a reference funnel table: its key cells and per-step customers.
    struct Group {
        var key: [Cell]
        var customers: [Int]
    }

    /// The groups of a reference funnel table (`Reference.journey`), whose rows are keys + step, name, customers, ...
    static func groups(_ table: QueryResult, keyCount: Int, stepCount: Int) -> [Group] {
        stride(from: 0, to: table.rows.count, by: stepCount).map { start in
            let rows = table.rows[start..<start + stepCount]
            return Group(key: Array(rows.first!.prefix(keyCount)), customers: rows.map { row -> Int in
                if case .int(let n) = row[keyCount + 2] { return Int(n) }
                return -1
            })
        }
    }

    /// A checked comparison's groups by brute force: the BY groups of its journey, or the reference's funnel over
    /// both periods (the previous one as `CheckedCompare.previousFunnel` gives it; CompareTests checks that range).
    static func groups(of compare: CheckedCompare, events: [RawEvent], customers: [String: [String: PropertyValue]]) -> [Group] {
        let m = compare.funnel.steps.count
        let now = groups(Reference.journey(compare.funnel, events: events, customers: customers),
                         keyCount: compare.funnel.breakdown.count, stepCount: m)
        guard let previous = compare.previousFunnel else { return now }
        let before = groups(Reference.journey(previous, events: events, customers: customers), keyCount: 0, stepCount: m)
        return before.map { Group(key: [.text("previous")], customers: $0.customers) }
            + now.map { Group(key: [.text("current")], customers: $0.customers) }
    }

    /// The group AGAINST names (text values and NULL, as the samples write them), else the first.
    static func index(of against: [ExpectedValue?]?, in groups: [Group]) -> Int {
        guard let against else { return 0 }
        let cells: [Cell] = against.map { value in
            if case .text(let t)? = value { return .text(t) }
            return .null
        }
        return groups.firstIndex { $0.key == cells } ?? 0
    }

    /// Φ(x) = erfc(−x/√2)/2, and its inverse by bisection to the last bit.
    static func phi(_ x: Double) -> Double { erfc(-x / 2.0.squareRoot()) / 2 }

    static func quantile(_ p: Double) -> Double {
        var lo = -40.0, hi = 40.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if phi(mid) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// The Wilson interval as the two roots in p of (x/n − p)² = z²·p(1 − p)/n:
    /// (n + z²)p² − (2x + z²)p + x²/n = 0.
    static func wilson(_ x: Int, _ n: Int, z: Double) -> (Double, Double)? {
        guard n > 0 else { return nil }
        let a = Double(n) + z * z, b = 2 * Double(x) + z * z, c = Double(x) * Double(x) / Double(n)
        let root = max(0, b * b - 4 * a * c).squareRoot()
        var low = (b - root) / (2 * a), high = (b + root) / (2 * a)
        if x == 0 { low = 0 }
        if x == n { high = 1 }
        return (low, high)
    }

    /// P(χ²_df ≥ x) in closed form: even df, e^(−x/2) Σ_{i<df/2} (x/2)^i / i!; odd df, 2(1 − Φ(√x)) plus
    /// 2φ(√x) Σ_{i=1}^{(df−1)/2} x^((2i−1)/2) / (1·3···(2i−1)).
    static func chiSquareSurvival(_ x: Double, df: Int) -> Double {
        if df % 2 == 0 {
            var term = 1.0, sum = 1.0
            for i in 1..<max(1, df / 2) {
                term *= (x / 2) / Double(i)
                sum += term
            }
            return exp(-x / 2) * sum
        }
        let s = x.squareRoot()
        var sum = 0.0, term = 1.0
        if df >= 3 {
            term = s
            sum = term
            for i in stride(from: 3, through: df - 2, by: 2) {
                term *= x / Double(i)
                sum += term
            }
        }
        let density = exp(-x / 2) / (2 * Double.pi).squareRoot()
        return erfc(s / 2.0.squareRoot()) + 2 * density * sum
    }

    /// The comparison table and the chi-square table, as SEMANTICS.md ("Comparisons") defines them.
    static func tables(groups: [Group], labels: [String], confidence: Int, reference: Int) -> ([[Cell]], [[Cell]]) {
        let z = quantile(1 - Double(100 - confidence) / 200)
        let alpha = Double(100 - confidence) / 100
        var rows: [[Cell]] = [], chi: [[Cell]] = []
        let base = groups[reference]
        for k in labels.indices {
            for (g, group) in groups.enumerated() {
                let n = group.customers[0], x = group.customers[k]
                var row: [Cell] = [.int(Int64(k + 1)), .text(labels[k])] + group.key + [.int(Int64(x))]
                if k == 0 {
                    row.append(n > 0 ? .percent(100) : .null)
                    row += Array(repeating: .null, count: 9)
                    row.append(g == reference ? .text("reference") : .null)
                    rows.append(row)
                    continue
                }
                let prev = group.customers[k - 1]
                let w = wilson(x, n, z: z), s = wilson(x, prev, z: z)
                row.append(n > 0 ? .percent(100 * Double(x) / Double(n)) : .null)
                row += [w.map { .percent(100 * $0.0) } ?? .null, w.map { .percent(100 * $0.1) } ?? .null]
                row.append(prev > 0 ? .percent(100 * Double(x) / Double(prev)) : .null)
                row += [s.map { .percent(100 * $0.0) } ?? .null, s.map { .percent(100 * $0.1) } ?? .null]
                if g == reference {
                    row += [.null, .null, .null, .null, .text("reference")]
                    rows.append(row)
                    continue
                }
                let n0 = base.customers[0], x0 = base.customers[k]
                guard n > 0, n0 > 0, let (l1, u1) = w, let (l2, u2) = wilson(x0, n0, z: z) else {
                    row += [.null, .null, .null, .null, .null]
                    rows.append(row)
                    continue
                }
                let p1 = Double(x) / Double(n), p2 = Double(x0) / Double(n0), d = p1 - p2
                row.append(.number(100 * d))
                row.append(.number(100 * (d - ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)).squareRoot())))
                row.append(.number(100 * (d + ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)).squareRoot())))
                // The pooled z test of a 2x2 table is the square root of its chi-square with one degree of freedom.
                let pooled = Double(x + x0) / Double(n + n0)
                var p: Double?
                if pooled > 0, pooled < 1 {
                    let zz = d * d / (pooled * (1 - pooled) * (1 / Double(n) + 1 / Double(n0)))
                    p = chiSquareSurvival(zz, df: 1)
                }
                row.append(p.map { .number($0) } ?? .null)
                row.append(.text(p.map { $0 < alpha } == true ? (d > 0 ? "higher" : "lower") : "not significant"))
                rows.append(row)
            }
            guard k > 0 else { continue }
            let present = groups.filter { $0.customers[0] > 0 }
            let total = present.reduce(0) { $0 + $1.customers[0] }, yes = present.reduce(0) { $0 + $1.customers[k] }
            var cells: [Cell] = [.int(Int64(k + 1)), .text(labels[k]), .int(Int64(present.count))]
            if present.count >= 2, yes > 0, yes < total {
                let share = Double(yes) / Double(total)
                let statistic = present.reduce(0.0) { sum, g in
                    let e = Double(g.customers[0]) * share
                    return sum + (Double(g.customers[k]) - e) * (Double(g.customers[k]) - e) / (e * (1 - share))
                }
                let p = chiSquareSurvival(statistic, df: present.count - 1)
                cells += [.number(statistic), .int(Int64(present.count - 1)), .number(p),
                          .text(p < alpha ? "groups differ" : "not significant")]
            } else {
                cells += [.null, .null, .null, .null]
            }
            chi.append(cells)
        }
        return (rows, chi)
    }
}
