// The syntax of ATTRIBUTE: a conversion step, the models that share each conversion's credit among the touches
// before it, the lookback, and the journey clauses that apply.

/// `ATTRIBUTE step { MODEL m, ... | LOOKBACK d | HALF LIFE d | VALUE field | clause }` (grammar/journey.ebnf,
/// rule attribution). `BY field` (a journey clause) names what is credited.
package struct AttributionSyntax: Sendable, Hashable {
    /// The conversion step: its events are the conversions.
    package var step: StepSyntax
    /// The journey clauses as parsed (no steps); the checker accepts WHERE, FOR, a start range, BY (one field) and
    /// LIMIT, and refuses the others, found in `rejected`.
    package var clauses: FunnelSyntax
    /// The models as written (`MODEL first_touch, linear`); empty when MODEL was not written.
    package var models: [Name] = []
    /// `LOOKBACK d`; nil when not written.
    package var lookback: DurationSyntax? = nil
    /// `LOOKBACK -d`: written with a minus sign (reported at `lookback`'s range).
    package var lookbackNegative = false
    /// `HALF LIFE d` (time_decay's half-life), with the range of the whole option.
    package var halfLife: DurationSyntax? = nil
    package var halfLifeNegative = false
    package var halfLifeRange: SourceRange? = nil
    /// `VALUE field`: credit the conversions' values of this numeric property instead of counting them.
    package var value: FieldRef? = nil
    package var rejected: [RejectedClause] = []
    /// The ATTRIBUTE keyword.
    package var keyword: SourceRange
    package var range: SourceRange
}
