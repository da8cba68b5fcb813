// Runs a journey plan: scans the source, matches each customer, aggregates per group and step, shapes the table.
import Foundation
import JourneyStore

/// Per-step totals over the customers of one group, before they are shaped into result rows.
public struct FunnelTotals: Sendable, Equatable {
    /// customers[k]: how many customers reached at least step k+1 (passed it).
    public var customers: [Int]
    /// took[k]: how many customers' chains fill step k+1 (differs from `customers` only for optional steps).
    public var took: [Int]
    /// inProgress[k] (k ≥ 1): customers of level exactly k whose window is still open.
    public var inProgress: [Int]
    /// gaps[k] (k ≥ 1): for every chain filling step k+1, the time from the previous filled step, in milliseconds.
    public var gaps: [[Int64]]
    /// fromStart[k] (k ≥ 1): for every chain filling step k+1, the time from the first step.
    public var fromStart: [[Int64]]
    /// How many customers the scan delivered (those with an admitted event matching some step).
    public var customersScanned: Int
    public var eventsScanned: Int

    public init(stepCount: Int) {
        customers = Array(repeating: 0, count: stepCount)
        took = Array(repeating: 0, count: stepCount)
        inProgress = Array(repeating: 0, count: stepCount)
        gaps = Array(repeating: [], count: stepCount)
        fromStart = Array(repeating: [], count: stepCount)
        customersScanned = 0
        eventsScanned = 0
    }

    /// Adds the per-step counts and times of other customers (not the scan counts).
    public mutating func addCounts(of other: FunnelTotals) {
        for k in customers.indices {
            customers[k] += other.customers[k]
            took[k] += other.took[k]
            inProgress[k] += other.inProgress[k]
            gaps[k] += other.gaps[k]
            fromStart[k] += other.fromStart[k]
        }
    }

    /// Adds one customer's match; `open` tells whether its window is still open at the horizon.
    public mutating func add(_ match: CustomerMatch, times: [Int64], open: Bool = false) {
        times.withUnsafeBufferPointer { add(match, times: $0, open: open) }
    }

    public mutating func add(_ match: CustomerMatch, times: UnsafeBufferPointer<Int64>, open: Bool = false) {
        guard match.level > 0 else { return }
        let start = times[match.positions[0]]
        var previous = start
        for k in 0..<match.level {
            customers[k] += 1
            let p = match.positions[k]
            guard p >= 0 else { continue }
            took[k] += 1
            if k > 0 {
                gaps[k].append(times[p] - previous)
                fromStart[k].append(times[p] - start)
            }
            previous = times[p]
        }
        if open, match.level < customers.count { inProgress[match.level] += 1 }
    }
}

public enum FunnelExecutor {
    /// A group's key cells (empty without BY) and its totals.
    public typealias Group = (key: [Cell], totals: FunnelTotals)

    /// Scans and matches every customer, without grouping.
    public static func totals(_ plan: FunnelPlan, source: EventSource,
                              isCancelled: () -> Bool) throws -> FunnelTotals {
        try groups(plan, source: source, catalog: StoreCatalog(), attributes: [:], isCancelled: isCancelled)
            .reduce(into: FunnelTotals(stepCount: plan.shape.stepCount)) { all, group in
                all.customersScanned = group.totals.customersScanned
                all.eventsScanned = group.totals.eventsScanned
                all.addCounts(of: group.totals)
            }
    }

