// The matchers behind one protocol, opened once per statement from the plan's MatcherKind, and the view of a
// scanned customer that every aggregation reads whichever way the scan delivered it.
import JourneyStore

/// Turns one customer's admitted events into the chain the journey's meaning picks (`CustomerMatch`).
protocol CustomerMatcher: Sendable {
    /// Whether the matcher can read a customer as raw columns (times and masks only, no arrays built).
    static var readsRawColumns: Bool { get }
    /// Matches one customer into `best` (reused for every customer); polls `isCancelled` every few thousand events
    /// and throws `StoreError.cancelled` when it says so.
    mutating func match(_ customer: CustomerEvents, into best: inout CustomerMatch, isCancelled: () -> Bool) throws
    mutating func match(_ columns: CustomerColumns, into best: inout CustomerMatch, isCancelled: () -> Bool) throws
}

extension CustomerMatcher {
    static var readsRawColumns: Bool { false }
    mutating func match(_ columns: CustomerColumns, into best: inout CustomerMatch, isCancelled: () -> Bool) throws {
        preconditionFailure("this matcher reads customers as arrays")
    }
}

extension FunnelMatcher: CustomerMatcher {
    static var readsRawColumns: Bool { true }
    mutating func match(_ customer: CustomerEvents, into best: inout CustomerMatch, isCancelled: () -> Bool) throws {
        try match(times: customer.times, masks: customer.masks, into: &best, isCancelled: isCancelled)
    }
    mutating func match(_ columns: CustomerColumns, into best: inout CustomerMatch, isCancelled: () -> Bool) throws {
        try match(times: columns.times, masks: columns.masks, into: &best, isCancelled: isCancelled)
    }
}

extension TiedJourneyMatcher: CustomerMatcher {
    mutating func match(_ customer: CustomerEvents, into best: inout CustomerMatch, isCancelled: () -> Bool) throws {
        try match(times: customer.times, masks: customer.masks, into: &best, isCancelled: isCancelled)
    }
}

extension AnyOrderMatcher: CustomerMatcher {
    mutating func match(_ customer: CustomerEvents, into best: inout CustomerMatch, isCancelled: () -> Bool) throws {
        try match(times: customer.times, masks: customer.masks, into: &best, isCancelled: isCancelled)
    }
}

extension JourneyMatcher: CustomerMatcher {
    mutating func match(_ customer: CustomerEvents, into best: inout CustomerMatch, isCancelled: () -> Bool) throws {
        try match(times: customer.times, masks: customer.masks, carried: customer.carried, into: &best,
                  isCancelled: isCancelled)
    }
}

/// Code that runs with whichever matcher a plan calls for, specialised for it (no dispatch per customer).
protocol MatcherUser {
    associatedtype Output
    func run<M: CustomerMatcher>(_ matcher: M) throws -> Output
}

extension FunnelPlan {
    /// Builds the plan's matcher and hands it to `user`.
    func withMatcher<U: MatcherUser>(_ user: U) throws -> U.Output {
        let m = shape.stepCount
        switch matcher {
        case .plain: return try user.run(FunnelMatcher(stepCount: m, window: window, startBounds: shape.startBounds))
        case .tied: return try user.run(TiedJourneyMatcher(stepCount: m, window: window, startBounds: shape.startBounds))
        case .anyOrder: return try user.run(AnyOrderMatcher(stepCount: m, window: window, startBounds: shape.startBounds))
        case .general: return try user.run(JourneyMatcher(shape: shape))
        case .eventsOnly: return try user.run(NoMatcher())
        }
    }
}

/// One scanned customer as an aggregation reads it: its times and step masks, and its carried values, whether
/// the scan built arrays or handed over raw columns. Valid only during the call that receives it.
struct ScannedCustomer {
    /// The store's internal customer number.
    let customer: Int64
    let times: UnsafeBufferPointer<Int64>
    let masks: UnsafeBufferPointer<UInt64>
    /// Carried values as arrays (a scan that built them), else empty.
    private let arrays: [[CarriedValue]]
    /// The scan that handed over raw columns, read by the events' numbers. Not retained: a ScannedCustomer lives
    /// only during the scan's own call, and retaining one object from both scan threads per customer made its
    /// reference count a contended cache line (a third of a funnel's time).
    private unowned(unsafe) let scan: (any PartitionedScan)?
    private let events: UnsafeBufferPointer<Int32>

    init(_ customer: CustomerEvents, times: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt64>) {
        self.customer = customer.customer
        self.times = times
        self.masks = masks
        arrays = customer.carried
        scan = nil
        events = UnsafeBufferPointer(start: nil, count: 0)
    }

