// The data commands behind `journey import` and `journey generate`, callable by any front end.
import JourneyQL
import JourneyStore

public enum DataCommands {
    /// Imports event files, then a customers file, printing a summary line for each on stdout.
    /// Returns 0, or the exit status of the first failure (its message on stderr).
    public static func importFiles(session: Session, events: [String], customers: String?,
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
                output.write(ImportSummary.line(report, noun: "events") + "\n")
            }
            if let customers {
                let report = try importer.run(options: options) { session, options in
                    try session.importCustomers(customers, options: options)
                }
                output.write(ImportSummary.line(report, noun: "customers") + "\n")
            }
            return 0
        } catch {
            errors.write(Console.line(error.message.hasPrefix("error") ? error.message : "error: " + error.message))
            return error.exitCode
        }
    }

    /// The scenarios `journey generate --scenario` accepts.
    public static let scenarios = ["retail", "travel", "banking"]

    /// Writes a generated journey log as CSV to `eventsPath` (stdout when nil) and, if asked, the customers file.
    public static func generate(customers: Int, seed: UInt64, scenario: String, eventsPath: String?,
                                customersPath: String?, errors: TextSink = .standardError()) -> Int32 {
        errors.write("error: generate is not available in this build yet\n")
        return 70
    }
}
