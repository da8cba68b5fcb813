// Serving a ScanRequest from the columnar copy: conditions specialized per code triple, leftovers per event,
// customers split into ranges that scan independently (one per core).
import Foundation

/// An event source over a store's columnar copy. Property columns and customer conditions it needs are read
/// from the store when a request is prepared.
package final class ColumnarSource: EventSource {
    package let events: ColumnarEvents
    let store: EventStore

    package init(events: ColumnarEvents, store: EventStore) {
        self.events = events
        self.store = store
    }

    /// Why the columnar engine cannot serve `request`, or nil when it can.
    package static func unsupportedReason(_ request: ScanRequest) -> String? {
        func check(_ p: Predicate) -> String? {
            switch p {
            case .like(.column(let column), _): return "LIKE on \(column.name) is only evaluated in SQL"
            case .not(let inner): return check(inner)
            case .and(let terms), .or(let terms): return terms.lazy.compactMap(check).first
            default: return nil
            }
        }
        return ([request.filter] + request.steps).lazy.compactMap(check).first
    }

    package func scanCustomers(_ request: ScanRequest, isCancelled: () -> Bool,
                              _ body: (CustomerEvents) throws -> Void) throws {
        let scan = try prepare(request, partitions: 1, isCancelled: isCancelled)
        try scan.scan(partition: 0, isCancelled: isCancelled, body)
    }

    package func partitionedScan(_ request: ScanRequest, partitions: Int,
                                isCancelled: () -> Bool) throws -> (any PartitionedScan)? {
        try prepare(request, partitions: partitions, isCancelled: isCancelled)
    }

    package func explain(_ request: ScanRequest) throws -> ScanExplanation {
        let scan = try prepare(request, partitions: ColumnarScan.defaultPartitions, isCancelled: { false })
        return ScanExplanation(sql: "", bindings: [], plan: scan.description)
    }

    /// Compiles `request` against the columns: loads the property columns it reads and answers its customer
    /// conditions, then specializes the filter and every step to each code triple.
    package func prepare(_ request: ScanRequest, partitions: Int, isCancelled: () -> Bool) throws -> ColumnarScan {
        if let reason = Self.unsupportedReason(request) { throw StoreError.schema("columnar engine: " + reason) }
        return try withoutActuallyEscaping(isCancelled) { isCancelled in
            try prepare(request, partitions: partitions, compiler: ResidualCompiler(events: events, store: store,
                                                                                    isCancelled: isCancelled))
        }
    }

    private func prepare(_ request: ScanRequest, partitions: Int, compiler: ResidualCompiler) throws -> ColumnarScan {
        var compiler = compiler
        let filter = try events.triples.map { try compiler.specialize(request.filter, to: $0) }
        let steps = try request.steps.map { step in try events.triples.map { try compiler.specialize(step, to: $0) } }
        var carried: [ColumnarScan.Carried] = []
        for field in request.carry {
            switch field {
            case .column(let column): carried.append(.column(column))
            case .property(let name): carried.append(.property(try compiler.propertyColumn(name)))
            }
        }
        return ColumnarScan(events: events, filter: filter, steps: steps, deliverAll: request.deliverAll,
                            onlyStarters: request.onlyStarters, carried: carried, propertyColumns: compiler.columns, propertyNames: compiler.columnNames,
                            propertyTables: compiler.propertyTables, customerTables: compiler.customerTables,
                            partitions: partitions)
    }
}

/// Turns predicates into residual conditions, collecting the tables their leaves read.
struct ResidualCompiler {
    let events: ColumnarEvents
    let store: EventStore
    let isCancelled: () -> Bool
    var columns: [PropertyColumn] = []
    var columnNames: [String] = []
    var propertyTables: [[Truth]] = []
    var customerTables: [[Truth]] = []
    private var leaves: [Predicate: ResidualCondition] = [:]

    init(events: ColumnarEvents, store: EventStore, isCancelled: @escaping () -> Bool) {
        self.events = events
        self.store = store
        self.isCancelled = isCancelled
    }

