// Scanning on every core: a source that can split its scan by customer ranges is scanned on one thread per range;
// each range feeds its own copy of an accumulator, and the copies are merged in range order, which gives the
// same answer as one pass.
import Foundation
import JourneyStore

enum ParallelScan {
    /// Feeds every customer `request` delivers to a copy of `template`: one copy per customer range on its own
    /// thread when the source can split its scan, merged in range order; else one pass.
    static func accumulate<A: CustomerAccumulator>(_ template: A, request: ScanRequest, source: EventSource,
                                                   isCancelled: () -> Bool) throws -> A {
        var accumulator = template
        if let partitioned = try source.partitionedScan(request, partitions: ColumnarScan.defaultPartitions,
                                                        isCancelled: isCancelled),
           partitioned.partitionCount > 1 || accumulator.takesBuffers {
            return try withoutActuallyEscaping(isCancelled) { isCancelled in
                try parallel(partitioned, template: accumulator, isCancelled: isCancelled)
            }
        }
        try source.scanCustomers(request, isCancelled: isCancelled) { try accumulator.add($0, isCancelled: isCancelled) }
        return accumulator
    }

    /// Every partition scanned and matched on a thread of its own, then merged in partition order.
    private static func parallel<A: CustomerAccumulator>(_ scan: any PartitionedScan, template: A,
                                                         isCancelled: @escaping () -> Bool) throws -> A {
        let count = scan.partitionCount
        let slots = PartitionSlots(Array(repeating: template, count: count))
        let check = UncheckedSendable(value: isCancelled)
        DispatchQueue.concurrentPerform(iterations: count) { k in
            var accumulator = slots.take(k)
            // A closure of this thread's own: the per-customer calls copy it, and copies of one closure shared by
            // both threads contend for its reference count.
            let isCancelled: () -> Bool = { check.value() }
            // Likewise the scan object that goes along with each customer.
            let scan = scan.threadCopy()
            do {
                if accumulator.takesBuffers {
                    try scan.scanColumns(partition: k, isCancelled: isCancelled) {
                        try accumulator.add($0, from: scan, isCancelled: isCancelled)
                    }
                } else {
                    try scan.scan(partition: k, isCancelled: isCancelled) {
                        try accumulator.add($0, isCancelled: isCancelled)
                    }
                }
                slots.put(k, accumulator)
            } catch {
                slots.fail(k, error)
            }
        }
        var total = template
        for k in 0..<count { total.merge(try slots.result(k)) }
        return total
    }
}

/// A value handed to other threads whose safety the caller guarantees (here: read-only, or one thread each).
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
}

/// One accumulator per partition, each taken and put back by one thread, read after all have finished.
final class PartitionSlots<T>: @unchecked Sendable {
    private var values: [T?]
    private var errors: [(any Error)?]
    private let lock = NSLock()

    init(_ values: [T]) {
        self.values = values
        errors = Array(repeating: nil, count: values.count)
    }

    func take(_ k: Int) -> T {
        lock.withLock {
            let value = values[k]!
            values[k] = nil
            return value
        }
    }

    func put(_ k: Int, _ value: T) {
        lock.withLock { values[k] = value }
    }

    func fail(_ k: Int, _ error: any Error) {
        lock.withLock { errors[k] = error }
    }

    func result(_ k: Int) throws -> T {
        try lock.withLock {
            if let error = errors[k] { throw error }
            return values[k]!
        }
    }
}

/// What a scan feeds, customer by customer, and how copies that saw different customers combine. Its metatype
/// crosses to the partition threads, hence `SendableMetatype`.
protocol CustomerAccumulator: SendableMetatype {
    /// Whether customers may be handed over as raw columns (`add(_:from:isCancelled:)`) instead of arrays.
    var takesBuffers: Bool { get }
    /// Matches one customer; throws `StoreError.cancelled` when `isCancelled` turns true while it is matched.
    mutating func add(_ customer: CustomerEvents, isCancelled: () -> Bool) throws
    mutating func add(_ columns: CustomerColumns, from scan: any PartitionedScan, isCancelled: () -> Bool) throws
    /// Adds what another copy accumulated over other customers.
    mutating func merge(_ other: Self)
}

extension CustomerAccumulator {
    var takesBuffers: Bool { false }
    mutating func add(_ columns: CustomerColumns, from scan: any PartitionedScan, isCancelled: () -> Bool) throws {
        preconditionFailure("this accumulator takes arrays")
    }
}
