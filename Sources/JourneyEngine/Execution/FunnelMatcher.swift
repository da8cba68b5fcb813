// The funnel matcher: one customer's events in, the deepest level any start reaches out.
// Pure Swift over columns (times, step masks); it knows nothing of SQLite.
import JourneyStore

/// The chain the matcher keeps for one customer.
package struct CustomerMatch: Sendable, Equatable {
    /// How many steps the best start reached (0 when no event matches step 1).
    package var level: Int = 0
    /// Event index per reached step, from the earliest start that reaches `level`.
    package var positions: [Int] = []

    /// No match yet: what a caller hands to a matcher's `match(...into:)` and reuses for every customer.
    package init() {}

    init(level: Int, positions: [Int]) {
        self.level = level
        self.positions = positions
    }

    /// Sets the match to `level` steps at `chain[0..<level]`, in place: `positions` keeps its storage and is resized
    /// only when the level changes (once per customer, where clearing and appending took two generic calls).
    @inline(__always)
    mutating func set(level: Int, chain: UnsafeMutableBufferPointer<Int>) {
        self.level = level
        let count = positions.count
        if count > level {
            positions.removeLast(count - level)
        } else if count < level {
            positions.append(contentsOf: repeatElement(0, count: level - count))
        }
        positions.withUnsafeMutableBufferPointer { p in
            for k in 0..<level { p[k] = chain[k] }
        }
    }
}

/// Matches "deepest level over all starts" exactly (grammar/SEMANTICS.md, section Funnels):
/// every event matching step 1 is a start; from a start, step k is the earliest event after step k-1's
/// event (in (time, import order) order) that matches step k and lies within the window of the start.
///
/// For starts s < s', the chain of s' never fills a step earlier than the chain of s does, so one forward
/// pointer per step serves every start: the whole customer costs O(events × steps). Every 4,096 events it asks
/// whether the query was cancelled: in between it tries at most 4,096 starts of m steps each, besides pointer moves
/// that add up to m · n over the whole customer.
package struct FunnelMatcher: Sendable {
    package let stepCount: Int
    /// Milliseconds; nil means no window.
    package let window: Int64?
    /// Where a start may lie (DURING, SINCE, BEFORE, LAST); nil for anywhere.
    package let startBounds: TimeBounds?
    private var pointers: [Int]
    private var chain: [Int]
    private var bestChain: [Int]

    package init(stepCount: Int, window: Int64?, startBounds: TimeBounds? = nil) {
        precondition(stepCount >= 1 && stepCount <= 64)
        self.stepCount = stepCount
        self.window = window
        self.startBounds = startBounds
        self.pointers = Array(repeating: 0, count: stepCount)
        self.chain = Array(repeating: 0, count: stepCount)
        self.bestChain = Array(repeating: 0, count: stepCount)
    }

    /// Matches one customer, never cancelled.
    package mutating func match(_ events: CustomerEvents) -> CustomerMatch {
        var best = CustomerMatch()
        events.times.withUnsafeBufferPointer { times in
            events.masks.withUnsafeBufferPointer { masks in
                _ = run(times: times, masks: masks, into: &best, isCancelled: { false })
            }
        }
        return best
    }

    /// Matches one customer's columns into `best` (reused to avoid allocation per customer); throws
    /// `StoreError.cancelled` when `isCancelled` says so.
    package mutating func match(times: [Int64], masks: [UInt64], into best: inout CustomerMatch,
                               isCancelled: () -> Bool = { false }) throws {
        try times.withUnsafeBufferPointer { times in
            try masks.withUnsafeBufferPointer { masks in
                try match(times: times, masks: masks, into: &best, isCancelled: isCancelled)
            }
        }
    }

    /// The same over raw columns (the columnar scan hands them over without building arrays).
    package mutating func match(times: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt64>,
                               into best: inout CustomerMatch, isCancelled: () -> Bool = { false }) throws {
        guard run(times: times, masks: masks, into: &best, isCancelled: isCancelled) else { throw StoreError.cancelled }
    }

    /// False when cancelled.
    private mutating func run(times: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt64>,
                              into best: inout CustomerMatch, isCancelled: () -> Bool) -> Bool {
        let stepCount = stepCount
        return pointers.withUnsafeMutableBufferPointer { pointers in
            chain.withUnsafeMutableBufferPointer { chain in
                bestChain.withUnsafeMutableBufferPointer { bestChain in
                    var level = 0
                    let finished = Self.match(times: times, masks: masks, stepCount: stepCount, window: window,
                                              startBounds: startBounds, pointers: pointers, chain: chain,
                                              bestChain: bestChain, bestLevel: &level, isCancelled: isCancelled)
                    best.set(level: level, chain: bestChain)
                    return finished
                }
            }
        }
    }

    private static func match(times: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt64>, stepCount: Int,
                              window: Int64?, startBounds: TimeBounds?, pointers: UnsafeMutableBufferPointer<Int>,
                              chain: UnsafeMutableBufferPointer<Int>, bestChain: UnsafeMutableBufferPointer<Int>,
                              bestLevel: inout Int, isCancelled: () -> Bool) -> Bool {
        let count = times.count
        for k in 0..<stepCount { pointers[k] = 0 }
        let limit = window ?? Int64.max
        var start = 0
        while start < count {
            if start & 4095 == 4095, isCancelled() { return false }
            if masks[start] & 1 == 0 { start += 1; continue }
            // Skipping a start keeps the pointers valid: later starts never fill a step earlier.
            if let bounds = startBounds, !bounds.contains(times[start]) { start += 1; continue }
            chain[0] = start
            var level = 1
            var exhausted = false
            while level < stepCount {
                let bit = UInt64(1) << UInt64(level)
                var j = max(pointers[level], chain[level - 1] + 1)
                while j < count, masks[j] & bit == 0 { j += 1 }
                pointers[level] = j
                if j == count { exhausted = true; break }
                // Times never decrease along the order, so a step past the window ends the chain.
                if times[j] &- times[start] > limit { break }
                chain[level] = j
                level += 1
            }
            if level > bestLevel {
                bestLevel = level
                for k in 0..<level { bestChain[k] = chain[k] }
                if level == stepCount { return true }
            }
            // No later start can find step `level` either once the events ran out, so none can go deeper.
            if exhausted, level <= bestLevel { return true }
            start += 1
        }
        return true
    }
}
