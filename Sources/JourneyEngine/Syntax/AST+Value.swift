// The syntax of VALUE: a numeric property summed, averaged and ranked over the events of one step, per customer
// and over each customer's life (grammar/journey.ebnf, rule value).

/// `VALUE property FROM step [clauses]`: `journey` holds the one step and the journey clauses (WITHIN is the
/// horizon from each customer's first event of the step; WHERE, FOR, a start range, BY and LIMIT apply).
package struct ValueStatementSyntax: Sendable, Hashable {
    /// The property whose values are summed (`amount`, `revenue`, `quantity`).
    package var property: FieldRef
    package var journey: FunnelSyntax
    /// Clauses written that VALUE has no use for (DIRECTLY, EXCLUDING, ...), with where they were written.
    package var rejected: [RejectedClause] = []
    /// The VALUE keyword.
    package var keyword: SourceRange
    package var range: SourceRange

    package init(property: FieldRef, journey: FunnelSyntax, keyword: SourceRange, range: SourceRange) {
        self.property = property
        self.journey = journey
        self.keyword = keyword
        self.range = range
    }
}
