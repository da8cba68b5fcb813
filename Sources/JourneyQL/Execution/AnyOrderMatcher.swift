// The matcher for IN ANY ORDER: steps filled by distinct events in any order, all within the window of the
// journey's earliest event (grammar/SEMANTICS.md, "IN ANY ORDER").
import JourneyStore

/// For each candidate start e (an event that fills some step), the events that may join it are e and those after
/// it in the order within the window. Steps 1..L can be filled by distinct events exactly when a bipartite matching
/// of those steps into the events covers them all; e itself can always take the place of the event on one of its
/// steps, so the start's level is the longest matchable prefix, provided e matches one of its steps.
public struct AnyOrderMatcher: Sendable {
    public let stepCount: Int
    public let window: Int64?
    public let startBounds: TimeBounds?

    private var assignment = StepAssignment()

    public init(stepCount: Int, window: Int64?, startBounds: TimeBounds?) {
        self.stepCount = stepCount
        self.window = window
        self.startBounds = startBounds
    }

    /// `positions[0]` is the start; `positions[k]` (k ≥ 1) the event at whose time steps 1..k+1 had all been done.
    public mutating func match(times: [Int64], masks: [UInt64], into best: inout CustomerMatch) {
        best.level = 0
        best.positions.removeAll(keepingCapacity: true)
        let stepsMask: UInt64 = stepCount == 64 ? ~0 : (UInt64(1) << UInt64(stepCount)) - 1
        var bestStart = -1
        for e in times.indices where masks[e] & stepsMask != 0 {
            if let bounds = startBounds, !bounds.contains(times[e]) { continue }
            let level = startLevel(e, times: times, masks: masks)
            if level > best.level {
                best.level = level
                bestStart = e
                if level == stepCount { break }
            }
        }
        guard bestStart >= 0 else { return }
        best.positions = completionEvents(from: bestStart, level: best.level, times: times, masks: masks)
    }

    private func eligible(_ e: Int, times: [Int64]) -> Range<Int> {
        let limit = window.map { times[e] &+ $0 } ?? Int64.max
        var end = e + 1
        while end < times.count, times[end] <= limit { end += 1 }
        return e..<end
    }

    /// The longest prefix of steps matchable among the start's events, or 0 when e fills none of those steps.
    private mutating func startLevel(_ e: Int, times: [Int64], masks: [UInt64]) -> Int {
        let events = eligible(e, times: times)
        assignment.reset()
        var level = 0
        while level < stepCount {
            guard assignment.augment(step: level, events: events, masks: masks) else { break }
            level += 1
        }
        // e must be one of the chain's events: it needs a step among the first `level`.
        let usable = (0..<level).contains { masks[e] & (UInt64(1) << UInt64($0)) != 0 }
        return usable ? level : 0
    }

    /// For k = 2..level, the first event (in the order, from the start on) by whose time steps 1..k can all be
    /// filled; with the start in front.
    private mutating func completionEvents(from e: Int, level: Int, times: [Int64], masks: [UInt64]) -> [Int] {
        let events = eligible(e, times: times)
        assignment.reset()
        var positions = [e]
        var matched = 0
        for end in events {
            // Events e...end are available: extend the matched prefix as far as it goes.
            while matched < level {
                guard assignment.augment(step: matched, events: e..<(end + 1), masks: masks) else { break }
                matched += 1
                if matched >= 2 { positions.append(end) }
            }
            if matched == level { break }
        }
        return positions
    }
}
