// Temporary directories, and the store every test starts from: 300 generated customers, made with the
// `journey` executable itself (generate, then import) so the fixture goes through the same doors a person does.
import Foundation

/// A directory under the system's temporary directory, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init(prefix: String = "journeycli") throws {
        // Short names: a tmux socket lives in here, and socket paths are limited to about 100 bytes.
        let name = "\(prefix)-\(UUID().uuidString.prefix(8))"
        path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A path in the directory (nothing is created).
    func path(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Writes `contents` to a file named `name` and returns its path.
    @discardableResult
    func file(_ name: String, _ contents: String) throws -> String {
        let file = path(name)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// A store of its own for one test: a copy of the generated store in a fresh directory, which is also the
/// directory `journey` runs in.
final class StoreFixture: Sendable {
    let directory: TemporaryDirectory
    /// The store file, `s.db` in `directory`.
    let path: String
    /// Its name, as a person in `directory` types it.
    let name = "s.db"

    /// Copies the store made once per test process: generating and importing take a few tenths of a second,
    /// a copy almost nothing, and no two tests share a file that either might write.
    init() throws {
        let template = try Self.template.get()
        directory = try TemporaryDirectory(prefix: "jqstore")
        path = directory.path(name)
        try FileManager.default.copyItem(atPath: template.path("s.db"), toPath: path)
    }

    /// `journey generate --customers 300 --seed 7` imported with its customers, once per process.
    private static let template: Result<TemporaryDirectory, any Error> = Result {
        let dir = try TemporaryDirectory(prefix: "jqtemplate")
        try Journey.succeed(["generate", "--customers", "300", "--seed", "7",
                             "-o", "ev.csv", "--customers-out", "cu.csv"], in: dir.path)
        try Journey.succeed(["import", "ev.csv", "--db", "s.db", "--customers", "cu.csv"], in: dir.path)
        // The import's process has exited, so the store is one self-contained file a copy can take.
        for leftover in ["s.db-wal", "s.db-journal"] where FileManager.default.fileExists(atPath: dir.path(leftover)) {
            throw HarnessError("the fixture store left \(leftover) behind; copying s.db alone would lose data")
        }
        // A static is never released, so the directory is removed when the test process exits.
        atexit { try? StoreFixture.template.get().removeNow() }
        return dir
    }
}

extension TemporaryDirectory {
    /// Removes the directory before the value is released (for one that lives as long as the process).
    func removeNow() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
