// The checked COMPARE statement: a resolved journey, how its groups are formed (BY, or two periods) and the
// options of the comparison (the reference group, the confidence level).
import JourneyStore

/// `<journey> COMPARE ...` (grammar/SEMANTICS.md, "Comparisons").
package struct CheckedCompare: Sendable, Hashable {
    package let funnel: CheckedFunnel
    /// `COMPARE PREVIOUS`: the groups are the start range (`current`) and the same-length range before it
    /// (`previous`); otherwise the groups are the journey's BY groups.
    package let periods: Bool
    /// `AGAINST ...`: one value per BY key (nil: the group without a value), or `current`/`previous`; nil: the
    /// first group in the journey's order.
    package let against: [ExpectedValue?]?
    package let againstRange: SourceRange?
    /// The confidence level in percent: 90, 95 (default) or 99.
    package let confidence: Int
    /// Where COMPARE was written: a comparison of fewer than two groups is an error here.
    package let keywordRange: SourceRange
    /// The statement as written, for the title.
    package let text: String

    package init(funnel: CheckedFunnel, periods: Bool, against: [ExpectedValue?]? = nil, againstRange: SourceRange? = nil,
                confidence: Int = 95, keywordRange: SourceRange, text: String) {
        self.funnel = funnel
        self.periods = periods
        self.against = against
        self.againstRange = againstRange
        self.confidence = confidence
        self.keywordRange = keywordRange
        self.text = text
    }

    func resolved(setNow: Int64?, clock: Int64) -> CheckedCompare {
        CheckedCompare(funnel: funnel.resolved(setNow: setNow, clock: clock), periods: periods, against: against,
                       againstRange: againstRange, confidence: confidence, keywordRange: keywordRange, text: text)
    }

    /// The journey over the previous period: the same journey whose start range is the one of the same length
    /// just before the current one — [lower − (upper − lower), lower) for DURING, and [now − 2d, now − d) for
    /// LAST d. Nil without periods or before `resolved` has fixed LAST's range.
    package var previousFunnel: CheckedFunnel? {
        guard periods, let bounds = funnel.startBounds, let lower = bounds.lower, let upper = bounds.upper else { return nil }
        var previous = funnel
        if let last = funnel.lastWindow {
            // LAST d is now − d ≤ start ≤ now (upper = now + 1 ms): its previous period is the d before now − d.
            previous.startBounds = TimeBounds(lower: lower - last, upper: lower)
        } else {
            previous.startBounds = TimeBounds(lower: lower - (upper - lower), upper: lower)
        }
        return previous
    }
}
