// The PostgreSQL engine's one wrapper of libpq (issue 16): a connection, statements with bound parameters, rows as
// text. Everything else of the engine talks to PostgreSQL through this type.
import CLibPQ
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A failure reported by libpq or the server, its message free of any password.
package struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server's SQLSTATE (`42P01` for an unknown table), nil when the failure is the connection's.
    package let sqlState: String?
    package let message: String

    package var description: String { message }
}

/// The rows of a statement, each value as PostgreSQL writes it in text (nil for NULL).
package struct PostgresRows: Sendable, Equatable {
    package let columns: [String]
    package let rows: [[String?]]
}

/// One connection to a PostgreSQL server. Not shared between threads: one statement at a time.
package final class PostgresConnection {
    private let connection: OpaquePointer

    /// Connects with a `postgres://user:password@host:port/database?...` URL (or a `key=value` connection string).
    package init(url: String) throws(PostgresError) {
        guard let connection = PQconnectdb(url) else {
            throw PostgresError(sqlState: nil, message: "cannot connect to \(Self.redacting(url)): out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = Self.text(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(sqlState: nil, message: "cannot connect to \(Self.redacting(url)): "
                                + Self.redacting(reason, password: Self.password(in: url)))
        }
        self.connection = connection
        // Notices (`database "x" does not exist, skipping`) are the server talking to itself: not for our stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    /// Runs several statements separated by semicolons, with no parameters (the store's fixed DDL).
    package func executeScript(_ sql: String) throws(PostgresError) {
        guard let result = PQexec(connection, sql) else {
            throw PostgresError(sqlState: nil, message: Self.text(PQerrorMessage(connection)))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PostgresError(sqlState: state, message: Self.text(PQresultErrorMessage(result)))
        }
    }

    deinit {
        PQfinish(connection)
    }

    /// A way to stop the statement this connection runs, from another thread (libpq's cancel request).
    package func canceller() -> PostgresCanceller? {
        PQgetCancel(connection).map(PostgresCanceller.init)
    }

    /// Runs one statement, its values bound as text parameters `$1`, `$2`, ... (never spliced into the SQL).
    @discardableResult
    package func execute(_ sql: String, parameters: [String?] = []) throws(PostgresError) -> PostgresRows {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let values: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let result = values.withUnsafeBufferPointer { buffer in
            PQexecParams(connection, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        guard let result else { throw PostgresError(sqlState: nil, message: Self.text(PQerrorMessage(connection))) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            let columnCount = PQnfields(result), rowCount = PQntuples(result)
            let columns = (0..<columnCount).map { Self.text(PQfname(result, $0)) }
            let rows = (0..<rowCount).map { row in
                (0..<columnCount).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : Self.text(PQgetvalue(result, row, column))
                }
            }
            return PostgresRows(columns: columns, rows: rows)
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PostgresError(sqlState: state, message: Self.text(PQresultErrorMessage(result)))
        }
    }

    /// Runs `COPY ... FROM STDIN` (text format): `body` writes the rows through the `CopyIn` it is given, and the
    /// copy ends when it returns. A throw from `body` cancels the copy, so the statement fails and the transaction
    /// it is part of rolls back.
    package func copyIn(_ sql: String, _ body: (inout CopyIn) throws -> Void) throws {
        guard let started = PQexec(connection, sql) else {
            throw PostgresError(sqlState: nil, message: Self.text(PQerrorMessage(connection)))
        }
        let status = PQresultStatus(started)
        if status != PGRES_COPY_IN {
            let state = PQresultErrorField(started, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = Self.text(PQresultErrorMessage(started))
            PQclear(started)
            throw PostgresError(sqlState: state, message: message.isEmpty ? "COPY did not start" : message)
        }
        PQclear(started)
        var copy = CopyIn(connection: self)
        do {
            try body(&copy)
            try copy.flush()
        } catch {
            _ = PQputCopyEnd(connection, "cancelled by the client")
            drainResults()
            throw error
        }
        guard PQputCopyEnd(connection, nil) == 1 else {
            throw PostgresError(sqlState: nil, message: Self.text(PQerrorMessage(connection)))
        }
        var failure: PostgresError?
        while let result = PQgetResult(connection) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil {
                let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
                failure = PostgresError(sqlState: state, message: Self.text(PQresultErrorMessage(result)))
            }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    private func drainResults() {
        while let result = PQgetResult(connection) { PQclear(result) }
    }

    /// Sends bytes of a COPY in progress.
    fileprivate func putCopyData(_ bytes: [UInt8]) throws(PostgresError) {
        let sent = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                PQputCopyData(connection, $0, Int32(buffer.count))
            }
        }
        guard sent == 1 else { throw PostgresError(sqlState: nil, message: Self.text(PQerrorMessage(connection))) }
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) }?.trimmingSuffix() ?? ""
    }

    private static func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        text(UnsafePointer(pointer))
    }

    /// The password of a `postgres://user:password@...` URL (or its `password=` parameter), if it has one.
    static func password(in url: String) -> String? {
        passwordRange(in: url).map { String(url[$0]) }
    }

    /// Where the password is in a URL: after `user:` in the authority, or the value of a `password=` parameter
    /// (of the query string, or of a `key=value` connection string).
    static func passwordRange(in url: String) -> Range<String.Index>? {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), let scheme = url.range(of: "://") {
            let authorityEnd = url[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" } ?? url.endIndex
            let authority = url[scheme.upperBound..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                let range = url.index(after: colon)..<at
                if !range.isEmpty { return range }
            }
        }
        guard let key = url.range(of: "password=") else { return nil }
        let end = url[key.upperBound...].firstIndex { $0 == "&" || $0 == " " } ?? url.endIndex
        let range = key.upperBound..<end
        return range.isEmpty ? nil : range
    }

    /// `url` with its password written `***`, for messages, history and EXPLAIN.
    package static func redacting(_ url: String) -> String {
        guard let range = passwordRange(in: url) else { return url }
        var text = url
        text.replaceSubrange(range, with: "***")
        return text
    }

    /// `text` with the password of every `postgres://` or `postgresql://` URL in it written `***` (a line typed at
    /// the REPL, before it goes to the history file).
    package static func redactingURLs(in text: String) -> String {
        guard text.contains("postgres") else { return text }
        var out = ""
        var rest = text[...]
        while let start = rest.range(of: "postgres")?.lowerBound {
            out += rest[..<start]
            let end = rest[start...].firstIndex { $0 == " " || $0 == "'" || $0 == "\"" || $0 == "\t" } ?? rest.endIndex
            let word = String(rest[start..<end])
            out += (word.hasPrefix("postgres://") || word.hasPrefix("postgresql://")) ? redacting(word) : word
            rest = rest[end...]
        }
        return out + rest
    }

    static func redacting(_ text: String, password: String?) -> String {
        guard let password, !password.isEmpty else { return text }
        return text.replacing(password, with: "***")
    }
}

