// Definitions and SHOW in the executor: storing what DEFINE / LET / SEGMENT / DROP / SET change, and the SHOW
// tables that count what stages, conditions and segments match.
import JourneyStore

extension Executor {
    /// Stores a definition change (or sets the session's now) and says what was done.
    func apply(_ change: CheckedDefinition, now: inout Int64?, emit: (SessionEvent) -> Void) throws {
        switch change {
        case .define(let entry, let replaces):
            try Definitions.update(in: store) { $0.set(entry) }
            emit(.message("\(replaces ? "replaced" : "defined") \(entry.title)"))
        case .drop(let kind, let name):
            try Definitions.update(in: store) { $0.remove(kind, name) }
            emit(.message("dropped \(kind.keyword) \(name)"))
        case .setStageOrder(let names):
            try store.setMetadata("stage_order", names.joined(separator: ","))
            emit(.message("stage order: \(names.joined(separator: ", "))"))
        case .setNow(let time):
            now = time
            emit(.message(time.map { "now is \(TimeParser.format($0)) in this session" } ?? "now is the clock's time again"))
        }
    }

    /// A SHOW table; stages, segments and definitions are counted in the store.
    func showResult(_ target: ShowTarget, parameters: [String: String]) throws -> QueryResult {
        switch target {
        case .stages: try showStages(parameters: parameters)
        case .segments: try showSegments(parameters: parameters)
        case .definitions: try showDefinitions(parameters: parameters)
        case .touchpoints, .channels, .fields: Executor.show(target, catalog: catalog)
        }
    }

    /// What each stored definition matches now: events (and their customers) for stages and conditions,
    /// customers (and their events) for segments; nil counts for a definition that no longer checks, with a note.
    private func counts(of entries: [Definitions.Entry], parameters: [String: String],
                        definitions: Definitions) throws -> (counts: [(events: Int, customers: Int)?], notes: [String]) {
        let planner = Planner(catalog: catalog)
        var predicates: [Predicate] = []
        var positions: [Int?] = []
        var notes: [String] = []
        for entry in entries {
            // A behavioural segment (SEGMENT x AS CUSTOMERS ...) counts the customers its journey gives now.
            if entry.kind == .segment, Parser.isCustomersText(entry.text) {
                let (members, reason) = try behaviouralMembers(entry, parameters: parameters, definitions: definitions)
                positions.append(members.map { _ in predicates.count })
                if let members { predicates.append(.customerIn(members)) }
                if let reason { notes.append("\(entry.title) cannot be counted now: \(reason)") }
                continue
            }
            let (condition, diagnostics) = Checker.expandDefinition(entry, catalog: catalog, parameters: parameters,
                                                                    definitions: definitions)
            if let condition {
                positions.append(predicates.count)
                predicates.append(planner.compile(condition))
            } else {
                positions.append(nil)
                let reason = diagnostics.first { $0.severity == .error }?.message ?? "it does not check"
                notes.append("\(entry.title) cannot be counted now: \(reason)")
            }
        }
        let eventCounts = try store.countMatching(predicates)
        var counts: [(events: Int, customers: Int)?] = []
        for (entry, position) in zip(entries, positions) {
            guard let position else {
                counts.append(nil)
                continue
            }
            if entry.kind == .segment {
                counts.append((eventCounts[position].events, try store.countCustomers(matching: predicates[position])))
            } else {
                counts.append(eventCounts[position])
            }
        }
        return (counts, notes)
    }

    /// `SHOW STAGES`: the stages of the data and the defined ones (a defined stage replaces the data's stage of the
    /// same name), in the stored order, then the others by event count.
    private func showStages(parameters: [String: String]) throws -> QueryResult {
        let stored = try Definitions.load(from: store)
        let defined = stored.entries.filter { $0.kind == .stage }
        let (definedCounts, notes) = try counts(of: defined, parameters: parameters, definitions: stored)
        return Executor.stagesTable(catalog: catalog, stored: stored, defined: Array(zip(defined, definedCounts)),
                                    notes: notes)
    }

