// The library is one import for embedders: the store's types (EventStore, ImportOptions, ...) come along.
@_exported import JourneyStore

extension ImportReport {
    /// One line for people: `imported 1,234 events from 1 file in 0.8 s (1,520 rows/s)`.
    public func summary(noun: String) -> String {
        let fileWord = files.count == 1 ? "file" : "files"
        var line = "imported \(groupDigits(imported)) \(noun) from \(files.count) \(fileWord) in \(formatFixed(seconds, 2)) s"
        if seconds > 0 { line += " (\(groupDigits(Int(rowsPerSecond))) rows/s)" }
        if !skipped.isEmpty { line += "; skipped \(skipped.count) bad row\(skipped.count == 1 ? "" : "s")" }
        return line
    }
}

/// 1234567 → "1,234,567".
public func groupDigits(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return n < 0 ? "-" + out : out
}

/// A number with a fixed count of decimals, without Foundation.
public func formatFixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return String(value) }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int64(scaled / scale)
    var out = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let fraction = String(Int64(scaled) - whole * Int64(scale))
        out += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
    return out
}
