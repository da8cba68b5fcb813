// The checked journey map: the ordered stages as conditions, and the clauses that apply to it.

/// `STAGES ...` ready for planning (grammar/SEMANTICS.md, section "The journey map").
package struct CheckedStages: Sendable, Hashable {
    /// The stages as the steps of a journey, in the map's order: `label` is the stage's name, `condition` the
    /// events in it (`stage = name`, or a defined stage's condition). The filter, FOR, start range, BY and LIMIT
    /// are the journey's; it has no window.
    package let journey: CheckedFunnel
    /// A customer whose last admitted event is at least this long before now has churned (milliseconds, > 0).
    package let inactiveAfter: Int64
    /// Whether the order is the default one (no SET STAGES, or one equal to it), for the result's notes.
    package let defaultOrder: Bool

    /// The stage names, in the map's order.
    package var stages: [String] { journey.steps.map(\.label) }

    /// The statement with "now" fixed (see `CheckedFunnel.resolved(setNow:clock:)`).
    package func resolved(setNow: Int64?, clock: Int64) -> CheckedStages {
        CheckedStages(journey: journey.resolved(setNow: setNow, clock: clock), inactiveAfter: inactiveAfter,
                      defaultOrder: defaultOrder)
    }

    /// Churn's quiet time when INACTIVE AFTER is not written: 30 days.
    package static let defaultInactiveAfter: Int64 = 30 * 86_400_000
}
