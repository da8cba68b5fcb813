// The checked ATTRIBUTE statement: the conversion step as a one-step journey, what is credited, the models, the
// lookback (grammar/SEMANTICS.md, "Attribution").
import JourneyStore

/// How one conversion's credit is shared among its touches (grammar/SEMANTICS.md, "Attribution").
package enum AttributionModel: String, Sendable, Hashable, CaseIterable {
    case firstTouch = "first_touch"
    case lastTouch = "last_touch"
    case linear
    /// 40% to the first touch, 40% to the last, 20% shared by those between (one touch: 100%; two: 50/50).
    case position
    /// Weight 2^(−Δt / half-life), Δt the time from the touch to the conversion, normalised.
    case timeDecay = "time_decay"
    /// The removal effect of each value in a first-order Markov chain over converting and non-converting paths.
    case markov
}

/// `ATTRIBUTE step ...` ready for planning.
package struct CheckedAttribution: Sendable, Hashable {
    /// One step, the conversion step; the journey's filter (WHERE, FOR, SET now), start range (bounding which
    /// conversions count), customer set and LIMIT (rows) apply. It has no window and no BY.
    package let journey: CheckedFunnel
    /// What is credited: a dictionary column or a property.
    package let credit: EventField
    package let models: [AttributionModel]
    /// Milliseconds, > 0: a touch counts when it is at most this long before the conversion.
    package let lookback: Int64
    /// time_decay's half-life in milliseconds (> 0).
    package let halfLife: Int64
    /// `VALUE p`: the numeric property whose values are credited instead of counts, and where it was written.
    package let value: String?
    package let valueRange: SourceRange?

    package func resolved(setNow: Int64?, clock: Int64) -> CheckedAttribution {
        CheckedAttribution(journey: journey.resolved(setNow: setNow, clock: clock), credit: credit, models: models,
                           lookback: lookback, halfLife: halfLife, value: value, valueRange: valueRange)
    }

    /// time_decay's half-life when HALF LIFE is not written: 7 days (as Google Analytics' time-decay model).
    package static let defaultHalfLife: Int64 = 7 * 86_400_000
}
