// Steps assigned to distinct events by augmenting paths (Kuhn's algorithm): the order modes TIES ANY ORDER and
// IN ANY ORDER both ask whether some steps can be filled by different events of a set.

struct StepAssignment: Sendable {
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
