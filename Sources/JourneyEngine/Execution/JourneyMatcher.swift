// The general journey matcher: optional steps, gap windows, DIRECTLY, STRICT TIME, EXCLUDING, SAME and start
// ranges (grammar/SEMANTICS.md section 4a), over one customer's columns in time and memory linear in its events
// (times the steps). Pure Swift; it knows nothing of SQLite.
import JourneyStore

/// What the matcher needs to know of a journey, in the scan's terms (mask bits and carried columns).
package struct JourneyShape: Sendable, Hashable {
    package struct Exclusion: Sendable, Hashable {
        /// The mask bit of the exclusion's condition.
        package var bit: Int
        /// 0-based steps: pairs of consecutive filled steps k < k′ with from ≤ k and k′ ≤ to are checked.
        package var from: Int
        package var to: Int
    }

    package var stepCount: Int
    package var optional: [Bool]
    /// Per step, the most milliseconds after the previous filled step (nil: no limit).
    package var gapWindows: [Int64?]
    package var window: Int64?
    package var order: OrderMode
    package var exclusions: [Exclusion]
    /// The carried column holding the `SAME` field, if any.
    package var sameColumn: Int?
    package var startBounds: TimeBounds?

    package init(stepCount: Int, optional: [Bool], gapWindows: [Int64?], window: Int64?, order: OrderMode = .inOrder,
                exclusions: [Exclusion], sameColumn: Int?, startBounds: TimeBounds?) {
        self.stepCount = stepCount
        self.optional = optional
        self.gapWindows = gapWindows
        self.window = window
        self.order = order
        self.exclusions = exclusions
        self.sameColumn = sameColumn
        self.startBounds = startBounds
    }

    /// DIRECTLY and STRICT TIME, read by the general matcher.
    package var directly: Bool { order.rules.contains(.directly) }
    package var strictTime: Bool { order.rules.contains(.strictTime) }

    /// True when the single-pointer FunnelMatcher computes the same answer (section 4 alone).
    package var isPlain: Bool {
        !optional.contains(true) && !gapWindows.contains { $0 != nil } && order == .inOrder
            && exclusions.isEmpty && sameColumn == nil
    }
}

