// CUSTOMERS: the customers behind a journey's numbers, one row each (id, start, deepest step, time reached,
// status), and the customer sets of behavioural segments (FOR name), evaluated when the statement runs.
import JourneyStore

/// What a customer list keeps and how it is ordered (the plan's aggregation).
package struct CustomerListing: Sendable, Hashable {
    package let pick: CustomerPick
    package let order: CustomerOrderKey
    package let descending: Bool

    package init(_ checked: CheckedCustomers) {
        pick = checked.pick
        order = checked.order
        descending = checked.descending
    }
}

/// A behavioural segment's journey, planned: its customers are found first, then the outer scan keeps only them.
package final class CustomerSetPlan: Sendable {
    package let name: String
    package let plan: FunnelPlan
    /// The pick, and the order that its journey's LIMIT (if any) cuts.
    package let listing: CustomerListing

    package init(name: String, plan: FunnelPlan, listing: CustomerListing) {
        self.name = name
        self.plan = plan
        self.listing = listing
    }
}

package enum CustomerList {
    /// One picked customer, by the store's customer number.
    package struct Entry: Sendable {
        package var customer: Int64
        var start: Int64
        var level: Int
        var reached: Int64
        var open: Bool

        package init(customer: Int64, start: Int64, level: Int, reached: Int64, open: Bool) {
            self.customer = customer
            self.start = start
            self.level = level
            self.reached = reached
            self.open = open
        }
    }

    /// Collects the customers `pick` keeps, with their chain's start and deepest step.
    struct Aggregation: ChainAggregation {
        let plan: FunnelPlan
        let pick: CustomerPick
        var entries: [Entry] = []

        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
            guard match.level > 0 else { return }
            let start = customer.times[match.positions[0]]
            let open = plan.isOpen(start: start)
            guard pick.keeps(level: match.level, stepCount: plan.shape.stepCount, open: open) else { return }
            // The deepest step is always filled (an optional step is never the level).
            let reached = customer.times[match.positions[match.level - 1]]
            entries.append(Entry(customer: customer.customer, start: start, level: match.level, reached: reached, open: open))
        }

        mutating func merge(_ other: Aggregation) {
            entries += other.entries
        }
    }

    /// The entries that can be among the first `limit` rows: ordered by a time, those up to the limit-th's time
    /// (ties included, as they are ordered by id, which only the store knows); all of them otherwise. Only these
    /// are looked up by id, so `LIMIT 20` over a million customers reads 20-odd ids.
    static func candidates(_ entries: [Entry], listing: CustomerListing, limit: Int?) -> [Entry] {
        guard let limit, listing.order != .customer, entries.count > limit else { return entries }
        guard limit > 0 else { return [] }
        let time: (Entry) -> Int64 = listing.order == .reached ? { $0.reached } : { $0.start }
        let times = entries.map(time).sorted(by: listing.descending ? (>) : (<))
        let cut = times[limit - 1]
        return entries.filter { listing.descending ? time($0) >= cut : time($0) <= cut }
    }

    /// The status a row shows: converted, in progress or lost.
    static func status(_ entry: Entry, stepCount m: Int) -> String {
        entry.level == m ? "converted" : (entry.open ? "in progress" : "lost")
    }

    /// The entries with their ids, ordered by the ORDER BY key (start by default), ties by customer id byte for
    /// byte, and limited.
    package static func ordered(_ entries: [Entry], listing: CustomerListing, keys: [Int64: String],
                                limit: Int?) -> [(entry: Entry, id: String)] {
        var rows = entries.map { (entry: $0, id: keys[$0.customer] ?? "") }
        func idBefore(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        rows.sort { a, b in
            switch listing.order {
            case .start where a.entry.start != b.entry.start:
                return listing.descending ? a.entry.start > b.entry.start : a.entry.start < b.entry.start
            case .reached where a.entry.reached != b.entry.reached:
                return listing.descending ? a.entry.reached > b.entry.reached : a.entry.reached < b.entry.reached
            case .customer:
                return listing.descending ? idBefore(b.id, a.id) : idBefore(a.id, b.id)
            default:
                return idBefore(a.id, b.id)
            }
        }
        if let limit, rows.count > limit { rows.removeLast(rows.count - limit) }
        return rows
    }

    /// The result table: the rows ordered and limited; `total` is how many the pick kept before LIMIT.
    package static func result(_ plan: FunnelPlan, listing: CustomerListing, entries: [Entry],
                               keys: [Int64: String], total: Int) -> QueryResult {
        let m = plan.shape.stepCount
        let rows = ordered(entries, listing: listing, keys: keys, limit: plan.funnel.limit)
        let labels = plan.stepLabels
        let cells: [[Cell]] = rows.map { row in
            [.text(row.id), .time(row.entry.start), .int(Int64(row.entry.level)), .text(labels[row.entry.level - 1]),
             .time(row.entry.reached), .text(status(row.entry, stepCount: m))]
        }
        var notes = ["\(total) customer\(total == 1 ? "" : "s") \(listing.pick)" + (rows.count < total ? ", the first \(rows.count) shown" : "")
                     + "; step is each customer's deepest step, reached the time their chain reached it"]
        if plan.window == nil, listing.pick == .inProgress {
            notes.append("without WITHIN no window is open: nobody is in progress")
        }
        return QueryResult(title: "customers: " + plan.funnel.text,
                           columns: [ColumnInfo("customer", type: .text), ColumnInfo("start", type: .time),
                                     ColumnInfo("step", type: .integer), ColumnInfo("step_name", type: .text, label: "name"),
                                     ColumnInfo("reached", type: .time), ColumnInfo("status", type: .text, priority: 1)],
                           rows: cells, notes: notes)
    }
}