    /// The index of property `name` in `columns`, loading the column on first use.
    mutating func propertyColumn(_ name: String) throws -> Int {
        if let index = columnNames.firstIndex(of: name) { return index }
        let column = try events.propertyColumn(name) {
            try store.propertyColumn(name, of: events, isCancelled: isCancelled)
        }
        columns.append(column)
        columnNames.append(name)
        return columns.count - 1
    }

    /// `predicate` with every column condition decided for `triple`.
    mutating func specialize(_ predicate: Predicate, to triple: CodeTriple) throws -> ResidualCondition {
        switch predicate {
        case .constant(let value):
            return .constant(value ? 1 : 0)
        case .codes(let column, let codes):
            guard let code = triple[column] else { return .constant(-1) }
            return .constant(codes.contains(code) ? 1 : 0)
        case .isNull(.column(let column)):
            return .constant(triple[column] == nil ? 1 : 0)
        case .isNull(.customer):
            return .constant(0)
        case .time(let op, let value):
            return .leaf(.time(op, value))
        case .not(let inner):
            return .negation(try specialize(inner, to: triple))
        case .and(let terms):
            return .conjunction(try terms.map { try specialize($0, to: triple) })
        case .or(let terms):
            return .disjunction(try terms.map { try specialize($0, to: triple) })
        case .property, .like(.property, _), .isNull(.property), .customer, .customerAttribute,
             .like(.customer, _), .like(.customerAttribute, _), .isNull(.customerAttribute), .like(.column, _),
             .customerIn:
            return try leaf(predicate)
        }
    }

    /// A leaf that does not depend on the triple, compiled once.
    private mutating func leaf(_ predicate: Predicate) throws -> ResidualCondition {
        if let known = leaves[predicate] { return known }
        let compiled: ResidualCondition
        switch predicate {
        case .property(let name, let op, let literal):
            compiled = try propertyLeaf(name) { PropertyTruth.compare($0, op, literal) }
        case .like(.property(let name), let pattern):
            compiled = try propertyLeaf(name) { PropertyTruth.like($0, pattern) }
        case .isNull(.property(let name)):
            compiled = try propertyLeaf(name) { PropertyTruth.isNull($0) }
        case .like(.column(let column), _):
            throw StoreError.schema("columnar engine: LIKE on \(column.name) is only evaluated in SQL")
        case .customerIn(let set):
            // A set membership test per customer, answered here: no SQL.
            customerTables.append(set.membership(of: events.customers))
            compiled = .leaf(.customer(table: customerTables.count - 1))
        default:
            customerTables.append(try store.customerTruth(predicate, customers: events.customers, isCancelled: isCancelled))
            compiled = .leaf(.customer(table: customerTables.count - 1))
        }
        leaves[predicate] = compiled
        return compiled
    }

    private mutating func propertyLeaf(_ name: String, _ truth: (StoredValue) -> Truth) throws -> ResidualCondition {
        let column = try propertyColumn(name)
        let table = columns[column].values.map(truth)
        // A table of one answer is that answer.
        if let first = table.first, table.allSatisfy({ $0 == first }) { return .constant(first) }
        propertyTables.append(table)
        return .leaf(.property(column: column, table: propertyTables.count - 1))
    }
}

