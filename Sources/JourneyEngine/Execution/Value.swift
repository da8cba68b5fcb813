// VALUE: a numeric property over the events of one step — per event (sum, average, median, p90), per customer
// (frequency, value, repeat rate) and over each customer's life, with the share earned after their first event.
import JourneyStore

/// What VALUE sums and where the plan carries it.
package struct ValueSpec: Sendable, Hashable {
    package let property: String
    /// Where the property was written (a property with no number in the store is an error there).
    package let propertyRange: SourceRange
    /// The carried field holding the property's value on each delivered event.
    package let column: Int
}

extension Quantiles {
    /// DuckDB's `quantile_cont` of real values at whole percents, the definition `continuous(_:_:)` computes for
    /// durations: interpolated between the order statistics at positions h = (n − 1) p / 100 rounded down and up.
    /// The position is kept as a fraction of integers, so p90 of ten values lies exactly a tenth of the way from
    /// the ninth to the tenth (h = 8.1 as a Double would give 109.99999999999997 for 100 and 200). Nil for none.
    static func continuous(_ values: [Double], percents: [Int]) -> [Double?] {
        guard !values.isEmpty else { return percents.map { _ in nil } }
        let n = values.count
        var wanted = Set<Int>()
        for p in percents {
            let (lo, hi) = ranks(count: n, percent: p)
            wanted.insert(lo)
            wanted.insert(hi)
        }
        let found = values.withUnsafeBufferPointer { orderStatistics($0, ranks: wanted.sorted(), key: Self.key) }
        return percents.map { p in
            let (lo, hi) = ranks(count: n, percent: p)
            return interpolated(count: n, percent: p, lower: found[lo]!, upper: found[hi]!)
        }
    }

    /// The 0-based ranks whose values the quantile at `percent` of `count` values lies between.
    package static func ranks(count n: Int, percent p: Int) -> (lower: Int, upper: Int) {
        let lo = (n - 1) * p / 100
        return (lo, min(n - 1, lo + 1))
    }

    /// The quantile at `percent` of `count` values, from the values at `ranks(count:percent:)`.
    package static func interpolated(count n: Int, percent p: Int, lower: Double, upper: Double) -> Double {
        let rest = (n - 1) * p % 100
        guard rest != 0 else { return lower }
        return lower + Double(rest) / 100 * (upper - lower)
    }
}

