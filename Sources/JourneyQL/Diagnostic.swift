// Diagnostics for embedders: where in the statement, what is wrong, and replacements an editor can apply.
internal import JourneyEngine

/// A line and column in a statement's text, both from 1 (the column counts characters).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The line, from 1 (a script's own line numbers).
    public let line: Int
    /// The column, from 1, in characters.
    public let column: Int
    public var description: String { "\(line):\(column)" }

    /// A location at `line` and `column`, both from 1.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// One replacement that would fix a diagnostic: replace the UTF-8 bytes ``range`` of the text with ``replacement``.
public struct FixIt: Sendable, Hashable {
    /// UTF-8 byte offsets into the text the diagnostic points into.
    public let range: Range<Int>
    /// The text to put there: valid source (a name, or a value quoted where it must be).
    public let replacement: String

    /// `text` with the replacement made.
    public func applied(to text: String) -> String {
        var bytes = Array(text.utf8)
        bytes.replaceSubrange(range.clamped(to: 0..<bytes.count), with: Array(replacement.utf8))
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// An error, warning or note about one place in a statement.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How serious a diagnostic is.
    public enum Severity: String, Sendable, Hashable {
        /// The statement did not run.
        case error
        /// The statement ran, but probably not as meant (an unknown value, a step nobody reaches).
        case warning
        /// Information about the statement.
        case note
    }

    /// How serious it is.
    public let severity: Severity
    /// A stable identifier (`check.unknown-step`, `parse.expected`): match on it, not on the message.
    public let id: String
    /// What is wrong, in one line (`unknown step 'purchace'`).
    public let message: String
    /// UTF-8 byte offsets of what the diagnostic points at, in the statement's text or, when ``definition`` is set,
    /// in that definition's text.
    public let range: Range<Int>
    /// Where ``range`` starts.
    public let start: SourceLocation
    /// Where ``range`` ends (just after its last character).
    public let end: SourceLocation
    /// The stored definition the range points into (`LET social`), when the problem is inside one.
    public let definition: String?
    /// Extra lines (`the funnel starts here`).
    public let notes: [String]
    /// Advice for people (`did you mean 'purchase'?`).
    public let suggestion: String?
    /// Replacements that would fix it, likeliest first; each is an alternative.
    public let fixIts: [FixIt]
    /// The diagnostic drawn with the offending line and a caret, as the command line prints it.
    public let rendered: String

    public var description: String { rendered }

    init(_ diagnostic: JourneyEngine.Diagnostic, in source: SourceText) {
        let text = diagnostic.origin.map { SourceText($0.text, name: $0.name) } ?? source
        severity = switch diagnostic.severity {
        case .error: .error
        case .warning: .warning
        case .note: .note
        }
        id = diagnostic.id
        message = diagnostic.message
        range = diagnostic.range.start..<max(diagnostic.range.start, diagnostic.range.end)
        let start = text.location(of: diagnostic.range.start)
        let end = text.location(of: diagnostic.range.end)
        self.start = SourceLocation(line: start.line, column: start.column)
        self.end = SourceLocation(line: end.line, column: end.column)
        definition = diagnostic.origin?.name
        notes = diagnostic.notes
        suggestion = diagnostic.suggestion
        fixIts = diagnostic.fixIts.map { FixIt(range: $0.range.start..<max($0.range.start, $0.range.end), replacement: $0.replacement) }
        rendered = DiagnosticRenderer.render(diagnostic, in: source)
    }
}

/// Why a statement, a script or opening a store failed.
public struct JourneyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it is.
    public enum Code: String, Sendable, Hashable {
        /// A statement does not parse or check: see ``JourneyError/diagnostics``.
        case invalidStatement
        /// An input is not right: an import file, or a file that is not a store (or a damaged one).
        case invalidInput
        /// The store file, or an import file, is not there (a store is made only with ``Store/Access/create``).
        case notFound
        /// The store is busy: another connection held the write lock for longer than the wait.
        case busy
        /// The task was cancelled, or ``Interpreter/interrupt()`` stopped the statement.
        case cancelled
        /// A statement that writes (an import, a definition) ran on a store opened read-only.
        case readOnly
        /// Anything else the store or the system reported: see ``JourneyError/message``.
        case failed
    }

    /// What kind of failure it is.
    public let code: Code
    /// The whole message, as the command line prints it (diagnostics drawn with their carets).
    public let message: String
    /// The diagnostics behind an ``Code/invalidStatement`` failure, in source order.
    public let diagnostics: [Diagnostic]
    /// The exit status the `journey` command would leave with (65 bad input, 66 not found, 75 busy, 130 cancelled).
    public let exitStatus: Int32

    public var description: String { message }

    init(code: Code, message: String, diagnostics: [Diagnostic] = [], exitStatus: Int32) {
        self.code = code
        self.message = message
        self.diagnostics = diagnostics
        self.exitStatus = exitStatus
    }

    init(_ failure: RunFailure, in source: SourceText) {
        let code: Code
        if case .readOnly? = failure.storeError {
            code = .readOnly
        } else if !failure.diagnostics.isEmpty {
            code = .invalidStatement
        } else {
            code = switch failure.exitCode {
            case ExitStatus.cancelled: .cancelled
            case ExitStatus.noInput: .notFound
            case ExitStatus.busy: .busy
            case ExitStatus.badInput: .invalidInput
            default: .failed
            }
        }
        self.init(code: code, message: failure.rendered,
                  diagnostics: failure.diagnostics.map { Diagnostic($0, in: source) }, exitStatus: failure.exitCode)
    }

    /// Any error of the engine or the store, as the embedding API reports it.
    init(_ error: any Error) {
        if let error = error as? JourneyError {
            self = error
        } else {
            self.init(RunFailure(error), in: SourceText(""))
        }
    }

    static let cancelled = JourneyError(code: .cancelled, message: "cancelled", exitStatus: ExitStatus.cancelled)
}
