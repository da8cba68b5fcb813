// Runs a program as a child process and collects its exit status and output, killing it if it hangs.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished child process left behind.
struct ProcessResult: Sendable, CustomStringConvertible {
    /// The exit status, or 128 + the signal number when a signal ended it (as a shell reports it).
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String {
        "exit status \(status)\n--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)--- end ---"
    }
}

/// Why the harness itself could not do what a test asked; the message says what to do about it.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum ChildProcess {
    /// Runs `executable` to completion and returns its status and output.
    ///
    /// Not Foundation's `Process`: it learns that a child ended when a socket the child inherited closes, and
    /// tmux's server, forked from the tmux client and keeping every descriptor, holds that socket open for
    /// as long as it runs. Here the child's end is seen by `waitpid`, and its output goes to files rather than
    /// pipes, so nothing waits on a descriptor a daemon might keep.
    /// - Parameters:
    ///   - stdin: text written to a pipe the child reads (closed after it, so the child sees its end);
    ///     nil gives the child `/dev/null`.
    ///   - environment: the child's whole environment (nothing is inherited).
    ///   - timeout: the child is killed after this long and the call throws with what it had printed.
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String], directory: String? = nil,
                    timeout: Duration = .seconds(60)) throws -> ProcessResult {
        let scratch = try TemporaryDirectory(prefix: "jqproc")
        let outPath = scratch.path("stdout"), errPath = scratch.path("stderr")
        let input = try stdin.map(readablePipe) ?? openDescriptor("/dev/null", O_RDONLY)
        defer { close(input) }
        let output = try openDescriptor(outPath, O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(output) }
        let errors = try openDescriptor(errPath, O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(errors) }

        // posix_spawn cannot change directory portably; a shell can, and `exec` leaves the child's pid as is.
        var argv = [executable] + arguments
        if let directory {
            argv = ["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory] + argv
        }
        let pid = try spawn(argv, environment: environment, descriptors: [input, output, errors])

        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        var pause: UInt32 = 1_000
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped == -1, errno != EINTR { throw HarnessError("waitpid failed: errno \(errno)") }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) == -1, errno == EINTR {}
                throw HarnessError("""
                    timed out after \(timeout), killed: \(([executable] + arguments).joined(separator: " "))
                    --- stdout ---
                    \(readText(outPath))--- stderr ---
                    \(readText(errPath))--- end ---
                    """)
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        // As a shell reports it: the exit status, or 128 + the signal that ended the child.
        let signal = status & 0x7f
        let exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return ProcessResult(status: exitStatus, stdout: readText(outPath), stderr: readText(errPath))
    }

    /// Starts `argv` with `descriptors` as its stdin, stdout and stderr and nothing else open, default signal
    /// handling and no blocked signals, whatever the test process has set up.
    private static func spawn(_ argv: [String], environment: [String: String], descriptors: [Int32]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in descriptors.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, source, Int32(target))
        }
        // Descriptors of the test process that are not close-on-exec (the harness's own all are) would
        // otherwise live on in the child and in anything it leaves running.
        for fd in openDescriptors() where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgv + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnvironment)
        guard result == 0 else {
            throw HarnessError("cannot start \(argv[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// The descriptors open in this process now.
    private static func openDescriptors() -> [Int32] {
        let listing = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))
            ?? (try? FileManager.default.contentsOfDirectory(atPath: "/dev/fd")) ?? []
        return listing.compactMap { Int32($0) }
    }

    /// Opens a file with close-on-exec set: only `spawn`'s dup2 hands it to a child, as 0, 1 or 2.
    private static func openDescriptor(_ path: String, _ flags: Int32) throws -> Int32 {
        let fd = open(path, flags | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HarnessError("cannot open \(path): errno \(errno)") }
        return fd
    }

    /// The read end of a pipe that already holds `text` and whose write end is closed, so the child reads
    /// the text and then the end of its input.
    private static func readablePipe(_ text: String) throws -> Int32 {
        let bytes = Array(text.utf8)
        // Written before the child starts, so it must fit the pipe's buffer (64 KiB on Linux, 16 KiB at worst).
        guard bytes.count <= 16 * 1024 else { throw HarnessError("stdin text over 16 KiB: use a file") }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw HarnessError("pipe failed: errno \(errno)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let written = bytes.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        close(ends[1])
        guard written == bytes.count else {
            close(ends[0])
            throw HarnessError("could not write stdin to the pipe: errno \(errno)")
        }
        return ends[0]
    }

    private static func readText(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
