// Putting an import's buffered events into the table's clustered order (customer, time, seq) on the second core,
// one range of customers at a time, so that the importing thread inserts the first customers' rows while the
// sorter orders the rest, instead of waiting for the whole sort.
import Foundation

/// The events of one flush, put in clustered order by a thread of its own.
///
/// Two linear passes. The first spreads the events, in their import order, into parts of about `partEvents`
/// events, each a range of customers and each already at the place it holds in the order. The second orders one
/// part at a time by a counting sort on its customers, which is stable (each customer's events stay in import
/// order) and works in the processor's cache, where one counting sort over all the events missed it on nearly
/// every write. Only the customers whose events did not arrive in time order are then sorted by time.
final class ClusteredRows: @unchecked Sendable {
    /// Events per part: 8 MB, which with the part's copy stays in the cache while it is sorted.
    static let partEvents = 1 << 18

    /// The events; the first `waitForRows(n)` of them are in their final order once it returns.
    let rows: UnsafeMutableBufferPointer<PendingEvent>
    // `sorted` is guarded by `condition`.
    private let condition = NSCondition()
    private var sorted = 0

    /// Starts ordering `events`, of which customer `c` has `eventsPerCustomer[c]` (the array covers every customer,
    /// by its new number when `renumbering` gives each event's customer a new one, `renumbering[old]`).
    init(events: [PendingEvent], eventsPerCustomer: [UInt32], renumbering: [UInt32]? = nil) {
        rows = .allocate(capacity: events.count)
        LargeArrays.adviseHugePages(UnsafeMutableRawBufferPointer(rows))
        let input = HandOff(value: (events, eventsPerCustomer, renumbering))
        _ = Worker { [self] in
            var input = input
            sort(&input.value.0, eventsPerCustomer: input.value.1, renumbering: input.value.2)
        }
    }

    deinit { rows.deallocate() }

    /// Waits until at least the first `count` rows are in order; returns how many are.
    func waitForRows(_ count: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while sorted < count { condition.wait() }
        return sorted
    }

    /// Waits until every row is in order.
    func waitForAll() { _ = waitForRows(rows.count) }

    private func publish(_ count: Int) {
        condition.lock()
        sorted = count
        condition.broadcast()
        condition.unlock()
    }

    private func sort(_ events: inout [PendingEvent], eventsPerCustomer counts: [UInt32], renumbering: [UInt32]?) {
        // Parts: ranges of customers [partCustomers[p], partCustomers[p + 1]) holding rows [partRows[p], partRows[p + 1]).
        var partCustomers = [0], partRows = [0]
        var partOf = [UInt32](repeating: 0, count: counts.count)
        var total = 0
        for customer in counts.indices {
            partOf[customer] = UInt32(partRows.count - 1)
            total += Int(counts[customer])
            if total - partRows[partRows.count - 1] >= Self.partEvents {
                partCustomers.append(customer + 1)
                partRows.append(total)
            }
        }
        if partRows[partRows.count - 1] < total {
            partCustomers.append(counts.count)
            partRows.append(total)
        }
        precondition(total == rows.count, "events per customer do not add up to the events")
        ImportTrace.mark("sorting: \(partRows.count - 1) parts of customers")

        // Pass 1: each event to its part, in import order.
        var cursor = partRows
        cursor.withUnsafeMutableBufferPointer { cursor in
            partOf.withUnsafeBufferPointer { partOf in
                if let renumbering {
                    for var event in events {
                        event.customer = renumbering[Int(event.customer)]
                        let part = Int(partOf[Int(event.customer)])
                        rows[cursor[part]] = event
                        cursor[part] += 1
                    }
                } else {
                    for event in events {
                        let part = Int(partOf[Int(event.customer)])
                        rows[cursor[part]] = event
                        cursor[part] += 1
                    }
                }
            }
        }
        events = []
        ImportTrace.mark("sorting: events spread into parts")

        // Pass 2: each part by customer, then by time where needed.
        var largest = 0
        for part in 0..<(partRows.count - 1) { largest = max(largest, partRows[part + 1] - partRows[part]) }
        let scratch = UnsafeMutableBufferPointer<PendingEvent>.allocate(capacity: max(largest, 1))
        defer { scratch.deallocate() }
        var next: [Int] = []
        for part in 0..<(partRows.count - 1) {
            let firstCustomer = partCustomers[part], endCustomer = partCustomers[part + 1]
            let firstRow = partRows[part], endRow = partRows[part + 1]
            scratch.baseAddress!.update(from: rows.baseAddress! + firstRow, count: endRow - firstRow)
            next.removeAll(keepingCapacity: true)
            var row = firstRow
            for customer in firstCustomer..<endCustomer {
                next.append(row)
                row += Int(counts[customer])
            }
            next.withUnsafeMutableBufferPointer { next in
                for event in scratch[0..<(endRow - firstRow)] {
                    let slot = Int(event.customer) - firstCustomer
                    rows[next[slot]] = event
                    next[slot] += 1
                }
            }
            // Each customer's range is in time order unless the file had it otherwise.
            row = firstRow
            for customer in firstCustomer..<endCustomer {
                let end = row + Int(counts[customer])
                var inOrder = true
                var index = row + 1
                while index < end {
                    if rows[index].time < rows[index - 1].time { inOrder = false; break }
                    index += 1
                }
                if !inOrder {
                    rows[row..<end].sort { a, b in a.time != b.time ? a.time < b.time : a.offset < b.offset }
                }
                row = end
            }
            publish(endRow)
        }
        ImportTrace.mark("sorting \(rows.count) events")
    }
}