    /// The SHOW STAGES table from the catalog and the defined stages with what they match.
    static func stagesTable(catalog: StoreCatalog, stored: Definitions,
                            defined: [(Definitions.Entry, (events: Int, customers: Int)?)], notes: [String]) -> QueryResult {
        // name → (events, definition text)
        var stages: [(name: String, events: Int?, definition: String?)] = []
        for s in catalog.stages where stored.entry(.stage, s.name) == nil {
            stages.append((s.name, s.count, nil))
        }
        for (entry, count) in defined {
            stages.append((entry.name, count?.events, entry.text))
        }
        var rows: [[Cell]] = []
        var listed = Set<[UInt8]>()
        for (i, name) in catalog.stageOrder.enumerated() {
            guard let stage = stages.first(where: { $0.name.utf8.elementsEqual(name.utf8) }),
                  listed.insert(Array(name.utf8)).inserted else { continue }
            rows.append([.int(Int64(i + 1)), .text(stage.name), stage.events.map { .int(Int64($0)) } ?? .null,
                         stage.definition.map { .text($0) } ?? .null])
        }
        let rest = stages.filter { !listed.contains(Array($0.name.utf8)) }
            .sorted { ($0.events ?? -1, $1.name) > ($1.events ?? -1, $0.name) }
        for stage in rest {
            rows.append([.null, .text(stage.name), stage.events.map { .int(Int64($0)) } ?? .null,
                         stage.definition.map { .text($0) } ?? .null])
        }
        return QueryResult(columns: ["order", "stage", "events", "definition"], rows: rows, notes: notes)
    }

    /// `SHOW SEGMENTS`: each segment with its customers (from events or the customers file) and their events.
    private func showSegments(parameters: [String: String]) throws -> QueryResult {
        let stored = try Definitions.load(from: store)
        let segments = stored.entries.filter { $0.kind == .segment }
        let (counts, notes) = try counts(of: segments, parameters: parameters, definitions: stored)
        let rows: [[Cell]] = zip(segments, counts).map { entry, count in
            [.text(entry.name), count.map { .int(Int64($0.customers)) } ?? .null,
             count.map { .int(Int64($0.events)) } ?? .null, .text(entry.text)]
        }
        return QueryResult(columns: ["segment", "customers", "events", "definition"], rows: rows, notes: notes)
    }

    /// `SHOW DEFINITIONS`: every stored definition, in the order made, with what it matches now.
    private func showDefinitions(parameters: [String: String]) throws -> QueryResult {
        let stored = try Definitions.load(from: store)
        let (counts, notes) = try counts(of: stored.entries, parameters: parameters, definitions: stored)
        let rows: [[Cell]] = zip(stored.entries, counts).map { entry, count in
            [.text(entry.kind.keyword), .text(entry.name), .text(entry.text),
             count.map { .int(Int64($0.events)) } ?? .null, count.map { .int(Int64($0.customers)) } ?? .null]
        }
        return QueryResult(columns: ["kind", "name", "definition", "events", "customers"], rows: rows, notes: notes)
    }

    static func show(_ target: ShowTarget, catalog: StoreCatalog) -> QueryResult {
        func table(_ column: String, _ values: [NamedCount]) -> QueryResult {
            QueryResult(columns: [column, "events"], rows: values.map { [.text($0.name), .int(Int64($0.count))] })
        }
        switch target {
        case .stages:
            // As `showStages` lists them for a store without definitions.
            return stagesTable(catalog: catalog, stored: Definitions(), defined: [], notes: [])
        case .touchpoints: return table("touchpoint", catalog.touchpoints)
        case .channels: return table("channel", catalog.channels)
        case .fields:
            var rows: [[Cell]] = [
                [.text("customer"), .text("text"), .int(Int64(catalog.eventCount))],
                [.text("time"), .text("time"), .int(Int64(catalog.eventCount))],
            ]
            for column in EventColumn.allCases {
                rows.append([.text(column.name), .text("text"), .int(Int64(catalog.values(of: column).reduce(0) { $0 + $1.count }))])
            }
            rows += catalog.properties.map { [.text($0.name), .text("property"), .int(Int64($0.count))] }
            rows += catalog.customerAttributes.map { [.text("customer." + $0.name), .text("customer attribute"), .int(Int64($0.count))] }
            return QueryResult(columns: ["field", "kind", "count"], rows: rows)
        case .segments, .definitions:
            // Definitions live in the store's metadata, not its catalog: see `showResult`.
            return QueryResult(columns: [], rows: [])
        }
    }
}

/// The SHOW tables read from a catalog alone (stages, touchpoints, channels, fields), for any engine's session.
package enum CatalogTables {
    /// For a store without definitions: SHOW STAGES lists the data's stages, as `showStages` does.
    package static func result(_ target: ShowTarget, catalog: StoreCatalog) -> QueryResult {
        Executor.show(target, catalog: catalog)
    }
}
