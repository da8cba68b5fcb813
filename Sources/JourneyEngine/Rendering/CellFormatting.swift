// How a single cell reads: human forms for tables (`2d 3h`, `45.2%`) and exact forms for CSV and JSON.
import JourneyStore

/// Text forms of cell values, shared by all renderers so a value reads the same in every format that shows it.
package enum CellFormatting {
    // MARK: For people

    /// A duration in milliseconds as its two largest units: `2d 3h`, `45m 10s`, `12s`, `350ms`.
    /// The smaller unit is rounded, and dropped when it is zero (`3h`, not `3h 0m`). Zero is `0s`.
    package static func humanDuration(milliseconds ms: Double) -> String {
        guard ms.isFinite else { return ms.isNaN ? "NaN" : (ms > 0 ? "∞" : "-∞") }
        if ms < 0 { return "-" + humanDuration(milliseconds: -ms) }
        let wholeMillis = ms.rounded()
        if wholeMillis == 0 { return "0s" }
        if wholeMillis < 1000 { return "\(Int64(wholeMillis))ms" }
        // Seconds in a day, an hour, a minute, a second.
        let units: [(seconds: Double, suffix: String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        var seconds = ms / 1000
        // Round to the smaller of the two units shown; rounding can carry into a larger unit (59.6s is 1m),
        // so the leading unit is chosen again after rounding.
        for _ in 0..<2 {
            let lead = units.firstIndex { seconds >= $0.seconds } ?? units.count - 1
            let step = units[min(lead + 1, units.count - 1)].seconds
            seconds = (seconds / step).rounded() * step
        }
        let lead = units.firstIndex { seconds >= $0.seconds } ?? units.count - 1
        let big = (seconds / units[lead].seconds).rounded(.down)
        var text = formatInteger(big) + units[lead].suffix
        if lead + 1 < units.count {
            let rest = seconds - big * units[lead].seconds
            let small = (rest / units[lead + 1].seconds).rounded()
            if small > 0 { text += " " + formatInteger(small) + units[lead + 1].suffix }
        }
        return text
    }

    /// A percentage in 0...100 with one decimal: `45.2%`, `100.0%`.
    package static func humanPercent(_ p: Double) -> String {
        guard p.isFinite else { return p.isNaN ? "NaN" : (p > 0 ? "∞" : "-∞") }
        return fixed(p, decimals: 1) + "%"
    }

    /// A number with exactly `decimals` digits after the point, rounded half away from zero.
    package static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "-∞") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        // Beyond 2^63 the fraction is meaningless anyway; fall back to Swift's own spelling.
        guard scaled < 9.0e18 else { return String(value) }
        let units = UInt64(scaled)
        let negative = value < 0 && units != 0
        let divisor = UInt64(scale)
        var text = String(units / divisor)
        if decimals > 0 {
            let fraction = String(units % divisor)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return negative ? "-" + text : text
    }

    /// An integer with thousands separators, for summaries: `123,456`.
    package static func groupedInteger<I: BinaryInteger>(_ n: I) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    // MARK: For programs and for both

    /// An instant as ISO-8601 in UTC: `2024-01-31T10:00:00Z`, with milliseconds only when there are any.
    package static func isoTime(milliseconds: Int64) -> String {
        TimeParser.format(milliseconds)
    }

    /// A number in its shortest exact spelling, never in exponent form when it fits 64 bits: `12`, `0.25`.
    /// `maxDecimals` rounds first (percentages and seconds keep four decimals).
    package static func exactNumber(_ value: Double, maxDecimals: Int? = nil) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity") }
        var v = value
        if let decimals = maxDecimals {
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            let scaled = v * scale
            if abs(scaled) < 9.0e15 { v = scaled.rounded() / scale }
        }
        if v == 0 { return "0" }  // also turns -0 into 0
        if v.rounded() == v, abs(v) < 9.0e18 { return String(Int64(v)) }
        let text = String(v)
        if !text.contains("e") { return text }
        // Small magnitudes print as 1e-05; spell them out with enough digits to round-trip.
        if abs(v) < 1 {
            for decimals in 1...17 {
                let candidate = fixed(v, decimals: decimals)
                if Double(candidate) == v { return trimZeros(candidate) }
            }
        }
        return text
    }

    /// Seconds for a duration given in milliseconds, as CSV and JSON write it.
    package static func seconds(milliseconds ms: Double) -> String {
        exactNumber(ms / 1000, maxDecimals: 4)
    }

    // MARK: Helpers

    private static func trimZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }

    private static func formatInteger(_ d: Double) -> String {
        d < 9.0e18 ? String(Int64(d)) : String(d)
    }
}
