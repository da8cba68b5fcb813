// Which engine reads a journey's events: the columnar copy in memory, or one SQLite scan of the events (view `events_json`).
import JourneyStore

/// The engine choice of a session (`.engine` in the REPL, `--engine` on the command line).
package enum Engine: String, Sendable, CaseIterable {
    /// The columnar copy whenever it can serve the query, else SQLite.
    case auto
    /// Always the columnar copy; a query it cannot serve is an error.
    case columnar
    /// Always one SQLite scan of the events (view `events_json`).
    case sqlite
}

/// The source a query reads and why it was chosen, for EXPLAIN.
package struct EngineChoice {
    package var source: EventSource
    package var name: String
    package var reason: String
}

extension Executor {
    /// The source that serves `request` under the session's engine setting.
    func choose(for request: ScanRequest) throws -> EngineChoice {
        switch engine {
        case .sqlite:
            return EngineChoice(source: store, name: "SQLite scan", reason: "the session's engine is sqlite")
        case .columnar, .auto:
            if let reason = ColumnarSource.unsupportedReason(request) {
                if engine == .columnar { throw StoreError.schema("the columnar engine cannot run this query: " + reason) }
                return EngineChoice(source: store, name: "SQLite scan", reason: reason)
            }
            let events = try store.columnarEvents(isCancelled: isCancelled)
            let origin: String
            switch store.columnarOrigin {
            case .memory: origin = "the columnar copy is in memory and current"
            case .storedCopy: origin = "the store keeps a current columnar copy (read for this query, kept in memory)"
            case .madeHere: origin = "the events were made into columns by this process (an import, or an upgrade of the store)"
            }
            return EngineChoice(source: ColumnarSource(events: events, store: store), name: "columnar", reason: origin)
        }
    }
}
