// The syntax tree: what the user wrote, with a source range on every node. Names are not resolved here.
import JourneyStore

/// A name as written, bare or quoted.
public struct Name: Sendable, Hashable {
    public var text: String
    public var range: SourceRange
    /// True when written as a quoted string.
    public var quoted: Bool

    public init(_ text: String, _ range: SourceRange, quoted: Bool = false) {
        self.text = text
        self.range = range
        self.quoted = quoted
    }
}

/// A literal value on the right of a comparison.
public enum ValueSyntax: Sendable, Hashable {
    /// A bare word (`social`): a value, never a field.
    case word(String)
    case string(String)
    case number(Double, text: String)
    case time(Int64)
    case duration(Int64)
    case parameter(String)
}

public struct Value: Sendable, Hashable {
    public var syntax: ValueSyntax
    public var range: SourceRange
}

/// A field reference: `channel`, `amount`, `customer.segment`.
public struct FieldRef: Sendable, Hashable {
    /// `customer` in `customer.segment`, nil for an event field.
    public var qualifier: Name?
    public var name: Name
    public var range: SourceRange { qualifier.map { $0.range.union(name.range) } ?? name.range }
}

/// A condition as written.
public indirect enum Expr: Sendable, Hashable {
    case compare(FieldRef, Comparison, Value, range: SourceRange)
    case inList(FieldRef, [Value], negated: Bool, range: SourceRange)
    case not(Expr, range: SourceRange)
    case and(Expr, Expr)
    case or(Expr, Expr)

    public var range: SourceRange {
        switch self {
        case .compare(_, _, _, let r), .inList(_, _, _, let r), .not(_, let r): r
        case .and(let a, let b), .or(let a, let b): a.range.union(b.range)
        }
    }
}

/// How a step names what it matches.
public indirect enum StepTarget: Sendable, Hashable {
    /// A bare name: a stage if one is called so, else a touchpoint.
    case name(Name)
    case stage(Name)
    case touchpoint(Name)
    /// `ANY`: every event.
    case any
    /// `(a | b)`: either.
    case alternatives([StepSyntax])
}

public struct StepSyntax: Sendable, Hashable {
    public var target: StepTarget
    /// `purchase[amount > 100]`.
    public var filter: Expr?
    public var range: SourceRange
}

/// A duration as written, already in milliseconds.
public struct DurationSyntax: Sendable, Hashable {
    public var milliseconds: Int64
    public var range: SourceRange
}

/// `FROM s1 TO s2 [THEN s3 ...] [WITHIN d] [WHERE condition]`.
public struct FunnelSyntax: Sendable, Hashable {
    public var steps: [StepSyntax]
    public var within: DurationSyntax?
    public var filter: Expr?
    public var range: SourceRange
}

/// `IMPORT 'file' [, 'file'] [MAP field = column, ...]` and `IMPORT CUSTOMERS 'file' ...`.
public struct ImportSyntax: Sendable, Hashable {
    public var files: [Name]
    public var customers: Bool
    public var mapping: [(field: Name, column: Name)]
    public var range: SourceRange

    public static func == (a: ImportSyntax, b: ImportSyntax) -> Bool {
        a.files == b.files && a.customers == b.customers && a.range == b.range
            && a.mapping.map(\.field) == b.mapping.map(\.field) && a.mapping.map(\.column) == b.mapping.map(\.column)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(files)
        hasher.combine(range)
    }
}

/// What `SHOW` lists.
public enum ShowTarget: String, Sendable, Hashable, CaseIterable {
    case stages, touchpoints, channels, fields
}

public enum StatementSyntax: Sendable, Hashable {
    case funnel(FunnelSyntax)
    case importData(ImportSyntax)
    case show(ShowTarget, range: SourceRange)
    case explain(FunnelSyntax, range: SourceRange)

    public var range: SourceRange {
        switch self {
        case .funnel(let f): f.range
        case .importData(let i): i.range
        case .show(_, let r), .explain(_, let r): r
        }
    }
}
