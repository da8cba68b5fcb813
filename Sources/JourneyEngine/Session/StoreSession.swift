// What a front end (the REPL, scripts, `journey import`) drives: a session over a store, whichever engine keeps it.
import JourneyStore

/// A session as the front ends use it: `Session` over a SQLite store, or the PostgreSQL engine's session over a
/// database (module JourneyPostgres). Both parse, check and plan with this module; they differ in where the work runs.
package protocol StoreSession: AnyObject {
    /// The store as people see it: a file path, or a database URL with its password written `***`.
    var storeName: String { get }
    /// Values for `$name` parameters.
    var parameters: [String: String] { get set }
    /// Warnings are errors (see `Session.strict`).
    var strict: Bool { get set }
    /// Called during long imports; front ends draw it.
    var importProgress: ((ImportProgress) -> Void)? { get set }
    /// Runs every statement of `source` in order (see `Session.run(_:cancellation:emit:)`).
    func run(_ source: SourceText, cancellation: CancellationToken, emit: (SessionEvent) -> Void) throws(RunFailure)
    /// The store's catalog (an empty one if it cannot be read).
    func catalog() -> StoreCatalog
    /// The definitions stored with the data.
    func definitions() throws -> Definitions
    /// Completion candidates for the word `prefix`, knowing the text `before` it.
    func completions(prefix: String, before: String) -> [String]
    /// The values a field takes in the store (`.values FIELD`).
    func values(of fieldName: String) throws -> QueryResult
    func importEvents(_ files: [String], options: ImportOptions) throws -> ImportReport
    func importCustomers(_ file: String, options: ImportOptions) throws -> ImportReport
    /// Forgets what earlier statements left (`SET now`, the results EXPECT checks, parameters).
    func forgetState()
    /// Runs an import so that `cancellation` can stop it.
    func interruptible<T>(_ cancellation: CancellationToken, _ body: () throws -> T) throws -> T
}

extension Session: StoreSession {
    package var storeName: String { storePath }

    package func interruptible<T>(_ cancellation: CancellationToken, _ body: () throws -> T) throws -> T {
        try cancellation.interrupting(store.interruptHandle, body)
    }
}
