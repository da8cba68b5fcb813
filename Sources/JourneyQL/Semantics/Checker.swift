// The checker: resolves step names against the catalog, types every comparison, binds parameters,
// and collects errors (with suggestions) and warnings (values that occur nowhere in the store).
import JourneyStore

public struct CheckOutcome: Sendable {
    public var statement: CheckedStatement?
    /// Errors, warnings and notes; `statement` is nil when any is an error.
    public var diagnostics: [Diagnostic]
}

public struct Checker {
    private let catalog: StoreCatalog
    private let source: SourceText
    private let parameters: [String: String]
    private var diagnostics: [Diagnostic] = []

    /// Known names, as UTF-8 bytes: resolution is byte for byte, like the store's dictionaries.
    private let stageNames: Set<[UInt8]>
    private let touchpointNames: Set<[UInt8]>
    private let allStepNames: [String]

    /// The fields every event has; any other bare name is a property.
    public static let builtinFields = ["customer", "time", "stage", "touchpoint", "channel"]

    public init(catalog: StoreCatalog, source: SourceText, parameters: [String: String] = [:]) {
        self.catalog = catalog
        self.source = source
        self.parameters = parameters
        // Names that occur in the store's dictionaries; the default stage order alone does not make a stage.
        let stages = catalog.stages.map(\.name) + (catalog.codes[.stage]?.values ?? [])
        let touchpoints = catalog.touchpoints.map(\.name) + (catalog.codes[.touchpoint]?.values ?? [])
        self.stageNames = Set(stages.map { Array($0.utf8) })
        self.touchpointNames = Set(touchpoints.map { Array($0.utf8) })
        self.allStepNames = Array(Set(stages + touchpoints)).sorted()
    }

    private struct Failure: Error {}

    /// Checks one parsed statement.
    public static func check(_ statement: StatementSyntax, catalog: StoreCatalog, source: SourceText,
                             parameters: [String: String] = [:]) -> CheckOutcome {
        var checker = Checker(catalog: catalog, source: source, parameters: parameters)
        let checked = checker.checkStatement(statement)
        let failed = checker.diagnostics.contains { $0.severity == .error }
        return CheckOutcome(statement: failed ? nil : checked, diagnostics: checker.diagnostics)
    }

    private mutating func checkStatement(_ statement: StatementSyntax) -> CheckedStatement? {
        switch statement {
        case .funnel(let f): return checkFunnel(f).map { .funnel($0) }
        case .explain(let f, _): return checkFunnel(f).map { .explain($0) }
        case .show(let target, _): return .show(target)
        case .importData(let i): return checkImport(i).map { .importData($0) }
        }
    }

    private mutating func checkImport(_ i: ImportSyntax) -> CheckedImport? {
        var mapping: [String: String] = [:]
        let fields = ["customer", "time", "touchpoint", "stage", "channel"]
        for (field, column) in i.mapping {
            let name = field.text.lowercased()
            guard fields.contains(name) else {
                diagnostics.append(.error("check.unknown-map-field", "'\(field.text)' is not a field that can be mapped",
                                          at: field.range, notes: ["mappable fields: " + fields.joined(separator: ", ")],
                                          suggestion: Suggestions.phrase(Suggestions.nearest(to: name, among: fields))))
                continue
            }
            mapping[name] = column.text
        }
        if i.customers, i.files.count > 1 {
            diagnostics.append(.error("check.customers-files", "IMPORT CUSTOMERS takes one file", at: i.files[1].range))
        }
        return CheckedImport(files: i.files.map(\.text), customers: i.customers, mapping: mapping)
    }

    private mutating func checkFunnel(_ f: FunnelSyntax) -> CheckedFunnel? {
        var steps: [CheckedStep] = []
        for step in f.steps {
            if let condition = try? checkStep(step) {
                steps.append(CheckedStep(label: source.slice(step.range), condition: condition, range: step.range))
            }
        }
        if steps.count > 64 {
            diagnostics.append(.error("check.too-many-steps", "a journey has at most 64 steps", at: f.steps[64].range))
        }
        var filter = Condition.always
        if let expr = f.filter, let c = try? checkCondition(expr) { filter = c }
        guard steps.count == f.steps.count else { return nil }
        return CheckedFunnel(steps: steps, window: f.within?.milliseconds, filter: filter,
                             text: source.slice(f.range))
    }

    private mutating func checkStep(_ step: StepSyntax) throws(Failure) -> Condition {
        var condition = try checkTarget(step.target)
        if let filter = step.filter {
            condition = Condition.both(condition, try checkCondition(filter))
        }
        return condition
    }

