// The matcher for TIES ANY ORDER: a chain's events are distinct and their times never decrease, so events of
// the same millisecond may fill steps in either order (grammar/SEMANTICS.md, "TIES ANY ORDER").
import JourneyStore

/// Matches one customer by time groups (events sharing a time).
///
/// From a start, each step is filled in the earliest group that can still take it: first the start's own group
/// as far as a matching of steps to distinct events of that group reaches (augmenting paths, so an event taken by
/// one step can move to another), then the earliest later group holding an event for the next step, and so on.
/// Filling a step earlier never hurts the steps after it, so this reaches the deepest level from the start and
/// the earliest step times: call f_k(s) the group where step k lands.
///
/// All starts at once, in O(n · m) plus the matchings: if s′ lies in a later group than s, f_k(s′) ≥ f_k(s) for
/// every k (the events of s′'s chain, all after s's group, would serve s as well). So, as in FunnelMatcher, one
/// forward pointer per step ("the next event for step k") serves every start, and a group entered at step k is
/// matched once (`entered` remembers the last group per step). Starts of one group differ only in which event
/// step 1 pins; `startPrefixes` works out every start's prefix in that group from one matching. A group of up to six
/// events is matched by a 64-bit set of subsets; a larger one by a `StepPool`, O(|group| + m · (m² + classes)), and
/// each group is matched once per step it is entered at. So a customer costs O(n · m) hops and pointer moves plus
/// those matchings, and the chosen start's chain is then picked event by event once, O(m · n + m² · |group|).
package struct TiedJourneyMatcher: Sendable {
    package let stepCount: Int
    package let window: Int64?
    package let startBounds: TimeBounds?

    private var pool = StepPool()
    /// Per pool class: whether some matching leaves one of its units free, and the prefix its starts fill.
    private var freeable: [Bool] = []
    private var classPrefix: [Int] = []
    /// The chosen start's chain, exactly as event-by-event augmenting paths pick it.
    private var events = EventAssignment()
    /// pointers[k]: where the search for the next event of step k resumes (only ever moves forward).
    private var pointers = [Int](repeating: 0, count: 64)
    /// The last group entered at step k (its first and last event) and how far the steps reached in it.
    private var entered = [(first: Int, last: Int, reach: Int)](repeating: (-1, -1, 0), count: 64)

    package init(stepCount: Int, window: Int64?, startBounds: TimeBounds?) {
        precondition(stepCount >= 1 && stepCount <= 64)
        self.stepCount = stepCount
        self.window = window
        self.startBounds = startBounds
    }

    private var stepsMask: UInt64 { stepCount == 64 ? ~0 : (UInt64(1) << UInt64(stepCount)) - 1 }

    package mutating func match(times: [Int64], masks: [UInt64], into best: inout CustomerMatch,
                               isCancelled: () -> Bool = { false }) throws {
        best.level = 0
        best.positions.removeAll(keepingCapacity: true)
        var poll = CancellationPoll()
        guard let (group, level) = try deepestGroup(times: times, masks: masks, poll: &poll, isCancelled: isCancelled)
        else { return }
        let end = groupEnd(group, times)
        // The earliest start of that group reaching the level: levels grow with a start's prefix in its group, so
        // find the least prefix that still reaches it, then the first start whose prefix is that long.
        var least = try startPrefixes(group...end, masks: masks, poll: &poll, isCancelled: isCancelled)
        // Each start's prefix (read now: finding the least prefix refills the pool).
        let prefixes = (group...end).map { i -> Int in
            guard masks[i] & 1 != 0 else { return 0 }
            if end - group < Self.smallGroup { return smallReach(group...end, skipping: i, from: 1, masks: masks) }
            return classPrefix[pool.classIndex(masks[i] & stepsMask)]
        }
        while least > 1, try levelAfter(group: end, prefix: least - 1, times: times, masks: masks,
                                        limit: limit(times[group]), poll: &poll, isCancelled: isCancelled) == level {
            least -= 1
        }
        guard let s = (group...end).first(where: { masks[$0] & 1 != 0 && prefixes[$0 - group] >= least }) else {
            preconditionFailure("no start of the deepest group has the prefix that reaches its level")
        }
        let (chainLevel, positions) = try chain(from: s, times: times, masks: masks, poll: &poll, isCancelled: isCancelled)
        assert(chainLevel == level, "start \(s): \(chainLevel) by its chain, \(level) by its group")
        best.level = chainLevel
        best.positions = positions
    }

    private func limit(_ start: Int64) -> Int64 { window.map { start &+ $0 } ?? .max }

    private func groupEnd(_ i: Int, _ times: [Int64]) -> Int {
        var end = i
        while end + 1 < times.count, times[end + 1] == times[i] { end += 1 }
        return end
    }

    /// The first group (by its first index) holding a start in the range whose chain reaches the deepest level, and
    /// that level; nil when no start lies in the range.
    private mutating func deepestGroup(times: [Int64], masks: [UInt64], poll: inout CancellationPoll,
                                       isCancelled: () -> Bool) throws -> (group: Int, level: Int)? {
        let n = times.count
        for k in 0..<stepCount {
            pointers[k] = 0
            entered[k] = (-1, -1, 0)
        }
        var best: (group: Int, level: Int)?
        var g = 0
        while g < n {
            try poll.tick(isCancelled)
            let end = groupEnd(g, times)
            defer { g = end + 1 }
            guard (g...end).contains(where: { masks[$0] & 1 != 0 }), startBounds?.contains(times[g]) ?? true else { continue }
            let prefix = try startPrefixes(g...end, masks: masks, poll: &poll, isCancelled: isCancelled)
            var exhausted = false
            let level = try walk(after: end, prefix: prefix, times: times, masks: masks, limit: limit(times[g]),
                                 exhausted: &exhausted, poll: &poll, isCancelled: isCancelled)
            if level > best?.level ?? 0 {
                best = (g, level)
                if level == stepCount { break }
            }
            // No later start finds step `level` either once the events ran out, so none goes deeper.
            if exhausted, level <= best!.level { break }
        }
        return best
    }

    /// From a group whose starts fill steps 1..`prefix`: the level reached, entering later groups through the
    /// shared pointers (valid because calls come in increasing group order, see the type comment).
    private mutating func walk(after end: Int, prefix: Int, times: [Int64], masks: [UInt64], limit: Int64,
                               exhausted: inout Bool, poll: inout CancellationPoll, isCancelled: () -> Bool) throws -> Int {
        let n = times.count
        var k = prefix, last = end
        while k < stepCount {
            let bit = UInt64(1) << UInt64(k)
            var j = max(pointers[k], last + 1)
            while j < n, masks[j] & bit == 0 {
                try poll.tick(isCancelled)
                j += 1
            }
            pointers[k] = j
            if j == n {
                exhausted = true
                return k
            }
            guard times[j] <= limit else { return k }
            // Later starts enter no earlier group, so a group already entered at step k is the same one again
            // when j lies in it (its bounds are not scanned twice).
            if j > entered[k].last {
                // Events of j's millisecond after `last` belong to its group too (`last` ends an earlier group, so
                // this is the whole group).
                var first = j
                while first > last + 1, times[first - 1] == times[j] { first -= 1 }
                let groupLast = groupEnd(j, times)
                entered[k] = (first, groupLast, try reach(first...groupLast, from: k, masks: masks, poll: &poll,
                                                          isCancelled: isCancelled))
            }
            let entry = entered[k]
            k = entry.reach
            last = entry.last
        }
        return k
    }

    /// `walk` without the shared pointers, for any prefix of one group (a scan of the later events).
    private mutating func levelAfter(group end: Int, prefix: Int, times: [Int64], masks: [UInt64], limit: Int64,
                                     poll: inout CancellationPoll, isCancelled: () -> Bool) throws -> Int {
        let n = times.count
        var k = prefix, last = end
        while k < stepCount {
            let bit = UInt64(1) << UInt64(k)
            var j = last + 1
            while j < n, masks[j] & bit == 0 {
                try poll.tick(isCancelled)
                j += 1
            }
            guard j < n, times[j] <= limit else { return k }
            var first = j
            while first > last + 1, times[first - 1] == times[j] { first -= 1 }
            let groupLast = groupEnd(j, times)
            k = try reach(first...groupLast, from: k, masks: masks, poll: &poll, isCancelled: isCancelled)
            last = groupLast
        }
        return k
    }

    /// How far steps k, k + 1, ... can be filled by distinct events of `group` (which holds one for step k).
    private mutating func reach(_ group: ClosedRange<Int>, from k: Int, masks: [UInt64], poll: inout CancellationPoll,
                                isCancelled: () -> Bool) throws -> Int {
        if group.count <= Self.smallGroup { return smallReach(group, skipping: nil, from: k, masks: masks) }
        try fill(group, masks: masks, poll: &poll, isCancelled: isCancelled)
        var reached = k, visited: UInt64 = 0
        while reached < stepCount, pool.augment(step: reached, visited: &visited) { reached += 1 }
        return reached
    }

    /// How many steps the starts of `group` fill there (step 1 by the start itself, then steps 2, 3, ... by distinct
    /// other events of the group): the most for any start is returned, and `classPrefix[c]` holds it for the starts
    /// of pool class c (until the pool is filled again; a one-event group leaves it alone).
    ///
    /// One matching of steps 2, 3, ... over the whole group (q steps) serves every start: a start of class c keeps
    /// q′ of them exactly when the matching of the first q′ can leave a unit of c free, that is when c has a free
    /// unit or an alternating path frees one. Dropping the matched steps from the top, the classes that can be freed
    /// only grow, so one pass downward gives every class its prefix: O(|group| + m³).
    private mutating func startPrefixes(_ group: ClosedRange<Int>, masks: [UInt64], poll: inout CancellationPoll,
                                        isCancelled: () -> Bool) throws -> Int {
        if group.count <= Self.smallGroup {
            return group.filter { masks[$0] & 1 != 0 }.map { smallReach(group, skipping: $0, from: 1, masks: masks) }.max() ?? 0
        }
        try fill(group, masks: masks, poll: &poll, isCancelled: isCancelled)
        var q = 0, visited: UInt64 = 0
        while q + 1 < stepCount, pool.augment(step: q + 1, visited: &visited) { q += 1 }
        // freeable[c]: some matching of steps 2...(q + 1) leaves a unit of class c free.
        let classes = pool.masks.count
        freeable.removeAll(keepingCapacity: true)
        classPrefix.removeAll(keepingCapacity: true)
        var freeableBits: UInt64 = 0
        for c in 0..<classes {
            freeable.append(pool.free(c) > 0)
            classPrefix.append(0)
            if freeable[c] { freeableBits |= pool.masks[c] }
        }
        var movable: UInt64 = 0
        var best = 0
        func spread(_ steps: UInt64) {
            // Step j (1...q) can move to a freeable class when that class has bit j; then j's own class is freeable.
            var changed = true
            while changed {
                changed = false
                var candidates = steps & ~movable & freeableBits
                while candidates != 0 {
                    let j = candidates.trailingZeroBitCount
                    candidates &= candidates - 1
                    movable |= 1 << UInt64(j)
                    let c = pool.stepClass[j]
                    if !freeable[c] {
                        freeable[c] = true
                        freeableBits |= pool.masks[c]
                        changed = true
                    }
                }
            }
        }
        var held: UInt64 = q == 0 ? 0 : ((q == 63 ? ~UInt64(0) : (UInt64(1) << UInt64(q + 1)) - 1) & ~1)
        while true {
            spread(held)
            for c in 0..<classes where freeable[c] && pool.masks[c] & 1 != 0 && classPrefix[c] == 0 {
                classPrefix[c] = q + 1
                best = max(best, q + 1)
            }
            if q == 0 { break }
            // Without step q its unit is free: its class becomes freeable.
            let c = pool.stepClass[q]
            held &= ~(UInt64(1) << UInt64(q))
            if !freeable[c] {
                freeable[c] = true
                freeableBits |= pool.masks[c]
            }
            q -= 1
        }
        return best
    }

    /// Groups up to this size are matched by `smallReach`, without a pool.
    private static let smallGroup = 6

    /// How far steps k, k + 1, ... can be filled by distinct events of a group of at most six (`skipping` one, the
    /// start). The sets of events that some assignment of the steps so far uses are kept as one 64-bit set of
    /// subsets, so a step costs at most 64 · 6 bit operations: most groups are one or two events, and a pool for
    /// each, at every step of every start, cost more than the walk itself.
    private func smallReach(_ group: ClosedRange<Int>, skipping: Int?, from k: Int, masks: [UInt64]) -> Int {
        var states: UInt64 = 1  // the empty subset
        var step = k
        while step < stepCount {
            let bit = UInt64(1) << UInt64(step)
            var candidates: UInt64 = 0
            for (e, i) in group.enumerated() where i != skipping && masks[i] & bit != 0 { candidates |= 1 << UInt64(e) }
            var next: UInt64 = 0
            var subsets = states
            while subsets != 0 {
                let used = UInt64(subsets.trailingZeroBitCount)
                subsets &= subsets - 1
                var free = candidates & ~used
                while free != 0 {
                    next |= 1 << (used | (1 << UInt64(free.trailingZeroBitCount)))
                    free &= free - 1
                }
            }
            guard next != 0 else { break }
            states = next
            step += 1
        }
        return step
    }

    /// Empties the pool and puts the events of `group` in it.
    private mutating func fill(_ group: ClosedRange<Int>, masks: [UInt64], poll: inout CancellationPoll,
                               isCancelled: () -> Bool) throws {
        pool.reset()
        for i in group where masks[i] & stepsMask != 0 {
            try poll.tick(isCancelled)
            pool.add(class: pool.classIndex(masks[i] & stepsMask))
        }
    }

    /// Every candidate start with its own level and chain, for EXPLAIN CUSTOMER: the first `limit` in order and the
    /// chosen one. Each traced start walks the events after it once, so the work is O(limit · m · n).
    package mutating func trace(times: [Int64], masks: [UInt64], limit: Int,
                               isCancelled: () -> Bool = { false }) throws -> JourneyMatcher.Traced {
        var best = CustomerMatch()
        try match(times: times, masks: masks, into: &best, isCancelled: isCancelled)
        let starts = times.indices.filter { masks[$0] & 1 != 0 }
        var traced = Array(starts.prefix(limit))
        if let chosen = best.positions.first, !traced.contains(chosen) { traced.append(chosen) }
        var traces: [JourneyMatcher.StartTrace] = []
        var poll = CancellationPoll()
        for s in traced {
            if let bounds = startBounds, !bounds.contains(times[s]) {
                traces.append(.init(start: s, level: 0, positions: [], stop: nil, outsideStartRange: true))
                continue
            }
            let (level, positions) = try chain(from: s, times: times, masks: masks, poll: &poll, isCancelled: isCancelled)
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
        return JourneyMatcher.Traced(match: best, traces: traces, untraced: starts.count - traced.count)
    }

    /// The level reached from start `s` and the events filling each step: the greedy of the type comment, event by
    /// event. O(m · n) for one start.
    private mutating func chain(from s: Int, times: [Int64], masks: [UInt64], poll: inout CancellationPoll,
                                isCancelled: () -> Bool) throws -> (Int, [Int]) {
        let n = times.count
        var positions = [s]
        var groupStart = s
        while groupStart > 0, times[groupStart - 1] == times[s] { groupStart -= 1 }
        var groupEnd = s
        while groupEnd + 1 < n, times[groupEnd + 1] == times[s] { groupEnd += 1 }
        events.reset(events: n, pin: (step: 0, event: s))
        var firstStepOfGroup = 0
        var k = 1
        let limit = limit(times[s])
        while k < stepCount {
            if try events.augment(step: k, events: groupStart..<(groupEnd + 1), masks: masks, poll: &poll,
                                  isCancelled: isCancelled) {
                k += 1
                continue
            }
            // This group is spent for step k: record its matching, then move to the next group holding step k.
            for step in firstStepOfGroup..<k where step > 0 { positions.append(events.eventOfStep[step]) }
            let bit = UInt64(1) << UInt64(k)
            var next = groupEnd + 1
            while next < n, masks[next] & bit == 0 {
                try poll.tick(isCancelled)
                next += 1
            }
            guard next < n, times[next] <= limit else { return (k, positions) }
            groupStart = next
            while groupStart > groupEnd + 1, times[groupStart - 1] == times[next] { groupStart -= 1 }
            groupEnd = next
            while groupEnd + 1 < n, times[groupEnd + 1] == times[next] { groupEnd += 1 }
            events.reset(events: n)
            firstStepOfGroup = k
        }
        for step in firstStepOfGroup..<k where step > 0 { positions.append(events.eventOfStep[step]) }
        return (k, positions)
    }
}
