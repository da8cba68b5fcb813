// The syntax of a comparison: a journey followed by COMPARE and its options (groups of BY, or two periods).

/// `<journey> COMPARE [PREVIOUS] [AGAINST value {, value}] [CONFIDENCE n]` (grammar/journey.ebnf, rule compare).
public struct CompareSyntax: Sendable, Hashable {
    public var funnel: FunnelSyntax
    /// Where `COMPARE` was written (errors about the groups point here).
    public var keyword: SourceRange
    /// `PREVIOUS`: the start range against the same-length range just before it.
    public var previous: SourceRange?
    /// `AGAINST v1, v2, ...`: the reference group, one value per BY key (or `current` / `previous`).
    public var against: [Value]
    public var againstRange: SourceRange?
    /// `CONFIDENCE n` as written (checked to be 90, 95 or 99).
    public var confidence: Double?
    public var confidenceRange: SourceRange?
    public var range: SourceRange
}