extension Executor {
    /// Runs a customer list: matches every customer, keeps the picked ones, names them and orders them.
    func customerList(_ plan: FunnelPlan, _ listing: CustomerListing, source: EventSource) throws -> QueryResult {
        let started = ContinuousClock.now
        let done = try plan.aggregate(CustomerList.Aggregation(plan: plan, pick: listing.pick), source: source,
                                      isCancelled: isCancelled)
        let entries = CustomerList.candidates(done.aggregation.entries, listing: listing, limit: plan.funnel.limit)
        let keys = try store.customerKeys(CustomerNumbers(entries.map(\.customer)))
        var result = CustomerList.result(plan, listing: listing, entries: entries, keys: keys,
                                         total: done.aggregation.entries.count)
        result.notes.append("\(done.customersScanned) customers, \(done.eventsScanned) events read (\(PlanPrinter.seconds(ContinuousClock.now - started)))")
        return result
    }

    /// The plan with every behavioural segment evaluated: its journey is run (its own segments first) and the scan
    /// keeps only its customers. A segment is live: it is evaluated again each time a statement uses it.
    func resolvingCustomerSets(_ plan: FunnelPlan) throws -> FunnelPlan {
        guard let set = plan.customerSet else { return plan }
        return plan.keeping(.customerIn(try customerSet(set.plan, set.listing)))
    }

    /// The customers a journey's list holds (its own segments evaluated first): every one the pick keeps, or with
    /// LIMIT the first n in the list's order, as CUSTOMERS would list them.
    func customerSet(_ plan: FunnelPlan, _ listing: CustomerListing) throws -> CustomerNumbers {
        let inner = try resolvingCustomerSets(plan)
        let done = try inner.aggregate(CustomerList.Aggregation(plan: inner, pick: listing.pick),
                                       source: try choose(for: inner.request).source, isCancelled: isCancelled)
        guard let limit = inner.funnel.limit else { return CustomerNumbers(done.aggregation.entries.map(\.customer)) }
        let entries = CustomerList.candidates(done.aggregation.entries, listing: listing, limit: limit)
        let keys = try store.customerKeys(CustomerNumbers(entries.map(\.customer)))
        return CustomerNumbers(CustomerList.ordered(entries, listing: listing, keys: keys, limit: limit).map(\.entry.customer))
    }

    /// Every plan's behavioural segments evaluated (see `resolvingCustomerSets(_:)`).
    func resolvingCustomerSets(_ plan: Plan) throws -> Plan {
        switch plan {
        case .query(let journey, let aggregation): .query(try resolvingCustomerSets(journey), aggregation)
        case .explain(let journey): .explain(try resolvingCustomerSets(journey))
        case .trace(let journey, let customer, let range): .trace(try resolvingCustomerSets(journey), customer: customer, range: range)
        default: plan
        }
    }

