// A PostgreSQL server of a test's own: initdb in a temporary folder, pg_ctl start on a free loopback port, stopped
// and removed at the end. As root (CI), the server runs as the `postgres` user, since initdb refuses root.
import Foundation

struct TemporaryServer {
    let folder: URL
    let port: Int
    let user = "journey"
    let password = "s3cret-pw"

    /// `postgres://journey:s3cret-pw@127.0.0.1:PORT/postgres`.
    var url: String { "postgres://\(user):\(password)@127.0.0.1:\(port)/postgres" }

    /// Where the PostgreSQL programs are: on PATH, or Debian's versioned folder.
    static func program(_ name: String) -> String {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/lib/postgresql/15/bin"] where FileManager.default.isExecutableFile(atPath: folder + "/" + name) {
            return folder + "/" + name
        }
        return name
    }

    static func start() throws -> TemporaryServer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journey-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        if asRoot { try run("/usr/bin/chown", ["postgres:postgres", folder.path]) }
        let data = folder.appendingPathComponent("data").path
        let passwordFile = folder.appendingPathComponent("password").path
        try Data("s3cret-pw\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
        if asRoot { try run("/usr/bin/chown", ["postgres:postgres", passwordFile]) }
        try run(program("initdb"), ["-D", data, "-U", "journey", "--pwfile", passwordFile, "-A", "scram-sha-256",
                                    "-E", "UTF8", "--locale", "C"], asPostgres: asRoot)
        // A port nobody listens on: try a few at random.
        var lastError: Error?
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            do {
                try run(program("pg_ctl"), ["-D", data, "-w", "-l", folder.appendingPathComponent("log").path,
                                            "-o", "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1",
                                            "start"], asPostgres: asRoot)
                return TemporaryServer(folder: folder, port: port)
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    func stop() {
        let asRoot = getuid() == 0
        try? Self.run(Self.program("pg_ctl"), ["-D", folder.appendingPathComponent("data").path, "-m", "fast", "-w",
                                               "stop"], asPostgres: asRoot)
        try? FileManager.default.removeItem(at: folder)
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs a program and waits for it (through the shell's `system`, which waits on the child's pid: Foundation's
    /// `Process` would also wait for the server pg_ctl leaves running, which inherits its descriptors).
    static func run(_ program: String, _ arguments: [String], asPostgres: Bool = false) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("journey-pg-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: log) }
        let words = (asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [program] + arguments
        let command = words.map(quoted).joined(separator: " ") + " > \(quoted(log.path)) 2>&1 < /dev/null"
        let status = system(command)
        guard status == 0 else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw Failed(description: "\(command) failed (\(status)): \(text)")
        }
    }

    private static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
