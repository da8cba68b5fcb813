// SHOW STAGES, SHOW SEGMENTS and SHOW DEFINITIONS: each stored definition with what it matches now, counted by the
// store's engine (the closures), so the SQLite and PostgreSQL engines make the same tables.
import JourneyStore

/// Counts what stored definitions match and lays out the SHOW tables.
package struct DefinitionCounter {
    package let catalog: StoreCatalog
    package let parameters: [String: String]
    /// A behavioural segment's members now, as a predicate (nil with the reason when it cannot be counted).
    package let behavioural: (Definitions.Entry, Definitions) throws -> (Predicate?, String?)
    /// Events and customers each predicate makes true.
    package let countMatching: ([Predicate]) throws -> [(events: Int, customers: Int)]
    /// Customers (from events or the customers file) a predicate over the id and attributes makes true.
    package let countCustomers: (Predicate) throws -> Int

    package init(catalog: StoreCatalog, parameters: [String: String],
                 behavioural: @escaping (Definitions.Entry, Definitions) throws -> (Predicate?, String?),
                 countMatching: @escaping ([Predicate]) throws -> [(events: Int, customers: Int)],
                 countCustomers: @escaping (Predicate) throws -> Int) {
        self.catalog = catalog
        self.parameters = parameters
        self.behavioural = behavioural
        self.countMatching = countMatching
        self.countCustomers = countCustomers
    }

    /// The SHOW table of stages, segments or definitions.
    package func show(_ target: ShowTarget, stored: Definitions) throws -> QueryResult {
        switch target {
        case .segments: try showSegments(stored)
        case .definitions: try showDefinitions(stored)
        default: try showStages(stored)
        }
    }

    /// What each stored definition matches now: events (and their customers) for stages and conditions,
    /// customers (and their events) for segments; nil counts for a definition that no longer checks, with a note.
    private func counts(of entries: [Definitions.Entry],
                        definitions: Definitions) throws -> (counts: [(events: Int, customers: Int)?], notes: [String]) {
        let planner = Planner(catalog: catalog)
        var predicates: [Predicate] = []
        var positions: [Int?] = []
        var notes: [String] = []
        for entry in entries {
            // A behavioural segment (SEGMENT x AS CUSTOMERS ...) counts the customers its journey gives now.
            if entry.kind == .segment, Parser.isCustomersText(entry.text) {
                let (members, reason) = try behavioural(entry, definitions)
                positions.append(members.map { _ in predicates.count })
                if let members { predicates.append(members) }
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
        let eventCounts = try countMatching(predicates)
        var counts: [(events: Int, customers: Int)?] = []
        for (entry, position) in zip(entries, positions) {
            guard let position else {
                counts.append(nil)
                continue
            }
            if entry.kind == .segment {
                counts.append((eventCounts[position].events, try countCustomers(predicates[position])))
            } else {
                counts.append(eventCounts[position])
            }
        }
        return (counts, notes)
    }

    /// `SHOW STAGES`: the stages of the data and the defined ones (a defined stage replaces the data's stage of the
    /// same name), in the stored order, then the others by event count.
    private func showStages(_ stored: Definitions) throws -> QueryResult {
        let defined = stored.entries.filter { $0.kind == .stage }
        let (definedCounts, notes) = try counts(of: defined, definitions: stored)
        return Self.stagesTable(catalog: catalog, stored: stored, defined: Array(zip(defined, definedCounts)),
                                    notes: notes)
    }

    /// `SHOW SEGMENTS`: each segment with its customers (from events or the customers file) and their events.
    private func showSegments(_ stored: Definitions) throws -> QueryResult {
        let segments = stored.entries.filter { $0.kind == .segment }
        let (counts, notes) = try counts(of: segments, definitions: stored)
        let rows: [[Cell]] = zip(segments, counts).map { entry, count in
            [.text(entry.name), count.map { .int(Int64($0.customers)) } ?? .null,
             count.map { .int(Int64($0.events)) } ?? .null, .text(entry.text)]
        }
        return QueryResult(columns: ["segment", "customers", "events", "definition"], rows: rows, notes: notes)
    }

    /// `SHOW DEFINITIONS`: every stored definition, in the order made, with what it matches now.
    private func showDefinitions(_ stored: Definitions) throws -> QueryResult {
        let (counts, notes) = try counts(of: stored.entries, definitions: stored)
        let rows: [[Cell]] = zip(stored.entries, counts).map { entry, count in
            [.text(entry.kind.keyword), .text(entry.name), .text(entry.text),
             count.map { .int(Int64($0.events)) } ?? .null, count.map { .int(Int64($0.customers)) } ?? .null]
        }
        return QueryResult(columns: ["kind", "name", "definition", "events", "customers"], rows: rows, notes: notes)
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
}
