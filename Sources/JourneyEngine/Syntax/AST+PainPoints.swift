// The syntax of the pain-point statements: DROPOFF (where the lost went) and WHY (what separates converters from
// the lost), each a journey with options of its own.

/// `DROPOFF <journey> [NEXT n] [OF touchpoint|channel|stage]` (grammar/journey.ebnf, rule dropoff).
package struct DropoffSyntax: Sendable, Hashable {
    package var funnel: FunnelSyntax
    /// `NEXT n`: how many events after the step's event make a "next" row, as written (checked to be 1...20).
    package var next: Int?
    package var nextRange: SourceRange?
    /// `OF word`: the column the rows name (touchpoint when absent).
    package var of: Name?
    package var range: SourceRange
}

/// `WHY <journey> [USING field, ...]` (grammar/journey.ebnf, rule why).
package struct WhySyntax: Sendable, Hashable {
    package var funnel: FunnelSyntax
    /// The fields whose values are compared; empty means the default set (SEMANTICS.md, WHY).
    package var using: [FieldRef]
    package var range: SourceRange
}
