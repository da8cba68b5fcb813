// The syntax of the pain-point statements: DROPOFF (where the lost went) and WHY (what separates converters from
// the lost), each a journey with options of its own.

/// `DROPOFF <journey> [NEXT n] [OF touchpoint|channel|stage]` (grammar/journey.ebnf, rule dropoff).
public struct DropoffSyntax: Sendable, Hashable {
    public var funnel: FunnelSyntax
    /// `NEXT n`: how many events after the step's event make a "next" row, as written (checked to be 1...20).
    public var next: Int?
    public var nextRange: SourceRange?
    /// `OF word`: the column the rows name (touchpoint when absent).
    public var of: Name?
    public var range: SourceRange
}

/// `WHY <journey> [USING field, ...]` (grammar/journey.ebnf, rule why).
public struct WhySyntax: Sendable, Hashable {
    public var funnel: FunnelSyntax
    /// The fields whose values are compared; empty means the default set (SEMANTICS.md, WHY).
    public var using: [FieldRef]
    public var range: SourceRange
}
