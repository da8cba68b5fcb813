// The syntax tree: what the user wrote, with a source range on every node. Names are not resolved here.
import JourneyStore

/// A name as written, bare or quoted.
package struct Name: Sendable, Hashable {
    package var text: String
    package var range: SourceRange
    /// True when written as a quoted string.
    package var quoted: Bool

    package init(_ text: String, _ range: SourceRange, quoted: Bool = false) {
        self.text = text
        self.range = range
        self.quoted = quoted
    }
}

/// A literal value on the right of a comparison.
package enum ValueSyntax: Sendable, Hashable {
    /// A bare word (`social`): a value, never a field.
    case word(String)
    case string(String)
    case number(Double, text: String)
    case time(Int64)
    case duration(Int64)
    case parameter(String)
}

package struct Value: Sendable, Hashable {
    package var syntax: ValueSyntax
    package var range: SourceRange
}

/// A field reference: `channel`, `amount`, `customer.segment`.
package struct FieldRef: Sendable, Hashable {
    /// `customer` in `customer.segment`, nil for an event field.
    package var qualifier: Name?
    package var name: Name
    package var range: SourceRange { qualifier.map { $0.range.union(name.range) } ?? name.range }
}

/// A condition as written.
package indirect enum Expr: Sendable, Hashable {
    case compare(FieldRef, Comparison, Value, range: SourceRange)
    case inList(FieldRef, [Value], negated: Bool, range: SourceRange)
    /// `f [NOT] LIKE pattern [ESCAPE 'c']`.
    case like(FieldRef, pattern: Value, escape: Value?, negated: Bool, range: SourceRange)
    /// `f IS [NOT] NULL`.
    case isNull(FieldRef, negated: Bool, range: SourceRange)
    /// `f [NOT] BETWEEN low AND high`.
    case between(FieldRef, low: Value, high: Value, negated: Bool, range: SourceRange)
    /// A bare name where a condition goes: a condition defined with `LET`.
    case named(Name)
    case not(Expr, range: SourceRange)
    case and(Expr, Expr)
    case or(Expr, Expr)

    package var range: SourceRange {
        switch self {
        case .compare(_, _, _, let r), .inList(_, _, _, let r), .not(_, let r), .like(_, _, _, _, let r),
             .isNull(_, _, let r), .between(_, _, _, _, let r): r
        case .named(let name): name.range
        case .and(let a, let b), .or(let a, let b): a.range.union(b.range)
        }
    }
}

/// How a step names what it matches.
package indirect enum StepTarget: Sendable, Hashable {
    /// A bare name: a stage if one is called so, else a touchpoint.
    case name(Name)
    case stage(Name)
    case touchpoint(Name)
    /// `ANY`: every event.
    case any
    /// `(a | b)`: either.
    case alternatives([StepSyntax])
}

package struct StepSyntax: Sendable, Hashable {
    package var target: StepTarget
    /// `purchase[amount > 100]`.
    package var filter: Expr?
    /// `consideration?`.
    package var optional: Bool = false
    /// `TO b WITHIN 2 days TO c`: the gap window of this step.
    package var gapWindow: DurationSyntax? = nil
    package var range: SourceRange
}

/// A duration as written, already in milliseconds.
package struct DurationSyntax: Sendable, Hashable {
    package var milliseconds: Int64
    package var range: SourceRange
}

/// A step named in `EXCLUDING x BETWEEN i AND j`: its 1-based number or its name as written.
package enum StepReference: Sendable, Hashable {
    case number(Int, SourceRange)
    case name(Name)

    package var range: SourceRange {
        switch self {
        case .number(_, let r): r
        case .name(let n): n.range
        }
    }
}

package struct ExclusionSyntax: Sendable, Hashable {
    package var target: StepSyntax
    package var between: (from: StepReference, to: StepReference)?
    package var range: SourceRange

    package static func == (a: ExclusionSyntax, b: ExclusionSyntax) -> Bool {
        a.target == b.target && a.range == b.range && a.between?.from == b.between?.from && a.between?.to == b.between?.to
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(target)
        hasher.combine(range)
    }
}

/// Where a journey may start.
package enum StartSyntax: Sendable, Hashable {
    /// `DURING a .. b`; `endIsDate` when b was written as a date only (the range then covers that whole day).
    case during(Int64, Int64, endIsDate: Bool, range: SourceRange)
    case since(Int64, range: SourceRange)
    case before(Int64, range: SourceRange)
    case last(DurationSyntax, range: SourceRange)
}

