// Imports as the front ends run them: a progress line on a terminal, Ctrl-C wired to the store,
// the one-line summary, and the `--map name=column,...` syntax.
import JourneyQL
import JourneyStore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one import call for a front end and turns store errors into messages with exit codes.
public struct Importer {
    public let session: Session
    public let errors: TextSink

    public init(session: Session, errors: TextSink) {
        self.session = session
        self.errors = errors
    }

    /// Runs `body` with a progress line on stderr (when it is a terminal), lists skipped rows on stderr,
    /// and maps failures: bad input 65, cancelled 130, anything else 70.
    public func run(options: ImportOptions,
                    _ body: (Session, ImportOptions) throws -> ImportReport) throws(ConsoleError) -> ImportReport {
        let progress = errors.isTerminal ? ProgressLine(sink: errors) : nil
        let previous = session.importProgress
        let errors = self.errors
        // Waiting for another writer is said on any stderr, terminal or not: a silent wait looks like a hang.
        session.importProgress = { update in
            if update.phase == .waitingForWriter {
                progress?.clear()
                errors.write("waiting for another process to finish writing to '\(update.file)' (Ctrl-C to stop) ...\n")
            } else {
                progress?.draw(update)
            }
        }
        // Ctrl-C in the REPL only sets a flag; a watcher turns it into sqlite3_interrupt for the import.
        let watcher = InterruptWatcher(handle: session.store.interruptHandle)
        defer {
            watcher.stop()
            session.importProgress = previous
            progress?.clear()
        }
        let report: ImportReport
        do {
            report = try body(session, options)
        } catch let error as StoreError {
            if error == .cancelled { throw ConsoleError("import cancelled; nothing was stored", exitCode: 130) }
            throw ConsoleError("error: \(error.description)", exitCode: error.exitCode)
        } catch {
            throw ConsoleError("error: \(error)", exitCode: 70)
        }
        for row in report.skipped { errors.write("skipped \(row.description)\n") }
        return report
    }
}

/// Parsing of import options, shared by `.import` and `journey import`.
public enum ImportSummary {
    /// Parses `time=ts,customer=user_id` into a field → column mapping.
    public static func parseMapping(_ text: String) throws(ConsoleError) -> [String: String] {
        var mapping: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let field = parts.first.map { String($0).trimmingBlanks() } ?? ""
            guard parts.count == 2, !field.isEmpty else {
                throw ConsoleError("bad mapping '\(pair)': expected name=column", exitCode: 64)
            }
            mapping[field.lowercased()] = String(parts[1]).trimmingBlanks()
        }
        return mapping
    }
}

/// A progress line redrawn in place on a terminal: `importing events.csv  1,200,000 rows  45%`.
final class ProgressLine: @unchecked Sendable {
    private let sink: TextSink
    private var drawn = false

    init(sink: TextSink) { self.sink = sink }

    func draw(_ p: ImportProgress) {
        let percent = CellFormatting.fixed(p.fraction * 100, decimals: 0)
        switch p.phase {
        case .reading:
            break
        case .writing:
            sink.write("\r\u{1B}[K\(CellFormatting.groupedInteger(p.rows)) rows read; writing them to the store  \(percent)%")
            drawn = true
            return
        case .columnarCopy:
            sink.write("\r\u{1B}[K\(CellFormatting.groupedInteger(p.rows)) rows written; storing the columnar copy")
            drawn = true
            return
        case .waitingForWriter:
            return  // said once, as a line of its own, by the importer
        }
        sink.write("\r\u{1B}[Kimporting \(p.file)  \(CellFormatting.groupedInteger(p.rows)) rows  \(percent)%")
        drawn = true
    }

    func clear() {
        if drawn { sink.write("\r\u{1B}[K") }
        drawn = false
    }
}

/// While an import runs, polls the Ctrl-C flag on another thread and interrupts the store when it is set.
/// `stop()` joins the thread, so no interrupt can reach a statement run after the import.
final class InterruptWatcher: Sendable {
    private let done = Atomic<Bool>(false)
    private let handle: InterruptHandle
    private let thread = Mutex<pthread_t?>(nil)

    init(handle: InterruptHandle) {
        self.handle = handle
        Interrupt.clear()
        let context = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        let started = pthread_create(&tid, nil, { context in
            let watcher = Unmanaged<InterruptWatcher>.fromOpaque(context!).takeRetainedValue()
            watcher.watch()
            return nil
        }, context)
        if started == 0 {
            thread.withLock { $0 = tid }
        } else {
            Unmanaged<InterruptWatcher>.fromOpaque(context).release()
        }
    }

    private func watch() {
        while !done.load(ordering: .relaxed) {
            // sqlite3_interrupt is a no-op between statements, so keep asking while the flag is up.
            if Interrupt.isSet { handle.interrupt() }
            usleep(20_000)
        }
    }

    func stop() {
        done.store(true, ordering: .relaxed)
        if let tid = thread.withLock({ t -> pthread_t? in defer { t = nil }; return t }) {
            pthread_join(tid, nil)
        }
    }
}
