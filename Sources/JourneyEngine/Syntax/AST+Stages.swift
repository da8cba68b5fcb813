// The syntax of STAGES, the journey map: the journey clauses that apply to it, and INACTIVE AFTER.

/// `STAGES [clauses] [INACTIVE AFTER duration]` (grammar/journey.ebnf, rule stages).
package struct StagesSyntax: Sendable, Hashable {
    /// The journey clauses as parsed (no steps): WHERE, FOR, a start range, BY and LIMIT apply; the checker
    /// refuses the others, found in `rejected`.
    package var clauses: FunnelSyntax
    /// `INACTIVE AFTER d`: how long a customer must have been quiet to count as churned; nil for the default.
    package var inactiveAfter: DurationSyntax?
    /// `INACTIVE AFTER -d`: written with a minus sign (an error the checker reports at `inactiveAfter`'s range).
    package var inactiveNegative: Bool = false
    /// Clauses written that the journey map has no use for (WITHIN, DIRECTLY, ...), with where they were written.
    package var rejected: [RejectedClause] = []
    /// The STAGES keyword.
    package var keyword: SourceRange
    package var range: SourceRange
}

/// A journey clause written in a statement that does not take it.
package struct RejectedClause: Sendable, Hashable {
    package var clause: String
    package var range: SourceRange
}
