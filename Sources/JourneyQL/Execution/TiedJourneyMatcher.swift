// The matcher for TIES ANY ORDER: a chain's events are distinct and their times never decrease, so events of
// the same millisecond may fill steps in either order (grammar/SEMANTICS.md, "TIES ANY ORDER").
import JourneyStore

/// Matches one customer by time groups (events sharing a time).
///
/// From a start, each step is filled in the earliest group that can still take it: first the start's own group
/// as far as a matching of steps to distinct events of that group reaches (augmenting paths, so an event taken by
/// one step can move to another), then the earliest later group holding an event for the next step, and so on.
/// Filling a step earlier never hurts the steps after it, so this reaches the deepest level from the start and
/// the earliest step times.
public struct TiedJourneyMatcher: Sendable {
    public let stepCount: Int
    public let window: Int64?
    public let startBounds: TimeBounds?

    /// Steps → events within the current group.
    private var assignment = StepAssignment()

    public init(stepCount: Int, window: Int64?, startBounds: TimeBounds?) {
        self.stepCount = stepCount
        self.window = window
        self.startBounds = startBounds
    }

    public mutating func match(times: [Int64], masks: [UInt64], into best: inout CustomerMatch) {
        best.level = 0
        best.positions.removeAll(keepingCapacity: true)
        for s in times.indices where masks[s] & 1 != 0 {
            if let bounds = startBounds, !bounds.contains(times[s]) { continue }
            let (level, positions) = chain(from: s, times: times, masks: masks)
            if level > best.level {
                best.level = level
                best.positions = positions
                if level == stepCount { return }
            }
        }
    }

    /// Every candidate start with its own level and chain, for EXPLAIN CUSTOMER.
    public mutating func trace(times: [Int64], masks: [UInt64]) -> [JourneyMatcher.StartTrace] {
        var traces: [JourneyMatcher.StartTrace] = []
        for s in times.indices where masks[s] & 1 != 0 {
            if let bounds = startBounds, !bounds.contains(times[s]) {
                traces.append(.init(start: s, level: 0, positions: [], stop: nil, outsideStartRange: true))
                continue
            }
            let (level, positions) = chain(from: s, times: times, masks: masks)
            var stop: JourneyMatcher.StopReason?
            if level < stepCount {
                let bit = UInt64(1) << UInt64(level)
                let last = positions.max() ?? s
                if let c = times.indices.first(where: { $0 > last && masks[$0] & bit != 0 && times[$0] >= times[last] }),
                   let w = window, times[c] &- times[s] > w {
                    stop = .windowExceeded(step: level, candidate: c)
                } else {
                    stop = .noLaterMatch(step: level)
                }
            }
            traces.append(.init(start: s, level: level, positions: positions, stop: stop, outsideStartRange: false))
        }
        return traces
    }

    /// The level reached from start `s` and the events filling each step.
    private mutating func chain(from s: Int, times: [Int64], masks: [UInt64]) -> (Int, [Int]) {
        let n = times.count
        var positions = [s]
        var groupStart = s
        while groupStart > 0, times[groupStart - 1] == times[s] { groupStart -= 1 }
        var groupEnd = s
        while groupEnd + 1 < n, times[groupEnd + 1] == times[s] { groupEnd += 1 }
        assignment.reset(pin: (step: 0, event: s))
        var firstStepOfGroup = 0
        var k = 1
        let limit = window.map { times[s] &+ $0 } ?? Int64.max
        while k < stepCount {
            if assignment.augment(step: k, events: groupStart..<(groupEnd + 1), masks: masks) {
                k += 1
                continue
            }
            // This group is spent for step k: record its matching, then move to the next group holding step k.
            for step in firstStepOfGroup..<k where step > 0 { positions.append(assignment.eventOfStep[step]!) }
            let bit = UInt64(1) << UInt64(k)
            guard let next = ((groupEnd + 1)..<max(groupEnd + 1, n)).first(where: { masks[$0] & bit != 0 }),
                  times[next] <= limit else {
                return (k, positions)
            }
            groupStart = next
            while groupStart > groupEnd + 1, times[groupStart - 1] == times[next] { groupStart -= 1 }
            groupEnd = next
            while groupEnd + 1 < n, times[groupEnd + 1] == times[next] { groupEnd += 1 }
            assignment.reset()
            firstStepOfGroup = k
        }
        for step in firstStepOfGroup..<k where step > 0 { positions.append(assignment.eventOfStep[step]!) }
        return (k, positions)
    }
}
