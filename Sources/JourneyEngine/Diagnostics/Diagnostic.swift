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

/// A replacement an editor can apply: the bytes of `range` give way to `replacement`.
package struct FixIt: Sendable, Hashable {
    /// Byte offsets into the text the diagnostic's own range points into (its `origin`'s text when it has one).
    package var range: SourceRange
    /// Source text as it is written in a statement, quotes included where the language needs them.
    package var replacement: String

    package init(range: SourceRange, replacement: String) {
        self.range = range
        self.replacement = replacement
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
    /// The suggestion as edits: each one alternative, nearest first. Applying one replaces the bytes of its
    /// `range` with its `replacement`, which leaves a statement that parses. Empty where the help is advice only.
    /// The ranges point into the same text as `range`: with an `origin`, that stored definition's text, so a fix
    /// there is an edit of the definition (made again with DEFINE, LET or SEGMENT), not of the statement.
    package var fixIts: [FixIt] = []
    /// When set, `range` (and every fix-it's range) is a range of this text rather than of the statement's source.
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

extension Diagnostic {
    /// This diagnostic with a prose `suggestion` and the one edit that carries it out.
    package func suggesting(_ suggestion: String, fix: FixIt?) -> Diagnostic {
        var d = self
        d.suggestion = suggestion
        d.fixIts = fix.map { [$0] } ?? []
        return d
    }
}

/// Several diagnostics thrown together (the parser reports more than the first error).
package struct DiagnosticList: Error, Sendable {
    package var diagnostics: [Diagnostic]
    package init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}