/// Finds a customer's level and chosen chain for all starts at once, with sweeps over the events.
///
/// Every rule of a valid chain except the journey window and the start range is a rule on two consecutive filled
/// steps (k at event j, then k′ at j′): the order (j < j′; with STRICT TIME an earlier time; with DIRECTLY
/// j = j′ − 1), k′'s gap window, the exclusions spanning the pair, and SAME read pairwise (every event carries the
/// start's value exactly when each carries its predecessor's). For a fixed j′ the predecessors j that pass are one
/// window of indices inside the SAME class of j′: the order bounds it from above, the gap window and the last
/// excluded event before j′ from below (the excluded event itself may fill step k: only events strictly between
/// void), and both ends only move forward as j′ does. The journey window compares only the last event with the
/// start, because times never decrease along a chain. So:
///
/// 1. Forward: latest[k][j] is the latest start from which a valid chain (journey window aside) fills step k at j.
///    It is the maximum of latest[k₀][·] over j's predecessor window, k₀ running from the last required step below
///    k up to k − 1: a sliding-window maximum, one monotone queue per SAME class, O(n) per sweep. A later start
///    only helps the window, so step k is reached within it iff time(j) − time(latest[k][j]) ≤ W for some j; the
///    level is the deepest such k.
/// 2. Backward, for that level L: end[k][j] is the earliest last event of a valid completion from step k at j to
///    step L — the mirror image, a sliding-window minimum over j's successor window.
/// 3. The chosen start is the first start whose earliest completion lies within the window of it. Its chain takes,
///    step after step, the earliest successor that can still complete in time, filling a step before skipping it:
///    the lexicographically earliest valid chain, in one forward walk (each step's candidates scanned once).
///
/// The predecessors of k are folded into one running maximum per group of steps that share their exclusion spans'
/// starts (one group without BETWEEN), so each step costs a sweep per group instead of one per predecessor step.
/// Time O(m·g·n) for g ≤ exclusions + 1, memory O((m + g)·n), whatever the events; never a pass per start.
package struct JourneyMatcher: Sendable {
    package let shape: JourneyShape
    private let sweeps: Sweeps
    /// The SAME class of each event (-1 for no value), and the keys met so far (both reused per customer).
    private var classes: [Int32] = []
    private var classKeys: [SameKey: Int32] = [:]
    /// Queues, running extremes and completion ends, carved out of one buffer reused per customer.
    private var workspace: [Int32] = []

    package init(shape: JourneyShape) {
        precondition(shape.stepCount >= 1 && shape.stepCount <= 64)
        self.shape = shape
        sweeps = Sweeps(shape)
    }

    /// Matches one customer into `best`: `level` is 1-based, `positions[k]` the event filling step k or -1 when
    /// an optional step was skipped. Polls `isCancelled` every few thousand events and throws
    /// `StoreError.cancelled` when it says so.
    package mutating func match(times: [Int64], masks: [UInt64], carried: [[CarriedValue]],
                               into best: inout CustomerMatch, isCancelled: () -> Bool = { false }) throws {
        best.level = 0
        best.positions.removeAll(keepingCapacity: true)
        guard !times.isEmpty else { return }
        // Event indices are kept as Int32 to halve the buffers: two billion events of one customer would not fit
        // in memory anyway.
        precondition(times.count < Int(Int32.max), "a customer with more than 2³¹ events")
        let classCount = try assignClasses(carried: carried, count: times.count, isCancelled: isCancelled)
        try solve(times: times, masks: masks, classCount: classCount, onlyStart: nil, into: &best, isCancelled: isCancelled)
    }

    /// Gives each event its SAME class (all 0 without SAME); returns how many classes there are.
    private mutating func assignClasses(carried: [[CarriedValue]], count n: Int, isCancelled: () -> Bool) throws -> Int {
        if classes.count < n { classes = Array(repeating: 0, count: n) }
        guard let column = shape.sameColumn else {
            for j in 0..<n { classes[j] = 0 }
            return 1
        }
        classKeys.removeAll(keepingCapacity: true)
        let values = carried[column]
        var poll = CancellationPoll()
        for j in 0..<n {
            try poll.tick(isCancelled)
            guard let key = SameKey(values[j]) else {
                classes[j] = -1
                continue
            }
            let next = Int32(truncatingIfNeeded: classKeys.count)
            let cls = classKeys[key, default: next]
            if cls == next { classKeys[key] = next }
            classes[j] = cls
        }
        return max(1, classKeys.count)
    }

    /// The three phases of the type comment, for every start or (`onlyStart`, for a trace) one.
    private mutating func solve(times: [Int64], masks: [UInt64], classCount: Int, onlyStart: Int?,
                                into best: inout CustomerMatch, isCancelled: () -> Bool) throws {
        // One start's chain ends within its window: the events after it cannot matter.
        var n = times.count
        if let s = onlyStart, let window = shape.window {
            var low = s, high = times.count
            while low < high {
                let mid = (low + high) / 2
                if times[mid] &- times[s] <= window { low = mid + 1 } else { high = mid }
            }
            n = low
        }
        let lower = onlyStart ?? 0
        let sweeps = self.sweeps, classes = self.classes
        let groups = sweeps.groupCount
        // Layout: offsets (classes + 1), heads, tails (classes each), queue slots (n), then the phase's arrays.
        let fixed = 3 * classCount + 1 + n
        let forwardSize = fixed + n + groups * n
        if workspace.count < forwardSize { workspace.append(contentsOf: repeatElement(0, count: forwardSize - workspace.count)) }
        let level: Int = try times.withUnsafeBufferPointer { allTimes in
            try masks.withUnsafeBufferPointer { allMasks in
                try classes.withUnsafeBufferPointer { classes in
                    try workspace.withUnsafeMutableBufferPointer { ws in
                        let times = UnsafeBufferPointer(rebasing: allTimes[0..<n])
                        let masks = UnsafeBufferPointer(rebasing: allMasks[0..<n])
                        let base = ws.baseAddress!
                        let queues = ClassQueues.laidOut(at: base, classCount: classCount, classes: classes, n: n)
                        let columns = Columns(times: times, masks: masks, classes: classes, lower: lower)
                        return try sweeps.forward(columns, queues: queues, scratch: base + fixed, onlyStart: onlyStart,
                                                  isCancelled: isCancelled)
                    }
                }
            }
        }
        best.level = level
        guard level > 0 else { return }
        let backwardSize = fixed + groups * n + level * n
        if workspace.count < backwardSize { workspace.append(contentsOf: repeatElement(0, count: backwardSize - workspace.count)) }
        let positions: [Int] = try times.withUnsafeBufferPointer { allTimes in
            try masks.withUnsafeBufferPointer { allMasks in
                try classes.withUnsafeBufferPointer { classes in
                    try workspace.withUnsafeMutableBufferPointer { ws in
                        let times = UnsafeBufferPointer(rebasing: allTimes[0..<n])
                        let masks = UnsafeBufferPointer(rebasing: allMasks[0..<n])
                        // The offsets the forward phase laid out are still in place; each sweep resets the queues.
                        let queues = ClassQueues.existing(at: ws.baseAddress!, classCount: classCount)
                        let columns = Columns(times: times, masks: masks, classes: classes, lower: lower)
                        let mins = ws.baseAddress! + fixed
                        let ends = mins + groups * n
                        try sweeps.backward(columns, level: level, queues: queues, mins: mins, ends: ends,
                                            isCancelled: isCancelled)
                        return try sweeps.chosenChain(columns, level: level, ends: ends, onlyStart: onlyStart,
                                                      isCancelled: isCancelled)
                    }
                }
            }
        }
        best.positions.append(contentsOf: positions)
    }

    /// One customer's columns as the sweeps read them; indices below `lower` are never looked at.
    fileprivate struct Columns {
        let times: UnsafeBufferPointer<Int64>
        let masks: UnsafeBufferPointer<UInt64>
        let classes: UnsafeBufferPointer<Int32>
        let lower: Int
        var n: Int { times.count }
    }

    /// What the sweeps derive from the shape once (which steps precede which, which exclusions span which pairs),
    /// and the sweeps themselves. Immutable, so the matcher's buffers can be written while these run.
    fileprivate struct Sweeps: Sendable {
        let shape: JourneyShape
        /// runStart[k]: the last required step at or below k (step 0 is required). Step k + 1's predecessors are
        /// runStart[k]...k.
        let runStart: [Int]
        /// fromGroup[k]: which group step k is in, steps with the same exclusions starting at or before them
        /// sharing a group (the sets only grow with k, so groups are runs of steps).
        let fromGroup: [Int]
        let groupCount: Int
        /// excludedBits[k′ * groupCount + g]: the mask bits of the exclusions that check a pair (k, k′), k in group g.
        let excludedBits: [UInt64]
        /// predecessorBits[k′ * groupCount + g]: the steps of group g that may precede k′ (bits by step).
        let predecessorBits: [UInt64]

        /// No chain (forward) or no completion (backward) at an event.
        static let none: Int32 = -1
        static let never: Int32 = .max

        init(_ shape: JourneyShape) {
            self.shape = shape
            let m = shape.stepCount
            var runStart = Array(repeating: 0, count: m)
            for k in 1..<max(1, m) { runStart[k] = shape.optional[k] ? runStart[k - 1] : k }
            self.runStart = runStart
            // Exclusions (by index) whose span starts at or before step k.
            let fromSets = (0..<m).map { k in
                shape.exclusions.indices.reduce(UInt64(0)) { $0 | (shape.exclusions[$1].from <= k ? 1 << UInt64($1) : 0) }
            }
            var distinct: [UInt64] = []
            var fromGroup = Array(repeating: 0, count: m)
            for k in 0..<m {
                if distinct.last != fromSets[k] { distinct.append(fromSets[k]) }
                fromGroup[k] = distinct.count - 1
            }
            self.fromGroup = fromGroup
            let groups = distinct.count
            groupCount = groups
            var excludedBits = Array(repeating: UInt64(0), count: m * groups)
            var predecessorBits = Array(repeating: UInt64(0), count: m * groups)
            for k2 in 0..<m {
                for (g, set) in distinct.enumerated() {
                    for (e, exclusion) in shape.exclusions.enumerated()
                    where set & (1 << UInt64(e)) != 0 && k2 <= exclusion.to {
                        excludedBits[k2 * groups + g] |= 1 << UInt64(exclusion.bit)
                    }
                }
                if k2 > 0 {
                    for k in runStart[k2 - 1]...(k2 - 1) { predecessorBits[k2 * groups + fromGroup[k]] |= 1 << UInt64(k) }
                }
            }
            self.excludedBits = excludedBits
            self.predecessorBits = predecessorBits
        }

        func startAllowed(_ j: Int, _ c: Columns, onlyStart: Int?) -> Bool {
            guard c.masks[j] & 1 != 0 else { return false }
            if let onlyStart { return j == onlyStart }
            return shape.startBounds?.contains(c.times[j]) ?? true
        }

        /// Phase 1: the level. `scratch` holds the current step's latest starts, then one running maximum per group.
        func forward(_ c: Columns, queues: ClassQueues, scratch: UnsafeMutablePointer<Int32>, onlyStart: Int?,
                     isCancelled: () -> Bool) throws -> Int {
            let n = c.n, m = shape.stepCount, lower = c.lower
            let latest = scratch
            let running = scratch + n
            let window = shape.window ?? .max
            var any = false
            for j in lower..<n {
                latest[j] = Self.none
                if startAllowed(j, c, onlyStart: onlyStart) {
                    latest[j] = Int32(truncatingIfNeeded: j)
                    any = true
                }
            }
            guard any else { return 0 }
            var level = 1
            // Which groups' running maxima hold the current run of steps (from its required step on).
            var active: UInt64 = 0
            func fold(step k: Int) {
                let g = fromGroup[k]
                let target = running + g * n
                if active & (1 << UInt64(g)) == 0 {
                    for j in lower..<n { target[j] = latest[j] }
                    active |= 1 << UInt64(g)
                } else {
                    for j in lower..<n where latest[j] > target[j] { target[j] = latest[j] }
                }
            }
            fold(step: 0)
            for k in 1..<max(1, m) {
                for j in lower..<n { latest[j] = Self.none }
                var groups = active
                while groups != 0 {
                    let g = groups.trailingZeroBitCount
                    groups &= groups - 1
                    let source = running + g * n
                    if shape.directly {
                        directForward(c, source: source, into: latest, step: k)
                    } else {
                        try sweepForward(c, queues: queues, source: source, into: latest, step: k,
                                         excluded: excludedBits[k * groupCount + g], isCancelled: isCancelled)
                    }
                }
                // A chain already past the window from its latest start leads nowhere within it either.
                var reached = false
                for j in lower..<n where latest[j] >= 0 {
                    if c.times[j] &- c.times[Int(latest[j])] > window { latest[j] = Self.none } else { reached = true }
                }
                if reached { level = k + 1 }
                if !shape.optional[k] {
                    // No chain passes a required step: none goes deeper. Otherwise a new run of predecessors begins.
                    if !reached { break }
                    active = 0
                }
                fold(step: k)
                if level == m { break }
            }
            return level
        }

        /// latest[j′] = max(latest[j′], the largest source[j] over j′'s predecessor window in its class).
        func sweepForward(_ c: Columns, queues: ClassQueues, source: UnsafeMutablePointer<Int32>,
                          into latest: UnsafeMutablePointer<Int32>, step k: Int, excluded: UInt64,
                          isCancelled: () -> Bool) throws {
            let n = c.n, lower = c.lower
            let bit = UInt64(1) << UInt64(k)
            let gap = shape.gapWindows[k]
            let strict = shape.strictTime
            queues.reset()
            // Each bound of the window only moves forward: `pushed` (the order), `gapStart`, `lastExcluded`.
            var pushed = lower, gapStart = lower, lastExcluded = lower, groupStart = lower
            for j in lower..<n {
                if j & 4095 == 4095, isCancelled() { throw StoreError.cancelled }
                if j > lower, c.times[j] != c.times[j - 1] { groupStart = j }
                // Predecessors lie before j, or (STRICT TIME) before j's time.
                let below = strict ? groupStart : j
                while pushed < below {
                    let cls = c.classes[pushed]
                    if source[pushed] >= 0, cls >= 0 { queues.push(pushed, class: Int(cls), values: source, largest: true) }
                    pushed += 1
                }
                let cls = c.classes[j]
                if c.masks[j] & bit != 0, cls >= 0 {
                    var from = lastExcluded
                    if let gap {
                        while c.times[j] &- c.times[gapStart] > gap { gapStart += 1 }
                        from = max(from, gapStart)
                    }
                    if let p = queues.front(class: Int(cls), notBelow: from), source[p] > latest[j] { latest[j] = source[p] }
                }
                // An excluded event may itself be the predecessor; only events strictly between void a pair.
                if c.masks[j] & excluded != 0 { lastExcluded = j }
            }
        }

        /// DIRECTLY: the only predecessor of j′ is j′ − 1 (nothing lies between them, so no exclusion applies).
        func directForward(_ c: Columns, source: UnsafeMutablePointer<Int32>, into latest: UnsafeMutablePointer<Int32>,
                           step k: Int) {
            let bit = UInt64(1) << UInt64(k)
            let gap = shape.gapWindows[k]
            for j in (c.lower + 1)..<max(c.lower + 1, c.n) where c.masks[j] & bit != 0 {
                let i = j - 1
                guard source[i] >= 0, c.classes[j] >= 0, c.classes[i] == c.classes[j] else { continue }
                if shape.strictTime, c.times[i] >= c.times[j] { continue }
                if let gap, c.times[j] &- c.times[i] > gap { continue }
                if source[i] > latest[j] { latest[j] = source[i] }
            }
        }

        /// Phase 2: ends[k * n + j], the earliest last event of a valid completion from step k at j to step
        /// `level` − 1 (`never` when there is none). `mins` holds one running minimum per group.
        func backward(_ c: Columns, level: Int, queues: ClassQueues, mins: UnsafeMutablePointer<Int32>,
                      ends: UnsafeMutablePointer<Int32>, isCancelled: () -> Bool) throws {
            let n = c.n, lower = c.lower
            let last = level - 1
            for k in 0...last {
                let row = ends + k * n
                for j in lower..<n { row[j] = Self.never }
            }
            let lastBit = UInt64(1) << UInt64(last)
            for j in lower..<n where c.masks[j] & lastBit != 0 { ends[last * n + j] = Int32(truncatingIfNeeded: j) }
            guard last > 0 else { return }
            var active: UInt64 = 0
            for k2 in stride(from: last, through: 1, by: -1) {
                // The successors of k are k + 1 up to the first required step above it (or the level's last step),
                // so a required step starts the running minima afresh.
                if k2 == last || !shape.optional[k2] { active = 0 }
                let source = ends + k2 * n
                for g in 0..<groupCount {
                    let predecessors = predecessorBits[k2 * groupCount + g]
                    guard predecessors != 0 else { continue }
                    let target = mins + g * n
                    if active & (1 << UInt64(g)) == 0 {
                        for j in lower..<n { target[j] = Self.never }
                        active |= 1 << UInt64(g)
                    }
                    if shape.directly {
                        directBackward(c, source: source, into: target, step: k2, predecessors: predecessors)
                    } else {
                        try sweepBackward(c, queues: queues, source: source, into: target, step: k2,
                                          predecessors: predecessors, excluded: excludedBits[k2 * groupCount + g],
                                          isCancelled: isCancelled)
                    }
                }
                let k = k2 - 1
                let bit = UInt64(1) << UInt64(k)
                let row = ends + k * n, from = mins + fromGroup[k] * n
                for j in lower..<n where c.masks[j] & bit != 0 { row[j] = from[j] }
            }
        }

        /// target[j] = min(target[j], the smallest source[j′] over j's successor window in its class).
        func sweepBackward(_ c: Columns, queues: ClassQueues, source: UnsafeMutablePointer<Int32>,
                           into target: UnsafeMutablePointer<Int32>, step k2: Int, predecessors: UInt64,
                           excluded: UInt64, isCancelled: () -> Bool) throws {
            let n = c.n, lower = c.lower
            let gap = shape.gapWindows[k2]
            let strict = shape.strictTime
            queues.reset()
            // Each bound of the window only moves backward: `pushed` (the order), `gapEnd`, `nextExcluded`.
            var pushed = n - 1, gapEnd = n - 1, nextExcluded = n - 1, groupEnd = n - 1
            var j = n - 1
            while j >= lower {
                if j & 4095 == 4095, isCancelled() { throw StoreError.cancelled }
                if j < n - 1, c.times[j] != c.times[j + 1] { groupEnd = j }
                // Successors lie after j, or (STRICT TIME) after j's time.
                let above = strict ? groupEnd : j
                while pushed > above {
                    let cls = c.classes[pushed]
                    if source[pushed] != Self.never, cls >= 0 {
                        queues.push(pushed, class: Int(cls), values: source, largest: false)
                    }
                    pushed -= 1
                }
                let cls = c.classes[j]
                if c.masks[j] & predecessors != 0, cls >= 0 {
                    var to = nextExcluded
                    if let gap {
                        while c.times[gapEnd] &- c.times[j] > gap { gapEnd -= 1 }
                        to = min(to, gapEnd)
                    }
                    if let p = queues.front(class: Int(cls), notAbove: to), source[p] < target[j] { target[j] = source[p] }
                }
                if c.masks[j] & excluded != 0 { nextExcluded = j }
                j -= 1
            }
        }

        /// DIRECTLY: the only successor of j is j + 1.
        func directBackward(_ c: Columns, source: UnsafeMutablePointer<Int32>, into target: UnsafeMutablePointer<Int32>,
                            step k2: Int, predecessors: UInt64) {
            let gap = shape.gapWindows[k2]
            for j in c.lower..<max(c.lower, c.n - 1) where c.masks[j] & predecessors != 0 {
                let i = j + 1
                guard source[i] != Self.never, c.classes[j] >= 0, c.classes[i] == c.classes[j] else { continue }
                if shape.strictTime, c.times[j] >= c.times[i] { continue }
                if let gap, c.times[i] &- c.times[j] > gap { continue }
                if source[i] < target[j] { target[j] = source[i] }
            }
        }

        /// Phase 3: the first start that completes `level` steps within the window, and its lexicographically
        /// earliest chain (earliest p₂, then p₃, ...; filling an optional step before skipping it).
        func chosenChain(_ c: Columns, level: Int, ends: UnsafeMutablePointer<Int32>, onlyStart: Int?,
                         isCancelled: () -> Bool) throws -> [Int] {
            let n = c.n
            let window = shape.window ?? .max
            func completes(_ k: Int, _ j: Int, _ s: Int) -> Bool {
                let end = ends[k * n + j]
                return end != Self.never && c.times[Int(end)] &- c.times[s] <= window
            }
            guard let s = (c.lower..<n).first(where: { startAllowed($0, c, onlyStart: onlyStart) && completes(0, $0, $0) })
            else {
                preconditionFailure("the forward phase found level \(level) but no start completes it")
            }
            var positions = [s]
            var current = s, k = 0
            let last = level - 1
            var poll = CancellationPoll()
            while k < last {
                var k2 = k + 1
                var filled = false
                while k2 <= last {
                    if let next = try earliestSuccessor(c, of: current, from: k, to: k2, start: s, completes: completes,
                                                        poll: &poll, isCancelled: isCancelled) {
                        while positions.count < k2 { positions.append(-1) }
                        positions.append(next)
                        current = next
                        k = k2
                        filled = true
                        break
                    }
                    if k2 == last || !shape.optional[k2] { break }
                    k2 += 1
                }
                if !filled { preconditionFailure("step \(k2 + 1) of a completing chain has no successor") }
            }
            return positions
        }

        /// The earliest event after j (at step k) that may fill step k2 and still complete within the window; each
        /// call scans forward from j at most to the end of j's successor window.
        func earliestSuccessor(_ c: Columns, of j: Int, from k: Int, to k2: Int, start s: Int,
                               completes: (Int, Int, Int) -> Bool, poll: inout CancellationPoll,
                               isCancelled: () -> Bool) throws -> Int? {
            let n = c.n
            let bit = UInt64(1) << UInt64(k2)
            let gap = shape.gapWindows[k2]
            let excluded = excludedBits[k2 * groupCount + fromGroup[k]]
            func fits(_ i: Int) -> Bool {
                c.masks[i] & bit != 0 && c.classes[i] >= 0 && c.classes[i] == c.classes[j] && completes(k2, i, s)
            }
            if shape.directly {
                let i = j + 1
                guard i < n, !shape.strictTime || c.times[i] > c.times[j], gap.map({ c.times[i] &- c.times[j] <= $0 }) ?? true
                else { return nil }
                return fits(i) ? i : nil
            }
            var i = j + 1
            if shape.strictTime {
                // Events of j's own millisecond cannot follow it, but an excluded one still lies in between.
                while i < n, c.times[i] == c.times[j] {
                    if c.masks[i] & excluded != 0 { return nil }
                    i += 1
                }
            }
            while i < n {
                try poll.tick(isCancelled)
                if let gap, c.times[i] &- c.times[j] > gap { return nil }
                if fits(i) { return i }
                // Past an excluded event every later candidate has it in between.
                if c.masks[i] & excluded != 0 { return nil }
                i += 1
            }
            return nil
        }
    }

    // MARK: Tracing (EXPLAIN CUSTOMER)

    /// What one candidate start achieved, and why its chain went no further.
    package struct StartTrace: Sendable, Equatable {
        package var start: Int
        /// Steps reached from this start (1-based level).
        package var level: Int
        /// The chain from this start (see `CustomerMatch.positions`).
        package var positions: [Int]
        /// Why step `level + 1` was not filled; nil when the journey was completed or the start is outside the range.
        package var stop: StopReason?
        /// The start lies outside DURING/SINCE/BEFORE/LAST.
        package var outsideStartRange: Bool
    }

    package enum StopReason: Sendable, Equatable {
        /// No event after the chain's last one matches the next step.
        case noLaterMatch(step: Int)
        /// The earliest candidate lies beyond the journey window.
        case windowExceeded(step: Int, candidate: Int)
        /// The earliest candidate lies beyond the step's gap window.
        case gapExceeded(step: Int, candidate: Int)
        /// DIRECTLY: the event right after the chain's last one does not match the next step.
        case notDirectlyNext(step: Int, next: Int?)
        /// STRICT TIME: every later candidate has the same time as the chain's last event.
        case notStrictlyLater(step: Int, candidate: Int)
        /// An excluded event lies between the chain's last event and the earliest candidate.
        case excluded(step: Int, candidate: Int, excludedEvent: Int, exclusion: Int)
        /// SAME: the earliest candidate carries a different value than the start.
        case differentValue(step: Int, candidate: Int)
    }

    /// A customer's match and the traces of some of its candidate starts.
    package struct Traced: Sendable {
        /// The customer's level and chain (as `match` finds them).
        package var match: CustomerMatch
        /// The first `limit` candidate starts in order, and the chosen chain's start if it comes later.
        package var traces: [StartTrace]
        /// Candidate starts (events matching step 1) left out of `traces`.
        package var untraced: Int
    }

    /// The customer's match, and for its first `limit` candidate starts (and the chosen one) their own level,
    /// chain and stopping reason. Each traced start costs one pass of `match` restricted to it, so the work is
    /// O(limit · m · n), linear in the events; tracing every start would be quadratic.
    package mutating func trace(times: [Int64], masks: [UInt64], carried: [[CarriedValue]], limit: Int,
                               isCancelled: () -> Bool = { false }) throws -> Traced {
        var best = CustomerMatch()
        let n = times.count
        guard n > 0 else { return Traced(match: best, traces: [], untraced: 0) }
        let classCount = try assignClasses(carried: carried, count: n, isCancelled: isCancelled)
        try solve(times: times, masks: masks, classCount: classCount, onlyStart: nil, into: &best, isCancelled: isCancelled)
        let starts = (0..<n).filter { masks[$0] & 1 != 0 }
        var traced = Array(starts.prefix(limit))
        if let chosen = best.positions.first, !traced.contains(chosen) { traced.append(chosen) }
        var traces: [StartTrace] = []
        for s in traced {
            if let bounds = shape.startBounds, !bounds.contains(times[s]) {
                traces.append(StartTrace(start: s, level: 0, positions: [], stop: nil, outsideStartRange: true))
                continue
            }
            var own = CustomerMatch()
            try solve(times: times, masks: masks, classCount: classCount, onlyStart: s, into: &own, isCancelled: isCancelled)
            var stop: StopReason?
            if own.level < shape.stepCount {
                let last = own.positions.last { $0 >= 0 } ?? s
                stop = reason(step: own.level, after: last, start: s, times: times, masks: masks, carried: carried)
            }
            traces.append(StartTrace(start: s, level: own.level, positions: own.positions, stop: stop, outsideStartRange: false))
        }
        return Traced(match: best, traces: traces, untraced: starts.count - traced.count)
    }

    /// Why step `k` (0-based) cannot follow event `last` of the chain from `s`: the first rule the earliest
    /// candidate breaks. One forward scan from `last`.
    private func reason(step k: Int, after last: Int, start s: Int, times: [Int64], masks: [UInt64],
                        carried: [[CarriedValue]]) -> StopReason {
        let n = times.count
        let bit = UInt64(1) << UInt64(k)
        if shape.directly {
            let next = last + 1 < n ? last + 1 : nil
            guard let c = next, masks[c] & bit != 0 else { return .notDirectlyNext(step: k, next: next) }
            if shape.strictTime, times[c] <= times[last] { return .notStrictlyLater(step: k, candidate: c) }
            return check(k, candidate: c, last: last, start: s, times: times, masks: masks, carried: carried)
        }
        guard let c = ((last + 1)..<max(last + 1, n)).first(where: { masks[$0] & bit != 0 }) else {
            return .noLaterMatch(step: k)
        }
        if shape.strictTime, times[c] <= times[last] {
            guard let later = ((last + 1)..<n).first(where: { masks[$0] & bit != 0 && times[$0] > times[last] }) else {
                return .notStrictlyLater(step: k, candidate: c)
            }
            return check(k, candidate: later, last: last, start: s, times: times, masks: masks, carried: carried)
        }
        return check(k, candidate: c, last: last, start: s, times: times, masks: masks, carried: carried)
    }

    private func check(_ k: Int, candidate c: Int, last: Int, start s: Int, times: [Int64], masks: [UInt64],
                       carried: [[CarriedValue]]) -> StopReason {
        if let w = shape.window, times[c] &- times[s] > w { return .windowExceeded(step: k, candidate: c) }
        if let g = shape.gapWindows[k], times[c] &- times[last] > g { return .gapExceeded(step: k, candidate: c) }
        for (e, exclusion) in shape.exclusions.enumerated() where exclusion.from < k && k <= exclusion.to {
            let bit = UInt64(1) << UInt64(exclusion.bit)
            if let x = ((last + 1)..<c).first(where: { masks[$0] & bit != 0 }) {
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