    /// `SHOW CUSTOMER id`: the customer's events in (time, import order) order with stage, touchpoint, channel,
    /// every property any of them has (in the catalog's order) and the customer's attributes (`customer.x`).
    func customerTimeline(_ id: String, at range: SourceRange) throws -> QueryResult {
        guard let number = try store.customerID(id) else {
            throw CustomerTimeline.unknown(id, at: range, candidates: try store.customerKeys(limit: 100_000) ?? [],
                                           source: source)
        }
        let (events, attributes) = try store.timeline(ofCustomer: number)
        return CustomerTimeline.result(id, events: events, attributes: attributes, catalog: catalog)
    }
}

/// SHOW CUSTOMER's table and its error, for any engine's session.
package enum CustomerTimeline {
    /// `no customer is called 'x'`, at the id as written, with the nearest of `candidates` as its fix.
    package static func unknown(_ id: String, at range: SourceRange, candidates: [String], source: SourceText) -> RunFailure {
        // The range is the id as written: quoted, or a bare word or number.
        let quoted = source.slice(range).hasPrefix("'")
        return RunFailure(.error(.checkUnknownCustomer, "no customer is called '\(id)' in this store", at: range,
                                 notes: ["customer ids are compared byte for byte, case included"])
            .suggesting(Suggestions.nearest(to: id, among: candidates), replacing: range) {
                Suggestions.written($0, quoted: quoted)
            }, in: source)
    }

    /// The customer's events in (time, import order) order with every property, then its attributes.
    package static func result(_ id: String, events: [RawEvent], attributes: [String: PropertyValue],
                               catalog: StoreCatalog) -> QueryResult {
        let present = Set(events.flatMap(\.properties.keys))
        var properties = catalog.properties.map(\.name).filter { present.contains($0) }
        properties += present.subtracting(properties).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let attributeNames = catalog.customerAttributes.map(\.name).filter { attributes[$0] != nil }
            + Set(attributes.keys).subtracting(catalog.customerAttributes.map(\.name)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        func cell(_ value: PropertyValue?) -> Cell {
            switch value {
            case .text(let s)?: .text(s)
            case .number(let d)?: .number(d)
            case nil: .null
            }
        }
        let rows: [[Cell]] = events.map { event in
            [.time(event.time), event.stage.map(Cell.text) ?? .null, event.touchpoint.map(Cell.text) ?? .null,
             event.channel.map(Cell.text) ?? .null]
                + properties.map { cell(event.properties[$0]) }
                + attributeNames.map { cell(attributes[$0]) }
        }
        let columns = [ColumnInfo("time", type: .time), ColumnInfo("stage", type: .text),
                       ColumnInfo("touchpoint", type: .text), ColumnInfo("channel", type: .text)]
            + properties.map { ColumnInfo($0) } + attributeNames.map { ColumnInfo("customer." + $0) }
        return QueryResult(title: "customer \(id)", columns: columns, rows: rows,
                           notes: ["\(events.count) events of customer \(id), in time order (ties in import order)"])
    }
}

extension Executor {
    /// The customers a stored behavioural segment gives now (SHOW SEGMENTS and SHOW DEFINITIONS count them), or
    /// why it cannot be evaluated. "Now" is the store's latest event: SHOW has no session `SET now`.
    func behaviouralMembers(_ entry: Definitions.Entry, parameters: [String: String],
                            definitions: Definitions) throws -> (CustomerNumbers?, String?) {
        let (set, diagnostics) = Checker.checkBehaviouralSegment(entry, catalog: catalog, parameters: parameters,
                                                                 definitions: definitions)
        guard let set else {
            return (nil, diagnostics.first { $0.severity == .error }?.message ?? "it does not check")
        }
        let resolved = set.resolved(setNow: nil, clock: Session.wallClock())
        let plan = Planner(catalog: catalog).planFunnel(resolved.customers.funnel)
        return (try customerSet(plan, CustomerListing(resolved.customers)), nil)
    }
}