/// One key of `BY`: a field (`channel`, `amount`, `customer.segment`) or `day`, `week`, `month`.
package struct BreakdownSyntax: Sendable, Hashable {
    package var field: FieldRef
}

/// `FROM s1 TO s2 ... [clauses]` (grammar/journey.ebnf, rule funnel).
package struct FunnelSyntax: Sendable, Hashable {
    package var steps: [StepSyntax]
    package var within: DurationSyntax?
    package var filter: Expr?
    package var range: SourceRange
    package var directly: Bool = false
    package var strictTime: Bool = false
    /// `TIES ANY ORDER`.
    package var tiesAnyOrder: Bool = false
    /// `IN ANY ORDER`.
    package var anyOrder: Bool = false
    package var exclusions: [ExclusionSyntax] = []
    package var same: FieldRef? = nil
    package var start: StartSyntax? = nil
    package var breakdown: [BreakdownSyntax] = []
    package var limit: (value: Int, range: SourceRange)? = nil
    /// `FOR segment`.
    package var segment: Name? = nil
    /// `EXPLAIN CUSTOMER id FROM ...`: the customer whose match is traced.
    package var traceCustomer: Name? = nil

    package init(steps: [StepSyntax], within: DurationSyntax?, filter: Expr?, range: SourceRange) {
        self.steps = steps
        self.within = within
        self.filter = filter
        self.range = range
    }

    /// These clauses without the ones that shape a chain of steps (DIRECTLY, STRICT TIME, TIES ANY ORDER, IN ANY
    /// ORDER, EXCLUDING, SAME) and, unless `keepingWithin`, WITHIN: what statements that match no chain (VALUE,
    /// RETENTION, STAGES, ATTRIBUTE) check as a journey's, after rejecting those clauses with their own errors.
    func withoutChainClauses(keepingWithin: Bool = false) -> FunnelSyntax {
        var clauses = self
        if !keepingWithin { clauses.within = nil }
        clauses.directly = false
        clauses.strictTime = false
        clauses.tiesAnyOrder = false
        clauses.anyOrder = false
        clauses.exclusions = []
        clauses.same = nil
        return clauses
    }

    package static func == (a: FunnelSyntax, b: FunnelSyntax) -> Bool {
        a.steps == b.steps && a.within == b.within && a.filter == b.filter && a.range == b.range
            && a.directly == b.directly && a.strictTime == b.strictTime && a.exclusions == b.exclusions
            && a.same == b.same && a.start == b.start && a.breakdown == b.breakdown
            && a.limit?.value == b.limit?.value && a.segment == b.segment
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(steps)
        hasher.combine(range)
    }
}

/// `IMPORT 'file' [, 'file'] [MAP field = column, ...]` and `IMPORT CUSTOMERS 'file' ...`.
package struct ImportSyntax: Sendable, Hashable {
    package var files: [Name]
    package var customers: Bool
    package var mapping: [(field: Name, column: Name)]
    package var range: SourceRange

    package static func == (a: ImportSyntax, b: ImportSyntax) -> Bool {
        a.files == b.files && a.customers == b.customers && a.range == b.range
            && a.mapping.map(\.field) == b.mapping.map(\.field) && a.mapping.map(\.column) == b.mapping.map(\.column)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(files)
        hasher.combine(range)
    }
}

/// What `SHOW` lists.
package enum ShowTarget: String, Sendable, Hashable, CaseIterable {
    case stages, touchpoints, channels, fields, segments, definitions
}

/// The kinds of definition stored with the data.
package enum DefinitionKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// `DEFINE STAGE name AS condition`: a step (and `stage = name`) means the condition.
    case stage
    /// `LET name = condition`: a named condition.
    case condition = "let"
    /// `SEGMENT name AS condition`: a set of customers, by their id and attributes.
    case segment

    /// The keyword that introduces it: `STAGE`, `LET`, `SEGMENT`.
    package var keyword: String { rawValue.uppercased() }
}

