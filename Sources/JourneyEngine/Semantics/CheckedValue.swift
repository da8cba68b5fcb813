// The checked VALUE statement: the property, and the one-step journey whose events carry its values.

/// `VALUE property FROM step ...` ready for planning (grammar/SEMANTICS.md, section "Value").
package struct CheckedValue: Sendable, Hashable {
    /// The event property whose numeric values are summed.
    package let property: String
    /// Where the property was written: a property with no number in the store is an error there, found when
    /// the statement runs (only the store knows its values).
    package let propertyRange: SourceRange
    /// One step (the events valued); `window` is the horizon `WITHIN d` from each customer's first event of the
    /// step; the filter, FOR, start range (bounding that first event), BY and LIMIT are the journey's.
    package let journey: CheckedFunnel

    /// The statement with "now" fixed (see `CheckedFunnel.resolved(setNow:clock:)`).
    package func resolved(setNow: Int64?, clock: Int64) -> CheckedValue {
        CheckedValue(property: property, propertyRange: propertyRange,
                     journey: journey.resolved(setNow: setNow, clock: clock))
    }
}
