// Imports as the front ends run them: a progress line on a terminal, Ctrl-C wired to the store,
// the one-line summary, and the `--map name=column,...` syntax.
import JourneyEngine
import JourneyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one import call for a front end and turns store errors into messages with exit codes.
package struct Importer {
    package let session: any StoreSession
    package let errors: TextSink

    package init(session: any StoreSession, errors: TextSink) {
        self.session = session
        self.errors = errors
    }

    /// Runs `body` with a progress line on stderr (when it is a terminal), lists skipped rows on stderr,
    /// and maps failures: bad input 65, cancelled 130, anything else 70.
    package func run(options: ImportOptions,
                    _ body: (any StoreSession, ImportOptions) throws -> ImportReport) throws(ConsoleError) -> ImportReport {
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
        defer {
            session.importProgress = previous
            progress?.clear()
        }
        // Ctrl-C in the REPL only sets a flag; the token's watcher turns it into sqlite3_interrupt for the import.
        Interrupt.clear()
        let cancellation = CancellationToken(polling: { Interrupt.isSet })
        let report: ImportReport
        do {
            report = try session.interruptible(cancellation) { try body(session, options) }
        } catch StoreError.cancelled {
            throw ConsoleError("import cancelled; nothing was stored", exitCode: ExitStatus.code(for: StoreError.cancelled))
        } catch {
            throw ConsoleError("error: \((error as? StoreError)?.description ?? "\(error)")", exitCode: ExitStatus.code(for: error))
        }
        for row in report.skipped { errors.write("skipped \(row.description)\n") }
        return report
    }
}

/// Parsing of import options, shared by `.import` and `journey import`.
package enum ImportSummary {
    /// Parses `time=ts,customer=user_id` into a field → column mapping.
    package static func parseMapping(_ text: String) throws(ConsoleError) -> [String: String] {
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
            sink.write("\r\u{1B}[K\(CellFormatting.groupedInteger(p.rows)) rows read; storing them  \(percent)%")
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
