// Putting an import's buffered events into the table's clustered order (customer, time, seq) on the second core,
// one range of customers at a time, so that the importing thread inserts the first customers' rows while the
// sorter orders the rest, instead of waiting for the whole sort.
import Foundation

/// The events of one flush, put in clustered order, in their own buffer, by a thread of its own.
///
/// Two passes, both linear. The first moves the events into parts of about `partEvents` events, each a range of
/// customers at the place it holds in the order (an American flag sort: each event is moved once, straight to
/// its part). The second orders one part at a time by a counting sort on its customers, in the processor's cache,
/// where one counting sort over all the events missed it on nearly every write, then each customer's events by
/// (time, seq). Sorting in place touches no new memory but one part's scratch copy: on a virtual machine, first
/// touching a second 320 MB buffer cost more than the sort itself.
final class ClusteredRows: @unchecked Sendable {
    /// Events per part: 8 MB, which with the part's copy stays in the cache while it is sorted.
    static let partEvents = 1 << 18

    /// The events; the first `waitForRows(n)` of them are in their final order once it returns.
    let rows: UnsafeMutableBufferPointer<PendingEvent>
    /// Owns `rows`.
    private let events: PendingEvents
    // `sorted` is guarded by `condition`.
    private let condition = NSCondition()
    private var sorted = 0

    /// Starts ordering `events`, of which customer `c` has `eventsPerCustomer[c]` (the array covers every customer,
    /// by its new number when `renumbering` gives each event's customer a new one, `renumbering[old]`). `events`
    /// belongs to the sort from now on.
    init(events: PendingEvents, eventsPerCustomer: [UInt32], renumbering: [UInt32]? = nil,
         partEvents: Int = ClusteredRows.partEvents) {
        self.events = events
        rows = events.filled
        let input = HandOff(value: (eventsPerCustomer, renumbering))
        _ = Worker { [self] in
            sort(eventsPerCustomer: input.value.0, renumbering: input.value.1, partEvents: max(partEvents, 1))
        }
    }

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

    private func sort(eventsPerCustomer counts: [UInt32], renumbering: [UInt32]?, partEvents: Int) {
        // Parts: ranges of customers [partCustomers[p], partCustomers[p + 1]) holding rows [partRows[p], partRows[p + 1]).
        var partCustomers = [0], partRows = [0]
        var partOf = [UInt32](repeating: 0, count: counts.count)
        var total = 0
        for customer in counts.indices {
            partOf[customer] = UInt32(partRows.count - 1)
            total += Int(counts[customer])
            if total - partRows[partRows.count - 1] >= partEvents {
                partCustomers.append(customer + 1)
                partRows.append(total)
            }
        }
        if partRows[partRows.count - 1] < total {
            partCustomers.append(counts.count)
            partRows.append(total)
        }
        precondition(total == rows.count, "events per customer do not add up to the events")
        let parts = partRows.count - 1
        if parts <= Int(UInt8.max) + 1 {
            moveToParts(partOf: partOf, renumbering: renumbering, partRows: partRows, home: UInt8.self)
        } else {
            moveToParts(partOf: partOf, renumbering: renumbering, partRows: partRows, home: UInt32.self)
        }
        ImportTrace.mark("sorting: events moved into \(parts) parts of customers")

        // Pass 2: each part by customer, then each customer's events by (time, seq), which pass 1 shuffled.
        var largest = 0
        for part in 0..<parts { largest = max(largest, partRows[part + 1] - partRows[part]) }
        let scratch = UnsafeMutableBufferPointer<PendingEvent>.allocate(capacity: max(largest, 1))
        defer { scratch.deallocate() }
        var slots: [Int] = []
        for part in 0..<parts {
            let firstCustomer = partCustomers[part], endCustomer = partCustomers[part + 1]
            let firstRow = partRows[part], endRow = partRows[part + 1]
            scratch.baseAddress!.update(from: rows.baseAddress! + firstRow, count: endRow - firstRow)
            slots.removeAll(keepingCapacity: true)
            var row = firstRow
            for customer in firstCustomer..<endCustomer {
                slots.append(row)
                row += Int(counts[customer])
            }
            slots.withUnsafeMutableBufferPointer { slots in
                for event in scratch[0..<(endRow - firstRow)] {
                    let slot = Int(event.customer) - firstCustomer
                    rows[slots[slot]] = event
                    slots[slot] += 1
                }
            }
            row = firstRow
            for customer in firstCustomer..<endCustomer {
                let end = row + Int(counts[customer])
                Self.sortByTime(UnsafeMutableBufferPointer(rebasing: rows[row..<end]))
                row = end
            }
            publish(endRow)
        }
        ImportTrace.mark("sorting \(rows.count) events")
    }

    /// Pass 1: renumbers each event's customer (with `renumbering`) and moves each event straight to its part.
    ///
    /// Each event's part (its home) is looked up first, in a pass of its own over the events, into `homes`, which
    /// is permuted along with them: the lookups there are independent, so the processor overlaps their cache misses,
    /// where inside the moving loop each one sat in a chain of dependent loads (the move took 0.38-0.46 s of the 10M
    /// import that way). `next[p]` is the first row of part p not yet holding one of its own events; an event taken
    /// from there is carried on to its own part, until one belongs where it was taken.
    private func moveToParts<Home: FixedWidthInteger & UnsignedInteger>(partOf: [UInt32], renumbering: [UInt32]?,
                                                                        partRows: [Int], home: Home.Type) {
        let homes = UnsafeMutableBufferPointer<Home>.allocate(capacity: max(rows.count, 1))
        defer { homes.deallocate() }
        partOf.withUnsafeBufferPointer { partOf in
            if let renumbering {
                renumbering.withUnsafeBufferPointer { renumbering in
                    for index in rows.indices {
                        let customer = renumbering[Int(rows[index].customer)]
                        rows[index].customer = customer
                        homes[index] = Home(truncatingIfNeeded: partOf[Int(customer)])
                    }
                }
            } else {
                for index in rows.indices { homes[index] = Home(truncatingIfNeeded: partOf[Int(rows[index].customer)]) }
            }
        }
        var next = Array(partRows.dropLast())
        next.withUnsafeMutableBufferPointer { next in
            for part in 0..<(partRows.count - 1) {
                let end = partRows[part + 1]
                while next[part] < end {
                    let at = next[part]
                    var event = rows[at]
                    var home = Int(homes[at])
                    while home != part {
                        let slot = next[home]
                        swap(&event, &rows[slot])
                        let carried = Int(homes[slot])
                        homes[slot] = Home(truncatingIfNeeded: home)
                        next[home] = slot + 1
                        home = carried
                    }
                    rows[at] = event
                    homes[at] = Home(truncatingIfNeeded: part)
                    next[part] = at + 1
                }
            }
        }
    }

    /// Sorts one customer's events by (time, import order): by insertion for the usual few, else by `sort`.
    private static func sortByTime(_ events: UnsafeMutableBufferPointer<PendingEvent>) {
        @inline(__always) func before(_ a: PendingEvent, _ b: PendingEvent) -> Bool {
            a.time != b.time ? a.time < b.time : a.offset < b.offset
        }
        guard events.count > 1 else { return }
        guard events.count <= 32 else {
            var events = events
            events.sort(by: before)
            return
        }
        for index in 1..<events.count {
            let event = events[index]
            var hole = index
            while hole > 0, before(event, events[hole - 1]) {
                events[hole] = events[hole - 1]
                hole -= 1
            }
            events[hole] = event
        }
    }
}