/// A request compiled against the columns, ready to scan any of its customer ranges (from any thread).
package final class ColumnarScan: PartitionedScan, @unchecked Sendable {
    /// One range per core.
    package static var defaultPartitions: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    enum Carried {
        case column(EventColumn)
        /// An index into the property columns.
        case property(Int)
    }

    let events: ColumnarEvents
    /// filterState[t]: 0 the filter is not true for triple t, 1 true, 2 decided per event by filterResidual[t].
    let filterState: [UInt8]
    let filterResidual: [ResidualCondition?]
    /// Steps true for every event of the triple.
    let trueMask: [UInt64]
    /// Steps decided per event: (bit, condition) for each triple that has any.
    let residualSteps: [[(bit: Int, condition: ResidualCondition)]]
    let hasResidualSteps: [Bool]
    let deliverAll: Bool
    let carried: [Carried]
    let propertyColumns: [PropertyColumn]
    let propertyNames: [String]
    let propertyTables: [[Truth]]
    let customerTables: [[Truth]]
    /// Customer index ranges of about equal event counts.
    let ranges: [Range<Int>]
    /// Set when every triple decides the filter and every step by itself (no per-event condition) and only events
    /// with a step are delivered: then admittedMask[t] is triple t's whole answer (0 when the filter rejects it),
    /// and `scanColumns` compacts each customer without a branch per event.
    let admittedMask: [UInt64]?
    /// With `ScanRequest.onlyStarters`: the summary bits of the triples that can fill step 1, and each customer's
    /// summary (`ColumnarEvents.tripleSummary`); a customer whose summary has none of those bits is not read.
    /// Empty when every customer must be read.
    let starterBits: UInt64
    let summaries: [UInt64]

    init(events: ColumnarEvents, filter: [ResidualCondition], steps: [[ResidualCondition]], deliverAll: Bool,
         onlyStarters: Bool, carried: [Carried], propertyColumns: [PropertyColumn], propertyNames: [String], propertyTables: [[Truth]],
         customerTables: [[Truth]], partitions: Int) {
        self.events = events
        let tripleCount = events.triples.count
        var filterState = [UInt8](repeating: 0, count: tripleCount)
        var filterResidual = [ResidualCondition?](repeating: nil, count: tripleCount)
        var trueMask = [UInt64](repeating: 0, count: tripleCount)
        var residualSteps = [[(bit: Int, condition: ResidualCondition)]](repeating: [], count: tripleCount)
        for t in 0..<tripleCount {
            switch filter[t].constantValue {
            case 1?: filterState[t] = 1
            case .some(0), .some(-1): filterState[t] = 0
            default:
                filterState[t] = 2
                filterResidual[t] = filter[t]
            }
            for (bit, step) in steps.enumerated() {
                switch step[t].constantValue {
                case 1?: trueMask[t] |= 1 << UInt64(bit)
                case .some(0), .some(-1): break
                default: residualSteps[t].append((bit, step[t]))
                }
            }
            // A triple no step can match is dropped at once unless every admitted event must be delivered.
            if !deliverAll && trueMask[t] == 0 && residualSteps[t].isEmpty { filterState[t] = 0 }
        }
        self.filterState = filterState
        self.filterResidual = filterResidual
        self.trueMask = trueMask
        self.residualSteps = residualSteps
        hasResidualSteps = residualSteps.map { !$0.isEmpty }
        var starterBits: UInt64 = 0
        if onlyStarters {
            for t in 0..<tripleCount where filterState[t] != 0
                && (trueMask[t] & 1 != 0 || residualSteps[t].contains { $0.bit == 0 }) {
                starterBits |= 1 << UInt64(t & 63)
            }
        }
        // Skipping by summary pays only when some bit is left out.
        if onlyStarters && starterBits != .max {
            self.starterBits = starterBits
            summaries = events.tripleSummary
        } else {
            self.starterBits = .max
            summaries = []
        }
        if !deliverAll && !filterState.contains(2) && !hasResidualSteps.contains(true) {
            admittedMask = (0..<tripleCount).map { filterState[$0] == 0 ? 0 : trueMask[$0] }
        } else {
            admittedMask = nil
        }
        self.deliverAll = deliverAll
        self.carried = carried
        self.propertyColumns = propertyColumns
        self.propertyNames = propertyNames
        self.propertyTables = propertyTables
        self.customerTables = customerTables
        self.ranges = Self.split(events, into: max(1, partitions))
    }

    package var partitionCount: Int { ranges.count }

    /// The same scan as an object of its own, sharing every column: a scan thread hands its scan along with each
    /// customer, and each hand-over retains it; on one object shared by two threads those retains contend for
    /// one cache line (a third of an attribution's time).
    package func threadCopy() -> any PartitionedScan { ColumnarScan(sharing: self) }

    private init(sharing other: ColumnarScan) {
        events = other.events
        filterState = other.filterState
        filterResidual = other.filterResidual
        trueMask = other.trueMask
        residualSteps = other.residualSteps
        hasResidualSteps = other.hasResidualSteps
        deliverAll = other.deliverAll
        carried = other.carried
        propertyColumns = other.propertyColumns
        propertyNames = other.propertyNames
        propertyTables = other.propertyTables
        customerTables = other.customerTables
        ranges = other.ranges
        admittedMask = other.admittedMask
        starterBits = other.starterBits
        summaries = other.summaries
    }

    /// Splits the customers into `count` ranges holding about equal numbers of events.
    static func split(_ events: ColumnarEvents, into count: Int) -> [Range<Int>] {
        let n = events.customerCount
        guard n > 0 else { return [0..<0] }
        var ranges: [Range<Int>] = []
        var lower = 0
        for k in 1...count {
            var upper = n
            if k < count {
                // The first customer whose events start at or after the k-th share of all events.
                let target = Int64(events.eventCount) * Int64(k) / Int64(count)
                var lo = lower, hi = n
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if Int64(events.starts[mid]) < target { lo = mid + 1 } else { hi = mid }
                }
                upper = lo
            }
            ranges.append(lower..<upper)
            lower = upper
        }
        return ranges
    }

    package func scan(partition: Int, isCancelled: () -> Bool, _ body: (CustomerEvents) throws -> Void) throws {
        var current = CustomerEvents(customer: 0, carried: Array(repeating: [], count: carried.count))
        current.times.reserveCapacity(256)
        current.masks.reserveCapacity(256)
        let carriesValues = !carried.isEmpty
        try events.times.withUnsafeBufferPointer { allTimes in
        try forEachDelivered(partition: partition, isCancelled: isCancelled) { i, t, mask in
            current.times.append(allTimes[i])
            current.masks.append(mask)
            if carriesValues {
                for (f, field) in carried.enumerated() {
                    current.carried[f].append(value(field, event: i, triple: events.triples[t]))
                }
            }
        } endCustomer: { c in
            guard !current.times.isEmpty else { return }
            current.customer = events.customers[c]
            try body(current)
            current.times.removeAll(keepingCapacity: true)
            current.masks.removeAll(keepingCapacity: true)
            if carriesValues {
                for f in current.carried.indices { current.carried[f].removeAll(keepingCapacity: true) }
            }
        }
        }
    }

    package func scanColumns(partition: Int, isCancelled: () -> Bool,
                            _ body: (CustomerColumns) throws -> Void) throws {
        // Scratch columns as long as the longest customer, filled in place for each customer.
        var longest = 0
        let range = ranges[partition]
        events.starts.withUnsafeBufferPointer { starts in
            for c in range { longest = max(longest, Int(starts[c + 1] - starts[c])) }
        }
        let times = UnsafeMutableBufferPointer<Int64>.allocate(capacity: max(1, longest))
        let masks = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(1, longest))
        let numbers = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, longest))
        defer {
            times.deallocate()
            masks.deallocate()
            numbers.deallocate()
        }
        if let admittedMask {
            try scanDecidedColumns(range, admittedMask: admittedMask, times: times, masks: masks, numbers: numbers,
                                   isCancelled: isCancelled, body)
            return
        }
        var count = 0
        try events.customers.withUnsafeBufferPointer { customers in
        try events.times.withUnsafeBufferPointer { allTimes in
            try forEachDelivered(partition: partition, isCancelled: isCancelled) { i, _, mask in
                times[count] = allTimes[i]
                masks[count] = mask
                numbers[count] = Int32(truncatingIfNeeded: i)
                count += 1
            } endCustomer: { c in
                guard count > 0 else { return }
                try body(CustomerColumns(customer: customers[c], times: UnsafeBufferPointer(rebasing: times[0..<count]),
                                         masks: UnsafeBufferPointer(rebasing: masks[0..<count]),
                                         events: UnsafeBufferPointer(rebasing: numbers[0..<count])))
                count = 0
            }
        }
        }
    }

    /// `scanColumns` when each triple decides everything: every event of a customer is written to the scratch
    /// columns and kept (the count advanced) only when its mask is not 0. A branch on the mask per event would be
    /// mispredicted about as often as not (a step matches about half the events of a funnel); reading every
    /// event's time in order costs less than that.
    private func scanDecidedColumns(_ range: Range<Int>, admittedMask: [UInt64], times: UnsafeMutableBufferPointer<Int64>,
                                    masks: UnsafeMutableBufferPointer<UInt64>, numbers: UnsafeMutableBufferPointer<Int32>,
                                    isCancelled: () -> Bool, _ body: (CustomerColumns) throws -> Void) throws {
        try events.customers.withUnsafeBufferPointer { customers in
        try events.starts.withUnsafeBufferPointer { starts in
        try events.times.withUnsafeBufferPointer { allTimes in
        try events.tripleIndex.withUnsafeBufferPointer { tripleIndex in
        try admittedMask.withUnsafeBufferPointer { admittedMask in
        try summaries.withUnsafeBufferPointer { summaries in
            let starterBits = starterBits, skips = !summaries.isEmpty
            for c in range {
                if c & 1023 == 0, isCancelled() { throw StoreError.cancelled }
                if skips && summaries[c] & starterBits == 0 { continue }
                let lower = Int(starts[c]), upper = Int(starts[c + 1])
                var count = 0
                for i in lower..<upper {
                    let mask = admittedMask[Int(tripleIndex[i])]
                    times[count] = allTimes[i]
                    masks[count] = mask
                    numbers[count] = Int32(truncatingIfNeeded: i)
                    count &+= mask == 0 ? 0 : 1
                }
                guard count > 0 else { continue }
                try body(CustomerColumns(customer: customers[c], times: UnsafeBufferPointer(rebasing: times[0..<count]),
                                         masks: UnsafeBufferPointer(rebasing: masks[0..<count]),
                                         events: UnsafeBufferPointer(rebasing: numbers[0..<count])))
            }
        }
        }
        }
        }
        }
        }
    }

    package func columnCode(_ column: EventColumn, event: Int32) -> Int64? {
        events.triples[Int(events.tripleIndex[Int(event)])][column]
    }

    package func carriedValue(_ field: Int, event: Int32) -> CarriedValue {
        let i = Int(event)
        return value(carried[field], event: i, triple: events.triples[Int(events.tripleIndex[i])])
    }

    package func carriedCode(_ field: Int, event: Int32) -> Int? {
        switch carried[field] {
        case .column(let column):
            return events.triples[Int(events.tripleIndex[Int(event)])][column].map { Int($0) }
        case .property(let index):
            // Index 0 is always `.missing`.
            let code = Int(propertyColumns[index].valueIndex[Int(event)])
            return code == 0 ? nil : code
        }
    }

    package func carriedDistinctValues(_ field: Int) -> [CarriedValue]? {
        guard case .property(let index) = carried[field] else { return nil }
        return propertyColumns[index].values.map(Self.carriedValue)
    }

    /// The scan itself: for each customer of the partition, every admitted event with a step (or every admitted
    /// event, with `deliverAll`) as (event index, triple, mask), then the end of the customer.
    @inline(__always)
    private func forEachDelivered(partition: Int, isCancelled: () -> Bool,
                                  event deliver: (Int, Int, UInt64) throws -> Void,
                                  endCustomer: (Int) throws -> Void) throws {
        let range = ranges[partition]
        // Everything the loop reads is taken as a raw buffer first: reading a class's array property per event
        // would retain and release it, and two threads doing that to one array contend for its reference count.
        try events.starts.withUnsafeBufferPointer { starts in
        try events.times.withUnsafeBufferPointer { times in
        try events.tripleIndex.withUnsafeBufferPointer { tripleIndex in
        try filterState.withUnsafeBufferPointer { filterState in
        try trueMask.withUnsafeBufferPointer { trueMask in
        try hasResidualSteps.withUnsafeBufferPointer { hasResidualSteps in
        try summaries.withUnsafeBufferPointer { summaries in
        try withPropertyBuffers { properties in
            let inputs = ResidualInputs(times: times, properties: properties, propertyTables: propertyTables,
                                        customerTables: customerTables)
            let starterBits = starterBits, skips = !summaries.isEmpty
            for c in range {
                if c & 1023 == 0, isCancelled() { throw StoreError.cancelled }
                // Nothing of this customer is delivered: as if it had no events.
                if skips && summaries[c] & starterBits == 0 { continue }
                for i in Int(starts[c])..<Int(starts[c + 1]) {
                    // One customer may have millions of events: ask within it too (every 65,536 events).
                    if i & 0xFFFF == 0xFFFF, isCancelled() { throw StoreError.cancelled }
                    let t = Int(tripleIndex[i])
                    let state = filterState[t]
                    if state == 0 { continue }
                    if state == 2, inputs.evaluate(filterResidual[t]!, event: i, customer: c) != 1 { continue }
                    var mask = trueMask[t]
                    if hasResidualSteps[t] {
                        for (bit, condition) in residualSteps[t]
                        where inputs.evaluate(condition, event: i, customer: c) == 1 {
                            mask |= 1 << UInt64(bit)
                        }
                    }
                    if mask == 0 && !deliverAll { continue }
                    try deliver(i, t, mask)
                }
                try endCustomer(c)
            }
        }
        }
        }
        }
        }
        }
        }
        }
    }

    private func value(_ field: Carried, event: Int, triple: CodeTriple) -> CarriedValue {
        switch field {
        case .column(let column):
            return triple[column].map { .integer($0) } ?? .null
        case .property(let index):
            let column = propertyColumns[index]
            return Self.carriedValue(column.values[Int(column.valueIndex[event])])
        }
    }

    /// A property's stored value as a scan carries it (JSON true and false as 1 and 0, as `json_extract` gives them).
    static func carriedValue(_ stored: StoredValue) -> CarriedValue {
        switch stored {
        case .missing: .null
        case .integer(let i): .integer(i)
        case .real(let d): .real(d)
        case .text(let s), .json(let s): .text(s)
        case .boolean(let b): .integer(b ? 1 : 0)
        }
    }

    private func withPropertyBuffers<T>(_ body: ([NarrowNumbers]) throws -> T) rethrows -> T {
        func nest(_ index: Int, _ acquired: [NarrowNumbers]) throws -> T {
            if index == propertyColumns.count { return try body(acquired) }
            return try propertyColumns[index].valueIndex.withNarrowBuffer { try nest(index + 1, acquired + [$0]) }
        }
        return try nest(0, [])
    }

    /// What EXPLAIN shows: the columns in memory and how each condition is evaluated.
    package var description: [String] {
        var lines: [String] = []
        let kib = events.byteCount >> 10
        lines.append("columnar: \(events.eventCount) events of \(events.customerCount) customers in memory"
                     + " (\(events.triples.count) distinct stage/touchpoint/channel triples; \(kib < 10_240 ? "\(kib) KB" : "\(kib >> 10) MB")"
                     + " with the property columns read so far)")
        let admitted = filterState.filter { $0 != 0 }.count
        let perEvent = filterState.filter { $0 == 2 }.count
        lines.append("filter and steps decided once per triple: \(admitted) of \(events.triples.count) triples can deliver events")
        let residual = residualSteps.filter { !$0.isEmpty }.count
        if perEvent > 0 || residual > 0 {
            lines.append("per event: the filter for \(perEvent) triples, some step for \(residual) triples"
                         + " (times, properties, customer conditions)")
        }
        if !propertyNames.isEmpty {
            lines.append("property columns: " + propertyNames.joined(separator: ", ")
                         + " (dictionary of distinct values; conditions answered once per value)")
        }
        if !customerTables.isEmpty {
            lines.append("customer conditions: \(customerTables.count), answered once per customer in SQL")
        }
        if !summaries.isEmpty {
            lines.append("customers without a triple that can fill step 1 are skipped (a summary of each customer's triples)")
        }
        lines.append("customers split into \(ranges.count) range\(ranges.count == 1 ? "" : "s") of about equal events, matched in parallel")
        return lines
    }
}
