// The embedding API's entry point: a store opened in an explicit mode, queried from any task.
internal import JourneyEngine
internal import JourneyPostgres
internal import JourneyStore
import Dispatch
import Synchronization

/// A JourneyQL event store: one SQLite file, or a PostgreSQL database named by a `postgres://` URL (the PostgreSQL
/// engine runs funnels and refuses, by name, what it does not compile yet), opened in an explicit ``Access`` mode.
///
/// A `Store` is `Sendable`: share one between tasks. ``query(_:parameters:)`` runs each call on a connection of its
/// own, taken from a pool, so calls from several tasks run at the same time. For statements that build on one
/// another (definitions, `SET now`, `EXPECT`), make an ``Interpreter``.
///
/// ```swift
/// let store = try Store(path: "journey.db", access: .readOnly)
/// let results = try await store.query("FROM awareness TO purchase BY channel")
/// for group in results[0].funnel?.groups ?? [] { print(group.key, group.steps.map(\.customers)) }
/// ```
public final class Store: Sendable {
    /// How a store is opened. Nothing is made or written unless the mode says so.
    public enum Access: Sendable, Hashable {
        /// An existing store, only read: nothing is written to the file, its journal or its WAL index. Statements
        /// that write (IMPORT, definitions) fail with ``JourneyError/Code/readOnly``.
        case readOnly
        /// An existing store, read and written. A missing file is ``JourneyError/Code/notFound``: a mistyped path
        /// never leaves an empty store behind.
        case readWrite
        /// A new store when the file is missing or empty; an existing store opens read-write. Any other file is
        /// refused before a byte of it is written.
        case create
    }

    /// The store's file, or its database URL as given.
    public let path: String
    /// The mode the store was opened in.
    public let access: Access
    /// Sessions not in use; a query takes one (or opens one) and gives it back when it ends.
    private let idle: Mutex<[SessionBox]>
    /// How many idle sessions are kept: each holds a connection and, once queried, the events' columnar copy.
    private static let keptSessions = 4

    /// Opens the store at `path`: the file is checked now, so a missing or foreign file fails here.
    public init(path: String, access: Access) throws(JourneyError) {
        self.path = path
        self.access = access
        let first = try SessionBox.open(path: path, access: access)
        idle = Mutex([first])
    }

    /// Runs `statements` (one or more, separated by `;`) and returns their results in order.
    ///
    /// Each call runs on a session of its own: definitions stored in the file are seen, but parameters and
    /// `SET now` last only for the call. Warnings do not stop it (read them with an ``Interpreter``); the first
    /// error does, and is thrown. Cancelling the calling task stops the statement that is running.
    public func query(_ statements: String, parameters: [String: String] = [:]) async throws(JourneyError)
        -> [StatementResult] {
        let box = try takeSession()
        defer { giveBack(box) }
        let outputs = try await box.run(statements, name: "<query>", parameters: parameters, strict: false,
                                        fresh: true, stream: nil)
        return outputs.compactMap { if case .result(let result) = $0 { result } else { nil } }
    }

    /// An interpreter over this store, with a connection of its own.
    public func makeInterpreter(strict: Bool = false) throws(JourneyError) -> Interpreter {
        Interpreter(box: try takeSession(), strict: strict)
    }

    private func takeSession() throws(JourneyError) -> SessionBox {
        if let box = idle.withLock({ $0.popLast() }) { return box }
        return try SessionBox.open(path: path, access: access == .create ? .readWrite : access)
    }

    private func giveBack(_ box: SessionBox) {
        idle.withLock { sessions in
            if sessions.count < Self.keptSessions { sessions.append(box) }
        }
    }
}

/// A session with the queue that makes it safe to hand between threads: one statement list at a time runs on it,
/// on the queue's thread (the engine blocks while it scans), never on a task's.
final class SessionBox: @unchecked Sendable {
    /// Touched only on `queue`.
    private let session: any StoreSession
    private let queue = DispatchQueue(label: "JourneyQL.session")
    /// The cancellation of the statement list running now, for `interrupt()`.
    private let current = Mutex<CancellationToken?>(nil)

    private init(session: any StoreSession) {
        self.session = session
    }

    static func open(path: String, access: Store.Access) throws(JourneyError) -> SessionBox {
        let mode: StoreAccess = switch access {
        case .readOnly: .readOnly
        case .readWrite: .readWrite
        case .create: .create
        }
        do {
            if PostgresStore.isURL(path) { return SessionBox(session: try PostgresSession(url: path, access: mode)) }
            return SessionBox(session: try Session(storePath: path, access: mode))
        } catch {
            throw JourneyError(error)
        }
    }

    /// Stops the statement that is running, if any.
    func interrupt() {
        current.withLock { $0?.cancel() }
    }

    /// Runs `text` on the session's queue, one run at a time, and returns what it produced; each output also goes
    /// to `stream` as it comes. The calling task's cancellation cancels the run. `fresh` first forgets what earlier
    /// runs left on the session (a pooled session serves unrelated queries).
    func run(_ text: String, name: String, parameters: [String: String], strict: Bool, fresh: Bool = false,
             stream: (@Sendable (StatementOutput) -> Void)?) async throws(JourneyError) -> [StatementOutput] {
        if Task.isCancelled { throw JourneyError.cancelled }
        let token = CancellationToken()
        let outcome: Result<[StatementOutput], JourneyError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                queue.async {
                    continuation.resume(returning: self.runNow(text, name: name, parameters: parameters, strict: strict,
                                                               fresh: fresh, token: token, stream: stream))
                }
            }
        } onCancel: {
            token.cancel()
        }
        return try outcome.get()
    }

    /// The run itself, on `queue`.
    private func runNow(_ text: String, name: String, parameters: [String: String], strict: Bool, fresh: Bool,
                        token: CancellationToken,
                        stream: (@Sendable (StatementOutput) -> Void)?) -> Result<[StatementOutput], JourneyError> {
        current.withLock { $0 = token }
        defer { current.withLock { $0 = nil } }
        let source = SourceText(text, name: name)
        if fresh { session.forgetState() }
        session.parameters = parameters
        session.strict = strict
        var outputs: [StatementOutput] = []
        do throws(RunFailure) {
            try session.run(source, cancellation: token) { event in
                let output = StatementOutput(event, in: source)
                outputs.append(output)
                stream?(output)
            }
        } catch {
            return .failure(JourneyError(error, in: source))
        }
        return .success(outputs)
    }
}
