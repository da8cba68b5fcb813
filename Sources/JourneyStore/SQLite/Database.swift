// The one owner of a SQLite connection handle: opening, executing, transactions, interruption, errors.
import CSQLite
import Foundation

/// A SQLite connection owned by one thread at a time (opened with `SQLITE_OPEN_NOMUTEX`).
///
/// Every SQLite call in the package goes through this type or `Statement`; result codes become
/// `StoreError.sqlite(code:message:)` here and nowhere else.
package final class Database {
    /// How a connection is opened.
    package struct OpenFlags: OptionSet, Sendable {
        package let rawValue: Int32
        package init(rawValue: Int32) { self.rawValue = rawValue }

        package static let readOnly = OpenFlags(rawValue: SQLITE_OPEN_READONLY)
        package static let readWrite = OpenFlags(rawValue: SQLITE_OPEN_READWRITE)
        package static let create = OpenFlags(rawValue: SQLITE_OPEN_CREATE)
        /// The connection is used from one thread at a time, so SQLite's own mutexes are skipped.
        package static let noMutex = OpenFlags(rawValue: SQLITE_OPEN_NOMUTEX)
        package static let uri = OpenFlags(rawValue: SQLITE_OPEN_URI)

        /// Read-write, create if missing, no mutex: how the event store opens its file.
        package static let standard: OpenFlags = [.readWrite, .create, .noMutex]
    }

    /// The file the connection was opened on.
    package let path: String
    let handle: OpaquePointer
    /// Raised by `InterruptHandle.interrupt()`, for long loops outside SQLite (an import parsing its input).
    package let interruptFlag = InterruptFlag()

    /// Opens (and with `.create`, creates) the database at `path`.
    package init(path: String, flags: OpenFlags = .standard) throws {
        _ = Self.configured
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags.rawValue, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            if let db { sqlite3_close_v2(db) }
            throw StoreError.sqlite(code: code, message: "cannot open '\(path)': \(message)")
        }
        self.path = path
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    /// Process-wide settings made once, before the first connection initializes SQLite: memory statistics off
    /// (nothing reads them, and their mutex costs every allocation, millions per import).
    private static let configured: Void = {
        _ = journey_sqlite_disable_memstatus()
    }()

    deinit {
        // close_v2 defers the close until the last statement is finalized, so order of deinit does not matter.
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that take no parameters and return no rows of interest.
    package func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(errorMessage)
            throw StoreError.sqlite(code: code, message: message)
        }
    }

    /// Compiles one SQL statement; `?` placeholders are filled with `Statement.bind`.
    package func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code) }
        return Statement(database: self, handle: statement)
    }

    /// Runs `body` inside a transaction: committed when it returns, rolled back when it throws.
    ///
    /// Nested calls become savepoints, so an inner failure undoes only the inner work.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        let nested = sqlite3_get_autocommit(handle) == 0
        try execute(nested ? "SAVEPOINT journey_nested" : "BEGIN IMMEDIATE")
        let result: T
        do {
            result = try body()
        } catch {
            // The original error is what the caller needs; a failing rollback cannot leave partial work
            // committed, because nothing was committed.
            try? execute(nested ? "ROLLBACK TO journey_nested; RELEASE journey_nested" : "ROLLBACK")
            throw error
        }
        do {
            try execute(nested ? "RELEASE journey_nested" : "COMMIT")
        } catch {
            try? execute(nested ? "ROLLBACK TO journey_nested; RELEASE journey_nested" : "ROLLBACK")
            throw error
        }
        return result
    }

    /// Whether a transaction is open on this connection.
    package var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Makes the statement running on this connection stop with `SQLITE_INTERRUPT` as soon as it can.
    /// Safe to call from another thread (see `InterruptHandle`).
    package func interrupt() {
        sqlite3_interrupt(handle)
    }

    /// A handle another thread may use to interrupt this connection.
    package var interruptHandle: InterruptHandle { InterruptHandle(database: self) }

    /// Runs `body` while SQLite polls `isCancelled` every `instructions` virtual-machine steps;
    /// a statement that sees it return true stops with `SQLITE_INTERRUPT`.
    ///
    /// A filter that rejects most rows can run long without returning one, so polling between rows is not enough.
    package func withCancellation<T>(_ isCancelled: () -> Bool, every instructions: Int32 = 10_000,
                                    _ body: () throws -> T) rethrows -> T {
        try withoutActuallyEscaping(isCancelled) { check in
            let box = CancellationBox(check)
            let context = Unmanaged.passUnretained(box).toOpaque()
            sqlite3_progress_handler(handle, instructions, { context in
                guard let context else { return 0 }
                return Unmanaged<CancellationBox>.fromOpaque(context).takeUnretainedValue().check() ? 1 : 0
            }, context)
            defer {
                sqlite3_progress_handler(handle, 0, nil, nil)
                withExtendedLifetime(box) {}
            }
            return try body()
        }
    }

    /// Copies `count` bytes of the blob in `column` of the row `rowid` of `table` into `buffer`, from the pages
    /// straight (incremental blob I/O): reading it as a column would first assemble it in a buffer of SQLite's own.
    package func readBlob(table: String, column: String, rowid: Int64,
                         into buffer: UnsafeMutableRawBufferPointer) throws {
        var blob: OpaquePointer?
        let opened = sqlite3_blob_open(handle, "main", table, column, rowid, 0, &blob)
        defer { sqlite3_blob_close(blob) }
        guard opened == SQLITE_OK, let blob else { throw error(opened) }
        guard Int(sqlite3_blob_bytes(blob)) >= buffer.count, buffer.count <= Int(Int32.max) else {
            throw StoreError.schema("\(table).\(column) of row \(rowid) is shorter than expected")
        }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let read = sqlite3_blob_read(blob, base, Int32(buffer.count), 0)
        guard read == SQLITE_OK else { throw error(read) }
    }

    /// A number that changes whenever another connection commits to the database (not when this one does).
    package func dataVersion() throws -> Int64 {
        let statement = try prepare("PRAGMA data_version")
        return try statement.step() ? statement.int64(0) : 0
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    package var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the most recent successful INSERT.
    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The connection's most recent error as a typed error; `SQLITE_INTERRUPT` becomes `.cancelled`.
    package func error(_ code: Int32) -> StoreError {
        if code & 0xFF == SQLITE_INTERRUPT { return .cancelled }
        let message = String(cString: sqlite3_errmsg(handle))
        // A damaged file is the user's to deal with (exit 65 and what to do), not an internal error.
        if code & 0xFF == SQLITE_CORRUPT || code & 0xFF == SQLITE_NOTADB { return .damaged(path: displayPath, detail: message) }
        return .sqlite(code: code, message: message)
    }

    /// The file's path as a person wrote it: without the `file:` URI form and query of a read-only open.
    var displayPath: String {
        guard path.hasPrefix("file:") else { return path }
        let body = path.dropFirst(5).split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        return body.removingPercentEncoding ?? body
    }
}

/// Interrupts a connection from any thread. It keeps the connection alive, so it is never dangling.
package final class InterruptHandle: @unchecked Sendable {
    // Only `sqlite3_interrupt` is ever called through this reference, which SQLite documents as thread-safe.
    private let database: Database

    init(database: Database) { self.database = database }

    /// Stops the statement currently running on the connection and raises its `interruptFlag`.
    package func interrupt() {
        database.interruptFlag.raise()
        database.interrupt()
    }
}

/// A thread-safe flag: raised from any thread, polled and lowered by the connection's owner.
package final class InterruptFlag: @unchecked Sendable {
    // Every access to `raised` holds `lock`.
    private let lock = NSLock()
    private var raised = false

    package init() {}

    /// Raises the flag.
    package func raise() {
        lock.withLock { raised = true }
    }

    /// Lowers the flag (at the start of an operation, so an old request does not cancel a new one).
    package func lower() {
        lock.withLock { raised = false }
    }

    /// Whether the flag is raised.
    package var isRaised: Bool {
        lock.withLock { raised }
    }
}

/// Carries a cancellation check through SQLite's `void *` progress-handler context.
private final class CancellationBox {
    let check: () -> Bool
    init(_ check: @escaping () -> Bool) { self.check = check }
}