    private mutating func checkTarget(_ target: StepTarget) throws(Failure) -> Condition {
        switch target {
        case .any:
            return .always
        case .alternatives(let options):
            var conditions: [Condition] = []
            var failed = false
            for option in options {
                if let c = try? checkStep(option) { conditions.append(c) } else { failed = true }
            }
            if failed { throw Failure() }
            return .or(conditions)
        case .stage(let name):
            try requireKnown(name, in: stageNames, kind: "stage", candidates: catalog.stages.map(\.name))
            return .compare(.stage, .equal, .text(name.text))
        case .touchpoint(let name):
            try requireKnown(name, in: touchpointNames, kind: "touchpoint", candidates: catalog.touchpoints.map(\.name))
            return .compare(.touchpoint, .equal, .text(name.text))
        case .name(let name):
            let bytes = Array(name.text.utf8)
            if stageNames.contains(bytes) {
                if touchpointNames.contains(bytes) {
                    diagnostics.append(Diagnostic(.note, "check.ambiguous-step",
                                                  "'\(name.text)' is both a stage and a touchpoint; it means the stage here",
                                                  at: name.range, suggestion: "write touchpoint \(name.text) for the touchpoint"))
                }
                return .compare(.stage, .equal, .text(name.text))
            }
            if touchpointNames.contains(bytes) {
                return .compare(.touchpoint, .equal, .text(name.text))
            }
            let candidates = allStepNames
            let near = Suggestions.nearest(to: name.text, among: candidates)
            diagnostics.append(.error("check.unknown-step",
                                      "'\(name.text)' is neither a stage nor a touchpoint in this store",
                                      at: name.range,
                                      notes: candidates.isEmpty ? ["the store has no events yet: IMPORT some first"] : [],
                                      suggestion: Suggestions.phrase(near)))
            throw Failure()
        }
    }

    private mutating func requireKnown(_ name: Name, in names: Set<[UInt8]>, kind: String,
                                       candidates: [String]) throws(Failure) {
        guard !names.contains(Array(name.text.utf8)) else { return }
        diagnostics.append(.error("check.unknown-\(kind)", "no \(kind) is called '\(name.text)'", at: name.range,
                                  suggestion: Suggestions.phrase(Suggestions.nearest(to: name.text, among: candidates))))
        throw Failure()
    }

    // MARK: conditions

    private mutating func checkCondition(_ expr: Expr) throws(Failure) -> Condition {
        switch expr {
        case .and, .or:
            // A chain `a OR b OR c ...` is one n-ary node, gathered without recursion: chains can be long.
            let isAnd: Bool
            if case .and = expr { isAnd = true } else { isAnd = false }
            var operands: [Condition] = []
            var failed = false
            for part in Checker.chain(expr, and: isAnd) {
                if let c = try? checkCondition(part) { operands.append(c) } else { failed = true }
            }
            if failed { throw Failure() }
            return isAnd ? .and(operands) : .or(operands)
        case .not(let inner, _):
            return .not(try checkCondition(inner))
        case .compare(let fieldRef, let op, let value, _):
            let field = try resolveField(fieldRef)
            let literal = try typedLiteral(value, for: field, fieldRange: fieldRef.range)
            if op == .equal || op == .notEqual { warnIfAbsent(literal, field: field, at: value.range) }
            return .compare(field, op, literal)
        case .inList(let fieldRef, let values, let negated, _):
            let field = try resolveField(fieldRef)
            var options: [Condition] = []
            for value in values {
                let literal = try typedLiteral(value, for: field, fieldRange: fieldRef.range)
                warnIfAbsent(literal, field: field, at: value.range)
                options.append(.compare(field, .equal, literal))
            }
            // x IN (a, b) is x = a OR x = b, which keeps SQL's three-valued answer for a missing x.
            let list = Condition.or(options)
            return negated ? .not(list) : list
        }
    }

    /// The operands of a chain of one connective, left to right (`(a OR b) OR c` gives a, b, c).
    static func chain(_ expr: Expr, and isAnd: Bool) -> [Expr] {
        var operands: [Expr] = []
        var pending = [expr]
        while let next = pending.popLast() {
            switch next {
            case .and(let a, let b) where isAnd: pending += [b, a]
            case .or(let a, let b) where !isAnd: pending += [b, a]
            default: operands.append(next)
            }
        }
        return operands
    }