    init(_ columns: CustomerColumns, scan: any PartitionedScan) {
        customer = columns.customer
        times = columns.times
        masks = columns.masks
        arrays = []
        self.scan = scan
        events = columns.events
    }

    var count: Int { times.count }

    /// Carried field `field` on event `i`; a dictionary column's value is its code, as `.integer`.
    func value(_ field: Int, at i: Int) -> CarriedValue {
        if let scan { return scan.carriedValue(field, event: events[i]) }
        return arrays[field][i]
    }

    /// Whether `denseCode` and `distinctValues` answer: the scan handed over raw columns (the columnar engine).
    var hasDenseCodes: Bool { scan != nil }

    /// Carried field `field` on event `i` as a small whole number (see `PartitionedScan.carriedCode`); only when
    /// `hasDenseCodes`.
    func denseCode(_ field: Int, at i: Int) -> Int? {
        guard let scan else { preconditionFailure("no dense codes in arrays") }
        return scan.carriedCode(field, event: events[i])
    }

    /// A carried property's distinct values, indexed by `denseCode` (nil for a dictionary column or without codes).
    func distinctValues(_ field: Int) -> [CarriedValue]? {
        scan?.carriedDistinctValues(field)
    }

    /// The code of a carried dictionary column on event `i` (nil when the event has none).
    func code(_ field: Int, at i: Int) -> Int64? {
        if case .integer(let code) = value(field, at: i) { return code }
        return nil
    }
}

/// What consumes each scanned customer with its match, and how copies that saw different customers combine.
protocol ChainAggregation: SendableMetatype {
    mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) throws
    /// Adds what another copy aggregated over other customers (those after this copy's, in customer order).
    mutating func merge(_ other: Self)
}

/// A matcher and an aggregation fed by one scan: what one partition of a journey query runs.
struct Matching<M: CustomerMatcher, A: ChainAggregation>: CustomerAccumulator {
    var matcher: M
    var aggregation: A
    var match = CustomerMatch()
    var scanned = 0, events = 0

    init(matcher: M, aggregation: A, carry: [CarriedField]) {
        self.matcher = matcher
        self.aggregation = aggregation
    }

    var takesBuffers: Bool { M.readsRawColumns }

    mutating func add(_ customer: CustomerEvents, isCancelled: () -> Bool) throws {
        scanned += 1
        events += customer.times.count
        try matcher.match(customer, into: &match, isCancelled: isCancelled)
        try customer.times.withUnsafeBufferPointer { times in
            try customer.masks.withUnsafeBufferPointer { masks in
                try aggregation.add(ScannedCustomer(customer, times: times, masks: masks), match: match)
            }
        }
    }

    mutating func add(_ columns: CustomerColumns, from scan: any PartitionedScan, isCancelled: () -> Bool) throws {
        scanned += 1
        events += columns.times.count
        try matcher.match(columns, into: &match, isCancelled: isCancelled)
        try aggregation.add(ScannedCustomer(columns, scan: scan), match: match)
    }

    mutating func merge(_ other: Self) {
        scanned += other.scanned
        events += other.events
        aggregation.merge(other.aggregation)
    }
}

/// What a journey's scan and matching produced: the aggregation over every customer, and what was read.
struct Aggregated<A> {
    var aggregation: A
    var customersScanned: Int
    var eventsScanned: Int
}

extension FunnelPlan {
    /// Scans `source` for this plan, matches every customer and feeds `aggregation` (on every core when the
    /// source can split its scan; the copies are merged in customer order).
    func aggregate<A: ChainAggregation>(_ aggregation: A, source: EventSource,
                                        isCancelled: () -> Bool) throws -> Aggregated<A> {
        return try withoutActuallyEscaping(isCancelled) { isCancelled in
            try withMatcher(AggregatingUser(plan: self, aggregation: aggregation, source: source, isCancelled: isCancelled))
        }
    }
}

/// Runs a plan's scan with the matcher it calls for, feeding an aggregation.
private struct AggregatingUser<A: ChainAggregation>: MatcherUser {
    let plan: FunnelPlan
    let aggregation: A
    let source: EventSource
    let isCancelled: () -> Bool

    func run<M: CustomerMatcher>(_ matcher: M) throws -> Aggregated<A> {
        let template = Matching(matcher: matcher, aggregation: aggregation, carry: plan.request.carry)
        let done = try ParallelScan.accumulate(template, request: plan.request, source: source, isCancelled: isCancelled)
        return Aggregated(aggregation: done.aggregation, customersScanned: done.scanned, eventsScanned: done.events)
    }
}
