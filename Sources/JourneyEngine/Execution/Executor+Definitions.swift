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
        case .touchpoints, .channels, .fields: return Executor.show(target, catalog: catalog)
        case .stages, .segments, .definitions:
            let counter = DefinitionCounter(
                catalog: catalog, parameters: parameters,
                behavioural: { entry, definitions in
                    let (members, reason) = try behaviouralMembers(entry, parameters: parameters, definitions: definitions)
                    return (members.map { .customerIn($0) }, reason)
                },
                countMatching: { try store.countMatching($0) },
                countCustomers: { try store.countCustomers(matching: $0) })
            return try counter.show(target, stored: try Definitions.load(from: store))
        }
    }

    static func show(_ target: ShowTarget, catalog: StoreCatalog) -> QueryResult {
        func table(_ column: String, _ values: [NamedCount]) -> QueryResult {
            QueryResult(columns: [column, "events"], rows: values.map { [.text($0.name), .int(Int64($0.count))] })
        }
        switch target {
        case .stages:
            // As `showStages` lists them for a store without definitions.
            return DefinitionCounter.stagesTable(catalog: catalog, stored: Definitions(), defined: [], notes: [])
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
