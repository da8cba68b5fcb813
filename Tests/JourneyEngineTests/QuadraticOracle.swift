// The matchers as they were before issue 11 (one pass per start: quadratic in a customer's events), kept in the
// tests as an oracle: they agreed with the brute-force references on every differential test, so on long histories,
// where the brute force cannot go, the linear matchers must give exactly their levels, chains and traces.
@testable import JourneyEngine
import JourneyStore

/// Finds a customer's level and chosen chain by dynamic programming over (step, event).
///
/// Every rule of a valid chain is a condition on consecutive filled steps (given the start), and each one only
/// gets easier as the earlier event moves later (a smaller gap, fewer events in between) or the later event moves
/// earlier. So the best predecessor of an event is the latest reachable one before it, and the best successor the
/// earliest extendable one after it: each layer costs O(events), each start O(steps² × events).
struct QuadraticJourneyMatcher: Sendable {
    let shape: JourneyShape
    private var reach: [[Bool]]
    private var extendable: [[Bool]]
    private var excludedBefore: [[Int]]
    private var groupStart: [Int] = []
    private var groupEnd: [Int] = []
    private var scratch: [Int] = []

    init(shape: JourneyShape) {
        precondition(shape.stepCount >= 1 && shape.stepCount <= 64)
        self.shape = shape
        self.reach = Array(repeating: [], count: shape.stepCount)
        self.extendable = Array(repeating: [], count: shape.stepCount)
        self.excludedBefore = Array(repeating: [], count: shape.exclusions.count)
    }

    /// Matches one customer into `best`: `level` is 1-based, `positions[k]` the event filling step k or -1 when
    /// an optional step was skipped.
    mutating func match(times: [Int64], masks: [UInt64], carried: [[CarriedValue]],
                               into best: inout CustomerMatch) {
        best.level = 0
        best.positions.removeAll(keepingCapacity: true)
        let n = times.count
        guard n > 0 else { return }
        prepare(times: times, masks: masks)
        var bestStart = -1
        for s in 0..<n where masks[s] & 1 != 0 {
            if let bounds = shape.startBounds, !bounds.contains(times[s]) { continue }
            let level = forward(start: s, times: times, masks: masks, carried: carried)
            if level > best.level {
                best.level = level
                bestStart = s
                if level == shape.stepCount { break }
            }
        }
        guard bestStart >= 0 else { return }
        _ = forward(start: bestStart, times: times, masks: masks, carried: carried)
        choose(start: bestStart, level: best.level, times: times, into: &best.positions)
    }

    private mutating func prepare(times: [Int64], masks: [UInt64]) {
        let n = times.count
        groupStart = Array(repeating: 0, count: n)
        groupEnd = Array(repeating: 0, count: n)
        for i in 0..<n { groupStart[i] = (i > 0 && times[i - 1] == times[i]) ? groupStart[i - 1] : i }
        for i in stride(from: n - 1, through: 0, by: -1) {
            groupEnd[i] = (i < n - 1 && times[i + 1] == times[i]) ? groupEnd[i + 1] : i
        }
        for (e, exclusion) in shape.exclusions.enumerated() {
            var counts = Array(repeating: 0, count: n + 1)
            let bit = UInt64(1) << UInt64(exclusion.bit)
            for i in 0..<n { counts[i + 1] = counts[i] + (masks[i] & bit != 0 ? 1 : 0) }
            excludedBefore[e] = counts
        }
        for k in 0..<shape.stepCount {
            reach[k] = Array(repeating: false, count: n)
            extendable[k] = Array(repeating: false, count: n)
        }
        scratch = Array(repeating: -1, count: n + 1)
    }

    /// Whether the pair (j at step k, j2 at step k2) passes the gap window and the exclusions.
    private func pairAllowed(_ j: Int, _ k: Int, _ j2: Int, _ k2: Int, times: [Int64]) -> Bool {
        if let gap = shape.gapWindows[k2], times[j2] &- times[j] > gap { return false }
        for (e, exclusion) in shape.exclusions.enumerated() where exclusion.from <= k && k2 <= exclusion.to {
            // Events strictly between j and j2.
            if excludedBefore[e][j2] - excludedBefore[e][j + 1] > 0 { return false }
        }
        return true
    }

