// One slot per iteration of a concurrent loop (DispatchQueue.concurrentPerform), for what each iteration makes.
import Foundation

/// Values set by concurrent iterations, each into its own slot.
final class ConcurrentResults<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) { lock.withLock { slots[index] = value } }

    /// Every slot, nil where no iteration set one; read once the loop has returned.
    var values: [T?] { lock.withLock { slots } }
}
