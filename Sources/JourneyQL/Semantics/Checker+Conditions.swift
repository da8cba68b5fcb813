// Checking conditions: field resolution, literal typing, parameters, unknown-value warnings.
import JourneyStore

extension Checker {
    // MARK: conditions

    mutating func checkCondition(_ expr: Expr) throws(Failure) -> Condition {
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

    mutating func resolveField(_ ref: FieldRef) throws(Failure) -> EventField {
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
    mutating func typedLiteral(_ value: Value, for field: EventField, fieldRange: SourceRange) throws(Failure) -> Literal {
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

    mutating func warnIfAbsent(_ literal: Literal, field: EventField, at range: SourceRange) {
        guard case .text(let value) = literal, let column = field.column else { return }
        let known = catalog.values(of: column).map(\.name)
        guard !known.contains(where: { $0.utf8.elementsEqual(value.utf8) }) else { return }
        diagnostics.append(.warning("check.unknown-value", "no event has \(field) '\(value)'", at: range,
                                    suggestion: Suggestions.phrase(Suggestions.nearest(to: value, among: known))))
    }
}
