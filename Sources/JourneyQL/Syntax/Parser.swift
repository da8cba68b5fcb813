// The parser: tokens to statements. Recursive descent, one function per grammar rule (grammar/journey.ebnf).
// An error at end of input means "keep typing", not "wrong": it is reported as an incomplete outcome.
import JourneyStore

/// What parsing some text gives.
public struct ParseResult: Sendable {
    /// The statements parsed before the first error (all of them when there is none).
    public var statements: [StatementSyntax]
    public var diagnostics: [Diagnostic]
    /// The text stops inside a statement (or a string): more lines would complete it.
    public var isIncomplete: Bool

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

public struct Parser {
    /// Words that start or separate clauses; they cannot be bare names or bare values (quote them).
    public static let reservedWords: Set<String> = [
        "from", "to", "then", "within", "where", "and", "or", "not", "in", "any", "import", "show",
        "explain", "map", "by", "excluding", "during", "since", "before", "for", "limit", "top",
        "directly", "customers",
    ]

    /// Keywords offered by completion and listed in help.
    public static let keywords: [String] = [
        "FROM", "TO", "THEN", "WITHIN", "WHERE", "AND", "OR", "NOT", "IN", "ANY", "STAGE", "TOUCHPOINT",
        "IMPORT", "CUSTOMERS", "MAP", "SHOW", "STAGES", "TOUCHPOINTS", "CHANNELS", "FIELDS", "EXPLAIN",
        "days", "hours", "minutes", "weeks",
    ]

    /// How deeply parentheses, NOT and alternatives may nest; deeper input is refused, not a stack overflow.
    public static let maximumDepth = 100

    private var tokens: [Token]
    private var position = 0
    private var depth = 0
    private var diagnostics: [Diagnostic] = []
    private var endsInsideString: Bool

    public init(_ source: SourceText) {
        var lexer = Lexer(source)
        self.tokens = lexer.tokenize()
        self.diagnostics = lexer.diagnostics
        self.endsInsideString = lexer.endsInsideString
    }

    /// Parses a whole script.
    public static func parse(_ source: SourceText) -> ParseResult {
        var parser = Parser(source)
        return parser.parseScript()
    }

    private struct Failure: Error {}

    private var current: Token { tokens[position] }
    private var atEnd: Bool { current.kind == .end }

    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func check(_ symbol: Symbol) -> Bool { current.kind == .symbol(symbol) }

    private mutating func accept(_ symbol: Symbol) -> Token? {
        check(symbol) ? advance() : nil
    }

    private mutating func acceptWord(_ keyword: String) -> Token? {
        current.isWord(keyword) ? advance() : nil
    }

    private mutating func fail(_ id: String, _ message: String, notes: [String] = [],
                               suggestion: String? = nil) -> Failure {
        diagnostics.append(.error(id, message, at: current.range, notes: notes, suggestion: suggestion))
        return Failure()
    }

    private mutating func expect(_ symbol: Symbol, _ what: String) throws(Failure) -> Token {
        if let t = accept(symbol) { return t }
        throw fail("parse.expected", "expected \(what), found \(current.display)")
    }

    private mutating func expectWord(_ keyword: String, _ context: String) throws(Failure) -> Token {
        if let t = acceptWord(keyword) { return t }
        throw fail("parse.expected", "expected \(keyword) \(context), found \(current.display)")
    }

    // script -> { statement ( ";" | end ) }
    private mutating func parseScript() -> ParseResult {
        var statements: [StatementSyntax] = []
        while true {
            while accept(.semicolon) != nil {}
            if atEnd { break }
            do {
                let statement = try parseStatement()
                if !atEnd, !check(.semicolon) {
                    throw fail("parse.expected-end",
                               "expected ';' or the end of the statement, found \(current.display)")
                }
                statements.append(statement)
            } catch {
                // Recover at the next statement boundary so later errors are reported too.
                while !atEnd, !check(.semicolon) { _ = advance() }
            }
        }
        // Only statements wholly before the first error run: a script stops at its first error.
        // The text is incomplete when that first error is running out of input (or an open string).
        var incomplete = false
        if let firstError = diagnostics.filter({ $0.severity == .error }).min(by: { $0.range.start < $1.range.start }) {
            statements = statements.filter { $0.range.end <= firstError.range.start }
            incomplete = firstError.range.start >= endOffset
                || (endsInsideString && firstError.id == "lex.unterminated-string")
        }
        return ParseResult(statements: statements, diagnostics: diagnostics, isIncomplete: incomplete)
    }

    private var endOffset: Int { tokens[tokens.count - 1].range.start }

