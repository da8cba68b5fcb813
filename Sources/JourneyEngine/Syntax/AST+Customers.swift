// The syntax of the customers behind a journey's numbers: CUSTOMERS <journey> [pick] [ORDER BY ...],
// SEGMENT name AS CUSTOMERS ... (a behavioural segment) and SHOW CUSTOMER id.

/// Which of a journey's customers a `CUSTOMERS` statement (or a behavioural segment) keeps.
package enum CustomerPickSyntax: Sendable, Hashable {
    /// No pick: every customer who started the journey.
    case started
    /// `AT k`: reached at least step k (the number as written, checked against the steps by the checker).
    case at(Int, SourceRange)
    /// `LOST AT k`: deepest step exactly k, window closed.
    case lostAt(Int, SourceRange)
    /// `LOST`: lost at any step.
    case lost
    /// `CONVERTED`: reached the last step.
    case converted
    /// `IN PROGRESS`: window still open, not converted.
    case inProgress
}

/// What `ORDER BY` sorts the customer list by.
package enum CustomerOrderKey: String, Sendable, Hashable, CaseIterable {
    case start, reached, customer
}

/// `CUSTOMERS <journey> [pick] [ORDER BY key [DESC]]` (grammar/journey.ebnf, rule customers). The journey's
/// LIMIT counts customers.
package struct CustomersSyntax: Sendable, Hashable {
    package var journey: FunnelSyntax
    package var pick: CustomerPickSyntax = .started
    /// Where the pick was written (nil without one).
    package var pickRange: SourceRange? = nil
    package var order: CustomerOrderKey = .start
    package var descending = false
    package var range: SourceRange

    package init(journey: FunnelSyntax, range: SourceRange) {
        self.journey = journey
        self.range = range
    }
}
