// The syntax of RETENTION: the step that makes a cohort, the step that counts as returning, the period, how many
// periods, and whether "returning in period N" means in it or on or after it.

/// The length of a retention period: a calendar day, ISO week (from Monday) or month, in UTC.
package enum RetentionPeriod: String, Sendable, Hashable, CaseIterable {
    case day, week, month
}

/// `RETENTION OF step RETURNING step [EVERY period] [PERIODS n] [ON OR AFTER] [clauses]`
/// (grammar/journey.ebnf, rule retention).
package struct RetentionSyntax: Sendable, Hashable {
    /// The step whose first event puts a customer in a cohort.
    package var of: StepSyntax
    /// The step that counts as coming back; nil when RETURNING was not written (an error the checker reports).
    package var returning: StepSyntax?
    /// `EVERY day|week|month`, where it was written.
    package var every: (period: RetentionPeriod, range: SourceRange)?
    /// `PERIODS n` as written (checked against 1...RetentionSyntax.maxPeriods by the checker).
    package var periods: (count: Int, range: SourceRange)?
    /// `ON OR AFTER`: a customer returning in period N or any later one counts in N (unbounded retention).
    package var onOrAfter: SourceRange?
    /// The journey clauses as parsed (no steps): WHERE, FOR, a start range and BY apply; the checker refuses the
    /// others, found in `rejected`.
    package var clauses: FunnelSyntax
    package var rejected: [RejectedClause] = []
    /// The RETENTION keyword.
    package var keyword: SourceRange
    package var range: SourceRange

    /// The most periods a table may have (a year of days).
    package static let maxPeriods = 366

    package static func == (a: RetentionSyntax, b: RetentionSyntax) -> Bool {
        a.of == b.of && a.returning == b.returning && a.every?.period == b.every?.period
            && a.every?.range == b.every?.range && a.periods?.count == b.periods?.count
            && a.periods?.range == b.periods?.range && a.onOrAfter == b.onOrAfter && a.clauses == b.clauses
            && a.rejected == b.rejected && a.keyword == b.keyword && a.range == b.range
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(of)
        hasher.combine(returning)
        hasher.combine(every?.period)
        hasher.combine(periods?.count)
        hasher.combine(range)
    }
}
