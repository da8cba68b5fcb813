// The sum of real values rounded once, whatever their order: Shewchuk's exact partials with the final rounding of
// Python's math.fsum. VALUE's totals use it, so two engines that add the same values in different orders (the
// SQLite engine's partitions, PostgreSQL's aggregate) give the same double, the one nearest the exact sum.
// PostgreSQL's `journeyql.fsum` aggregate (Sources/JourneyPostgres/SQL/MatcherFunctions.swift) is the same code.
package struct ExactSum: Sendable {
    /// Non-overlapping partials in increasing magnitude; their exact sum is the sum of the values added.
    private(set) var partials: [Double] = []
    /// Whether any value was added (a sum over none is NULL, as SQL's SUM).
    package private(set) var isEmpty = true

    package init() {}

    package mutating func add(_ value: Double) {
        isEmpty = false
        var x = value
        var kept = 0
        for i in partials.indices {
            var y = partials[i]
            if abs(x) < abs(y) { swap(&x, &y) }
            let hi = x + y
            let lo = y - (hi - x)
            if lo != 0 {
                partials[kept] = lo
                kept += 1
            }
            x = hi
        }
        partials.removeSubrange(kept...)
        partials.append(x)
    }

    /// Adds another sum's values (exactly: its partials are values whose exact sum is its sum).
    package mutating func add(_ other: ExactSum) {
        for p in other.partials { add(p) }
        isEmpty = isEmpty && other.isEmpty
    }

    /// The double nearest the exact sum (ties to even); 0 for none.
    package var value: Double {
        var n = partials.count
        guard n > 0 else { return 0 }
        n -= 1
        var hi = partials[n]
        var lo = 0.0
        while n > 0 {
            let x = hi
            n -= 1
            let y = partials[n]
            hi = x + y
            let yr = hi - x
            lo = y - yr
            if lo != 0 { break }
        }
        // Half-way cases: make the rounding of hi + lo that the partials below would decide.
        if n > 0, (lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0) {
            let y = lo * 2
            let x = hi + y
            let yr = x - hi
            if y == yr { hi = x }
        }
        return hi
    }
}
