// The data commands behind `journey import` and `journey generate`, callable by any front end.
import JourneyEngine
import JourneyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package enum DataCommands {
    /// Imports event files, then a customers file, printing a summary line for each on stdout.
    /// Returns 0, or the exit status of the first failure (its message on stderr).
    package static func importFiles(session: any StoreSession, events: [String], customers: String?,
                                   mapping: [String: String], skipBadRows: Bool,
                                   output: TextSink = .standardOutput(),
                                   errors: TextSink = .standardError()) -> Int32 {
        let importer = Importer(session: session, errors: errors)
        let options = ImportOptions(mapping: mapping, skipBadRows: skipBadRows)
        do throws(ConsoleError) {
            if !events.isEmpty {
                let report = try importer.run(options: options) { session, options in
                    try session.importEvents(events, options: options)
                }
                output.write(report.summary(noun: "events") + "\n")
            }
            if let customers {
                let report = try importer.run(options: options) { session, options in
                    try session.importCustomers(customers, options: options)
                }
                output.write(report.summary(noun: "customers") + "\n")
            }
            return 0
        } catch {
            errors.write(Console.line(error.message.hasPrefix("error") ? error.message : "error: " + error.message))
            return error.exitCode
        }
    }

    /// `journey import`: opens the store at `path` (creating it when missing or empty) and imports into it.
    /// A store this call created is removed again when the import fails, so a failed import leaves the
    /// folder as it was, not an empty store behind.
    package static func importIntoStore(_ path: String, events: [String], customers: String?,
                                       mapping: [String: String], skipBadRows: Bool) -> Int32 {
        let existed = StoreOpening.isDatabaseURL(path) || !EventStore.isMissingOrEmpty(path)
        let code: Int32
        do throws(ConsoleError) {
            let session = try StoreOpening.open(path, access: .create)
            code = importFiles(session: session, events: events, customers: customers, mapping: mapping,
                               skipBadRows: skipBadRows)
        } catch {
            TextSink.standardError().write(Console.line(error.message.hasPrefix("error") ? error.message : "error: " + error.message))
            return error.exitCode
        }
        // The session is closed here (it went out of scope), so its files can go.
        if code != 0, !existed {
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
        }
        return code
    }

    /// `journey check STORE`: SQLite's full integrity check and the store's own rules, read-only. Prints `ok`
    /// and the store's size, or each problem; returns 0 for a sound store, 65 for a damaged one (66 if missing).
    package static func check(_ path: String, output: TextSink = .standardOutput(),
                             errors: TextSink = .standardError()) -> Int32 {
        do {
            let store = try EventStore(path: path, access: .readOnly)
            let problems = try store.check()
            guard problems.isEmpty else {
                for problem in problems { output.write("problem: \(problem)\n") }
                errors.write("error: the store '\(path)' is damaged: \(problems.count) problem\(problems.count == 1 ? "" : "s") found; "
                             + "import the original files into a new store to recover\n")
                return 65
            }
            let catalog = try store.catalog()
            output.write("ok: '\(path)' is sound (\(CellFormatting.groupedInteger(catalog.eventCount)) events, "
                         + "\(CellFormatting.groupedInteger(catalog.customerCount)) customers)\n")
            return 0
        } catch {
            errors.write("error: \((error as? StoreError)?.description ?? "\(error)")\n")
            return ExitStatus.code(for: error)
        }
    }

    /// The scenarios `journey generate --scenario` accepts.
    package static let scenarios = JourneyGenerator.Scenario.allCases.map(\.rawValue)

    /// Writes a generated journey log as CSV to `eventsPath` (stdout when nil) and, if asked, the customers
    /// file. The same arguments always give the same bytes. Returns 0, or 65 when a file cannot be written.
    package static func generate(customers: Int, seed: UInt64, scenario: String, eventsPath: String?,
                                customersPath: String?, errors: TextSink = .standardError()) -> Int32 {
        guard let kind = JourneyGenerator.Scenario(rawValue: scenario) else {
            errors.write("error: unknown scenario '\(scenario)'; use \(scenarios.joined(separator: ", "))\n")
            return 64
        }
        let generator = JourneyGenerator(customers: customers, seed: seed, scenario: kind)
        do {
            try generator.writeEvents(to: eventsPath)
            if let customersPath { try generator.writeCustomers(to: customersPath) }
            return 0
        } catch {
            errors.write("error: \(error)\n")
            return 65
        }
    }
}