    // statement -> funnel | import | show | explain
    private mutating func parseStatement() throws(Failure) -> StatementSyntax {
        if current.isWord("FROM") { return .funnel(try parseFunnel()) }
        if let start = acceptWord("EXPLAIN") {
            let funnel = try parseFunnel()
            return .explain(funnel, range: start.range.union(funnel.range))
        }
        if current.isWord("IMPORT") { return .importData(try parseImport()) }
        if let start = acceptWord("SHOW") {
            guard let word = current.word,
                  let target = ShowTarget(rawValue: word.lowercased()) else {
                throw fail("parse.expected", "expected STAGES, TOUCHPOINTS, CHANNELS or FIELDS after SHOW, found \(current.display)")
            }
            let end = advance()
            return .show(target, range: start.range.union(end.range))
        }
        throw fail("parse.expected-statement", "expected a statement (FROM, EXPLAIN, IMPORT or SHOW), found \(current.display)",
                   suggestion: current.word.flatMap { Parser.closeKeyword($0) }.map { "did you mean '\($0)'?" })
    }

    private static func closeKeyword(_ word: String) -> String? {
        Suggestions.nearest(to: word, among: ["FROM", "EXPLAIN", "IMPORT", "SHOW"], caseInsensitive: true).first
    }

    // funnel -> "FROM" step ( ( "TO" | "THEN" ) step )+ { "WITHIN" duration | "WHERE" condition }
    private mutating func parseFunnel() throws(Failure) -> FunnelSyntax {
        let start = try expectWord("FROM", "to start a journey")
        var steps = [try parseStep()]
        while acceptWord("TO") != nil || acceptWord("THEN") != nil {
            steps.append(try parseStep())
        }
        if steps.count < 2 {
            throw fail("parse.expected", "expected TO and a second step, found \(current.display)",
                       notes: ["a journey has at least two steps: FROM awareness TO purchase"])
        }
        var within: DurationSyntax?
        var filter: Expr?
        while true {
            if let w = acceptWord("WITHIN") {
                if within != nil {
                    diagnostics.append(.error("parse.duplicate-clause", "WITHIN is given twice", at: w.range))
                    throw Failure()
                }
                within = try parseDuration()
            } else if let w = acceptWord("WHERE") {
                if filter != nil {
                    diagnostics.append(.error("parse.duplicate-clause", "WHERE is given twice", at: w.range,
                                              notes: ["combine the conditions with AND"]))
                    throw Failure()
                }
                filter = try parseCondition()
            } else {
                break
            }
        }
        let end = tokens[max(0, position - 1)].range
        return FunnelSyntax(steps: steps, within: within, filter: filter, range: start.range.union(end))
    }

    // step -> step_target [ "[" condition "]" ]
    // step_target -> "ANY" | "STAGE" name | "TOUCHPOINT" name | "(" step { "|" step } ")" | name
    private mutating func parseStep() throws(Failure) -> StepSyntax {
        try enter()
        defer { depth -= 1 }
        let start = current.range
        let target: StepTarget
        if acceptWord("ANY") != nil {
            target = .any
        } else if current.isWord("STAGE"), isNameToken(tokens[position + 1]) {
            _ = advance()
            target = .stage(try parseName("a stage name"))
        } else if current.isWord("TOUCHPOINT"), isNameToken(tokens[position + 1]) {
            _ = advance()
            target = .touchpoint(try parseName("a touchpoint name"))
        } else if accept(.leftParen) != nil {
            var options = [try parseStep()]
            while accept(.pipe) != nil { options.append(try parseStep()) }
            _ = try expect(.rightParen, "')' or '|' in the list of alternatives")
            target = .alternatives(options)
        } else {
            target = .name(try parseName("a step (a stage or touchpoint name)"))
        }
        var filter: Expr?
        if accept(.leftBracket) != nil {
            filter = try parseCondition()
            _ = try expect(.rightBracket, "']' after the step's condition")
        }
        return StepSyntax(target: target, filter: filter, range: start.union(tokens[max(0, position - 1)].range))
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        if depth > Parser.maximumDepth {
            throw fail("parse.too-deep", "this nests more than \(Parser.maximumDepth) levels deep",
                       notes: ["split the condition, or use IN (...) for long lists"])
        }
    }

    private func isNameToken(_ token: Token) -> Bool {
        switch token.kind {
        case .word(let w): !Parser.reservedWords.contains(w.lowercased())
        case .string: true
        default: false
        }
    }

    // name -> word | string
    private mutating func parseName(_ what: String) throws(Failure) -> Name {
        let token = current
        switch token.kind {
        case .word(let w) where !Parser.reservedWords.contains(w.lowercased()):
            _ = advance()
            return Name(w, token.range)
        case .string(let s):
            _ = advance()
            return Name(s, token.range, quoted: true)
        case .word(let w):
            throw fail("parse.reserved-word", "expected \(what), found the keyword \(w.uppercased())",
                       notes: ["quote a name that is also a keyword: '\(w)'"])
        default:
            throw fail("parse.expected", "expected \(what), found \(token.display)")
        }
    }

