// Checking conditions: field resolution, literal typing, parameters, LIKE, BETWEEN, IS NULL, named conditions,
// unknown-value warnings.
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
            let field = try conditionField(fieldRef)
            if op == .equal || op == .notEqual, let defined = try definedStageValue(field, value) {
                return op == .equal ? defined : .not(defined)
            }
            let literal = try typedLiteral(value, for: field, fieldRange: fieldRef.range)
            if op == .equal || op == .notEqual, !warnIfNullWord(value, field: fieldRef, op: op) {
                warnIfAbsent(literal, field: field, at: value)
            }
            return .compare(field, op, literal)
        case .inList(let fieldRef, let values, let negated, _):
            let field = try conditionField(fieldRef)
            var options: [Condition] = []
            for value in values {
                if let defined = try definedStageValue(field, value) {
                    options.append(defined)
                    continue
                }
                let literal = try typedLiteral(value, for: field, fieldRange: fieldRef.range)
                warnIfAbsent(literal, field: field, at: value)
                options.append(.compare(field, .equal, literal))
            }
            // x IN (a, b) is x = a OR x = b, which keeps SQL's three-valued answer for a missing x.
            let list = Condition.or(options)
            return negated ? .not(list) : list
        case .like(let fieldRef, let patternValue, let escapeValue, let negated, _):
            let field = try conditionField(fieldRef)
            let pattern = try likePattern(patternValue, escape: escapeValue, field: field, fieldRange: fieldRef.range)
            warnIfNothingMatches(pattern, field: field, at: patternValue)
            return negated ? .not(.like(field, pattern)) : .like(field, pattern)
        case .isNull(let fieldRef, let negated, let range):
            let field = try conditionField(fieldRef)
            if field == .time || field == .customer {
                diagnostics.append(.warning(.checkNeverNull, "every event has a \(field): IS \(negated ? "NOT " : "")NULL is always \(negated)",
                                            at: range))
            }
            return negated ? .not(.isNull(field)) : .isNull(field)
        case .between(let fieldRef, let low, let high, let negated, _):
            let field = try conditionField(fieldRef)
            let lower = try? typedLiteral(low, for: field, fieldRange: fieldRef.range)
            let upper = try? typedLiteral(high, for: field, fieldRange: fieldRef.range)
            guard let lower, let upper else { throw Failure() }
            let deferred = expansion.deferredValues.contains(low.range) || expansion.deferredValues.contains(high.range)
            if !deferred, Checker.literalKind(lower) != Checker.literalKind(upper) {
                diagnostics.append(.error(.checkBetweenTypes, "the bounds of BETWEEN are a \(Checker.literalKind(lower)) and a \(Checker.literalKind(upper))",
                                          at: low.range.union(high.range), notes: ["both bounds must be numbers, or both text"]))
                throw Failure()
            }
            // f BETWEEN a AND b is f >= a AND f <= b, three-valued (SQL's definition); NOT BETWEEN negates it.
            let range = Condition.and([.compare(field, .greaterOrEqual, lower), .compare(field, .lessOrEqual, upper)])
            return negated ? .not(range) : range
        case .named(let name):
            return try namedCondition(name)
        }
    }

    /// A field used in a condition: resolved, and in a segment's condition only the customer's own fields.
    mutating func conditionField(_ ref: FieldRef) throws(Failure) -> EventField {
        let field = try resolveField(ref)
        if expansion.customerOnly {
            switch field {
            case .customer, .customerAttribute: break
            default:
                diagnostics.append(.error(.checkSegmentField, "a segment's condition can use only customer attributes, not \(field)",
                                          at: ref.range, notes: ["a segment is a set of customers: SEGMENT b2b AS customer.segment = 'b2b'"]))
                throw Failure()
            }
        }
        return field
    }

    /// `text`, `number` or `time`: the kind of a literal, for BETWEEN's bounds.
    static func literalKind(_ literal: Literal) -> String {
        switch literal {
        case .text: "text"
        case .number, .integer: "number"
        case .time: "time"
        }
    }

    /// The longest LIKE pattern accepted, in bytes: SQLite refuses patterns beyond 50,000 bytes, and a pattern
    /// grows up to threefold on its way to GLOB.
    static let maximumPatternLength = 10_000

    /// The pattern of `f LIKE pattern [ESCAPE c]`: text only, on any field but time.
    mutating func likePattern(_ value: Value, escape: Value?, field: EventField, fieldRange: SourceRange) throws(Failure) -> LikePattern {
        if field == .time {
            diagnostics.append(.error(.checkTypeMismatch, "LIKE matches text; time is a time", at: fieldRange,
                                      suggestion: "compare times with BETWEEN, <, >="))
            throw Failure()
        }
        let text = try likeText(value, what: "LIKE takes a text pattern such as 'check%'")
        var escapeScalar: Unicode.Scalar?
        if let escape {
            let e = try likeText(escape, what: "ESCAPE takes one character, such as '\\'")
            let scalars = Array(e.unicodeScalars)
            guard scalars.count == 1 else {
                diagnostics.append(.error(.checkBadEscape, "ESCAPE takes exactly one character", at: escape.range))
                throw Failure()
            }
            escapeScalar = scalars[0]
        }
        guard text.utf8.count <= Checker.maximumPatternLength else {
            diagnostics.append(.error(.checkPatternTooLong, "the pattern is longer than \(Checker.maximumPatternLength) bytes", at: value.range))
            throw Failure()
        }
        guard let pattern = LikePattern(text, escape: escapeScalar) else {
            // The fix writes the pattern again with its last character doubled; a parameter's pattern is not in the text.
            let doubled = escapeScalar.map { text + String($0) } ?? text
            diagnostics.append(.error(.checkBadPattern, "the pattern ends with the escape character, which escapes nothing",
                                      at: value.range)
                .suggesting("double it to match the character itself",
                            fix: Checker.writtenLike(value).map { FixIt(range: value.range, replacement: $0(doubled)) }))
            throw Failure()
        }
        return pattern
    }

    /// The text of a LIKE pattern or ESCAPE value: a string, a bare word or a parameter (always read as text).
    mutating func likeText(_ value: Value, what: String) throws(Failure) -> String {
        switch value.syntax {
        case .string(let s), .word(let s):
            return s
        case .parameter(let name):
            guard let bound = parameters[name] else {
                if expansion.deferParameters {
                    expansion.deferredValues.insert(value.range)
                    return ""
                }
                diagnostics.append(.error(.checkUnboundParameter, "parameter $\(name) has no value",
                                          at: value.range, notes: ["bind it with --param \(name)=VALUE or .param \(name) VALUE"]))
                throw Failure()
            }
            return bound
        case .number, .time, .duration:
            let spelled = if case .number(_, let text) = value.syntax { text } else { source.slice(value.range) }
            diagnostics.append(.error(.checkTypeMismatch, what, at: value.range)
                .suggesting("quote it", fix: FixIt(range: value.range, replacement: "'\(spelled)'")))
            throw Failure()
        }
    }

    /// A LIKE on stage, touchpoint or channel that no value in the store matches, like `=` with an unknown value.
    /// Its fix-its put a known value itself in place of the pattern (LIKE matches it), written as the pattern was.
    mutating func warnIfNothingMatches(_ pattern: LikePattern, field: EventField, at value: Value) {
        let range = value.range
        guard let column = field.column, !expansion.deferredValues.contains(range) else { return }
        let known = catalog.values(of: column).map(\.name)
        guard !known.isEmpty, !known.contains(where: pattern.matches) else { return }
        // The nearest values to the pattern's literal text, wildcards left out.
        let literal = String(String.UnicodeScalarView(pattern.text.unicodeScalars.filter { $0 != "%" && $0 != "_" }))
        // Under ESCAPE c, a c in the value is written cc to stand for itself.
        let escaped = { (name: String) in
            pattern.escape.map { e in String(String.UnicodeScalarView(name.unicodeScalars.flatMap { $0 == e ? [e, e] : [$0] })) } ?? name
        }
        let written = Checker.writtenLike(value)
        diagnostics.append(.warning(.checkUnknownValue, "no event has a \(field) matching \(pattern)", at: range,
                                    notes: ["LIKE is case-sensitive"])
            .suggesting(Suggestions.nearest(to: literal, among: known, caseInsensitive: true),
                        replacing: written == nil ? nil : range) { written?(escaped($0)) ?? $0 })
    }

    /// How text is written in place of a LIKE pattern or value as written: quoted when it was quoted, else a bare
    /// word when it reads as one; nil for a `$parameter`, whose text is not in the statement.
    static func writtenLike(_ value: Value) -> ((String) -> String)? {
        switch value.syntax {
        case .string: { Suggestions.written($0, quoted: true) }
        case .parameter: nil
        default: { Suggestions.written($0) }
        }
    }

    /// `= null` compares with the text 'null'; say how to test for a missing value.
    /// True when it warned.
    @discardableResult
    mutating func warnIfNullWord(_ value: Value, field: FieldRef, op: Comparison) -> Bool {
        guard case .word(let w) = value.syntax, w.lowercased() == "null" else { return false }
        let test = "IS \(op == .equal ? "" : "NOT ")NULL"
        // The fix rewrites the whole comparison, `channel = null` to `channel IS NULL`, keeping the field as written.
        diagnostics.append(.warning(.checkNullText, "this compares \(field.name.text) with the text 'null'", at: value.range)
            .suggesting("write \(field.qualifier.map { $0.text + "." } ?? "")\(field.name.text) \(test) to test for a missing value",
                        fix: FixIt(range: field.range.union(value.range), replacement: source.slice(field.range) + " " + test)))
        return true
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
                diagnostics.append(.error(.checkUnknownQualifier, "only customer attributes are written with a dot (customer.segment)",
                                          at: qualifier.range)
                    .suggesting(Suggestions.nearest(to: qualifier.text, among: ["customer"]), replacing: qualifier.range))
                throw Failure()
            }
            let attributes = catalog.customerAttributes.map(\.name)
            guard attributes.contains(ref.name.text) else {
                diagnostics.append(.error(.checkUnknownAttribute, "no customer attribute is called '\(ref.name.text)'",
                                          at: ref.name.range,
                                          notes: attributes.isEmpty ? ["no customers file has been imported"] : ["known attributes: " + attributes.joined(separator: ", ")])
                    .suggesting(Suggestions.nearest(to: ref.name.text, among: attributes), replacing: ref.name.range) {
                        Suggestions.written($0, quoted: ref.name.quoted)
                    })
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
        // A built-in field is a bare word wherever a field goes (`stage = x`), though `stage` opens a step elsewhere.
        diagnostics.append(.error(.checkUnknownField, "no field or property is called '\(name)'", at: ref.name.range,
                                  notes: ["fields: " + (Checker.builtinFields + properties).joined(separator: ", ")])
            .suggesting(Suggestions.nearest(to: name, among: Checker.builtinFields + properties), replacing: ref.name.range) {
                !ref.name.quoted && Checker.builtinFields.contains($0) ? $0 : Suggestions.written($0, quoted: ref.name.quoted)
            })
        throw Failure()
    }

    /// The literal a value denotes when compared with `field`, or an error when the types cannot meet.
    mutating func typedLiteral(_ value: Value, for field: EventField, fieldRange: SourceRange) throws(Failure) -> Literal {
        var syntax = value.syntax
        if case .parameter(let name) = syntax {
            guard let bound = parameters[name] else {
                // A definition may leave a parameter for its use sites to bind; its type is checked there.
                if expansion.deferParameters {
                    expansion.deferredValues.insert(value.range)
                    return Checker.placeholder(for: field)
                }
                diagnostics.append(.error(.checkUnboundParameter, "parameter $\(name) has no value",
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
            diagnostics.append(.error(.checkBadTime, "'\(s)' is not a time", at: value.range,
                                      notes: ["times are written 2024-01-31 or 2024-01-31T10:00:00Z"]))
            throw Failure()
        case (.time, _):
            diagnostics.append(.error(.checkTypeMismatch, "time compares with a time such as 2024-01-31",
                                      at: value.range))
            throw Failure()
        case (_, .duration):
            diagnostics.append(.error(.checkTypeMismatch, "a duration cannot be compared with \(field)",
                                      at: value.range, notes: ["durations belong in WITHIN"]))
            throw Failure()
        case (_, .time):
            diagnostics.append(.error(.checkTypeMismatch, "only the field time compares with a time",
                                      at: value.range, notes: ["quote the value to compare it as text"]))
            throw Failure()
        case (.stage, .number(_, let text)), (.touchpoint, .number(_, let text)), (.channel, .number(_, let text)),
             (.customer, .number(_, let text)):
            diagnostics.append(.error(.checkTypeMismatch, "\(field) is text; a number never equals it", at: value.range)
                .suggesting("write '\(text)'", fix: FixIt(range: value.range, replacement: "'\(text)'")))
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

    mutating func cachedKnownValues(_ field: EventField) -> [String]? {
        if let cached = knownValuesCache[field] { return cached }
        let values = knownValues(field)
        knownValuesCache[field] = .some(values)
        return values
    }

    /// A text value that no event (or, for `customer.x`, no customer) has draws a warning with the nearest
    /// values: a typo (`device = mobil`, `customer.segment = B2B`) otherwise gives a silent zero.
    /// Its fix-its write each value as the one in the statement was written (quoted or bare).
    mutating func warnIfAbsent(_ literal: Literal, field: EventField, at written: Value) {
        let range = written.range
        guard case .text(let value) = literal, !expansion.deferredValues.contains(range) else { return }
        let known: [String]
        let owner: String
        switch field {
        case .stage, .touchpoint, .channel:
            known = field.column.map { catalog.values(of: $0).map(\.name) } ?? []
            owner = "event"
        case .property:
            guard let values = cachedKnownValues(field) else { return }
            known = values
            owner = "event"
        case .customerAttribute:
            guard let values = cachedKnownValues(field) else { return }
            known = values
            owner = "customer"
        case .time, .customer:
            return
        }
        guard !known.contains(where: { $0.utf8.elementsEqual(value.utf8) }) else { return }
        let name = if case .customerAttribute(let a) = field { a } else { field.description }
        let spelling = Checker.writtenLike(written)
        diagnostics.append(.warning(.checkUnknownValue, "no \(owner) has \(name) '\(value)'", at: range)
            .suggesting(Suggestions.nearest(to: value, among: known, caseInsensitive: true),
                        replacing: spelling == nil ? nil : range) { spelling?($0) ?? $0 })
    }
}