    /// Scans, matches and groups. `attributes[name]` holds a customer attribute's values for `BY customer.x`.
    ///
    /// A source that can split its scan by customer ranges is scanned on every core at once; each range is
    /// matched and totalled on its own and the totals are summed, which gives the same answer as one pass.
    public static func groups(_ plan: FunnelPlan, source: EventSource, catalog: StoreCatalog,
                              attributes: [String: [Int64: CarriedValue]],
                              isCancelled: () -> Bool) throws -> [Group] {
        let m = plan.shape.stepCount
        let decoders = Dictionary(uniqueKeysWithValues: EventColumn.allCases.map { column in
            (column, Dictionary((catalog.codes[column] ?? CodeTable()).entries.map { ($0.code, $0.value) },
                                uniquingKeysWith: { a, _ in a }))
        })
        let accumulator = try accumulate(GroupAccumulator(plan: plan, decoders: decoders, attributes: attributes),
                                         request: plan.request, source: source, isCancelled: isCancelled)
        let byKey = accumulator.displayGroups()
        let scanned = accumulator.scanned, events = accumulator.events
        var groups = byKey.map { (key: $0.key.cells, totals: $0.value) }
        for i in groups.indices {
            groups[i].totals.customersScanned = scanned
            groups[i].totals.eventsScanned = events
        }
        // Periods (BY day, week, month) in time order, a trend read left to right; within a period, and
        // without one, largest first; ties by key in SQLite's order: null, then numbers, then text byte for byte.
        let periods = plan.breakdown.indices.filter { plan.breakdown[$0].isPeriod }
        groups.sort { a, b in
            for i in periods {
                let order = keyOrder(a.key[i], b.key[i])
                if order != 0 { return order < 0 }
            }
            if a.totals.customers[0] != b.totals.customers[0] { return a.totals.customers[0] > b.totals.customers[0] }
            for (x, y) in zip(a.key, b.key) {
                let order = keyOrder(x, y)
                if order != 0 { return order < 0 }
            }
            return false
        }
        if let limit = plan.funnel.limit, groups.count > limit { groups.removeLast(groups.count - limit) }
        // A funnel without BY has its one row set even when nobody starts it; LIMIT 0 asks for no rows.
        if groups.isEmpty && plan.breakdown.isEmpty && plan.funnel.limit != 0 {
            groups = [(key: [], totals: FunnelTotals(stepCount: m))]
            groups[0].totals.customersScanned = scanned
            groups[0].totals.eventsScanned = events
        }
        return groups
    }

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
            do {
                if accumulator.takesBuffers {
                    try scan.scanColumns(partition: k, isCancelled: check.value) {
                        try accumulator.add($0, from: scan, isCancelled: check.value)
                    }
                } else {
                    try scan.scan(partition: k, isCancelled: check.value) {
                        try accumulator.add($0, isCancelled: check.value)
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

    /// Matches customers one at a time and sums their matches per group key.
    struct GroupAccumulator: CustomerAccumulator {
        let plan: FunnelPlan
        let decoders: [EventColumn: [Int64: String]]
        let attributes: [String: [Int64: CarriedValue]]
        var matchers: JourneyMatchers
        /// Totals per group, under keys that are cheap to hash (codes and instants, decoded once at the end).
        var byKey: [[RawKeyPart]: FunnelTotals] = [:]
        /// The totals of a journey without BY, and whether any customer was added to them.
        var ungrouped: FunnelTotals
        var matchedUngrouped = false
        var scanned = 0, events = 0
        var match = CustomerMatch()

        init(plan: FunnelPlan, decoders: [EventColumn: [Int64: String]], attributes: [String: [Int64: CarriedValue]]) {
            self.plan = plan
            self.decoders = decoders
            self.attributes = attributes
            let m = plan.shape.stepCount
            ungrouped = FunnelTotals(stepCount: m)
            matchers = JourneyMatchers(plan)
        }

        /// Whether customers can be handed over as raw columns (a plain funnel that carries no values).
        /// A plain funnel whose carried fields are all dictionary columns (read through the scan's `columnCode`).
        var takesBuffers: Bool {
            matchers.plain != nil && plan.request.carry.allSatisfy { if case .column = $0 { true } else { false } }
        }

        /// A plain funnel's customer as raw columns: no arrays built per customer.
        mutating func add(_ columns: CustomerColumns, from scan: any PartitionedScan, isCancelled: () -> Bool) throws {
            let customer = columns.customer, times = columns.times, masks = columns.masks
            scanned += 1
            events += times.count
            try matchers.plain!.match(times: times, masks: masks, into: &match, isCancelled: isCancelled)
            guard match.level > 0 else { return }
            let start = times[match.positions[0]]
            let open = plan.window.map { w in plan.horizon.map { start &+ w > $0 } ?? false } ?? false
            if plan.breakdown.isEmpty {
                ungrouped.add(match, times: times, open: open)
                matchedUngrouped = true
                return
            }
            let key = plan.breakdown.map { source -> RawKeyPart in
                switch source {
                case .customerAttribute(let name): return rawKey(attributes[name]?[customer] ?? .null)
                case .startDay: return .day(startOfDay(start))
                case .startWeek: return .day(startOfISOWeek(start))
                case .startMonth: return startMonthKey(start)
                case .carried(let field, let decode):
                    guard case .column(let column) = plan.request.carry[field] else {
                        preconditionFailure("only dictionary columns are read from raw columns")
                    }
                    let code = scan.columnCode(column, event: columns.events[match.positions[0]])
                    guard let code else { return .null }
                    if let decode { return .code(decode, code) }
                    return .integer(code)
                }
            }
            byKey[key, default: FunnelTotals(stepCount: plan.shape.stepCount)].add(match, times: times, open: open)
        }

        mutating func add(_ customer: CustomerEvents, isCancelled: () -> Bool) throws {
            scanned += 1
            events += customer.times.count
            try matchers.match(customer, into: &match, isCancelled: isCancelled)
            guard match.level > 0 else { return }
            let start = customer.times[match.positions[0]]
            let open = plan.window.map { w in plan.horizon.map { start &+ w > $0 } ?? false } ?? false
            if plan.breakdown.isEmpty {
                // One group: no key to build and hash per customer.
                ungrouped.add(match, times: customer.times, open: open)
                matchedUngrouped = true
                return
            }
            let key = plan.breakdown.map { source -> RawKeyPart in
                switch source {
                case .carried(let column, let decode):
                    let value = customer.carried[column][match.positions[0]]
                    if let decode, case .integer(let code) = value { return .code(decode, code) }
                    return rawKey(value)
                case .customerAttribute(let name): return rawKey(attributes[name]?[customer.customer] ?? .null)
                case .startDay: return .day(startOfDay(start))
                case .startWeek: return .day(startOfISOWeek(start))
                case .startMonth: return startMonthKey(start)
                }
            }
            byKey[key, default: FunnelTotals(stepCount: plan.shape.stepCount)]
                .add(match, times: customer.times, open: open)
        }

        func rawKey(_ value: CarriedValue) -> RawKeyPart {
            switch value {
            case .null: .null
            case .integer(let i): .integer(i)
            case .real(let d): .real(d)
            case .text(let t): .text(ByteText(t))
            }
        }

        func startMonthKey(_ start: Int64) -> RawKeyPart {
            let (year, month, _) = TimeParser.civil(fromDays: startOfDay(start) / 86_400_000)
            return .month(TimeParser.days(year: year, month: month, day: 1) * 86_400_000)
        }

        /// The groups under their display keys. Raw keys that display alike (an integer and the same real) are
        /// one group, as they are one value to SQL.
        func displayGroups() -> [GroupKey: FunnelTotals] {
            var groups: [GroupKey: FunnelTotals] = [:]
            for (raw, totals) in byKey {
                let cells = raw.map { part -> Cell in
                    switch part {
                    case .null: return .null
                    case .integer(let i): return .number(Double(i))
                    case .real(let d): return .number(d)
                    case .text(let t): return .text(t.string)
                    case .code(let column, let code): return decoders[column]?[code].map { .text($0) } ?? .null
                    case .day(let ms): return .text(TimeParser.formatDate(ms))
                    case .month(let first): return .text(String(TimeParser.formatDate(first).prefix(7)))
                    }
                }
                groups[GroupKey(cells: cells), default: FunnelTotals(stepCount: plan.shape.stepCount)].addCounts(of: totals)
            }
            if matchedUngrouped {
                groups[GroupKey(cells: []), default: FunnelTotals(stepCount: plan.shape.stepCount)].addCounts(of: ungrouped)
            }
            return groups
        }

        /// Sums another accumulator's groups into this one (the other covered different customers).
        mutating func merge(_ other: GroupAccumulator) {
            scanned += other.scanned
            events += other.events
            ungrouped.addCounts(of: other.ungrouped)
            matchedUngrouped = matchedUngrouped || other.matchedUngrouped
            for (key, totals) in other.byKey {
                byKey[key, default: FunnelTotals(stepCount: plan.shape.stepCount)].addCounts(of: totals)
            }
        }
    }

    /// A group key as it is read per customer: dictionary codes and start instants, turned into text only once
    /// per group (`displayGroups`).
    enum RawKeyPart: Hashable {
        case null
        case integer(Int64)
        case real(Double)
        case text(ByteText)
        case code(EventColumn, Int64)
        /// The start of a day or an ISO week, in milliseconds.
        case day(Int64)
        /// The start of a month, in milliseconds.
        case month(Int64)

        static func == (a: RawKeyPart, b: RawKeyPart) -> Bool {
            switch (a, b) {
            case (.null, .null): true
            case (.integer(let x), .integer(let y)): x == y
            case (.real(let x), .real(let y)): x == y
            case (.text(let x), .text(let y)): x == y
            case (.code(let c, let x), .code(let d, let y)): c == d && x == y
            case (.day(let x), .day(let y)): x == y
            case (.month(let x), .month(let y)): x == y
            default: false
            }
        }

        func hash(into hasher: inout Hasher) {
            switch self {
            case .null: hasher.combine(0)
            case .integer(let i): hasher.combine(1); hasher.combine(i)
            case .real(let d): hasher.combine(2); hasher.combine(d)
            case .text(let t): hasher.combine(3); hasher.combine(t)
            case .code(let c, let i): hasher.combine(4); hasher.combine(c); hasher.combine(i)
            case .day(let ms): hasher.combine(5); hasher.combine(ms)
            case .month(let first): hasher.combine(6); hasher.combine(first)
            }
        }
    }

    /// Text that is equal only to the same bytes (see `GroupKey`), hashed without copying them.
    struct ByteText: Hashable {
        let string: String
        init(_ string: String) { self.string = string }
        static func == (a: ByteText, b: ByteText) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }
        func hash(into hasher: inout Hasher) {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }

    /// Group keys compare text byte for byte, as the store does: Swift's `String` equality would merge
    /// canonically equivalent spellings (a precomposed `é` and `e` with a combining accent).
    struct GroupKey: Hashable {
        let cells: [Cell]

        private var bytes: [[UInt8]?] {
            cells.map { if case .text(let t) = $0 { Array(t.utf8) } else { nil } }
        }

        static func == (a: GroupKey, b: GroupKey) -> Bool {
            a.bytes == b.bytes && zip(a.cells, b.cells).allSatisfy { x, y in
                if case .text = x, case .text = y { return true }
                return x == y
            }
        }

        func hash(into hasher: inout Hasher) {
            for (cell, text) in zip(cells, bytes) {
                if let text { hasher.combine(text) } else { hasher.combine(cell) }
            }
        }
    }

    static func cell(_ value: CarriedValue) -> Cell {
        switch value {
        case .null: .null
        case .integer(let i): .number(Double(i))
        case .real(let d): .number(d)
        case .text(let t): .text(t)
        }
    }

    /// -1, 0 or 1: null before numbers before text; numbers numerically, text byte for byte.
    static func keyOrder(_ a: Cell, _ b: Cell) -> Int {
        func rank(_ c: Cell) -> Int {
            switch c {
            case .null: 0
            case .int, .number: 1
            default: 2
            }
        }
        if rank(a) != rank(b) { return rank(a) < rank(b) ? -1 : 1 }
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.text(let x), .text(let y)):
            if x.utf8.elementsEqual(y.utf8) { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        default: return 0
        }
    }

    /// Midnight UTC of the day of `ms`.
    static func startOfDay(_ ms: Int64) -> Int64 {
        let day: Int64 = 86_400_000
        return (ms >= 0 ? ms / day : (ms - day + 1) / day) * day
    }

    /// Midnight UTC of the Monday starting the ISO week of `ms`.
    static func startOfISOWeek(_ ms: Int64) -> Int64 {
        let day: Int64 = 86_400_000
        let days = ms >= 0 ? ms / day : (ms - day + 1) / day
        // 1970-01-01 was a Thursday: days since a Monday are (days + 3) mod 7.
        let sinceMonday = ((days + 3) % 7 + 7) % 7
        return (days - sinceMonday) * day
    }

    /// The result table: group keys, then one row per step.
    public static func result(_ plan: FunnelPlan, groups: [Group]) -> QueryResult {
        let funnel = plan.funnel
        let optional = funnel.hasOptionalSteps
        let windowed = funnel.window != nil
        // Priorities say what a narrow table keeps: the counts before the times, medians before spreads
        // (the bars rank at 6, after the median from the previous step).
        var columns = funnel.breakdown.map { ColumnInfo($0.description) }
        columns += [ColumnInfo("step", type: .integer), ColumnInfo("name", type: .text),
                    ColumnInfo("customers", type: .integer)]
        if optional { columns.append(ColumnInfo("took", type: .integer, priority: 1)) }
        columns += [ColumnInfo("pct_of_first", type: .percent, label: "% first", priority: 2),
                    ColumnInfo("pct_of_previous", type: .percent, label: "% prev", priority: 3),
                    ColumnInfo("lost", type: .integer, priority: 4)]
        if windowed { columns.append(ColumnInfo("in_progress", type: .integer, label: "in progress", priority: 8)) }
        columns += [ColumnInfo("median_time_from_previous", type: .duration, label: "median ←prev", priority: 5),
                    ColumnInfo("p90_time_from_previous", type: .duration, label: "p90 ←prev", priority: 9),
                    ColumnInfo("median_time_from_start", type: .duration, label: "median ←start", priority: 7),
                    ColumnInfo("p90_time_from_start", type: .duration, label: "p90 ←start", priority: 10)]
        var rows: [[Cell]] = []
        for group in groups {
            let totals = group.totals
            let first = totals.customers.first ?? 0
            for (k, label) in plan.stepLabels.enumerated() {
                let n = totals.customers[k]
                let previous = k > 0 ? totals.customers[k - 1] : n
                var row = group.key + [.int(Int64(k + 1)), .text(label), .int(Int64(n))]
                if optional { row.append(.int(Int64(totals.took[k]))) }
                row.append(first > 0 ? .percent(100.0 * Double(n) / Double(first)) : .null)
                row.append(k == 0 ? .null : (previous > 0 ? .percent(100.0 * Double(n) / Double(previous)) : .null))
                row.append(k == 0 ? .null : .int(Int64(previous - n - totals.inProgress[k])))
                if windowed { row.append(k == 0 ? .null : .int(Int64(totals.inProgress[k]))) }
                for values in [totals.gaps[k], totals.fromStart[k]] {
                    let (median, p90) = k == 0 ? (nil, nil) : medianAndP90(values)
                    row.append(median.map { .duration($0) } ?? .null)
                    row.append(p90.map { .duration($0) } ?? .null)
                }
                rows.append(row)
            }
        }
        var notes: [String] = []
        if funnel.breakdown.contains(where: \.readsFirstStep) {
            notes.append("breakdown fields are read from each customer's first step")
        }
        return QueryResult(kind: .funnel, title: funnel.text, columns: columns, rows: rows, notes: notes,
                           barColumn: funnel.breakdown.isEmpty ? columns.firstIndex { $0.name == "customers" } : nil,
                           barPriority: 6)
    }

    /// The result table of an ungrouped journey.
    public static func result(_ plan: FunnelPlan, totals: FunnelTotals) -> QueryResult {
        result(plan, groups: [(key: [], totals: totals)])
    }

    /// The median as DuckDB's `median` computes it: the middle value, or the mean of the two middle values.
    public static func median(_ values: [Int64]) -> Double? {
        quantile(values, 0.5)
    }

    /// DuckDB's `quantile_cont(q)`: interpolated between the two nearest order statistics.
    public static func quantile(_ values: [Int64], _ q: Double) -> Double? {
        Quantiles.continuous(values, [q])[0]
    }

    /// The median and the 90th percentile, as `quantile` computes them, found together.
    static func medianAndP90(_ values: [Int64]) -> (Double?, Double?) {
        let both = Quantiles.continuous(values, [0.5, 0.9])
        return (both[0], both[1])
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

/// The one matcher a journey's shape calls for (plain, ties in any order, any order, or the general one).
struct JourneyMatchers {
    var plain: FunnelMatcher?
    var tied: TiedJourneyMatcher?
    var anyOrder: AnyOrderMatcher?
    var general: JourneyMatcher?

    init(_ plan: FunnelPlan) {
        let m = plan.shape.stepCount, shape = plan.shape
        plain = shape.isPlain ? FunnelMatcher(stepCount: m, window: plan.window, startBounds: shape.startBounds) : nil
        tied = shape.tiesAnyOrder ? TiedJourneyMatcher(stepCount: m, window: plan.window, startBounds: shape.startBounds) : nil
        anyOrder = shape.anyOrder ? AnyOrderMatcher(stepCount: m, window: plan.window, startBounds: shape.startBounds) : nil
        general = shape.isPlain || shape.tiesAnyOrder || shape.anyOrder ? nil : JourneyMatcher(shape: shape)
    }

    /// Matches one customer with whichever matcher the shape calls for; each polls `isCancelled` every few
    /// thousand events, so one huge customer is cancelled as promptly as many small ones.
    mutating func match(_ customer: CustomerEvents, into match: inout CustomerMatch, isCancelled: () -> Bool) throws {
        if plain != nil {
            try plain!.match(times: customer.times, masks: customer.masks, into: &match, isCancelled: isCancelled)
        } else if anyOrder != nil {
            try anyOrder!.match(times: customer.times, masks: customer.masks, into: &match, isCancelled: isCancelled)
        } else if tied != nil {
            try tied!.match(times: customer.times, masks: customer.masks, into: &match, isCancelled: isCancelled)
        } else {
            try general!.match(times: customer.times, masks: customer.masks, carried: customer.carried, into: &match,
                               isCancelled: isCancelled)
        }
    }
}