package enum ValueReport {
    /// The numbers of one group of customers (all of them without BY).
    struct Tally {
        /// Customers counted: a first event of the step in the start range and, with WITHIN, a horizon that has ended.
        var customers = 0
        /// The step's events of those customers (within the horizon), valued or not.
        var events = 0
        /// Events whose property is missing, and those where it is not a number (text, an array or object).
        var missing = 0
        var notNumeric = 0
        /// Customers with at least two events.
        var repeaters = 0
        /// Every value, added exactly (rounded once, whatever the order of customers and partitions).
        var total = ExactSum()
        /// The values of the events after each customer's first (the first's own value excluded), added exactly.
        var afterFirst = ExactSum()
        /// Every numeric value, for the per-event average and quantiles.
        var values: [Double] = []
        /// Each customer's sum, for customers with at least one numeric value.
        var customerValues: [Double] = []

        mutating func add(_ other: Tally) {
            customers += other.customers
            events += other.events
            missing += other.missing
            notNumeric += other.notNumeric
            repeaters += other.repeaters
            total.add(other.total)
            afterFirst.add(other.afterFirst)
            values += other.values
            customerValues += other.customerValues
        }
    }

    /// Reads each customer's events of the step into the tally of its group.
    struct Tallying: ChainAggregation {
        let column: Int
        let bounds: TimeBounds?
        let window: Int64?
        let plan: FunnelPlan
        let keys: GroupKeyReader
        var byKey: [[GroupKeys.RawKeyPart]: Tally] = [:]
        var ungrouped = Tally()
        var addedUngrouped = false
        /// Customers left out because their horizon (WITHIN) had not ended by now.
        var open = 0

        init(_ plan: FunnelPlan, spec: ValueSpec, keys: GroupKeyReader) {
            column = spec.column
            bounds = plan.funnel.startBounds
            window = plan.window
            self.plan = plan
            self.keys = keys
        }

        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
            var first = -1
            for i in 0..<customer.count where customer.masks[i] & 1 != 0 { first = i; break }
            guard first >= 0 else { return }
            let start = customer.times[first]
            if let bounds, !bounds.contains(start) { return }
            if plan.isOpen(start: start) {
                open += 1
                return
            }
            if keys.isEmpty {
                ValueReport.add(customer, first: first, column: column, window: window, to: &ungrouped)
                addedUngrouped = true
            } else {
                ValueReport.add(customer, first: first, column: column, window: window,
                                to: &byKey[keys.key(customer, first: first), default: Tally()])
            }
        }

        mutating func merge(_ other: Tallying) {
            ungrouped.add(other.ungrouped)
            addedUngrouped = addedUngrouped || other.addedUngrouped
            open += other.open
            for (key, tally) in other.byKey {
                if byKey[key] == nil { byKey[key] = tally } else { byKey[key]!.add(tally) }
            }
        }
    }

    /// Counts one customer whose first event of the step is event `first`.
    static func add(_ customer: ScannedCustomer, first: Int, column: Int, window: Int64?, to tally: inout Tally) {
        let start = customer.times[first]
        tally.customers += 1
        var events = 0
        var sum = 0.0
        var valued = false
        for i in first..<customer.count where customer.masks[i] & 1 != 0 {
            if let window, customer.times[i] &- start > window { break }
            events += 1
            let number: Double
            switch customer.value(column, at: i) {
            case .integer(let n): number = Double(n)
            case .real(let d): number = d
            case .null: tally.missing += 1; continue
            case .text: tally.notNumeric += 1; continue
            }
            valued = true
            sum += number
            tally.total.add(number)
            tally.values.append(number)
            if i != first { tally.afterFirst.add(number) }
        }
        tally.events += events
        if events >= 2 { tally.repeaters += 1 }
        // A customer's value: their values added in event order.
        if valued { tally.customerValues.append(sum) }
    }

    /// The error when no event of the store gives the property a number.
    package static func notNumeric(_ spec: ValueSpec, in source: SourceText) -> RunFailure {
        RunFailure(.error(.checkValueNotNumeric, "\(spec.property) holds no number in this store", at: spec.propertyRange,
                          notes: ["VALUE sums a numeric property such as amount, revenue or quantity; \(spec.property)'s values are text"]),
                   in: source)
    }

    /// A group's numbers as the table shows them: the tally with its quantiles worked out (an engine that keeps the
    /// values elsewhere, as PostgreSQL does, makes it from its own sums and order statistics).
    package struct Summary: Sendable {
        package var customers = 0
        package var events = 0
        package var missing = 0
        package var notNumeric = 0
        package var repeaters = 0
        package var total = 0.0
        package var afterFirst = 0.0
        /// How many events, and how many customers, have a value.
        package var valuedEvents = 0
        package var valuedCustomers = 0
        /// The median and p90 per event and per customer (nil without values).
        package var perEvent: [Double?] = [nil, nil]
        package var perCustomer: [Double?] = [nil, nil]

        package init() {}

        init(_ t: Tally) {
            customers = t.customers
            events = t.events
            missing = t.missing
            notNumeric = t.notNumeric
            repeaters = t.repeaters
            total = t.total.value
            afterFirst = t.afterFirst.value
            valuedEvents = t.values.count
            valuedCustomers = t.customerValues.count
            perEvent = Quantiles.continuous(t.values, percents: [50, 90])
            perCustomer = Quantiles.continuous(t.customerValues, percents: [50, 90])
        }
    }

    /// The result: one row per group, in the journey's group order, LIMIT applied.
    static func result(_ plan: FunnelPlan, spec: ValueSpec, counted: Tallying, keys: GroupKeyReader) -> QueryResult {
        let groups = keys.orderedGroups(counted.byKey, ungrouped: counted.addedUngrouped ? counted.ungrouped : nil,
                                        limit: plan.funnel.limit, size: \.customers, add: { $0.add($1) },
                                        empty: { Tally() })
        return result(plan, spec: spec, groups: groups.map { (key: $0.key, summary: Summary($0.tally)) }, open: counted.open)
    }

    /// The result from groups already in order (LIMIT applied) and summarized; `open`: customers left out.
    package static func result(_ plan: FunnelPlan, spec: ValueSpec, groups: [(key: [Cell], summary: Summary)],
                               open: Int) -> QueryResult {
        func number(_ d: Double?) -> Cell { d.map { .number($0) } ?? .null }
        func ratio(_ a: Double, _ b: Int) -> Cell { b == 0 ? .null : .number(a / Double(b)) }
        func percent(_ a: Double, _ b: Double) -> Cell { b == 0 ? .null : .percent(100 * a / b) }
        var rows: [[Cell]] = []
        for (key, t) in groups {
            let valued = t.valuedEvents > 0
            rows.append(key + [
                .int(Int64(t.customers)), .int(Int64(t.events)), ratio(Double(t.events), t.customers),
                .int(Int64(t.repeaters)), t.customers == 0 ? .null : .percent(100 * Double(t.repeaters) / Double(t.customers)),
                valued ? .number(t.total) : .null,
                ratio(t.total, t.valuedEvents), number(t.perEvent[0]), number(t.perEvent[1]),
                ratio(t.total, t.valuedCustomers), number(t.perCustomer[0]), number(t.perCustomer[1]),
                valued ? .number(t.afterFirst) : .null, valued ? percent(t.afterFirst, t.total) : .null,
                .int(Int64(t.missing + t.notNumeric)),
            ])
        }
        let columns = plan.funnel.breakdown.map { ColumnInfo($0.description) } + [
            ColumnInfo("customers", type: .integer),
            ColumnInfo("events", type: .integer),
            ColumnInfo("events_per_customer", type: .number, label: "per customer", priority: 4),
            ColumnInfo("repeat_customers", type: .integer, label: "repeat", priority: 6),
            ColumnInfo("pct_repeat", type: .percent, label: "% repeat", priority: 1),
            ColumnInfo("total", type: .number),
            ColumnInfo("avg_per_event", type: .number, label: "avg / event", priority: 2),
            ColumnInfo("median_per_event", type: .number, label: "median / event", priority: 5),
            ColumnInfo("p90_per_event", type: .number, label: "p90 / event", priority: 7),
            ColumnInfo("avg_per_customer", type: .number, label: "avg / customer", priority: 1),
            ColumnInfo("median_per_customer", type: .number, label: "median / customer", priority: 5),
            ColumnInfo("p90_per_customer", type: .number, label: "p90 / customer", priority: 7),
            ColumnInfo("after_first", type: .number, label: "after first", priority: 3),
            ColumnInfo("pct_after_first", type: .percent, label: "% after first"),
            ColumnInfo("no_value", type: .integer, label: "no value", priority: 8),
        ]
        return QueryResult(title: "value: \(spec.property) " + plan.funnel.text, columns: columns, rows: rows,
                           notes: notes(plan, spec: spec, groups: groups.map(\.summary), open: open))
    }

    static func notes(_ plan: FunnelPlan, spec: ValueSpec, groups: [Summary], open: Int) -> [String] {
        var all = Summary()
        for t in groups {
            all.customers += t.customers
            all.events += t.events
            all.missing += t.missing
            all.notNumeric += t.notNumeric
            all.valuedCustomers += t.valuedCustomers
        }
        let step = plan.stepLabels[0]
        let horizon = plan.window.map { " within \(PlanPrinter.formatDuration($0)) of their first" } ?? ""
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        var notes = ["\(plural(all.customers, "customer")) with \(step), \(plural(all.events, "event")); a customer's value is the sum of \(spec.property) over their \(step) events\(horizon);"
                     + " after first: the events after each customer's first \(step), its own value excluded"]
        if all.missing + all.notNumeric > 0 {
            var kinds: [String] = []
            if all.missing > 0 { kinds.append("\(all.missing) missing") }
            if all.notNumeric > 0 { kinds.append("\(all.notNumeric) not a number") }
            notes.append("\(plural(all.missing + all.notNumeric, "event")) of \(step) \(all.missing + all.notNumeric == 1 ? "has" : "have") no numeric \(spec.property) ("
                         + kinds.joined(separator: ", ") + "): counted in events, left out of sums, averages and quantiles")
        }
        let unvalued = all.customers - all.valuedCustomers
        if unvalued > 0 {
            notes.append("\(plural(unvalued, "customer")) \(unvalued == 1 ? "has" : "have") no numeric \(spec.property) on any \(step) event: left out of the per-customer value")
        }
        if open > 0, let window = plan.window, let horizon = plan.horizon {
            notes.append("\(plural(open, "customer")) whose \(PlanPrinter.formatDuration(window)) after their first \(step) had not ended by "
                         + TimeParser.format(horizon) + " left out: their value is not complete")
        }
        if plan.funnel.breakdown.contains(where: \.readsFirstStep) {
            notes.append("breakdown fields are read from each customer's first \(step) event; day, week and month are its time")
        }
        notes.append("medians and p90 interpolated between the two nearest values (DuckDB quantile_cont)")
        return notes
    }
}

extension Executor {
    /// Runs VALUE: the property must hold a number somewhere in the store (else an error at the property), then
    /// every customer's events of the step are tallied.
    func valueResult(_ plan: FunnelPlan, _ spec: ValueSpec, events: EventSource) throws -> QueryResult {
        guard try store.hasNumericValue(ofProperty: spec.property) else { throw ValueReport.notNumeric(spec, in: source) }
        let keys = GroupKeyReader(plan, catalog: catalog, attributes: try attributeValues(plan))
        let done = try plan.aggregate(ValueReport.Tallying(plan, spec: spec, keys: keys), source: events,
                                      isCancelled: isCancelled)
        var result = ValueReport.result(plan, spec: spec, counted: done.aggregation, keys: keys)
        result.notes.append("\(done.customersScanned) customers, \(done.eventsScanned) events read")
        return result
    }
}
