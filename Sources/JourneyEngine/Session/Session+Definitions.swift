// The session's side of definitions: loading them for the checker.
import JourneyStore

extension Session {
    /// The definitions stored with the data.
    package func definitions() throws -> Definitions {
        try Definitions.load(from: store)
    }

    /// Checks one parsed statement as `run` would: against the store's catalog and definitions, and the session's
    /// parameters and `now`.
    package func check(_ statement: StatementSyntax, source: SourceText) throws -> CheckOutcome {
        Checker.check(statement, catalog: catalog(), source: source, parameters: parameters,
                      definitions: try definitions(), now: now)
    }

    /// The stored definitions for the checker, or a failure that says why they cannot be read.
    func loadDefinitions() throws(RunFailure) -> Definitions {
        do {
            return try definitions()
        } catch {
            throw RunFailure(error)
        }
    }
}
