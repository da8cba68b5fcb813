// The PostgreSQL engine's one wrapper of libpq (issue 16): a connection, statements with bound parameters, rows as
// text. Everything else of the engine talks to PostgreSQL through this type.
import CLibPQ
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
    }

    deinit {
        PQfinish(connection)
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

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) }?.trimmingSuffix() ?? ""
    }

    private static func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        text(UnsafePointer(pointer))
    }

    /// The password of a `postgres://user:password@...` URL, if it has one.
    static func password(in url: String) -> String? {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"),
              let slash = url.firstIndex(of: "/") else { return nil }
        let afterScheme = url[url.index(slash, offsetBy: 2)...]
        let rest = afterScheme.prefix { $0 != "/" && $0 != "?" }
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let credentials = rest[..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return nil }
        let password = credentials[credentials.index(after: colon)...]
        return password.isEmpty ? nil : String(password)
    }

    /// `url` with its password written `***`, for messages, history and EXPLAIN.
    package static func redacting(_ url: String) -> String {
        redacting(url, password: password(in: url))
    }

    static func redacting(_ text: String, password: String?) -> String {
        guard let password, !password.isEmpty else { return text }
        return text.replacing(password, with: "***")
    }
}

private extension String {
    func trimmingSuffix() -> String {
        var text = self
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