/// Sends the server a request to cancel what a connection runs; safe from any thread (PQcancel is), and sent at
/// most every half second however often it is asked.
package final class PostgresCanceller: @unchecked Sendable {
    private let cancel: OpaquePointer
    private let lastSent = Mutex<ContinuousClock.Instant?>(nil)

    fileprivate init(_ cancel: OpaquePointer) {
        self.cancel = cancel
    }

    deinit {
        PQfreeCancel(cancel)
    }

    package func send() {
        let due = lastSent.withLock { last -> Bool in
            let now = ContinuousClock.now
            if let last, now - last < .milliseconds(500) { return false }
            last = now
            return true
        }
        guard due else { return }
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &message, Int32(message.count))
    }
}

/// The rows of a `COPY ... FROM STDIN` in PostgreSQL's text format, buffered and sent a megabyte at a time.
package struct CopyIn {
    fileprivate let connection: PostgresConnection
    private var buffer: [UInt8] = []

    fileprivate init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends one row; nil is NULL. Backslash, tab, newline and carriage return are escaped as COPY reads them.
    package mutating func row(_ fields: [String?]) throws(PostgresError) {
        for (i, field) in fields.enumerated() {
            if i > 0 { buffer.append(9) }
            guard let field else {
                buffer.append(contentsOf: [92, 78])
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case 92: buffer.append(contentsOf: [92, 92])
                case 9: buffer.append(contentsOf: [92, 116])
                case 10: buffer.append(contentsOf: [92, 110])
                case 13: buffer.append(contentsOf: [92, 114])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(10)
        if buffer.count >= 1 << 20 { try flush() }
    }

    fileprivate mutating func flush() throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        try connection.putCopyData(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

private extension String {
    func trimmingSuffix() -> String {
        var text = self
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