    /// Whether j2 may follow j in the order rules (index, STRICT TIME, DIRECTLY).
    private func follows(_ j2: Int, _ j: Int, times: [Int64]) -> Bool {
        if shape.directly { return j2 == j + 1 && (!shape.strictTime || times[j2] > times[j]) }
        return j2 > j && (!shape.strictTime || times[j2] > times[j])
    }

    /// Fills `reach` for chains from `s`; returns the level reached (1-based).
    private mutating func forward(start s: Int, times: [Int64], masks: [UInt64], carried: [[CarriedValue]]) -> Int {
        let n = times.count
        for k in 0..<shape.stepCount {
            for j in 0..<n { reach[k][j] = false }
        }
        reach[0][s] = true
        var level = 1
        let limit = shape.window.map { times[s] &+ $0 } ?? Int64.max
        for k in 1..<shape.stepCount {
            let bit = UInt64(1) << UInt64(k)
            var any = false
            // Predecessors: the previous step, and before it while the steps in between are optional.
            var k1 = k - 1
            while k1 >= 0 {
                // latest[i]: the largest j < i with reach[k1][j], or -1.
                var last = -1
                for i in 0..<n {
                    scratch[i] = last
                    if reach[k1][i] { last = i }
                }
                scratch[n] = last
                for j2 in (s + 1)..<max(s + 1, n) where !reach[k][j2] {
                    guard masks[j2] & bit != 0, times[j2] <= limit else { continue }
                    if let column = shape.sameColumn, !carried[column][j2].sameValue(as: carried[column][s]) { continue }
                    let j: Int
                    if shape.directly {
                        j = j2 - 1
                        guard reach[k1][j], follows(j2, j, times: times) else { continue }
                    } else {
                        j = scratch[shape.strictTime ? groupStart[j2] : j2]
                        guard j >= 0 else { continue }
                    }
                    if pairAllowed(j, k1, j2, k, times: times) {
                        reach[k][j2] = true
                        any = true
                    }
                }
                if !shape.optional[k1] { break }
                k1 -= 1
            }
            if any { level = k + 1 }
        }
        return level
    }

    /// The chosen chain from `s` reaching `level`: earliest events step by step, filling before skipping.
    private mutating func choose(start s: Int, level: Int, times: [Int64], into positions: inout [Int]) {
        let n = times.count
        let last = level - 1
        for k in 0...last {
            for j in 0..<n { extendable[k][j] = k == last ? reach[k][j] : false }
        }
        // next[i]: the smallest j2 >= i with extendable[k2][j2], or n.
        func earliestSuccessor(of j: Int, in k2: Int, next: [Int]) -> Int {
            if shape.directly { return (j + 1 < n && extendable[k2][j + 1] && follows(j + 1, j, times: times)) ? j + 1 : n }
            let from = shape.strictTime ? groupEnd[j] + 1 : j + 1
            return from <= n ? next[from] : n
        }
        var nextTables: [[Int]] = Array(repeating: [], count: level)
        func buildNext(_ k2: Int) -> [Int] {
            var next = Array(repeating: n, count: n + 1)
            for i in stride(from: n - 1, through: 0, by: -1) { next[i] = extendable[k2][i] ? i : next[i + 1] }
            return next
        }
        nextTables[last] = buildNext(last)
        if last > 0 {
            for k in stride(from: last - 1, through: 0, by: -1) {
                for j in 0..<n where reach[k][j] {
                    var k2 = k + 1
                    while k2 <= last {
                        let c = earliestSuccessor(of: j, in: k2, next: nextTables[k2])
                        if c < n, pairAllowed(j, k, c, k2, times: times) {
                            extendable[k][j] = true
                            break
                        }
                        if k2 == last || !shape.optional[k2] { break }
                        k2 += 1
                    }
                }
                nextTables[k] = buildNext(k)
            }
        }
        positions.removeAll(keepingCapacity: true)
        positions.append(s)
        var current = s, k = 0
        while k < last {
            var k2 = k + 1
            var filled = false
            while k2 <= last {
                let c = earliestSuccessor(of: current, in: k2, next: nextTables[k2])
                if c < n, pairAllowed(current, k, c, k2, times: times) {
                    while positions.count < k2 { positions.append(-1) }
                    positions.append(c)
                    current = c
                    k = k2
                    filled = true
                    break
                }
                if k2 == last || !shape.optional[k2] { break }
                k2 += 1
            }
            // `extendable` guarantees a successor; stop rather than loop if the tables ever disagree.
            if !filled { break }
        }
    }