/// Statements that change what the store (or the session) knows, rather than ask it something.
package enum DefinitionSyntax: Sendable, Hashable {
    /// `DEFINE STAGE name AS condition`, `LET name = condition`, `SEGMENT name AS condition`;
    /// `text` covers the condition exactly as written (parentheses included), which is what is stored.
    case define(DefinitionKind, Name, Expr, text: SourceRange, range: SourceRange)
    /// `DROP STAGE|LET|SEGMENT name`.
    case drop(DefinitionKind, Name, range: SourceRange)
    /// `SET STAGES a, b, c`.
    case setStages([Name], range: SourceRange)
    /// `SET now = time`.
    case setNow(Value, range: SourceRange)
    /// `SEGMENT name AS CUSTOMERS <journey> [pick]`: a behavioural segment; `text` covers `CUSTOMERS ...` exactly
    /// as written, which is what is stored (AST+Customers.swift).
    case segmentAsCustomers(Name, CustomersSyntax, text: SourceRange, range: SourceRange)

    package var range: SourceRange {
        switch self {
        case .define(_, _, _, _, let r), .drop(_, _, let r), .setStages(_, let r), .setNow(_, let r): r
        case .segmentAsCustomers(_, _, _, let r): r
        }
    }
}

package enum StatementSyntax: Sendable, Hashable {
    case funnel(FunnelSyntax)
    case importData(ImportSyntax)
    case show(ShowTarget, range: SourceRange)
    case explain(FunnelSyntax, range: SourceRange)
    /// `TIMES` + a journey: the time to convert of the customers who complete it.
    case times(FunnelSyntax, range: SourceRange)
    /// `PATHS` + a journey: the most common touchpoint sequences of the customers who complete it.
    case paths(FunnelSyntax, range: SourceRange)
    case definition(DefinitionSyntax)
    /// `EXPECT ...`: a guard on the previous statement's result (AST+Expect.swift).
    case expect(ExpectSyntax)
    /// `STAGES ...`: the journey map over the store's ordered stages (AST+Stages.swift).
    case stages(StagesSyntax)
    /// `CUSTOMERS <journey> [pick] ...`: the customers behind a journey's numbers (AST+Customers.swift).
    case customers(CustomersSyntax)
    /// `SHOW CUSTOMER id`: one customer's whole timeline.
    case showCustomer(Name, range: SourceRange)
    /// `PATHS AFTER|BEFORE step ...`, or `PATHS` + a journey with flow options (AST+Flows.swift).
    case flows(FlowsSyntax)
    /// `DROPOFF` + a journey: what the customers lost at each step did next and last (AST+PainPoints.swift).
    case dropoff(DropoffSyntax)
    /// `WHY` + a journey: the values that separate converters from the lost (AST+PainPoints.swift).
    case why(WhySyntax)
    /// `VALUE property FROM step ...`: a numeric property over a step's events, per customer and lifetime (AST+Value.swift).
    case value(ValueStatementSyntax)
    /// A journey + `COMPARE`: its groups or two periods side by side, with intervals and tests (AST+Compare.swift).
    case compare(CompareSyntax)
    /// `RETENTION OF a RETURNING b ...`: cohorts and who comes back in each period (AST+Retention.swift).
    case retention(RetentionSyntax)
    /// `ATTRIBUTE step ...`: each conversion's credit shared among the touches before it (AST+Attribution.swift).
    case attribution(AttributionSyntax)

    package var range: SourceRange {
        switch self {
        case .funnel(let f): f.range
        case .importData(let i): i.range
        case .definition(let d): d.range
        case .expect(let e): e.range
        case .stages(let s): s.range
        case .customers(let c): c.range
        case .showCustomer(_, let r): r
        case .flows(let f): f.range
        case .dropoff(let d): d.range
        case .why(let w): w.range
        case .value(let v): v.range
        case .compare(let c): c.range
        case .retention(let r): r.range
        case .attribution(let a): a.range
        case .show(_, let r), .explain(_, let r), .times(_, let r), .paths(_, let r): r
        }
    }
}

extension FunnelSyntax {
    /// The clauses this journey already has, named as `Parser.parseJourneyClauses` names them (EXCLUDING may repeat).
    var clausesGiven: Set<String> {
        var given: Set<String> = []
        if within != nil { given.insert("WITHIN") }
        if filter != nil { given.insert("WHERE") }
        if directly { given.insert("DIRECTLY") }
        if strictTime { given.insert("STRICT TIME") }
        if anyOrder { given.insert("IN ANY ORDER") }
        if tiesAnyOrder { given.insert("TIES ANY ORDER") }
        if same != nil { given.insert("SAME") }
        if start != nil { given.insert("a start range (DURING, SINCE, BEFORE, LAST)") }
        if !breakdown.isEmpty { given.insert("BY") }
        if limit != nil { given.insert("LIMIT") }
        if segment != nil { given.insert("FOR") }
        return given
    }
}
