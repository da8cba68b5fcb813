// Conditions: AND, OR, NOT, comparisons, IN, LIKE, BETWEEN, IS NULL, named conditions and values.
import JourneyStore

extension Parser {
    /// Parses a whole text as one condition: the stored text of a definition.
    package static func parseCondition(_ source: SourceText) -> (condition: Expr?, diagnostics: [Diagnostic]) {
        var parser = Parser(source)
        do {
            let condition = try parser.parseCondition()
            if !parser.atEnd {
                throw parser.fail(.parseExpectedEnd, "expected the end of the condition, found \(parser.current.display)")
            }
            return (parser.diagnostics.contains { $0.severity == .error } ? nil : condition, parser.diagnostics)
        } catch {
            return (nil, parser.diagnostics)
        }
    }

    // condition -> and_condition { "OR" and_condition }
    mutating func parseCondition() throws(Failure) -> Expr {
        var left = try parseAnd()
        while acceptWord("OR") != nil { left = .or(left, try parseAnd()) }
        return left
    }

    // and_condition -> not_condition { "AND" not_condition }
    mutating func parseAnd() throws(Failure) -> Expr {
        var left = try parseNot()
        while acceptWord("AND") != nil { left = .and(left, try parseNot()) }
        return left
    }

    // not_condition -> "NOT" not_condition | "(" condition ")" | comparison | condition_name
    mutating func parseNot() throws(Failure) -> Expr {
        try enter()
        defer { depth -= 1 }
        if let not = acceptWord("NOT") {
            let inner = try parseNot()
            return .not(inner, range: not.range.union(inner.range))
        }
        if accept(.leftParen) != nil {
            let inner = try parseCondition()
            _ = try expect(.rightParen, "')' to close the condition")
            return inner
        }
        return try parseComparison()
    }

    // comparison -> field ( operator value | [ "NOT" ] "IN" "(" value { "," value } ")"
    //                      | [ "NOT" ] "LIKE" value [ "ESCAPE" value ] | [ "NOT" ] "BETWEEN" value "AND" value
    //                      | "IS" [ "NOT" ] "NULL" )
    // condition_name -> name
    // field -> word [ "." word ]
    mutating func parseComparison() throws(Failure) -> Expr {
        let field = try parseField()
        if field.qualifier == nil, !startsComparisonTail(after: field.name) {
            return .named(field.name)
        }
        if current.isWord("IS") {
            _ = advance()
            let negated = acceptWord("NOT") != nil
            let null = try expectWord("NULL", negated ? "after IS NOT" : "or NOT NULL after IS")
            return .isNull(field, negated: negated, range: field.range.union(null.range))
        }
        if current.isWord("LIKE") || (current.isWord("NOT") && tokens[position + 1].isWord("LIKE")) {
            let negated = acceptWord("NOT") != nil
            _ = advance()
            let pattern = try parseValue()
            var escape: Value?
            if acceptWord("ESCAPE") != nil { escape = try parseValue() }
            return .like(field, pattern: pattern, escape: escape, negated: negated,
                         range: field.range.union(escape?.range ?? pattern.range))
        }
        if current.isWord("BETWEEN") || (current.isWord("NOT") && tokens[position + 1].isWord("BETWEEN")) {
            let negated = acceptWord("NOT") != nil
            _ = advance()
            let low = try parseValue()
            _ = try expectWord("AND", "between the bounds of BETWEEN")
            let high = try parseValue()
            return .between(field, low: low, high: high, negated: negated, range: field.range.union(high.range))
        }
        if current.isWord("NOT") || current.isWord("IN") {
            let negated = acceptWord("NOT") != nil
            _ = try expectWord("IN", "(or LIKE, BETWEEN) after NOT")
            _ = try expect(.leftParen, "'(' to start the list of values")
            var values = [try parseValue()]
            while accept(.comma) != nil { values.append(try parseValue()) }
            let close = try expect(.rightParen, "',' or ')' in the list of values")
            return .inList(field, values, negated: negated, range: field.range.union(close.range))
        }
        guard let op = Parser.comparison(current) else {
            throw fail(.parseExpectedOperator,
                       "expected a comparison (=, !=, <, <=, >, >=, IN, LIKE, BETWEEN, IS NULL) after \(field.name.text), found \(current.display)")
        }
        _ = advance()
        let value = try parseValue()
        return .compare(field, op, value, range: field.range.union(value.range))
    }