    private mutating func resolveField(_ ref: FieldRef) throws(Failure) -> EventField {
        if let qualifier = ref.qualifier {
            guard qualifier.text.lowercased() == "customer" else {
                diagnostics.append(.error("check.unknown-qualifier", "only customer attributes are written with a dot (customer.segment)",
                                          at: qualifier.range,
                                          suggestion: Suggestions.phrase(Suggestions.nearest(to: qualifier.text, among: ["customer"]))))
                throw Failure()
            }
            let attributes = catalog.customerAttributes.map(\.name)
            guard attributes.contains(ref.name.text) else {
                diagnostics.append(.error("check.unknown-attribute", "no customer attribute is called '\(ref.name.text)'",
                                          at: ref.name.range,
                                          notes: attributes.isEmpty ? ["no customers file has been imported"] : ["known attributes: " + attributes.joined(separator: ", ")],
                                          suggestion: Suggestions.phrase(Suggestions.nearest(to: ref.name.text, among: attributes))))
                throw Failure()
            }
            return .customerAttribute(ref.name.text)
        }
        let name = ref.name.text
        switch name.lowercased() {
        case "stage": return .stage
        case "touchpoint", "event": return .touchpoint
        case "channel": return .channel
        case "time": return .time
        case "customer": return .customer
        default: break
        }
        let properties = catalog.properties.map(\.name)
        if properties.contains(name) { return .property(name) }
        diagnostics.append(.error("check.unknown-field", "no field or property is called '\(name)'", at: ref.name.range,
                                  notes: ["fields: " + (Checker.builtinFields + properties).joined(separator: ", ")],
                                  suggestion: Suggestions.phrase(Suggestions.nearest(to: name, among: Checker.builtinFields + properties))))
        throw Failure()
    }

    /// The literal a value denotes when compared with `field`, or an error when the types cannot meet.
    private mutating func typedLiteral(_ value: Value, for field: EventField, fieldRange: SourceRange) throws(Failure) -> Literal {
        var syntax = value.syntax
        if case .parameter(let name) = syntax {
            guard let bound = parameters[name] else {
                diagnostics.append(.error("check.unbound-parameter", "parameter $\(name) has no value",
                                          at: value.range, notes: ["bind it with --param \(name)=VALUE or .param \(name) VALUE"]))
                throw Failure()
            }
            syntax = Checker.parameterValue(bound, for: field)
        }
        switch (field, syntax) {
        case (.time, .time(let t)):
            return .time(t)
        case (.time, .string(let s)), (.time, .word(let s)):
            if let t = TimeParser.parse(s) { return .time(t) }
            diagnostics.append(.error("check.bad-time", "'\(s)' is not a time", at: value.range,
                                      notes: ["times are written 2024-01-31 or 2024-01-31T10:00:00Z"]))
            throw Failure()
        case (.time, _):
            diagnostics.append(.error("check.type-mismatch", "time compares with a time such as 2024-01-31",
                                      at: value.range))
            throw Failure()
        case (_, .duration):
            diagnostics.append(.error("check.type-mismatch", "a duration cannot be compared with \(field)",
                                      at: value.range, notes: ["durations belong in WITHIN"]))
            throw Failure()
        case (_, .time):
            diagnostics.append(.error("check.type-mismatch", "only the field time compares with a time",
                                      at: value.range, notes: ["quote the value to compare it as text"]))
            throw Failure()
        case (.stage, .number(_, let text)), (.touchpoint, .number(_, let text)), (.channel, .number(_, let text)),
             (.customer, .number(_, let text)):
            diagnostics.append(.error("check.type-mismatch", "\(field) is text; a number never equals it",
                                      at: value.range, suggestion: "write '\(text)'"))
            throw Failure()
        case (_, .number(let d, let text)):
            return Literal.number(d, text: text)
        case (_, .word(let s)), (_, .string(let s)):
            return .text(s)
        case (_, .parameter):
            throw Failure()
        }
    }

    /// How a `--param` value reads where it is used: text for the text fields, a time for `time`,
    /// and for properties a number when it is written as one, else text.
    static func parameterValue(_ text: String, for field: EventField) -> ValueSyntax {
        switch field {
        case .stage, .touchpoint, .channel, .customer:
            return .string(text)
        case .time:
            return TimeParser.parse(text).map { .time($0) } ?? .string(text)
        case .property, .customerAttribute:
            if FieldEncoding.isPlainNumber(text), let d = Double(text) {
                return .number(d, text: text)
            }
            return .string(text)
        }
    }

    private mutating func warnIfAbsent(_ literal: Literal, field: EventField, at range: SourceRange) {
        guard case .text(let value) = literal, let column = field.column else { return }
        let known = catalog.values(of: column).map(\.name)
        guard !known.contains(where: { $0.utf8.elementsEqual(value.utf8) }) else { return }
        diagnostics.append(.warning("check.unknown-value", "no event has \(field) '\(value)'", at: range,
                                    suggestion: Suggestions.phrase(Suggestions.nearest(to: value, among: known))))
    }
}
