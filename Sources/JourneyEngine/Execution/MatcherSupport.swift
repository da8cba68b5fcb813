// What the matchers share: monotone queues per SAME class (the sliding-window maximum and minimum that find an
// event's best predecessor or successor in O(1) amortized instead of by a scan), SAME values as hash keys, and the
// counter that polls for cancellation inside one customer's matching.
import JourneyStore

/// One monotone queue per class over event indices, each in its own segment of a shared buffer.
///
/// A sweep pushes every index at most once, in sweep order, into the queue of its class, so a class's segment needs
/// as many slots as the class has events. Pushing drops from the back every index whose value the new one beats or
/// equals (the newer index stays in the window at least as long), so each queue's values are strictly monotone
/// from front to back and its front is the best index still in the window. Each index enters and leaves once:
/// a whole sweep costs O(n + classes), whatever the windows.
struct ClassQueues {
    /// offsets[c]: where class c's segment starts; offsets[classes] is the total.
    let offsets: UnsafeMutablePointer<Int32>
    let heads: UnsafeMutablePointer<Int32>
    let tails: UnsafeMutablePointer<Int32>
    let slots: UnsafeMutablePointer<Int32>
    let classes: Int

    /// Lays out at `base` one segment per class, as long as the class has events among the first `n`: offsets
    /// (classes + 1), heads, tails (classes each), then the slots (n).
    static func laidOut(at base: UnsafeMutablePointer<Int32>, classCount: Int, classes: UnsafeBufferPointer<Int32>,
                        n: Int) -> ClassQueues {
        let offsets = base
        for c in 0...classCount { offsets[c] = 0 }
        for j in 0..<n where classes[j] >= 0 { offsets[Int(classes[j]) + 1] += 1 }
        for c in 0..<classCount { offsets[c + 1] += offsets[c] }
        return existing(at: base, classCount: classCount)
    }

    /// The queues `laidOut(at:...)` placed at `base`.
    static func existing(at base: UnsafeMutablePointer<Int32>, classCount: Int) -> ClassQueues {
        ClassQueues(offsets: base, heads: base + classCount + 1, tails: base + 2 * classCount + 1,
                    slots: base + 3 * classCount + 1, classes: classCount)
    }

    /// Empties every queue.
    @inline(__always)
    func reset() {
        for c in 0..<classes {
            heads[c] = offsets[c]
            tails[c] = offsets[c]
        }
    }

    /// Appends `index` to class `c`'s queue, first dropping the indices whose value is `<=` (`largest`) or `>=`
    /// (smallest) its own.
    @inline(__always)
    func push(_ index: Int, class c: Int, values: UnsafeMutablePointer<Int32>, largest: Bool) {
        let value = values[index]
        var tail = Int(tails[c])
        let head = Int(heads[c])
        if largest {
            while tail > head, values[Int(slots[tail - 1])] <= value { tail -= 1 }
        } else {
            while tail > head, values[Int(slots[tail - 1])] >= value { tail -= 1 }
        }
        slots[tail] = Int32(truncatingIfNeeded: index)
        tails[c] = Int32(truncatingIfNeeded: tail + 1)
    }

    /// The front of class `c`'s queue after dropping the indices below `lower` (a forward sweep's window start).
    @inline(__always)
    func front(class c: Int, notBelow lower: Int) -> Int? {
        var head = Int(heads[c])
        let tail = Int(tails[c])
        while head < tail, Int(slots[head]) < lower { head += 1 }
        heads[c] = Int32(truncatingIfNeeded: head)
        return head < tail ? Int(slots[head]) : nil
    }

    /// The front of class `c`'s queue after dropping the indices above `upper` (a backward sweep's window end).
    @inline(__always)
    func front(class c: Int, notAbove upper: Int) -> Int? {
        var head = Int(heads[c])
        let tail = Int(tails[c])
        while head < tail, Int(slots[head]) > upper { head += 1 }
        heads[c] = Int32(truncatingIfNeeded: head)
        return head < tail ? Int(slots[head]) : nil
    }
}

/// The SAME value of an event as a hashable key, equal exactly when `CarriedValue.sameValue(as:)` says so.
///
/// Numbers are keyed by their Double value (an integer equals the same real), so integers beyond 2⁵³, where a
/// Double cannot tell neighbours apart, keep a key of their own; text by its bytes (Swift's `String` equality
/// would merge canonically equivalent spellings). Null and NaN equal nothing, so they get no key.
enum SameKey: Hashable {
    case number(Double)
    case integer(Int64)
    case text(GroupKeys.ByteText)

    init?(_ value: CarriedValue) {
        switch value {
        case .null: return nil
        case .integer(let i):
            self = i.magnitude <= 1 << 53 ? .number(Double(i)) : .integer(i)
        case .real(let d):
            guard !d.isNaN else { return nil }
            self = .number(d)
        case .text(let t): self = .text(GroupKeys.ByteText(t))
        }
    }
}

/// Counts units of work and asks `isCancelled` every 4,096 of them: the matchers' loops tick it so that one huge
/// customer sees Ctrl-C as promptly as the scan between customers does, for the cost of a decrement per unit.
struct CancellationPoll {
    private var count = 0

    @inline(__always)
    mutating func tick(_ isCancelled: () -> Bool) throws {
        count &+= 1
        if count & 4095 == 0, isCancelled() { throw StoreError.cancelled }
    }
}
