// The events in columnar form: every event's time and dictionary codes in flat arrays, one
// contiguous range per customer, in the table's clustered (customer, time, seq) order.
import Foundation

/// The stage, touchpoint and channel codes of one event (nil where the column is NULL). The distinct triples of a
/// store are few (hundreds), so each event stores the number of its triple, and a condition on these columns is
/// evaluated once per triple instead of once per event.
package struct CodeTriple: Sendable, Hashable {
    package var stage: Int64?
    package var touchpoint: Int64?
    package var channel: Int64?

    package init(stage: Int64?, touchpoint: Int64?, channel: Int64?) {
        self.stage = stage
        self.touchpoint = touchpoint
        self.channel = channel
    }

    package subscript(column: EventColumn) -> Int64? {
        switch column {
        case .stage: stage
        case .touchpoint: touchpoint
        case .channel: channel
        }
    }
}

/// Which state of the events a columnar copy holds: imports only ever add events, and every
/// added event takes the next import sequence number, so the count and the next number identify the contents.
package struct EventsVersion: Sendable, Hashable {
    package var eventCount: Int64
    package var nextSeq: Int64
}

/// Where a columnar copy came from.
package enum ColumnarOrigin: Sendable {
    /// Already in this process's memory.
    case memory
    /// Decoded from the copy kept inside the store.
    case storedCopy
    /// Made by this process: by the import that stored it, or by rewriting a version 2 store.
    case madeHere
}

