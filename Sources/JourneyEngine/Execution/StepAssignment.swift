// Steps assigned to distinct events by augmenting paths (Kuhn's algorithm): TIES ANY ORDER and IN ANY ORDER both
// ask how long a prefix of the steps can be filled by different events of a set. `StepPool` answers it on counts
// of events per step mask, fast enough to slide over a customer; `EventAssignment` picks the events themselves.

/// A multiset of events kept as classes (one per distinct step mask, with a count), and an assignment of steps
/// to units of those classes.
///
/// Events with the same mask are interchangeable for the question "which steps can distinct events fill", so the
/// bipartite graph has at most 64 steps on one side. An augmenting path walks steps only: from step k, take a free
/// unit of a class with bit k, or move a step j whose class has bit k to another class and take j's unit. Each step
/// is visited once, so one augmentation costs O(m²) plus one scan of the classes when it succeeds, whatever the
/// number of events.
struct StepPool {
    private(set) var masks: [UInt64] = []
    private(set) var counts: [Int] = []
    private(set) var used: [Int] = []
    /// The class holding each step, or -1.
    private(set) var stepClass = [Int](repeating: -1, count: 64)
    /// Bit k set when step k holds a unit.
    private(set) var matched: UInt64 = 0
    /// freeByStep[k]: free units over the classes with bit k (0 means step k can only take a unit by a move).
    private var freeByStep = [Int](repeating: 0, count: 64)
    /// Class by mask, once there are too many classes to search.
    private var index: [UInt64: Int] = [:]
    /// The steps some class has: the only entries of `freeByStep` that can be non-zero (a pool is emptied per time
    /// group under TIES ANY ORDER, so emptying must not cost 64 writes).
    private var touched: UInt64 = 0

    /// Forgets every class and assignment.
    mutating func reset() {
        masks.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
        used.removeAll(keepingCapacity: true)
        if !index.isEmpty { index = [:] }
        var steps = matched
        while steps != 0 {
            stepClass[steps.trailingZeroBitCount] = -1
            steps &= steps - 1
        }
        matched = 0
        clearFree()
        touched = 0
    }

    private mutating func clearFree() {
        var bits = touched
        while bits != 0 {
            freeByStep[bits.trailingZeroBitCount] = 0
            bits &= bits - 1
        }
    }

    /// Keeps the classes but empties them: no units, no assignment.
    mutating func empty() {
        var steps = matched
        while steps != 0 {
            stepClass[steps.trailingZeroBitCount] = -1
            steps &= steps - 1
        }
        matched = 0
        for c in counts.indices {
            counts[c] = 0
            used[c] = 0
        }
        clearFree()
    }

    /// The class of `mask`, made (empty) if new.
    mutating func classIndex(_ mask: UInt64) -> Int {
        if masks.count <= 16 {
            if let c = masks.firstIndex(of: mask) { return c }
        } else {
            if index.isEmpty { for (c, m) in masks.enumerated() { index[m] = c } }
            if let c = index[mask] { return c }
            index[mask] = masks.count
        }
        masks.append(mask)
        counts.append(0)
        used.append(0)
        touched |= mask
        return masks.count - 1
    }

    func free(_ c: Int) -> Int { counts[c] - used[c] }

    /// One more event of class `c`.
    mutating func add(class c: Int) {
        counts[c] += 1
        changeFree(c, by: 1)
    }

    /// One event of class `c` fewer. When every unit of `c` is held, the step holding one loses it and is returned
    /// (unassigned); the caller decides whether to find it another.
    mutating func remove(class c: Int) -> Int? {
        if free(c) > 0 {
            counts[c] -= 1
            changeFree(c, by: -1)
            return nil
        }
        var steps = matched
        while steps != 0 {
            let k = steps.trailingZeroBitCount
            steps &= steps - 1
            if stepClass[k] == c {
                unassign(step: k)
                counts[c] -= 1
                changeFree(c, by: -1)
                return k
            }
        }
        preconditionFailure("class \(c) has no free unit and no step holding one")
    }

    /// Step k gives its unit back.
    mutating func unassign(step k: Int) {
        let c = stepClass[k]
        guard c >= 0 else { return }
        used[c] -= 1
        changeFree(c, by: 1)
        stepClass[k] = -1
        matched &= ~(1 << UInt64(k))
    }