    /// Words that are not reserved but start a clause after a condition (`WHERE big SAME order_id`).
    static var clauseWords: Set<String> { Keywords.clauseWords }

    /// Whether the tokens after a bare `name` go on to compare it; if not, the name is a condition defined with LET.
    /// The built-in fields are always compared (so `WHERE channel` is unfinished, not a LET); a value or an
    /// unexpected word right after a name is a comparison missing its operator, reported as such.
    func startsComparisonTail(after name: Name) -> Bool {
        if !name.quoted, Checker.builtinFields.contains(name.text.lowercased()) || name.text.lowercased() == "event" {
            return true
        }
        switch current.kind {
        case .symbol(let s):
            return [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .dot, .minus].contains(s)
        case .word(let w):
            // `IN ANY ORDER` is a clause; `IN (` a list.
            if current.isWord("IN") { return !tokens[position + 1].isWord("ANY") }
            let lower = w.lowercased()
            return !Parser.reservedWords.contains(lower) && !Parser.clauseWords.contains(lower) || lower == "not"
        case .string, .number, .time, .duration, .parameter:
            return true
        case .end:
            return false
        }
    }

    mutating func parseField() throws(Failure) -> FieldRef {
        let first = try parseName("a field name (channel, touchpoint, a property, customer.x)")
        if accept(.dot) != nil {
            let second = try parseName("an attribute name after '\(first.text).'")
            return FieldRef(qualifier: first, name: second)
        }
        return FieldRef(qualifier: nil, name: first)
    }

    // value -> word | string | [ "-" ] number | time | duration | parameter
    mutating func parseValue() throws(Failure) -> Value {
        let token = current
        switch token.kind {
        case .word(let w) where !Parser.reservedWords.contains(w.lowercased()):
            _ = advance()
            return Value(syntax: .word(w), range: token.range)
        case .string(let s):
            _ = advance()
            return Value(syntax: .string(s), range: token.range)
        case .number(let v, let text):
            _ = advance()
            if let unit = current.word, let unitMs = DurationUnit.milliseconds(for: unit) {
                let unitToken = advance()
                guard let ms = DurationUnit.milliseconds(v, unit: unitMs) else {
                    diagnostics.append(.error(.parseDurationTooLong, "the duration is too long",
                                              at: token.range.union(unitToken.range)))
                    throw Failure()
                }
                return Value(syntax: .duration(ms), range: token.range.union(unitToken.range))
            }
            return Value(syntax: .number(v, text: text), range: token.range)
        case .symbol(.minus):
            _ = advance()
            guard case .number(let v, let text) = current.kind else {
                throw fail(.parseExpectedValue, "expected a number after '-', found \(current.display)")
            }
            let number = advance()
            return Value(syntax: .number(-v, text: "-" + text), range: token.range.union(number.range))
        case .time(let ms):
            _ = advance()
            return Value(syntax: .time(ms), range: token.range)
        case .duration(let ms):
            _ = advance()
            return Value(syntax: .duration(ms), range: token.range)
        case .parameter(let name):
            _ = advance()
            return Value(syntax: .parameter(name), range: token.range)
        case .word(let w):
            throw fail(.parseReservedWord, "expected a value, found the keyword \(w.uppercased())",
                       notes: ["quote a value that is also a keyword: '\(w)'"])
        default:
            throw fail(.parseExpectedValue, "expected a value (a word, 'text', a number or a time), found \(token.display)")
        }
    }
}

extension Parser {
    /// The comparison a token spells (`=`, `!=` or `<>`, `<`, `<=`, `>`, `>=`), if it is one.
    static func comparison(_ token: Token) -> Comparison? {
        switch token.kind {
        case .symbol(.equal): .equal
        case .symbol(.notEqual): .notEqual
        case .symbol(.less): .less
        case .symbol(.lessOrEqual): .lessOrEqual
        case .symbol(.greater): .greater
        case .symbol(.greaterOrEqual): .greaterOrEqual
        default: nil
        }
    }
}
