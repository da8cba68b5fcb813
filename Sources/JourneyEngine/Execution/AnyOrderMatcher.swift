// The matcher for IN ANY ORDER: steps filled by distinct events in any order, all within the window of the
// journey's earliest event (grammar/SEMANTICS.md, "IN ANY ORDER").
import JourneyStore

/// For each candidate start e (an event that fills some step), the events that may join it are e and those after
/// it in the order within the window. Steps 1..L can be filled by distinct events exactly when a bipartite matching
/// of those steps into the events covers them all; e itself can always take the place of the event on one of its
/// steps, so the start's level is the longest matchable prefix, provided e matches one of its steps.
///
/// The window [e, end(e)] only slides forward as e does, so one `StepPool` follows it: each event enters once
/// and leaves once. The pool keeps a matching of exactly the longest matchable prefix 0..<P:
/// - an event entering can only lengthen it: step P is retried, but only when the event's class has a bit among
///   the steps the last failed search reached (otherwise that search would fail the same way);
/// - an event leaving costs at most its step's unit: that step is re-matched (the others stay matched), and if it
///   cannot be, no matching covers 0..<P any more, so the steps above it are dropped and the prefix is grown again
///   from it, as the greedy "add steps in order while they fit" defines it.
/// Each augmentation is O(m²) plus a scan of the classes, so a customer costs O(n · m · (m² + classes)) at worst and
/// about O(n · m) when windows change little, instead of a matching per start over its whole window.
package struct AnyOrderMatcher: Sendable {
    package let stepCount: Int
    package let window: Int64?
    package let startBounds: TimeBounds?

    private var pool = StepPool()
    /// The pool class of each event's step mask (-1 for an event that fills no step), reused per customer.
    private var classOf: [Int32] = []

    package init(stepCount: Int, window: Int64?, startBounds: TimeBounds?) {
        precondition(stepCount >= 1 && stepCount <= 64)
        self.stepCount = stepCount
        self.window = window
        self.startBounds = startBounds
    }

    private var stepsMask: UInt64 { stepCount == 64 ? ~0 : (UInt64(1) << UInt64(stepCount)) - 1 }

    /// `positions[0]` is the start; `positions[k]` (k ≥ 1) the event at whose time steps 1..k+1 had all been done.
    package mutating func match(times: [Int64], masks: [UInt64], into best: inout CustomerMatch,
                               isCancelled: () -> Bool = { false }) throws {
        best.level = 0
        best.positions.removeAll(keepingCapacity: true)
        let n = times.count
        let stepsMask = stepsMask
        pool.reset()
        if classOf.count < n { classOf = Array(repeating: -1, count: n) }
        var classing = CancellationPoll()
        for i in 0..<n {
            try classing.tick(isCancelled)
            let mask = masks[i] & stepsMask
            classOf[i] = mask == 0 ? -1 : Int32(pool.classIndex(mask))
        }
        let limit = window ?? .max
        var prefix = 0
        // The steps the last failed search for step `prefix` reached; all ones when unknown.
        var reached: UInt64 = ~0
        var end = 0
        var bestStart = -1
        var poll = CancellationPoll()
        for e in 0..<n {
            try poll.tick(isCancelled)
            if e > 0, classOf[e - 1] >= 0, let lost = pool.remove(class: Int(classOf[e - 1])) {
                reached = ~0
                var visited: UInt64 = 0
                if !pool.augment(step: lost, visited: &visited) {
                    // 0..<prefix cannot all be matched now: keep the steps below `lost`, grow again from it.
                    for k in (lost + 1)..<max(lost + 1, prefix) { pool.unassign(step: k) }
                    prefix = lost
                    reached = grow(&prefix)
                }
            }
            while end < n, times[end] &- times[e] <= limit {
                try poll.tick(isCancelled)
                let c = Int(classOf[end])
                end += 1
                guard c >= 0 else { continue }
                pool.add(class: c)
                if prefix < stepCount, pool.masks[c] & reached != 0 { reached = grow(&prefix) }
            }
            guard classOf[e] >= 0, startBounds?.contains(times[e]) ?? true else { continue }
            // e must be one of the chain's events: it needs a step among the first `prefix`.
            let low: UInt64 = prefix == 64 ? ~0 : (UInt64(1) << UInt64(prefix)) - 1
            let level = masks[e] & low != 0 ? prefix : 0
            if level > best.level {
                best.level = level
                bestStart = e
                if level == stepCount { break }
            }
        }
        guard bestStart >= 0 else { return }
        best.positions = try completionEvents(from: bestStart, level: best.level, times: times, poll: &poll,
                                              isCancelled: isCancelled)
    }

    /// Matches steps `prefix`, `prefix` + 1, ... while they fit; returns the steps the failed search reached
    /// (0 when every step is matched).
    private mutating func grow(_ prefix: inout Int) -> UInt64 {
        var visited: UInt64 = 0
        while prefix < stepCount {
            guard pool.augment(step: prefix, visited: &visited) else { return visited }
            prefix += 1
        }
        return 0
    }

    /// For k = 2..level, the first event (in the order, from the start on) by whose time steps 1..k can all be
    /// filled; with the start in front. One pass over the window, each event added once.
    private mutating func completionEvents(from e: Int, level: Int, times: [Int64], poll: inout CancellationPoll,
                                           isCancelled: () -> Bool) throws -> [Int] {
        let limit = window ?? .max
        pool.empty()
        var positions = [e]
        var matched = 0
        var reached: UInt64 = ~0
        var end = e
        while end < times.count, times[end] &- times[e] <= limit, matched < level {
            try poll.tick(isCancelled)
            let c = Int(classOf[end])
            if c >= 0 {
                pool.add(class: c)
                if pool.masks[c] & reached != 0 {
                    var visited: UInt64 = 0
                    reached = 0
                    while matched < level {
                        guard pool.augment(step: matched, visited: &visited) else {
                            reached = visited
                            break
                        }
                        matched += 1
                        if matched >= 2 { positions.append(end) }
                    }
                }
            }
            end += 1
        }
        return positions
    }
}