    /// Gives step k a unit, moving other steps when that frees one. On failure nothing changes, and `visited` holds
    /// the steps the search reached: until a unit is added to a class with one of those bits (or anything else
    /// changes), step k cannot be given a unit.
    mutating func augment(step k: Int, visited: inout UInt64) -> Bool {
        visited = 0
        return search(k, &visited)
    }

    private mutating func search(_ k: Int, _ visited: inout UInt64) -> Bool {
        let bit = UInt64(1) << UInt64(k)
        visited |= bit
        if freeByStep[k] > 0, let c = masks.indices.first(where: { masks[$0] & bit != 0 && free($0) > 0 }) {
            assign(step: k, to: c)
            return true
        }
        var candidates = matched & ~visited
        while candidates != 0 {
            let j = candidates.trailingZeroBitCount
            candidates &= candidates - 1
            guard visited & (1 << UInt64(j)) == 0 else { continue }
            let c = stepClass[j]
            guard masks[c] & bit != 0 else { continue }
            // Every class with bit k is full, c among them; if j can move elsewhere, k takes j's unit of c.
            if search(j, &visited) {
                assign(step: k, to: c)
                return true
            }
        }
        return false
    }

    private mutating func assign(step k: Int, to c: Int) {
        unassign(step: k)
        used[c] += 1
        changeFree(c, by: -1)
        stepClass[k] = c
        matched |= 1 << UInt64(k)
    }

    private mutating func changeFree(_ c: Int, by delta: Int) {
        var bits = masks[c]
        while bits != 0 {
            freeByStep[bits.trailingZeroBitCount] += delta
            bits &= bits - 1
        }
    }
}

/// Steps assigned to events themselves, by Kuhn's augmenting paths over the events of a range in index order
/// (the choice of events that TIES ANY ORDER reports, kept exactly as it always was). Arrays sized to the
/// customer replace dictionaries, and a stamp replaces a visited set per augmentation.
struct EventAssignment {
    /// eventOfStep[k]: the event holding step k, or -1.
    private(set) var eventOfStep = [Int](repeating: -1, count: 64)
    private var stepOfEvent: [Int8] = []
    private var visitedStamp: [UInt32] = []
    private var stamp: UInt32 = 0
    /// A step whose event never moves (TIES ANY ORDER pins step 1 to the start).
    private var pinned = -1

    /// Forgets every assignment for a customer of `n` events; `pin` fixes `step` to `event` from now on.
    mutating func reset(events n: Int, pin: (step: Int, event: Int)? = nil) {
        if stepOfEvent.count < n {
            stepOfEvent = Array(repeating: -1, count: n)
            visitedStamp = Array(repeating: 0, count: n)
            stamp = 0
        }
        for k in 0..<64 where eventOfStep[k] >= 0 {
            stepOfEvent[eventOfStep[k]] = -1
            eventOfStep[k] = -1
        }
        pinned = pin?.step ?? -1
        if let pin {
            eventOfStep[pin.step] = pin.event
            stepOfEvent[pin.event] = Int8(pin.step)
        }
    }

    /// Gives step `k` an event of `events` whose mask has bit k, moving other steps to other events when that
    /// frees one. False when no assignment of all assigned steps plus k exists. O(m · |events|).
    mutating func augment(step k: Int, events: Range<Int>, masks: [UInt64], poll: inout CancellationPoll,
                          isCancelled: () -> Bool) throws -> Bool {
        if stamp == .max {
            for i in visitedStamp.indices { visitedStamp[i] = 0 }
            stamp = 0
        }
        stamp += 1
        return try search(k, events, masks, &poll, isCancelled)
    }

    private mutating func search(_ k: Int, _ events: Range<Int>, _ masks: [UInt64], _ poll: inout CancellationPoll,
                                 _ isCancelled: () -> Bool) throws -> Bool {
        let bit = UInt64(1) << UInt64(k)
        for e in events {
            try poll.tick(isCancelled)
            guard masks[e] & bit != 0, visitedStamp[e] != stamp else { continue }
            visitedStamp[e] = stamp
            let holder = Int(stepOfEvent[e])
            if holder >= 0 {
                guard holder != pinned, try search(holder, events, masks, &poll, isCancelled) else { continue }
            }
            stepOfEvent[e] = Int8(k)
            eventOfStep[k] = e
            return true
        }
        return false
    }
}
