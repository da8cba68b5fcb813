// Opening a store for a person: what a missing, mistyped or foreign store path says, and its exit status.
import Foundation
import JourneyEngine
import JourneyPostgres
import JourneyStore

package enum StoreOpening {
    /// Opens `path` as a session. A missing store is exit 66 (sysexits EX_NOINPUT) with the nearest store
    /// file in its folder and how to make one; a file that is not a store, or cannot be read, is exit 65.
    package static func session(_ path: String, access: StoreAccess = .readWrite) throws(ConsoleError) -> Session {
        do {
            return try Session(storePath: path, access: access)
        } catch {
            throw failure(path, error)
        }
    }

    /// Whether `path` is a PostgreSQL database URL (`postgres://...`, `postgresql://...`) rather than a store file.
    package static func isDatabaseURL(_ path: String) -> Bool { PostgresStore.isURL(path) }

    /// Opens `path` as a session of the engine it calls for: a PostgreSQL database for a `postgres://` URL, else a
    /// SQLite store file (as `session(_:access:)`). `.create` makes a database's store tables when missing.
    package static func open(_ path: String, access: StoreAccess = .readWrite) throws(ConsoleError) -> any StoreSession {
        guard isDatabaseURL(path) else { return try session(path, access: access) }
        do {
            return try PostgresSession(url: path, access: access)
        } catch {
            let text = (error as? StoreError)?.description ?? "\(error)"
            // A server that cannot be reached, or refuses the user: sysexits' EX_UNAVAILABLE.
            throw ConsoleError("cannot open store '\(PostgresConnection.redacting(path))': \(text)",
                               exitCode: error is PostgresError ? 69 : ExitStatus.code(for: error))
        }
    }

    /// Switches `session` to the store at `path`, with the same messages as `session(_:access:)`.
    package static func reopen(_ session: Session, at path: String, access: StoreAccess) throws(ConsoleError) {
        do {
            try session.open(storePath: path, access: access)
        } catch {
            throw failure(path, error)
        }
    }

    static func failure(_ path: String, _ error: any Error) -> ConsoleError {
        guard case StoreError.notFound = error else {
            return ConsoleError("cannot open store '\(path)': \(error)", exitCode: ExitStatus.code(for: error))
        }
        var message = "no store at '\(path)'"
        if let near = nearestStore(to: path) { message += "\n  = help: did you mean '\(near)'?" }
        message += "\n  = help: make one with `journey import EVENTS.csv --db \(path)`"
            + " (`journey generate -o events.csv` writes a sample log)"
        return ConsoleError(message, exitCode: ExitStatus.noInput)
    }

    /// The store file in `path`'s folder whose name is nearest to it (`retial.db` → `retail.db`).
    static func nearestStore(to path: String) -> String? {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        let stores = names.filter { $0.hasSuffix(".db") || $0.hasSuffix(".sqlite") || $0.hasSuffix(".journey") }
        guard let near = Suggestions.nearest(to: url.lastPathComponent, among: stores, limit: 1).first else { return nil }
        return path.contains("/") ? (path as NSString).deletingLastPathComponent + "/" + near : near
    }
}
