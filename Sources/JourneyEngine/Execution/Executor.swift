// The executor: runs every statement's plan (queries, EXPLAIN, IMPORT, SHOW, definitions, EXPECT) against one
// store, with one cancellation token, and says what happened through events.
import JourneyStore

/// What a run carries from one statement to the next.
package struct ExecutionState: Sendable {
    /// `SET now = ...`, if given (see `Session.now`).
    package var now: Int64?
    /// The results of the last statement that gave any: what EXPECT checks.
    package var previousResults: [QueryResult]
    /// Values for `$name` parameters (SHOW counts definitions that use them).
    package var parameters: [String: String]
}

/// Runs plans against a store.
struct Executor {
    let store: EventStore
    let engine: Engine
    let catalog: StoreCatalog
    let cancellation: CancellationToken
    /// The text the statement came from: EXPECT's failures and a traced customer's error are drawn against it.
    let source: SourceText
    var importProgress: ((ImportProgress) -> Void)?

    var isCancelled: () -> Bool { { [cancellation] in cancellation.isCancelled } }

    /// Runs `plan`; its results and messages reach `emit` as they come. Returns the warnings its run found
    /// (a step nobody reaches because of WHERE), for the caller to draw or, in strict mode, to fail on.
    func execute(_ plan: Plan, state: inout ExecutionState, emit: (SessionEvent) -> Void) throws -> [Diagnostic] {
        // Behavioural segments (FOR a SEGMENT ... AS CUSTOMERS) are live: their customers are found first.
        let plan = try resolvingCustomerSets(plan)
        switch plan {
        case .query(let journey, let aggregation):
            return try query(journey, aggregation, emit: emit)
        case .explain(let journey):
            // A plan is prose with nested lines, read by people: a message, as sqlite3 prints its plans.
            let choice = try choose(for: journey.request)
            let explanation = try choice.source.explain(journey.request)
            emit(.message(PlanPrinter.lines(journey, engine: choice, scan: explanation).joined(separator: "\n")))
        case .trace(let journey, let customer, let range):
            try requireCustomer(customer, at: range)
            emit(.message(try JourneyTrace.lines(journey, customer: customer, store: store, catalog: catalog,
                                                 isCancelled: isCancelled).joined(separator: "\n")))
        case .importData(let request):
            var options = ImportOptions()
            options.mapping = request.mapping
            let noun = request.customers ? "customers" : "events"
            let report = try cancellation.interrupting(store.interruptHandle) {
                request.customers
                    ? try store.importCustomers(request.files[0], options: options, progress: importProgress)
                    : try store.importEvents(request.files, options: options, progress: importProgress)
            }
            emit(.message(report.summary(noun: noun)))
        case .show(let target):
            emit(.result(try showResult(target, parameters: state.parameters)))
        case .definition(let change):
            try apply(change, now: &state.now, emit: emit)
        case .expect(let expectation):
            try expect(expectation, previousResults: state.previousResults, emit: emit)
        case .showCustomer(let id, let range):
            emit(.result(try customerTimeline(id, at: range)))
        }
        return []
    }

