// The syntax of flows: PATHS AFTER|BEFORE a step (a tree of what came next or before) and the options PATHS
// between two steps shares with it (LOST, CONVERTED, OF, KEEP REPEATS, MAX LENGTH, MIN SHARE).

/// A whole number as written, with where it was written.
package struct CountSyntax: Sendable, Hashable {
    package var value: Int
    package var range: SourceRange
}

/// A number as written (MIN SHARE's percentage), with where it was written.
package struct NumberSyntax: Sendable, Hashable {
    package var value: Double
    package var range: SourceRange
}

/// Which way a flow reads from its anchor.
package enum FlowDirection: String, Sendable, Hashable {
    case after = "AFTER"
    case before = "BEFORE"
}

/// The options after a flow's anchor or a PATHS journey, each at most once.
package struct FlowOptionsSyntax: Sendable, Hashable {
    /// `STEPS n`.
    package var steps: CountSyntax? = nil
    /// `OF touchpoint|channel|stage`.
    package var of: Name? = nil
    /// `KEEP REPEATS`.
    package var keepRepeats: SourceRange? = nil
    /// `MIN SHARE p`.
    package var minShare: NumberSyntax? = nil
    /// `MAX LENGTH n`.
    package var maxLength: CountSyntax? = nil
    /// `LOST`, and `AT k` after it.
    package var lost: SourceRange? = nil
    package var lostAt: CountSyntax? = nil
    /// `CONVERTED`.
    package var converted: SourceRange? = nil
    /// Where DIRECTLY, STRICT TIME, TIES ANY ORDER and IN ANY ORDER were written, as written: a flow around an
    /// anchor takes none of them, and the error points at the clause.
    package var orderClauses: [Name] = []

    package init() {}

    /// True when no option was written (the order clauses are journey clauses, not options).
    package var isEmpty: Bool {
        var options = self
        options.orderClauses = []
        return options == FlowOptionsSyntax()
    }
}

/// `PATHS AFTER|BEFORE step options` (direction given; `journey.steps` is the anchor alone) or
/// `PATHS FROM ... TO ... options` with at least one option (direction nil).
package struct FlowsSyntax: Sendable, Hashable {
    package var direction: FlowDirection?
    /// Where AFTER or BEFORE was written.
    package var directionRange: SourceRange?
    package var journey: FunnelSyntax
    package var options: FlowOptionsSyntax
    package var range: SourceRange
}
