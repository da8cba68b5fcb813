// The statistics of COMPARE, written out from their textbook formulas: the normal quantile, the Wilson score
// interval of a proportion, Newcombe's hybrid score interval of a difference, the pooled two-proportion z test,
// and Pearson's chi-square test of independence with its survival function (the regularized upper incomplete
// gamma function). Tested against table values in CompareTests.
import Foundation

package enum ProportionStatistics {
    /// Φ⁻¹(p), the standard normal quantile, for 0 < p < 1: Acklam's rational approximation (relative error
    /// below 1.2e-9), then one Halley step on Φ(x) = erfc(−x/√2)/2, which brings it to double precision.
    package static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a quantile of a probability strictly between 0 and 1")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// The two-sided critical value z for a confidence level in percent (95 → 1.959964).
    package static func criticalZ(confidence: Int) -> Double {
        normalQuantile(1 - (1 - Double(confidence) / 100) / 2)
    }

    /// The Wilson score interval of x successes in n trials: the p whose score test at level z does not reject,
    /// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). Nil when n is 0.
    package static func wilson(_ x: Int, of n: Int, z: Double) -> (low: Double, high: Double)? {
        guard n > 0 else { return nil }
        let nn = Double(n), p = Double(x) / nn, z2 = z * z
        let denominator = 1 + z2 / nn
        let center = (p + z2 / (2 * nn)) / denominator
        let half = z / denominator * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        // At x = 0 (x = n) the lower (upper) end is exactly 0 (1); clamp the rounding.
        return (x == 0 ? 0 : max(0, center - half), x == n ? 1 : min(1, center + half))
    }

    /// Newcombe's hybrid score interval (his method 10, 1998) of p₁ − p₂ from the two Wilson intervals
    /// (l₁, u₁) and (l₂, u₂): d − √((p₁−l₁)² + (u₂−p₂)²) to d + √((u₁−p₁)² + (p₂−l₂)²). Nil when a group is empty.
    package static func newcombe(_ x1: Int, of n1: Int, _ x2: Int, of n2: Int, z: Double) -> (low: Double, high: Double)? {
        guard let (l1, u1) = wilson(x1, of: n1, z: z), let (l2, u2) = wilson(x2, of: n2, z: z) else { return nil }
        let p1 = Double(x1) / Double(n1), p2 = Double(x2) / Double(n2), d = p1 - p2
        let low = d - ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)).squareRoot()
        let high = d + ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)).squareRoot()
        return (low, high)
    }

    /// The pooled two-proportion z statistic (p̂₁ − p̂₂) / √(p̂(1−p̂)(1/n₁ + 1/n₂)), p̂ = (x₁+x₂)/(n₁+n₂). Nil when a
    /// group is empty or p̂ is 0 or 1 (both groups all alike: no variance to test against).
    package static func twoProportionZ(_ x1: Int, of n1: Int, _ x2: Int, of n2: Int) -> Double? {
        guard n1 > 0, n2 > 0 else { return nil }
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        guard pooled > 0, pooled < 1 else { return nil }
        let se = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        return (Double(x1) / Double(n1) - Double(x2) / Double(n2)) / se
    }

    /// The two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = erfc(|z|/√2).
    package static func twoSidedP(z: Double) -> Double {
        erfc(abs(z) / 2.0.squareRoot())
    }

    /// Pearson's chi-square statistic of the groups × (reached, not reached) table, without continuity correction,
    /// over the groups with anyone in them; degrees of freedom = those groups − 1. Nil with fewer than two such
    /// groups, or when everyone or no one reached (an expected count of zero).
    package static func chiSquare(reached: [Int], of totals: [Int]) -> (statistic: Double, df: Int)? {
        let groups = zip(reached, totals).filter { $0.1 > 0 }
        guard groups.count >= 2 else { return nil }
        let n = Double(groups.reduce(0) { $0 + $1.1 })
        let yes = Double(groups.reduce(0) { $0 + $1.0 })
        let no = n - yes
        guard yes > 0, no > 0 else { return nil }
        var statistic = 0.0
        for (x, total) in groups {
            let t = Double(total)
            let expectedYes = t * yes / n, expectedNo = t * no / n
            statistic += (Double(x) - expectedYes) * (Double(x) - expectedYes) / expectedYes
            statistic += (t - Double(x) - expectedNo) * (t - Double(x) - expectedNo) / expectedNo
        }
        return (statistic, groups.count - 1)
    }

    /// P(X ≥ x) for X chi-square with `df` degrees of freedom: Q(df/2, x/2), the regularized upper incomplete gamma.
    /// One degree of freedom is erfc(√(x/2)) exactly.
    package static func chiSquareSurvival(_ x: Double, df: Int) -> Double {
        guard x > 0 else { return 1 }
        if df == 1 { return erfc((x / 2).squareRoot()) }
        return upperRegularizedGamma(Double(df) / 2, x / 2)
    }

    /// Q(a, x) = Γ(a, x) / Γ(a): the series for P(a, x) when x < a + 1, else the continued fraction for Q by
    /// the modified Lentz method (Numerical Recipes, gser and gcf).
    package static func upperRegularizedGamma(_ a: Double, _ x: Double) -> Double {
        guard x > 0 else { return 1 }
        let logPrefix = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(logPrefix))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return min(1, exp(logPrefix) * h)
    }
}
