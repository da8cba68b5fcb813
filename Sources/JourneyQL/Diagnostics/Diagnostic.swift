// Diagnostics are values: severity, a stable id, the range they point at, notes and an optional fix.

package enum Severity: String, Sendable, Hashable {
    case error
    case warning
    case note
}

/// Text a diagnostic points into other than the statement's own: a stored definition, checked again where it is used.
package struct DiagnosticOrigin: Sendable, Hashable {
    /// How messages name it: `LET social`, `STAGE purchase`.
    package var name: String
    package var text: String

    package init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// A message about one place in the source. Tests assert `id` and `range`, never the wording.
package struct Diagnostic: Error, Sendable, Hashable {
    package var severity: Severity
    /// A stable identifier such as `parse.expected` or `check.unknown-step` (a `DiagnosticID`'s raw value).
    package var id: String
    package var message: String
    package var range: SourceRange
    /// Extra lines shown under the caret display ("the funnel starts here").
    package var notes: [String]
    /// A likely replacement, shown as `help: did you mean 'purchase'?`.
    package var suggestion: String?
    /// When set, `range` is a range of this text rather than of the statement's source.
    package var origin: DiagnosticOrigin?

    package init(_ severity: Severity, _ id: DiagnosticID, _ message: String, at range: SourceRange,
                notes: [String] = [], suggestion: String? = nil) {
        self.severity = severity
        self.id = id.rawValue
        self.message = message
        self.range = range
        self.notes = notes
        self.suggestion = suggestion
    }

    package static func error(_ id: DiagnosticID, _ message: String, at range: SourceRange,
                             notes: [String] = [], suggestion: String? = nil) -> Diagnostic {
        Diagnostic(.error, id, message, at: range, notes: notes, suggestion: suggestion)
    }

    package static func warning(_ id: DiagnosticID, _ message: String, at range: SourceRange,
                               notes: [String] = [], suggestion: String? = nil) -> Diagnostic {
        Diagnostic(.warning, id, message, at: range, notes: notes, suggestion: suggestion)
    }
}

/// Several diagnostics thrown together (the parser reports more than the first error).
package struct DiagnosticList: Error, Sendable {
    package var diagnostics: [Diagnostic]
    package init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}