    // duration -> number unit | short_duration
    private mutating func parseDuration() throws(Failure) -> DurationSyntax {
        let token = current
        switch token.kind {
        case .duration(let ms):
            _ = advance()
            return DurationSyntax(milliseconds: ms, range: token.range)
        case .number(let value, _):
            _ = advance()
            guard let unit = current.word, let unitMs = DurationUnit.milliseconds(for: unit) else {
                throw fail("parse.expected-unit", "expected a unit after \(token.display) (days, hours, minutes, ...), found \(current.display)")
            }
            let unitToken = advance()
            guard let ms = DurationUnit.milliseconds(value, unit: unitMs) else {
                diagnostics.append(.error("parse.duration-too-long", "the duration is too long",
                                          at: token.range.union(unitToken.range)))
                throw Failure()
            }
            return DurationSyntax(milliseconds: ms, range: token.range.union(unitToken.range))
        default:
            throw fail("parse.expected-duration", "expected a duration such as 30 days or 2h, found \(token.display)")
        }
    }

    // condition -> and_condition { "OR" and_condition }
    private mutating func parseCondition() throws(Failure) -> Expr {
        var left = try parseAnd()
        while acceptWord("OR") != nil { left = .or(left, try parseAnd()) }
        return left
    }

    // and_condition -> not_condition { "AND" not_condition }
    private mutating func parseAnd() throws(Failure) -> Expr {
        var left = try parseNot()
        while acceptWord("AND") != nil { left = .and(left, try parseNot()) }
        return left
    }

    // not_condition -> "NOT" not_condition | "(" condition ")" | comparison
    private mutating func parseNot() throws(Failure) -> Expr {
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

    // comparison -> field ( operator value | [ "NOT" ] "IN" "(" value { "," value } ")" )
    // field -> word [ "." word ]
    private mutating func parseComparison() throws(Failure) -> Expr {
        let field = try parseField()
        if current.isWord("NOT") || current.isWord("IN") {
            let negated = acceptWord("NOT") != nil
            _ = try expectWord("IN", "after NOT")
            _ = try expect(.leftParen, "'(' to start the list of values")
            var values = [try parseValue()]
            while accept(.comma) != nil { values.append(try parseValue()) }
            let close = try expect(.rightParen, "',' or ')' in the list of values")
            return .inList(field, values, negated: negated, range: field.range.union(close.range))
        }
        let op: Comparison
        switch current.kind {
        case .symbol(.equal): op = .equal
        case .symbol(.notEqual): op = .notEqual
        case .symbol(.less): op = .less
        case .symbol(.lessOrEqual): op = .lessOrEqual
        case .symbol(.greater): op = .greater
        case .symbol(.greaterOrEqual): op = .greaterOrEqual
        default:
            throw fail("parse.expected-operator",
                       "expected a comparison (=, !=, <, <=, >, >=, IN) after \(field.name.text), found \(current.display)")
        }
        _ = advance()
        let value = try parseValue()
        return .compare(field, op, value, range: field.range.union(value.range))
    }

    private mutating func parseField() throws(Failure) -> FieldRef {
        let first = try parseName("a field name (channel, touchpoint, a property, customer.x)")
        if accept(.dot) != nil {
            let second = try parseName("an attribute name after '\(first.text).'")
            return FieldRef(qualifier: first, name: second)
        }
        return FieldRef(qualifier: nil, name: first)
    }

    // value -> word | string | [ "-" ] number | time | duration | parameter
    private mutating func parseValue() throws(Failure) -> Value {
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
                    diagnostics.append(.error("parse.duration-too-long", "the duration is too long",
                                              at: token.range.union(unitToken.range)))
                    throw Failure()
                }
                return Value(syntax: .duration(ms), range: token.range.union(unitToken.range))
            }
            return Value(syntax: .number(v, text: text), range: token.range)
        case .symbol(.minus):
            _ = advance()
            guard case .number(let v, let text) = current.kind else {
                throw fail("parse.expected-value", "expected a number after '-', found \(current.display)")
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
            throw fail("parse.reserved-word", "expected a value, found the keyword \(w.uppercased())",
                       notes: ["quote a value that is also a keyword: '\(w)'"])
        default:
            throw fail("parse.expected-value", "expected a value (a word, 'text', a number or a time), found \(token.display)")
        }
    }

    // import -> "IMPORT" [ "CUSTOMERS" ] string { "," string } [ "MAP" mapping { "," mapping } ]
    // mapping -> name "=" name
    private mutating func parseImport() throws(Failure) -> ImportSyntax {
        let start = try expectWord("IMPORT", "")
        let customers = acceptWord("CUSTOMERS") != nil
        var files: [Name] = []
        repeat {
            guard case .string(let path) = current.kind else {
                throw fail("parse.expected", "expected a quoted file name such as 'events.csv', found \(current.display)")
            }
            files.append(Name(path, advance().range, quoted: true))
        } while accept(.comma) != nil
        var mapping: [(field: Name, column: Name)] = []
        if acceptWord("MAP") != nil {
            repeat {
                let field = try parseName("a field (customer, time, touchpoint, stage, channel)")
                _ = try expect(.equal, "'=' between the field and its column")
                let column = try parseName("a column name")
                mapping.append((field, column))
            } while accept(.comma) != nil
        }
        return ImportSyntax(files: files, customers: customers, mapping: mapping,
                            range: start.range.union(tokens[max(0, position - 1)].range))
    }
}
