// The checked RETENTION statement: the cohort step and the returning step as a two-step journey, the period,
// the number of periods and the counting rule.

/// How a customer counts as returning in period N.
package enum RetentionCounting: String, Sendable, Hashable {
    /// A `b` event in period N itself (the default).
    case inPeriod = "in period"
    /// A `b` event in period N or any later one (`ON OR AFTER`, unbounded retention).
    case onOrAfter = "on or after"
}

/// What a retention table is made of, once checked (grammar/SEMANTICS.md, section "Retention").
package struct RetentionSpec: Sendable, Hashable {
    package let period: RetentionPeriod
    /// The last period of the table: periods 0 ... `periods` are counted (1 ... RetentionSyntax.maxPeriods).
    package let periods: Int
    package let counting: RetentionCounting
}

/// `RETENTION ...` ready for planning.
package struct CheckedRetention: Sendable, Hashable {
    /// Step 1 is the cohort's step (`OF`), step 2 the returning step (`RETURNING`); the filter, FOR, start range
    /// and BY (without the period) are the journey's; it has no window and no LIMIT.
    package let journey: CheckedFunnel
    package let spec: RetentionSpec

    /// The statement with "now" fixed (see `CheckedFunnel.resolved(setNow:clock:)`).
    package func resolved(setNow: Int64?, clock: Int64) -> CheckedRetention {
        CheckedRetention(journey: journey.resolved(setNow: setNow, clock: clock), spec: spec)
    }

    /// Periods counted when PERIODS is not written: 0 ... 8.
    package static let defaultPeriods = 8
    /// The period when neither EVERY nor BY day|week|month says one.
    package static let defaultPeriod = RetentionPeriod.week
}