    // MARK: Tracing (EXPLAIN CUSTOMER)

    // The traces are the engine's own types, so the two can be compared directly.
    typealias StartTrace = JourneyMatcher.StartTrace
    typealias StopReason = JourneyMatcher.StopReason

    /// Every candidate start of one customer with its own level, chain and stopping reason.
    mutating func trace(times: [Int64], masks: [UInt64], carried: [[CarriedValue]]) -> [StartTrace] {
        let n = times.count
        guard n > 0 else { return [] }
        prepare(times: times, masks: masks)
        var traces: [StartTrace] = []
        for s in 0..<n where masks[s] & 1 != 0 {
            if let bounds = shape.startBounds, !bounds.contains(times[s]) {
                traces.append(StartTrace(start: s, level: 0, positions: [], stop: nil, outsideStartRange: true))
                continue
            }
            let level = forward(start: s, times: times, masks: masks, carried: carried)
            var positions: [Int] = []
            choose(start: s, level: level, times: times, into: &positions)
            var stop: StopReason?
            if level < shape.stepCount {
                let last = positions.last { $0 >= 0 } ?? s
                stop = reason(step: level, after: last, start: s, times: times, masks: masks, carried: carried)
            }
            traces.append(StartTrace(start: s, level: level, positions: positions, stop: stop, outsideStartRange: false))
        }
        return traces
    }

    /// Why step `k` (0-based) cannot follow event `last` of the chain from `s`: the first rule the earliest
    /// candidate breaks.
    private func reason(step k: Int, after last: Int, start s: Int, times: [Int64], masks: [UInt64],
                        carried: [[CarriedValue]]) -> StopReason {
        let n = times.count
        let bit = UInt64(1) << UInt64(k)
        if shape.directly {
            let next = last + 1 < n ? last + 1 : nil
            guard let c = next, masks[c] & bit != 0 else { return .notDirectlyNext(step: k, next: next) }
            if shape.strictTime, times[c] <= times[last] { return .notStrictlyLater(step: k, candidate: c) }
            return check(k, candidate: c, last: last, start: s, times: times, carried: carried)
        }
        guard let c = ((last + 1)..<max(last + 1, n)).first(where: { masks[$0] & bit != 0 }) else {
            return .noLaterMatch(step: k)
        }
        if shape.strictTime, times[c] <= times[last] {
            guard let later = ((last + 1)..<n).first(where: { masks[$0] & bit != 0 && times[$0] > times[last] }) else {
                return .notStrictlyLater(step: k, candidate: c)
            }
            return check(k, candidate: later, last: last, start: s, times: times, carried: carried)
        }
        return check(k, candidate: c, last: last, start: s, times: times, carried: carried)
    }