    /// A journey's scan and matching, fed to `aggregation`, shaped into its result.
    private func query(_ plan: FunnelPlan, _ aggregation: Aggregation,
                       emit: (SessionEvent) -> Void) throws -> [Diagnostic] {
        let started = ContinuousClock.now
        let source = try choose(for: plan.request).source
        func read(_ customers: Int, _ events: Int) -> String {
            "\(customers) customers, \(events) events read (\(PlanPrinter.seconds(ContinuousClock.now - started)))"
        }
        func emitAll(_ results: [QueryResult], _ analysis: Analysis) {
            for (part, result) in results.enumerated() {
                var result = result
                result.analysis = analysis
                result.part = part
                emit(.result(result))
            }
        }
        switch aggregation {
        case .funnel, .times:
            let groups = try funnelGroups(plan, source: source)
            let scanned = groups.first?.totals
            var results = aggregation == .funnel ? [FunnelTable.result(plan, groups: groups)]
                                                 : TimeToConvert.results(plan, groups: groups)
            results[0].measured = read(scanned?.customersScanned ?? 0, scanned?.eventsScanned ?? 0)
            emitAll(results, aggregation == .funnel ? .funnel : .timeToConvert)
            return try reachWarnings(plan, groups: groups, source: source)
        case .paths:
            let counted = try plan.aggregate(PathFinder.PathAggregation(plan), source: source, isCancelled: isCancelled)
            var result = PathFinder.result(plan, counted: counted.aggregation, catalog: catalog)
            result.measured = "(\(PlanPrinter.seconds(ContinuousClock.now - started)))"
            emitAll([result], .paths)
            return []
        case .stages(let inactiveAfter, let defaultOrder):
            let keys = GroupKeyReader(plan, catalog: catalog, attributes: try attributeValues(plan))
            let done = try plan.aggregate(StageMap.Tallying(plan, keys: keys, inactiveAfter: inactiveAfter),
                                          source: source, isCancelled: isCancelled)
            var results = StageMap.results(plan, counted: done.aggregation, keys: keys, defaultOrder: defaultOrder)
            results[0].measured = read(done.customersScanned, done.eventsScanned)
            emitAll(results, .stages)
            return []
        case .customers(let listing):
            emitAll([try customerList(plan, listing, source: source)], .customers)
            return []
        case .flows(let spec):
            try flows(plan, spec, source: source, started: started, emit: emit)
            return []
        case .dropoff(let next, let column):
            var results = try dropoffResults(plan, next: next, of: column, source: source)
            results[0].measured = "(\(PlanPrinter.seconds(ContinuousClock.now - started)))"
            emitAll(results, .dropoff)
            return []
        case .why(let fields, let defaultSet):
            var result = try whyResult(plan, fields: fields, defaultSet: defaultSet, source: source)
            result.measured = "(\(PlanPrinter.seconds(ContinuousClock.now - started)))"
            emitAll([result], .why)
            return []
        case .value(let spec):
            var result = try valueResult(plan, spec, events: source)
            result.measured = "(\(PlanPrinter.seconds(ContinuousClock.now - started)))"
            emitAll([result], .value)
            return []
        case .compare(let spec):
            var results = try compareResults(plan, spec, source: source)
            results[0].measured = "(\(PlanPrinter.seconds(ContinuousClock.now - started)))"
            emitAll(results, .compare)
            return []
        case .retention(let spec):
            let keys = GroupKeyReader(plan, catalog: catalog, attributes: try attributeValues(plan))
            let done = try plan.aggregate(Retention.Counting(plan, spec: spec, keys: keys), source: source,
                                          isCancelled: isCancelled)
            var results = Retention.results(plan, spec: spec, counted: done.aggregation, keys: keys)
            results[0].measured = read(done.customersScanned, done.eventsScanned)
            emitAll(results, .retention)
            return []
        case .attribution(let spec):
            var result = try attributionResult(plan, spec, source: source)
            result.measured = "(\(PlanPrinter.seconds(ContinuousClock.now - started)))"
            emitAll([result], .attribution)
            return []
        }
    }

    /// A journey's per-step totals per group, in display order.
    func funnelGroups(_ plan: FunnelPlan, source: EventSource) throws -> [FunnelTable.Group] {
        let keys = GroupKeyReader(plan, catalog: catalog, attributes: try attributeValues(plan))
        let done = try plan.aggregate(FunnelAggregation(plan, keys: keys), source: source, isCancelled: isCancelled)
        return done.aggregation.groups(customersScanned: done.customersScanned, eventsScanned: done.eventsScanned)
    }

    /// The values of the customer attributes a plan's BY reads, per customer number.
    func attributeValues(_ plan: FunnelPlan) throws -> [String: [Int64: CarriedValue]] {
        var attributes: [String: [Int64: CarriedValue]] = [:]
        for case .customerAttribute(let name) in plan.breakdown where attributes[name] == nil {
            attributes[name] = try store.customerAttributeValues(name)
        }
        return attributes
    }

    /// Warns at a step that counts nobody because WHERE admits no event that fills it (see `StepReach`).
    private func reachWarnings(_ plan: FunnelPlan, groups: [FunnelTable.Group],
                               source: EventSource) throws -> [Diagnostic] {
        guard plan.funnel.whereText != nil, plan.funnel.limit != 0 else { return [] }
        var customers = Array(repeating: 0, count: plan.funnel.steps.count)
        for group in groups { for k in customers.indices { customers[k] += group.totals.customers[k] } }
        guard customers.contains(0) else { return [] }
        return try StepReach.warnings(plan, customers: customers, source: source, isCancelled: isCancelled)
    }

    /// `EXPLAIN CUSTOMER id` of an id no customer has is an error at the id (exit 65), not a trace.
    private func requireCustomer(_ id: String, at range: SourceRange?) throws {
        guard try store.customerID(id) == nil, let range else { return }
        throw JourneyTrace.unknownCustomer(id, at: range, in: source)
    }
}
