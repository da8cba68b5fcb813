// The interpreter over a PostgreSQL store: the engine's lexer, parser, checker and planner, then each plan compiled
// to SQL and run where the data is. A statement the compiler cannot reproduce exactly is refused with an error that
// names the construct (`engine.unsupported`), never answered with a different number.
import JourneyEngine
import JourneyStore
#if canImport(Glibc)
import Glibc
#endif

/// Runs statements against a store in PostgreSQL, emitting the same events as `Session`.
package final class PostgresSession: StoreSession {
    package let store: PostgresStore
    /// Values for `$name` parameters.
    package var parameters: [String: String] = [:]
    /// `SET now = ...`, as in `Session.now`.
    package var now: Int64?
    /// Warnings are errors, as in `Session.strict`.
    package var strict = false
    package private(set) var previousResults: [QueryResult] = []
    package var importProgress: ((ImportProgress) -> Void)?
    /// How chains are found: the installed matcher function when the database has it, else plain SQL (tests set it).
    package var chainForm: ChainForm?

    /// The form a query uses now.
    var effectiveChainForm: ChainForm {
        chainForm ?? (hasMatcherFunction ? .function : .windows)
    }

    /// Whether the database has this version's matcher functions: asked once, when the session opens.
    private var hasMatcherFunction = false

    /// Connects to the store at `url`; with `create`, makes its tables when missing (an import does).
    /// Refuses IMPORT, and its connection reads only (`default_transaction_read_only`).
    package let readOnly: Bool

    package convenience init(url: String, create: Bool = false) throws {
        try self.init(url: url, access: create ? .create : .readWrite)
    }

    /// Connects to the store at `url`: `.create` makes its tables when missing, `.readOnly` writes nothing.
    package init(url: String, access: StoreAccess) throws {
        store = try PostgresStore(url: url, create: access == .create)
        readOnly = access == .readOnly
        // A store made by an earlier version may lack this version's functions, or hold older ones: make them when
        // allowed (a user who may not create functions gets plain SQL where it suffices, and refusals by name).
        if !readOnly { try? MatcherFunctions.install(on: store.connection) }
        hasMatcherFunction = MatcherFunctions.current(on: store.connection)
        if readOnly { try store.connection.execute("SET default_transaction_read_only = on") }
        // For measuring one form against the other (BENCHMARKS.md): JOURNEYQL_PG_CHAINS=windows|function.
        if let name = getenv("JOURNEYQL_PG_CHAINS").map({ String(cString: $0) }) { chainForm = ChainForm(rawValue: name) }
    }

    package var storeName: String { store.displayURL }

    /// Runs every statement of `source` in order; stops at the first error, thrown ready for stderr.
    /// (Cancelling a statement running in PostgreSQL is not wired yet: `cancellation` is not polled.)
    package func run(_ source: SourceText, cancellation: CancellationToken,
                     emit: (SessionEvent) -> Void) throws(RunFailure) {
        guard let canceller = store.connection.canceller() else { return try run(source, emit: emit) }
        // Ctrl-C (or the embedder's cancel) becomes a cancel request to the server; the statement then fails with
        // SQLSTATE 57014, reported as cancelled.
        do {
            try cancellation.interrupting(with: { canceller.send() }) { try run(source, emit: emit) }
        } catch let failure as RunFailure {
            throw failure
        } catch {
            throw RunFailure(error)
        }
    }

    package func run(_ source: SourceText, emit: (SessionEvent) -> Void) throws(RunFailure) {
        try Session.runEach(source, parameters: parameters, emit: emit, keep: { previousResults = $0 }) {
            (statement, record) throws(RunFailure) in
            try runStatement(statement, source: source, emit: record)
        }
    }

    private func runStatement(_ statement: StatementSyntax, source: SourceText,
                              emit: (SessionEvent) -> Void) throws(RunFailure) {
        let catalog: StoreCatalog
        do {
            catalog = try store.catalog()
        } catch {
            throw RunFailure(error)
        }
        let definitions: Definitions
        do {
            definitions = try store.definitions()
        } catch {
            throw RunFailure(error)
        }
        let outcome = Checker.check(statement, catalog: catalog, source: source, parameters: parameters,
                                    definitions: definitions, now: now, knownValues: { [store] field in
                                        try? store.textValues(of: field)
                                    })
        try Session.admit(outcome, strict: strict, source: source, emit: emit)
        guard let checked = outcome.statement?.resolvingNow(setNow: now, clock: Session.wallClock()) else { return }
        let plan = Planner(catalog: catalog).plan(checked)
        if case .expect(let expectation) = plan {
            try ExpectationRun.run(expectation, previousResults: previousResults, source: source, emit: emit)
            return
        }
        do {
            // Behavioural segments first: each becomes the ids of its customers, bound where the plan reads it.
            var sets: [CustomerNumbers: [String]] = [:]
            let resolved = try resolvingCustomerSets(plan, into: &sets)
            try PostgresPredicate.$customerSets.withValue(sets) {
                try execute(resolved, catalog: catalog, definitions: definitions, source: source, emit: emit)
            }
        } catch let unsupported as PostgresUnsupported {
            let diagnostic = Diagnostic.error(
                .engineUnsupported, "the PostgreSQL engine does not run \(unsupported.construct) yet",
                at: statement.range,
                notes: ["it refuses what it cannot compute exactly; the same statement runs on a SQLite store "
                        + "(journey import FILE --db store.journey)"])
            throw RunFailure(diagnostics: [diagnostic], rendered: DiagnosticRenderer.render(diagnostic, in: source))
        } catch let error as PostgresError where error.sqlState == "57014" {
            throw RunFailure(StoreError.cancelled)
        } catch {
            throw RunFailure(error)
        }
    }

    /// The analyses that work per customer in the installed functions, refused by name in a database without them
    /// (a store imported by a user who may not create functions, before `journey pg-extension`).
    private func requireFunctions(_ plan: Plan) throws {
        guard !hasMatcherFunction, case .query(_, let aggregation) = plan else { return }
        switch aggregation {
        case .paths, .flows, .dropoff, .stages, .value, .attribution, .why:
            throw PostgresUnsupported(construct: Self.name(of: aggregation) + " without the journeyql functions installed"
                                      + " (journey pg-extension DIR; CREATE EXTENSION journeyql SCHEMA journeyql)")
        default:
            return
        }
    }

    private func execute(_ plan: Plan, catalog: StoreCatalog, definitions: Definitions, source: SourceText,
                         emit: (SessionEvent) -> Void) throws {
        try requireFunctions(plan)
        switch plan {
        case .query(let journey, .funnel):
            let started = ContinuousClock.now
            let groups = try funnelGroups(journey, catalog: catalog)
            var result = FunnelTable.result(journey, groups: groups.map { (key: $0.key, totals: $0.totals) },
                                            timeQuantiles: groups.flatMap(\.quantiles))
            result.measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            Self.emitAll([result], .funnel, emit)
        case .query(let journey, .times):
            let started = ContinuousClock.now
            let (query, _) = try FunnelSQL.compile(journey, form: effectiveChainForm, measure: .times)
            let rows = try store.connection.execute(query.sql, parameters: query.parameters)
            let width = FunnelSQL.keyWidth(journey)
            let groups = Self.ordered(rows.rows.map { row in
                (key: FunnelSQL.keyCells(row, journey, catalog: catalog), found: FunnelSQL.timeSummary(row[width...]))
            }, journey, key: \.key, size: \.found.size)
            var results = TimeToConvert.results(journey, summaries: groups.map { (key: $0.key, summary: $0.found.summary) })
            results[0].measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            Self.emitAll(results, .timeToConvert, emit)
        case .query(let journey, .compare(let spec)):
            let started = ContinuousClock.now
            var results = try GroupComparison.results(journey, spec, source: source) { plan, _ in
                try funnelGroups(plan, catalog: catalog).map { (key: $0.key, totals: $0.totals) }
            }
            results[0].measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            Self.emitAll(results, .compare, emit)
        case .query(let journey, .customers(let listing)):
            let started = ContinuousClock.now
            let (entries, keys) = try customerEntries(journey, pick: listing.pick)
            var result = CustomerList.result(journey, listing: listing, entries: entries, keys: keys, total: entries.count)
            result.notes.append("PostgreSQL (\(PlanPrinter.seconds(ContinuousClock.now - started)))")
            Self.emitAll([result], .customers, emit)
        case .query(let journey, .retention(let spec)):
            let started = ContinuousClock.now
            let query = try RetentionSQL.compile(journey, spec: spec)
            let rows = try store.connection.execute(query.sql, parameters: query.parameters)
            let width = FunnelSQL.keyWidth(journey)
            var results = Retention.results(journey, spec: spec, cohorts: rows.rows.map { row in
                (key: FunnelSQL.keyCells(row, journey, catalog: catalog), cohort: Int64(row[width] ?? "0") ?? 0,
                 size: Int(row[width + 1] ?? "0") ?? 0, returning: row[(width + 2)...].map { Int($0 ?? "0") ?? 0 })
            })
            results[0].measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            Self.emitAll(results, .retention, emit)
        case .query(let journey, .value(let spec)):
            let started = ContinuousClock.now
            let numeric = try store.connection.execute(
                "SELECT EXISTS (SELECT 1 FROM journeyql.events WHERE jsonb_typeof(props -> $1) IN ('number', 'boolean'))",
                parameters: [spec.property])
            guard catalog.properties.contains(where: { $0.name == spec.property }), numeric.rows.first?.first == "t" else {
                throw ValueReport.notNumeric(spec, in: source)
            }
            let query = try ValueSQL.compile(journey, spec: spec)
            let rows = try store.connection.execute(query.sql, parameters: query.parameters)
            let width = FunnelSQL.keyWidth(journey)
            let groups = Self.ordered(rows.rows.map { row in
                (key: FunnelSQL.keyCells(row, journey, catalog: catalog), summary: ValueSQL.summary(row[width...]))
            }, journey, key: \.key, size: \.summary.customers)
            var open = 0
            if let count = try ValueSQL.openCustomers(journey, spec: spec) {
                open = Int(try store.connection.execute(count.sql, parameters: count.parameters).rows.first?.first?.flatMap { $0 } ?? "0") ?? 0
            }
            var result = ValueReport.result(journey, spec: spec, groups: groups, open: open)
            result.notes.append("PostgreSQL (\(PlanPrinter.seconds(ContinuousClock.now - started)))")
            Self.emitAll([result], .value, emit)
        case .query(let journey, .paths):
            let started = ContinuousClock.now
            let counts = try pathCounts(PathsSQL.between(journey, spec: nil))
            var result = PathFinder.result(journey, counts: counts, catalog: catalog)
            result.measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            Self.emitAll([result], .paths, emit)
        case .query(let journey, .flows(let spec)):
            let started = ContinuousClock.now
            var result: QueryResult
            if spec.kind.isTree {
                let query = try PathsSQL.tree(journey, spec: spec)
                let rows = try store.connection.execute(query.sql, parameters: query.parameters).rows
                // Rows come per (key, path).
                let groups = Self.folded(rows, journey, catalog: catalog, empty: (anchors: 0, paths: [[Int32]: Int]())) {
                    tree, row in
                    let customers = Int(row[1] ?? "0") ?? 0
                    tree.anchors += customers
                    tree.paths[PathsSQL.codes(row[0]), default: 0] += customers
                }
                let ordered = Self.ordered(groups, journey, key: { $0.key }, size: { $0.value.anchors }, limit: false)
                result = Flows.treeResult(journey, spec: spec, groups: ordered, catalog: catalog)
            } else {
                let counts = try pathCounts(PathsSQL.between(journey, spec: spec))
                result = Flows.betweenResult(journey, spec: spec, counts: counts, catalog: catalog)
            }
            result.analysis = .flows
            result.measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            emit(.result(result))
        case .query(let journey, .stages(let inactiveAfter, let defaultOrder)):
            let started = ContinuousClock.now
            let query = try StagesSQL.compile(journey, inactiveAfter: inactiveAfter)
            let rows = try store.connection.execute(query.sql, parameters: query.parameters).rows
            let groups = Self.folded(rows, journey, catalog: catalog, empty: StageMap.Summary(stageCount: journey.shape.stepCount)) {
                tally, row in
                func int(_ i: Int) -> Int { Int(row[i] ?? "0") ?? 0 }
                let x = int(1)
                switch int(0) {
                case 0:
                    tally.reached[x] = int(2)
                    tally.furthest[x] = int(3)
                    tally.churned[x] = int(4)
                case 1:
                    tally.movedOn[x] = int(2)
                    tally.stayMedian[x] = row[5].flatMap(Double.init)
                case 2:
                    tally.transitions[x] = int(2)
                    tally.transitionCustomers[x] = int(3)
                default:
                    tally.customers = int(2)
                }
            }
            let ordered = Self.ordered(groups.map { (key: $0.key, tally: $0.value) }, journey, key: { $0.key },
                                       size: { $0.tally.customers })
            var results = StageMap.results(journey, groups: ordered, inactiveAfter: inactiveAfter, defaultOrder: defaultOrder)
            results[0].measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            Self.emitAll(results, .stages, emit)
        case .query(let journey, .attribution(let spec)):
            let started = ContinuousClock.now
            if let check = try AttributionSQL.textValue(journey, spec: spec),
               let text = try store.connection.execute(check.sql, parameters: check.parameters).rows.first?.first.flatMap({ $0 }) {
                throw Attribution.textValue(text, spec: spec, in: source)
            }
            let query = try AttributionSQL.compile(journey, spec: spec)
            let rows = try store.connection.execute(query.sql, parameters: query.parameters)
            var result = Attribution.result(journey, spec, AttributionSQL.totals(rows.rows, models: spec.models.count),
                                            catalog: catalog)
            result.measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            Self.emitAll([result], .attribution, emit)
        case .query(let journey, .why(let fields, let defaultSet)):
            let started = ContinuousClock.now
            let query = try WhySQL.compile(journey, fields: fields)
            let found = WhySQL.counts(try store.connection.execute(query.sql, parameters: query.parameters).rows,
                                      fields: fields)
            var result = PainPoints.whyResult(journey, fields: fields, counts: found.counts, converters: found.converters,
                                              lost: found.lost, catalog: catalog, defaultSet: defaultSet)
            result.measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            Self.emitAll([result], .why, emit)
        case .query(let journey, .dropoff(let next, let column)):
            let started = ContinuousClock.now
            let query = try DropoffSQL.compile(journey, next: next, of: column)
            let rows = try store.connection.execute(query.sql, parameters: query.parameters).rows
            let m = journey.shape.stepCount
            let groups = Self.folded(rows, journey, catalog: catalog, empty: PainPoints.DropoffCounts(steps: m)) { counts, row in
                let level = Int(row[0] ?? "0") ?? 0, customers = Int(row[4] ?? "0") ?? 0
                counts.started += customers
                guard row[1] == "1", level >= 1, level < m else { return }
                let k = level - 1
                counts.lost[k] += customers
                counts.next[k][DropoffSQL.integers(row[2]), default: 0] += customers
                counts.last[k][Int64(row[3] ?? "-1") ?? -1, default: []].append(contentsOf: DropoffSQL.integers(row[5]))
            }
            let ordered = Self.ordered(groups.map { (key: $0.key, counts: $0.value) }, journey, key: { $0.key },
                                       size: { $0.counts.started }, limit: false)
            var results = PainPoints.dropoffResults(journey, next: next, of: column, groups: ordered, catalog: catalog)
            results[0].measured = "(PostgreSQL, \(PlanPrinter.seconds(ContinuousClock.now - started)))"
            Self.emitAll(results, .dropoff, emit)
        case .query(_, let aggregation):
            throw PostgresUnsupported(construct: Self.name(of: aggregation))
        case .explain(let journey):
            let (query, form) = try FunnelSQL.compile(journey, form: effectiveChainForm)
            // PostgreSQL's own plan of it: with a sharded table, the Remote SQL each server runs.
            let plan = try store.connection.execute("EXPLAIN (VERBOSE) " + query.sql, parameters: query.parameters)
            emit(.message(explanation(journey, query, form: form) + "\nPostgreSQL's plan (EXPLAIN VERBOSE):\n"
                          + plan.rows.map { "  " + ($0.first.flatMap { $0 } ?? "") }.joined(separator: "\n")))
        case .trace(let journey, let customer, let range):
            // One customer's events are read here and traced by the SQLite engine's own matchers (JourneyTrace).
            let known = try store.connection.execute("SELECT 1 FROM journeyql.customers WHERE customer = $1",
                                                     parameters: [customer]).rows.isEmpty == false
            guard known else {
                if let range { throw JourneyTrace.unknownCustomer(customer, at: range, in: source) }
                emit(.message("no customer is called '\(customer)' in this store"))
                return
            }
            let events = try ScanSQL.customerEvents(JourneyTrace.request(journey, customer: customer), on: store.connection)
            emit(.message(try JourneyTrace.lines(journey, customer: customer, events: events, catalog: catalog,
                                                 isCancelled: { false }).joined(separator: "\n")))
        case .importData(let request):
            guard !readOnly else { throw StoreError.readOnly(path: store.displayURL) }
            var options = ImportOptions()
            options.mapping = request.mapping
            let report = request.customers
                ? try store.importCustomers(request.files[0], options: options, progress: importProgress)
                : try store.importEvents(request.files, options: options, progress: importProgress)
            emit(.message(report.summary(noun: request.customers ? "customers" : "events")))
        case .show(let target):
            switch target {
            case .stages, .segments, .definitions:
                // What the definitions match, counted here (DefinitionCounter lays out the tables as for SQLite).
                // Behavioural segments are evaluated as FOR evaluates them; their members are bound when counted.
                let segments = SegmentSets()
                let counter = DefinitionCounter(
                    catalog: catalog, parameters: parameters,
                    behavioural: { entry, definitions in
                        let (set, diagnostics) = Checker.checkBehaviouralSegment(
                            entry, catalog: catalog, parameters: self.parameters, definitions: definitions)
                        guard let set else {
                            return (nil, diagnostics.first { $0.severity == .error }?.message ?? "it does not check")
                        }
                        // "Now" is the store's latest event: SHOW has no session SET now (as Executor.behaviouralMembers).
                        let resolved = set.resolved(setNow: nil, clock: Session.wallClock())
                        let plan = CustomerSetPlan(name: entry.name,
                                                   plan: Planner(catalog: catalog).planFunnel(resolved.customers.funnel),
                                                   listing: CustomerListing(resolved.customers))
                        let ids = try self.members(of: plan, into: &segments.sets)
                        self.segmentTokens -= 1
                        let token = CustomerNumbers([self.segmentTokens])
                        segments.sets[token] = ids
                        return (.customerIn(token), nil)
                    },
                    countMatching: { predicates in
                        try PostgresPredicate.$customerSets.withValue(segments.sets) { try self.countMatching(predicates) }
                    },
                    countCustomers: { predicate in
                        try PostgresPredicate.$customerSets.withValue(segments.sets) {
                            try self.countCustomers(matching: predicate)
                        }
                    })
                emit(.result(try counter.show(target, stored: definitions)))
            default: emit(.result(CatalogTables.result(target, catalog: catalog)))
            }
        case .definition(let change):
            // As Executor.apply: definitions are stored with the data, in the same JSON.
            guard !readOnly || { if case .setNow = change { true } else { false } }() else {
                throw StoreError.readOnly(path: store.displayURL)
            }
            switch change {
            case .define(let entry, let replaces):
                try store.updateDefinitions { $0.set(entry) }
                emit(.message("\(replaces ? "replaced" : "defined") \(entry.title)"))
            case .drop(let kind, let name):
                try store.updateDefinitions { $0.remove(kind, name) }
                emit(.message("dropped \(kind.keyword) \(name)"))
            case .setStageOrder(let names):
                try store.setStageOrder(names)
                emit(.message("stage order: \(names.joined(separator: ", "))"))
            case .setNow(let time):
                now = time
                emit(.message(time.map { "now is \(TimeParser.format($0)) in this session" } ?? "now is the clock's time again"))
            }
        case .expect:
            break  // run before (it reads only the previous results)
        case .showCustomer(let id, let range):
            guard let found = try store.timeline(of: id) else {
                throw CustomerTimeline.unknown(id, at: range, candidates: try store.customerIDs(limit: 100_000), source: source)
            }
            emit(.result(CustomerTimeline.result(id, events: found.events, attributes: found.attributes, catalog: catalog)))
        }
    }

    package func forgetState() {
        now = nil
        previousResults = []
        parameters = [:]
    }

    package func catalog() -> StoreCatalog {
        (try? store.catalog()) ?? StoreCatalog()
    }

    package func definitions() throws -> Definitions { try store.definitions() }

    package func completions(prefix: String, before: String) -> [String] {
        Session.completions(prefix: prefix, before: before, catalog: catalog(),
                            definitions: (try? store.definitions()) ?? Definitions(),
                            previousResults: previousResults, knownValues: { [store] in try? store.textValues(of: $0) })
    }

    /// The values of a column with their event counts, from the catalog; properties and attributes are not listed.
    package func values(of fieldName: String) throws -> QueryResult {
        let name = fieldName.lowercased()
        guard let column = EventColumn.allCases.first(where: { $0.name == name }) else {
            throw PostgresUnsupported(construct: ".values of a property or customer attribute")
        }
        return QueryResult(title: "values of \(column.name)", columns: [column.name, "events"],
                           rows: catalog().values(of: column).map { [.text($0.name), .int(Int64($0.count))] })
    }

    package func importEvents(_ files: [String], options: ImportOptions) throws -> ImportReport {
        guard !readOnly else { throw StoreError.readOnly(path: store.displayURL) }
        return try store.importEvents(files, options: options, progress: importProgress)
    }

    package func importCustomers(_ file: String, options: ImportOptions) throws -> ImportReport {
        guard !readOnly else { throw StoreError.readOnly(path: store.displayURL) }
        return try store.importCustomers(file, options: options, progress: importProgress)
    }

    package func interruptible<T>(_ cancellation: CancellationToken, _ body: () throws -> T) throws -> T {
        try body()
    }

    /// The parts of an analysis's result, each marked with the analysis and its part number.
    private static func emitAll(_ results: [QueryResult], _ analysis: Analysis, _ emit: (SessionEvent) -> Void) {
        for (part, var result) in results.enumerated() {
            result.analysis = analysis
            result.part = part
            emit(.result(result))
        }
    }

    /// A journey's funnel groups, counted in the database: one row per group (one in all without BY), ordered and
    /// cut by LIMIT as the SQLite engine orders its groups.
    private func funnelGroups(_ journey: FunnelPlan, catalog: StoreCatalog) throws
        -> [(key: [Cell], totals: FunnelTotals, quantiles: [[Double?]])] {
        let (query, _) = try FunnelSQL.compile(journey, form: effectiveChainForm)
        let rows = try store.connection.execute(query.sql, parameters: query.parameters)
        let width = FunnelSQL.keyWidth(journey)
        return Self.ordered(rows.rows.map { row in
            let found = FunnelSQL.totals(row[width...], stepCount: journey.shape.stepCount)
            return (key: FunnelSQL.keyCells(row, journey, catalog: catalog), totals: found.totals, quantiles: found.quantiles)
        }, journey, key: \.key, size: \.totals.customers[0])
    }

    /// Groups (one row per group from the database) in the SQLite engine's order, cut by LIMIT (unless the LIMIT
    /// means something else, as a flow's TOP).
    private static func ordered<Group>(_ groups: [Group], _ journey: FunnelPlan, key: (Group) -> [Cell],
                                       size: (Group) -> Int, limit: Bool = true) -> [Group] {
        var groups = groups
        groups.sort { a, b in
            GroupKeyReader.precedes(breakdown: journey.breakdown, key(a), size: size(a), key(b), size: size(b))
        }
        if limit, let limit = journey.funnel.limit, groups.count > limit { groups.removeLast(groups.count - limit) }
        return groups
    }

    /// The customers a journey's chains give that `pick` keeps, numbered here (keys: number → id).
    private func customerEntries(_ journey: FunnelPlan, pick: CustomerPick) throws
        -> (entries: [CustomerList.Entry], keys: [Int64: String]) {
        let (query, _) = try FunnelSQL.compile(journey, form: effectiveChainForm, measure: .customers)
        let rows = try store.connection.execute(query.sql, parameters: query.parameters)
        // Rows are numbered here; the list keeps the picked ones and orders them as the SQLite engine does.
        var keys: [Int64: String] = [:]
        var entries: [CustomerList.Entry] = []
        for (i, row) in rows.rows.enumerated() {
            let start = Int64(row[1] ?? "0") ?? 0, level = Int(row[2] ?? "0") ?? 0
            let open = journey.isOpen(start: start)
            guard pick.keeps(level: level, stepCount: journey.shape.stepCount, open: open) else { continue }
            keys[Int64(i)] = row[0] ?? ""
            entries.append(CustomerList.Entry(customer: Int64(i), start: start, level: level,
                                              reached: Int64(row[3] ?? "0") ?? 0, open: open))
        }
        return (entries, keys)
    }

    /// The ids of a behavioural segment's customers: its journey's list (its own segments evaluated first), every
    /// customer its pick keeps or, with LIMIT, the first n in the list's order, as CUSTOMERS lists them.
    private func members(of set: CustomerSetPlan, into sets: inout [CustomerNumbers: [String]]) throws -> [String] {
        let inner = try resolvingCustomerSets(set.plan, into: &sets)
        let (entries, keys) = try PostgresPredicate.$customerSets.withValue(sets) {
            try customerEntries(inner, pick: set.listing.pick)
        }
        guard let limit = inner.funnel.limit else { return entries.map { keys[$0.customer] ?? "" } }
        return CustomerList.ordered(entries, listing: set.listing, keys: keys, limit: limit).map(\.id)
    }

    /// The members of the segments evaluated for one SHOW, filled while its table is counted.
    private final class SegmentSets {
        var sets: [CustomerNumbers: [String]] = [:]
    }

    /// Tokens for evaluated segments: distinct negative numbers, never a real customer's.
    private var segmentTokens: Int64 = 0

    /// The journey with its behavioural segment evaluated (Executor.resolvingCustomerSets for PostgreSQL): the
    /// members' ids are kept in `sets` under a token that the plan's filter now names.
    private func resolvingCustomerSets(_ journey: FunnelPlan,
                                       into sets: inout [CustomerNumbers: [String]]) throws -> FunnelPlan {
        guard let set = journey.customerSet else { return journey }
        let ids = try members(of: set, into: &sets)
        segmentTokens -= 1
        let token = CustomerNumbers([segmentTokens])
        sets[token] = ids
        return journey.keeping(.customerIn(token))
    }

    private func resolvingCustomerSets(_ plan: Plan, into sets: inout [CustomerNumbers: [String]]) throws -> Plan {
        switch plan {
        case .query(let journey, let aggregation): .query(try resolvingCustomerSets(journey, into: &sets), aggregation)
        case .explain(let journey): .explain(try resolvingCustomerSets(journey, into: &sets))
        case .trace(let journey, let customer, let range):
            .trace(try resolvingCustomerSets(journey, into: &sets), customer: customer, range: range)
        default: plan
        }
    }

    /// Events and customers each predicate makes true (as EventStore.countMatching), in one query.
    private func countMatching(_ predicates: [Predicate]) throws -> [(events: Int, customers: Int)] {
        guard !predicates.isEmpty else { return [] }
        var q = PostgresSQL()
        q.sql = "SELECT "
        for (i, predicate) in predicates.enumerated() {
            if i > 0 { q.sql += ", " }
            q.sql += "count(*) FILTER (WHERE "
            try PostgresPredicate.append(predicate, to: &q)
            q.sql += "), count(DISTINCT e.customer) FILTER (WHERE "
            try PostgresPredicate.append(predicate, to: &q)
            q.sql += ")"
        }
        q.sql += " FROM journeyql.events e"
        if predicates.contains(where: PostgresPredicate.readsAttributes) {
            q.sql += " LEFT JOIN journeyql.customers c ON c.customer = e.customer"
        }
        let row = try store.connection.execute(q.sql, parameters: q.parameters).rows.first ?? []
        return predicates.indices.map { i in
            (Int(row[2 * i] ?? "0") ?? 0, Int(row[2 * i + 1] ?? "0") ?? 0)
        }
    }

    /// Customers (every one the store knows) a predicate over the id and attributes makes true, each read as one
    /// event-less row (as EventStore.countCustomers).
    private func countCustomers(matching predicate: Predicate) throws -> Int {
        var q = PostgresSQL()
        q.sql = """
            SELECT count(*) FROM journeyql.customers c CROSS JOIN LATERAL (SELECT c.customer AS customer,
                NULL::bigint AS time, NULL::bigint AS seq, NULL::integer AS stage, NULL::integer AS touchpoint,
                NULL::integer AS channel, NULL::jsonb AS props) e WHERE 
            """
        try PostgresPredicate.append(predicate, to: &q)
        return Int(try store.connection.execute(q.sql, parameters: q.parameters).rows.first?.first.flatMap { $0 } ?? "0") ?? 0
    }

    /// The rows of a query led by the BY key columns, folded into one value per group (the database's key values
    /// name the groups, in the order first met): `fold` adds a row's columns after the keys (indexed from 0).
    private static func folded<Value>(_ rows: [[String?]], _ journey: FunnelPlan, catalog: StoreCatalog, empty: Value,
                                      _ fold: (inout Value, [String?]) -> Void) -> [(key: [Cell], value: Value)] {
        let width = FunnelSQL.keyWidth(journey)
        var order: [[String?]] = []
        var groups: [[String?]: (key: [Cell], value: Value)] = [:]
        for row in rows {
            let raw = Array(row[0..<width])
            if groups[raw] == nil {
                groups[raw] = (FunnelSQL.keyCells(row, journey, catalog: catalog), empty)
                order.append(raw)
            }
            fold(&groups[raw]!.value, Array(row[width...]))
        }
        return order.map { groups[$0]! }
    }

    /// Paths and their customers, from a query whose rows are (codes, customers).
    private func pathCounts(_ query: PostgresSQL) throws -> [[Int32]: Int] {
        var counts: [[Int32]: Int] = [:]
        for row in try store.connection.execute(query.sql, parameters: query.parameters).rows {
            counts[PathsSQL.codes(row[0]), default: 0] += Int(row[1] ?? "0") ?? 0
        }
        return counts
    }

    /// EXPLAIN: how the journey is matched and the SQL sent, with its parameters (the URL without its password).
    private func explanation(_ journey: FunnelPlan, _ query: PostgresSQL, form: ChainForm) -> String {
        let how = form == .function
            ? "the installed function journeyql.\(FunnelSQL.matcher(journey.shape).rawValue), "
                + "called once per customer (GROUP BY customer)"
            : "plain SQL: windows partitioned by customer, chains followed by joins on (customer, rn)"
        var lines = ["engine: PostgreSQL at \(store.displayURL)",
                     "matcher: \(journey.matcher)",
                     "chains: \(how)",
                     "SQL sent:"]
        lines += query.sql.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        if !query.parameters.isEmpty {
            lines.append("parameters:")
            for (i, value) in query.parameters.enumerated() {
                lines.append("  $\(i + 1) = " + (value.map(quoteText) ?? "NULL"))
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func name(of aggregation: Aggregation) -> String {
        switch aggregation {
        case .funnel: "a funnel"
        case .times: "TIMES"
        case .paths: "PATHS"
        case .stages: "STAGES"
        case .customers: "CUSTOMERS"
        case .flows: "PATHS AFTER/BEFORE"
        case .dropoff: "DROPOFF"
        case .why: "WHY"
        case .value: "VALUE"
        case .compare: "COMPARE"
        case .retention: "RETENTION"
        case .attribution: "ATTRIBUTE"
        }
    }


}