    private func check(_ k: Int, candidate c: Int, last: Int, start s: Int, times: [Int64],
                       carried: [[CarriedValue]]) -> StopReason {
        if let w = shape.window, times[c] &- times[s] > w { return .windowExceeded(step: k, candidate: c) }
        if let g = shape.gapWindows[k], times[c] &- times[last] > g { return .gapExceeded(step: k, candidate: c) }
        for (e, exclusion) in shape.exclusions.enumerated() where exclusion.from < k && k <= exclusion.to {
            if excludedBefore[e][c] - excludedBefore[e][last + 1] > 0 {
                let x = ((last + 1)..<c).first { excludedBefore[e][$0 + 1] > excludedBefore[e][$0] } ?? last + 1
                return .excluded(step: k, candidate: c, excludedEvent: x, exclusion: e)
            }
        }
        if let column = shape.sameColumn, !carried[column][c].sameValue(as: carried[column][s]) {
            return .differentValue(step: k, candidate: c)
        }
        // The earliest candidate breaks no rule on its own, so a rule on the steps before it decided: report the
        // candidate as beyond what the chain could reach.
        return .noLaterMatch(step: k)
    }
}

struct QuadraticTiedMatcher: Sendable {
    let stepCount: Int
    let window: Int64?
    let startBounds: TimeBounds?

    /// Steps → events within the current group.
    private var assignment = QuadraticStepAssignment()

    init(stepCount: Int, window: Int64?, startBounds: TimeBounds?) {
        self.stepCount = stepCount
        self.window = window
        self.startBounds = startBounds
    }

    mutating func match(times: [Int64], masks: [UInt64], into best: inout CustomerMatch) {
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
    mutating func trace(times: [Int64], masks: [UInt64]) -> [QuadraticJourneyMatcher.StartTrace] {
        var traces: [QuadraticJourneyMatcher.StartTrace] = []
        for s in times.indices where masks[s] & 1 != 0 {
            if let bounds = startBounds, !bounds.contains(times[s]) {
                traces.append(.init(start: s, level: 0, positions: [], stop: nil, outsideStartRange: true))
                continue
            }
            let (level, positions) = chain(from: s, times: times, masks: masks)
            var stop: QuadraticJourneyMatcher.StopReason?
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

struct QuadraticAnyOrderMatcher: Sendable {
    let stepCount: Int
    let window: Int64?
    let startBounds: TimeBounds?

    private var assignment = QuadraticStepAssignment()

    init(stepCount: Int, window: Int64?, startBounds: TimeBounds?) {
        self.stepCount = stepCount
        self.window = window
        self.startBounds = startBounds
    }

    /// `positions[0]` is the start; `positions[k]` (k ≥ 1) the event at whose time steps 1..k+1 had all been done.
    mutating func match(times: [Int64], masks: [UInt64], into best: inout CustomerMatch) {
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

struct QuadraticStepAssignment: Sendable {
    private(set) var eventOfStep: [Int: Int] = [:]
    private var stepOfEvent: [Int: Int] = [:]
    /// A step whose event never moves (TIES ANY ORDER pins step 1 to the start).
    private var pinned: Int?

    /// Forgets every assignment; `pin` fixes `step` to `event` from now on.
    mutating func reset(pin: (step: Int, event: Int)? = nil) {
        eventOfStep = [:]
        stepOfEvent = [:]
        pinned = pin?.step
        if let pin {
            eventOfStep[pin.step] = pin.event
            stepOfEvent[pin.event] = pin.step
        }
    }

    /// Gives step `k` an event of `events` whose mask has bit k, moving other steps to other events when that
    /// frees one. False when no assignment of all assigned steps plus k exists.
    mutating func augment(step k: Int, events: Range<Int>, masks: [UInt64]) -> Bool {
        var visited = Set<Int>()
        return augment(step: k, events: events, masks: masks, visited: &visited)
    }

    private mutating func augment(step k: Int, events: Range<Int>, masks: [UInt64], visited: inout Set<Int>) -> Bool {
        let bit = UInt64(1) << UInt64(k)
        for e in events where masks[e] & bit != 0 && !visited.contains(e) {
            visited.insert(e)
            if let holder = stepOfEvent[e] {
                guard holder != pinned, augment(step: holder, events: events, masks: masks, visited: &visited) else {
                    continue
                }
            }
            stepOfEvent[e] = k
            eventOfStep[k] = e
            return true
        }
        return false
    }
}
