// The syntax of flows: PATHS AFTER|BEFORE a step (a tree of what came next or before) and the options PATHS
// between two steps shares with it (LOST, CONVERTED, OF, KEEP REPEATS, MAX LENGTH, MIN SHARE).

/// A whole number as written, with where it was written.
public struct CountSyntax: Sendable, Hashable {
    public var value: Int
    public var range: SourceRange
}

/// A number as written (MIN SHARE's percentage), with where it was written.
public struct NumberSyntax: Sendable, Hashable {
    public var value: Double
    public var range: SourceRange
}

/// Which way a flow reads from its anchor.
public enum FlowDirection: String, Sendable, Hashable {
    case after = "AFTER"
    case before = "BEFORE"
}

/// The options after a flow's anchor or a PATHS journey, each at most once.
public struct FlowOptionsSyntax: Sendable, Hashable {
    /// `STEPS n`.
    public var steps: CountSyntax? = nil
    /// `OF touchpoint|channel|stage`.
    public var of: Name? = nil
    /// `KEEP REPEATS`.
    public var keepRepeats: SourceRange? = nil
    /// `MIN SHARE p`.
    public var minShare: NumberSyntax? = nil
    /// `MAX LENGTH n`.
    public var maxLength: CountSyntax? = nil
    /// `LOST`, and `AT k` after it.
    public var lost: SourceRange? = nil
    public var lostAt: CountSyntax? = nil
    /// `CONVERTED`.
    public var converted: SourceRange? = nil
    /// Where DIRECTLY, STRICT TIME, TIES ANY ORDER and IN ANY ORDER were written, as written: a flow around an
    /// anchor takes none of them, and the error points at the clause.
    public var orderClauses: [Name] = []

    public init() {}

    /// True when no option was written (the order clauses are journey clauses, not options).
    public var isEmpty: Bool {
        var options = self
        options.orderClauses = []
        return options == FlowOptionsSyntax()
    }
}

/// `PATHS AFTER|BEFORE step options` (direction given; `journey.steps` is the anchor alone) or
/// `PATHS FROM ... TO ... options` with at least one option (direction nil).
public struct FlowsSyntax: Sendable, Hashable {
    public var direction: FlowDirection?
    /// Where AFTER or BEFORE was written.
    public var directionRange: SourceRange?
    public var journey: FunnelSyntax
    public var options: FlowOptionsSyntax
    public var range: SourceRange
}