/// Every event of a store in memory, column by column.
///
/// Customer `c` (an index into `customers`) owns events `starts[c] ..< starts[c + 1]`, in time, then import order.
/// About 12 bytes per event: an 8-byte time and a 4-byte triple number.
package final class ColumnarEvents: @unchecked Sendable {
    /// The state of the events this copy holds.
    package let version: EventsVersion
    /// The store's internal customer numbers, ascending; only customers with events.
    package let customers: [Int64]
    /// customers.count + 1 offsets into the event columns.
    package let starts: [Int32]
    /// Milliseconds since the epoch (UTC).
    package let times: [Int64]
    /// Each event's index into `triples`.
    package let tripleIndex: [UInt32]
    /// The distinct code triples.
    package let triples: [CodeTriple]

    /// Property columns loaded so far, by property name. Guarded by `lock`: they are loaded on first use.
    private var propertyColumns: [String: PropertyColumn] = [:]
    private let lock = NSLock()

    /// For a copy merged from the stored parts (`ColumnarParts`): where each event came from, so that property
    /// columns stored per part merge the same way.
    let partRuns: ColumnarPartRuns?

    package convenience init(version: EventsVersion, customers: [Int64], starts: [Int32], times: [Int64],
                            tripleIndex: [UInt32], triples: [CodeTriple]) {
        self.init(version: version, customers: customers, starts: starts, times: times, tripleIndex: tripleIndex,
                  triples: triples, partRuns: nil)
    }

    init(version: EventsVersion, customers: [Int64], starts: [Int32], times: [Int64],
         tripleIndex: [UInt32], triples: [CodeTriple], partRuns: ColumnarPartRuns?) {
        precondition(starts.count == customers.count + 1 && times.count == tripleIndex.count)
        self.version = version
        self.customers = customers
        self.starts = starts
        self.times = times
        self.tripleIndex = tripleIndex
        self.triples = triples
        self.partRuns = partRuns
    }

    package var eventCount: Int { times.count }
    package var customerCount: Int { customers.count }

    /// Bytes held by the columns, property columns included.
    package var byteCount: Int {
        let base = customers.count * 8 + starts.count * 4 + times.count * 8 + tripleIndex.count * 4 + triples.count * 32
        return base + lock.withLock { propertyColumns.values.reduce(0) { $0 + $1.byteCount } }
    }

    /// Per customer, a bit for each triple among its events: bit t % 64 for triple t (with more than 64 triples a
    /// bit stands for several, so a clear bit still proves absence). Made on first use, in one pass (about 8 ms
    /// for 10M events), and kept.
    package var tripleSummary: [UInt64] {
        lock.withLock {
            if let summary = storedSummary { return summary }
            var summary = [UInt64](repeating: 0, count: customerCount)
            starts.withUnsafeBufferPointer { starts in
                tripleIndex.withUnsafeBufferPointer { tripleIndex in
                    summary.withUnsafeMutableBufferPointer { summary in
                        for c in 0..<summary.count {
                            var bits: UInt64 = 0
                            for i in Int(starts[c])..<Int(starts[c + 1]) { bits |= 1 << UInt64(tripleIndex[i] & 63) }
                            summary[c] = bits
                        }
                    }
                }
            }
            storedSummary = summary
            return summary
        }
    }
    private var storedSummary: [UInt64]?

    /// The property column `name`, loading it with `load` the first time.
    func propertyColumn(_ name: String, load: () throws -> PropertyColumn) rethrows -> PropertyColumn {
        if let column = lock.withLock({ propertyColumns[name] }) { return column }
        let column = try load()
        precondition(column.valueIndex.count == eventCount)
        lock.withLock { propertyColumns[name] = column }
        return column
    }

    /// Each event's property object: the id in table `props` as `.integer`, `.missing` for none; loaded with `load`
    /// the first time. This column is how the store keeps which object each event has (see `EventsTable`).
    func propsColumn(load: () throws -> PropertyColumn) rethrows -> PropertyColumn {
        if let column = lock.withLock({ storedProps }) { return column }
        let column = try load()
        precondition(column.valueIndex.count == eventCount)
        lock.withLock { storedProps = column }
        return column
    }
    private var storedProps: PropertyColumn?

    /// Each event's import sequence number (see `EventsTable`), loaded with `load` the first time.
    func seqColumn(load: () throws -> [Int64]) rethrows -> [Int64] {
        if let column = lock.withLock({ storedSeqs }) { return column }
        let column = try load()
        precondition(column.count == eventCount)
        lock.withLock { storedSeqs = column }
        return column
    }
    private var storedSeqs: [Int64]?

    /// The index of customer number `id` in `customers`, if it has events.
    package func customerIndex(_ id: Int64) -> Int? {
        var lo = 0, hi = customers.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if customers[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        return lo < customers.count && customers[lo] == id ? lo : nil
    }
}

/// A property's value as the store holds it: what `json_type` and `json_extract` give for the event's `props`.
package enum StoredValue: Sendable, Hashable {
    case missing
    case integer(Int64)
    case real(Double)
    case text(String)
    /// JSON true or false (`json_extract` gives 1 or 0; never compared as a number).
    case boolean(Bool)
    /// A JSON array or object, as its JSON text.
    case json(String)

    /// Text compares byte for byte, as the store does: Swift's `String` equality would merge canonically
    /// equivalent spellings (a precomposed `é` and `e` with a combining accent) into one value.
    package static func == (a: StoredValue, b: StoredValue) -> Bool {
        switch (a, b) {
        case (.missing, .missing): true
        case (.integer(let x), .integer(let y)): x == y
        case (.real(let x), .real(let y)): x.bitPattern == y.bitPattern
        case (.text(let x), .text(let y)), (.json(let x), .json(let y)): x.utf8.elementsEqual(y.utf8)
        case (.boolean(let x), .boolean(let y)): x == y
        default: false
        }
    }

    package func hash(into hasher: inout Hasher) {
        switch self {
        case .missing: hasher.combine(0)
        case .integer(let i): hasher.combine(1); hasher.combine(i)
        case .real(let d): hasher.combine(2); hasher.combine(d.bitPattern)
        case .text(let s): hasher.combine(3); for byte in s.utf8 { hasher.combine(byte) }
        case .boolean(let b): hasher.combine(4); hasher.combine(b)
        case .json(let s): hasher.combine(5); for byte in s.utf8 { hasher.combine(byte) }
        }
    }
}

/// One event property for every event: a number per event into a table of the distinct values.
package struct PropertyColumn: Sendable {
    /// values[valueIndex[i]] is event i's value; index 0 is always `.missing`.
    package var valueIndex: ValueNumbers
    package var values: [StoredValue]

    package init(valueIndex: ValueNumbers, values: [StoredValue]) {
        self.valueIndex = valueIndex
        self.values = values
    }

    /// A column whose numbers (each below `values.count`) are kept in the narrowest width that holds them.
    package init(valueIndex: [UInt32], values: [StoredValue]) {
        self.init(valueIndex: ValueNumbers(valueIndex, maximum: UInt32(max(0, values.count - 1))), values: values)
    }

    var byteCount: Int { valueIndex.byteCount + values.count * 24 }
}

extension PropertyColumn {
    /// The column of property object ids (`ColumnarEvents.propsColumn`) of events whose objects are `ids` (0 for none).
    init(propsIDs ids: some Collection<UInt32>) {
        var values: [StoredValue] = [.missing]
        // number[id] is the id's value number plus one (0: not numbered yet); ids are dense, from 1.
        var number = [UInt32](repeating: 0, count: Int(ids.max() ?? 0) + 1)
        number[0] = 1
        var numbers: [UInt32] = []
        numbers.reserveCapacity(ids.count)
        for id in ids {
            let known = number[Int(id)]
            if known != 0 {
                numbers.append(known - 1)
                continue
            }
            let index = UInt32(values.count)
            values.append(.integer(Int64(id)))
            number[Int(id)] = index + 1
            numbers.append(index)
        }
        self.init(valueIndex: numbers, values: values)
    }

    /// Each event's property object id (0 for none), for a column made by `init(propsIDs:)`.
    var propsIDs: [UInt32] {
        let ids = values.map { value -> UInt32 in
            if case .integer(let id) = value { return UInt32(truncatingIfNeeded: id) }
            return 0
        }
        return valueIndex.map { ids[Int($0)] }
    }
}
