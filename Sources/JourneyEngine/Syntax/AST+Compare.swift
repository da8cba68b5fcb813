// The syntax of a comparison: a journey followed by COMPARE and its options (groups of BY, or two periods).

/// `<journey> COMPARE [PREVIOUS] [AGAINST value {, value}] [CONFIDENCE n]` (grammar/journey.ebnf, rule compare).
package struct CompareSyntax: Sendable, Hashable {
    package var funnel: FunnelSyntax
    /// Where `COMPARE` was written (errors about the groups point here).
    package var keyword: SourceRange
    /// `PREVIOUS`: the start range against the same-length range just before it.
    package var previous: SourceRange?
    /// `AGAINST v1, v2, ...`: the reference group, one value per BY key (or `current` / `previous`).
    package var against: [Value]
    package var againstRange: SourceRange?
    /// `CONFIDENCE n` as written (checked to be 90, 95 or 99).
    package var confidence: Double?
    package var confidenceRange: SourceRange?
    package var range: SourceRange
}
