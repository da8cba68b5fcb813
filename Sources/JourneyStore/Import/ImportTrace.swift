// A developer's view of where an import's time goes: set JOURNEY_IMPORT_TRACE=1 and each phase's end is
// printed to standard error with the wall-clock and processor time since the import started.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ImportTrace {
    static let isOn = getenv("JOURNEY_IMPORT_TRACE") != nil
    nonisolated(unsafe) private static var start = (wall: 0.0, cpu: 0.0)

    /// Starts the clock (called when an import call begins).
    static func begin() {
        guard isOn else { return }
        start = (wallSeconds(), cpuSeconds())
    }

    /// Prints that `phase` ended now.
    static func mark(_ phase: String) {
        guard isOn else { return }
        note("\(phase) ends at \(format(wallSeconds() - start.wall)) s wall, "
             + "\(format(cpuSeconds() - start.cpu)) s cpu, \(residentMegabytes()) MB resident")
    }

    /// Prints `line` after the trace's prefix.
    static func note(_ line: String) {
        guard isOn else { return }
        let text = "import trace: \(line)\n"
        text.utf8CString.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count - 1) }
    }

    /// Prints the processor time the calling thread has used, as `who`'s.
    static func threadTime(_ who: String) {
        guard isOn else { return }
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        note("\(who) used \(format(Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)) s cpu")
    }

    private static func format(_ seconds: Double) -> String {
        let hundredths = Int((seconds * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    private static func wallSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The process's resident memory (Linux: /proc/self/statm; 0 elsewhere). Memory an import touches for the
    /// first time costs it processor time too (the kernel zeroes each new page).
    private static func residentMegabytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 128)
        guard fgets(&line, Int32(line.count), file) != nil else { return 0 }
        // "size resident shared ...", in pages.
        let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
        return (pages * sysconf(Int32(_SC_PAGESIZE))) >> 20
    }

    /// Processor time of the whole process (all threads), user and system.
    private static func cpuSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
