// Finds the built `journey` executable and runs it with arguments, stdin and a clean environment.
import Foundation

enum Journey {
    /// The `journey` executable under test.
    ///
    /// `swift test` builds every product of the package before it runs tests (deleting the binary and running
    /// `swift test` relinks it), so the binary sits next to the test bundle. Looked for, in order:
    /// `$JOURNEY_BIN`; beside the running test bundle; `.build/debug/journey` in this package. A missing binary
    /// is an error that says how to build it, never a skipped test.
    static func executable() throws -> String {
        try located.get()
    }

    private static let located: Result<String, any Error> = Result {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["JOURNEY_BIN"], !explicit.isEmpty {
            candidates.append(explicit)
        }
        // Linux: .build/<triple>/debug/JourneyQLPackageTests.xctest is itself the test binary.
        // macOS: the binary is inside .build/.../debug/JourneyQLPackageTests.xctest/Contents/MacOS/.
        var directory = URL(fileURLWithPath: runningExecutable()).deletingLastPathComponent()
        if directory.path.hasSuffix(".xctest/Contents/MacOS") {
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        candidates.append(directory.appendingPathComponent("journey").path)
        // Tests/JourneyCLITests/Support/Journey.swift → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/journey").path)

        var isDirectory: ObjCBool = false
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory)
            && !isDirectory.boolValue && FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw HarnessError("""
            the journey executable was not found; build it with `swift build` (a plain `swift test` builds it \
            too) or point JOURNEY_BIN at it. Looked at:
            \(candidates.joined(separator: "\n"))
            """)
    }

    /// The path of the test binary itself (`/proc/self/exe` on Linux, argv[0] elsewhere).
    private static func runningExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// An environment with nothing from the person running the tests that could change what journey does:
    /// no `$JOURNEY_HISTORY`, a UTF-8 locale, and `HOME` where the test says.
    static func environment(home: String, extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": home,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        ]
        environment.merge(extra) { $1 }
        return environment
    }

    /// Runs `journey arguments` in `directory` (its HOME too) with `stdin` piped in, and returns what it did.
    static func run(_ arguments: [String], stdin: String? = nil, in directory: String,
                    environment extra: [String: String] = [:], timeout: Duration = .seconds(60)) throws -> ProcessResult {
        try ChildProcess.run(executable(), arguments, stdin: stdin,
                             environment: environment(home: directory, extra: extra),
                             directory: directory, timeout: timeout)
    }

    /// Runs `journey arguments` and throws, with everything it printed, unless it exits with status 0.
    @discardableResult
    static func succeed(_ arguments: [String], stdin: String? = nil, in directory: String) throws -> ProcessResult {
        let result = try run(arguments, stdin: stdin, in: directory)
        guard result.status == 0 else {
            throw HarnessError("journey \(arguments.joined(separator: " ")) failed: \(result)")
        }
        return result
    }
}

extension StoreFixture {
    /// Runs `journey STORE arguments` in the store's directory.
    func journey(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
        try Journey.run([name] + arguments, stdin: stdin, in: directory.path)
    }
}
