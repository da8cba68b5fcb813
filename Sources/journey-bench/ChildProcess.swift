// Running a measured child process: wall time, exit status, peak memory (wait4's rusage) and its output.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one child run produced.
struct ChildRun {
    var exitStatus: Int32
    /// From just before the spawn to the return of wait4.
    var wallSeconds: Double
    /// ru_maxrss of the child alone, in bytes.
    var peakBytes: Int
    var stdout: String
    var stderr: String

    var succeeded: Bool { exitStatus == 0 }
}

enum ChildProcess {
    /// Runs `executable` with `arguments`, stdout and stderr captured in temporary files (so a chatty child never
    /// blocks on a full pipe). With `passStderr` the child writes to our stderr instead (an import's progress).
    static func run(_ executable: String, _ arguments: [String], passStderr: Bool = false) throws -> ChildRun {
        let out = try TemporaryFile()
        let err = try TemporaryFile()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, out.descriptor, 1)
        if !passStderr { posix_spawn_file_actions_adddup2(&actions, err.descriptor, 2) }

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }

        let clock = ContinuousClock()
        let started = clock.now
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard code == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(code)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let wall = clock.now - started
        // WIFEXITED / WEXITSTATUS are macros Swift does not import.
        let exited = status & 0x7f == 0
        let exitStatus = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ChildRun(exitStatus: exitStatus, wallSeconds: wall.seconds, peakBytes: Int(usage.ru_maxrss) * 1024,
                        stdout: out.contents(), stderr: err.contents())
    }

    /// This program's own executable, so it can start itself as a child.
    static func selfExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An unlinked temporary file: the descriptor stays usable, nothing is left behind.
final class TemporaryFile {
    let descriptor: Int32

    init() throws {
        var template = Array("/tmp/journey-bench-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw BenchError("cannot create a temporary file: \(String(cString: strerror(errno)))") }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Everything written to the file so far.
    func contents() -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var offset: off_t = 0
        while true {
            let n = pread(descriptor, &chunk, chunk.count, offset)
            if n <= 0 { break }
            bytes += chunk[0..<n]
            offset += off_t(n)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
