// The parser: tokens to statements. Recursive descent, one function per grammar rule (grammar/journey.ebnf).
// An error at end of input means "keep typing", not "wrong": it is reported as an incomplete outcome.
import JourneyStore

/// What parsing some text gives.
package struct ParseResult: Sendable {
    /// The statements parsed before the first error (all of them when there is none).
    package var statements: [StatementSyntax]
    package var diagnostics: [Diagnostic]
    /// The text stops inside a statement (or a string): more lines would complete it.
    package var isIncomplete: Bool

    package var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

package struct Parser {
    /// Words that start or separate clauses; they cannot be bare names or bare values (quote them).
    package static var reservedWords: Set<String> { Keywords.reserved }

    /// Keywords offered by completion and listed in help (see `Keywords`).
    package static var keywords: [String] { Keywords.completions }

    /// How deeply parentheses, NOT and alternatives may nest; deeper input is refused, not a stack overflow.
    package static let maximumDepth = 100

    var tokens: [Token]
    var position = 0
    var depth = 0
    var diagnostics: [Diagnostic] = []
    var endsInsideString: Bool
    /// Values for `$name` where a literal duration, time or count is expected (`WITHIN $window`, `LIMIT $n`).
    /// Values in conditions are bound later, by the checker, which knows the field they are compared with.
    let parameters: [String: String]

    package init(_ source: SourceText, parameters: [String: String] = [:]) {
        var lexer = Lexer(source)
        self.tokens = lexer.tokenize()
        self.diagnostics = lexer.diagnostics
        self.endsInsideString = lexer.endsInsideString
        self.parameters = parameters
    }

    /// Parses a whole script.
    package static func parse(_ source: SourceText, parameters: [String: String] = [:]) -> ParseResult {
        var parser = Parser(source, parameters: parameters)
        return parser.parseScript()
    }

    /// Where a literal of some kind is expected and the current token is `$name`: puts the tokens of the
    /// bound value in its place, each with the parameter's range. Only a literal may come in this way — one
    /// number, time or duration, or a number and a unit — so a value can never add syntax to a statement.
    mutating func bindLiteralParameter(_ what: String) throws(Failure) {
        guard case .parameter(let name) = current.kind else { return }
        guard let value = parameters[name] else {
            throw fail(.checkUnboundParameter, "parameter $\(name) has no value",
                       notes: ["bind it with --param \(name)=VALUE, or .param \(name) VALUE in the REPL"])
        }
        guard let lexed = Parser.literalTokens(value) else {
            throw fail(.parseBadParameter, "parameter $\(name) is '\(value)', which is not \(what)")
        }
        let range = current.range
        tokens.replaceSubrange(position...position, with: lexed.map { Token($0.kind, range) })
    }

    /// The tokens of a parameter's value when it is exactly one literal: one number, time or duration, or a
    /// number and a unit (`7 days`); nil for anything else.
    static func literalTokens(_ value: String) -> [Token]? {
        var lexer = Lexer(SourceText(value))
        var lexed = lexer.tokenize()
        lexed.removeLast()  // the end token
        let isLiteral: Bool
        switch lexed.count {
        case 1:
            switch lexed[0].kind {
            case .number, .time, .duration: isLiteral = true
            default: isLiteral = false
            }
        case 2:
            if case .number = lexed[0].kind, let unit = lexed[1].word {
                isLiteral = DurationUnit.milliseconds(for: unit) != nil
            } else {
                isLiteral = false
            }
        default: isLiteral = false
        }
        return lexer.diagnostics.isEmpty && isLiteral ? lexed : nil
    }

    struct Failure: Error {}

    var current: Token { tokens[position] }
    var atEnd: Bool { current.kind == .end }

    mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    func check(_ symbol: Symbol) -> Bool { current.kind == .symbol(symbol) }

    mutating func accept(_ symbol: Symbol) -> Token? {
        check(symbol) ? advance() : nil
    }

    mutating func acceptWord(_ keyword: String) -> Token? {
        current.isWord(keyword) ? advance() : nil
    }

    mutating func fail(_ id: DiagnosticID, _ message: String, notes: [String] = [],
                               suggestion: String? = nil) -> Failure {
        diagnostics.append(.error(id, message, at: current.range, notes: notes, suggestion: suggestion))
        return Failure()
    }

    /// `fail` at a word close to the keyword expected: `help: did you mean 'KEYWORD'?`, and the fix-it that writes
    /// the keyword over the word.
    mutating func fail(_ id: DiagnosticID, _ message: String, notes: [String] = [],
                       closeTo keyword: String?) -> Failure {
        diagnostics.append(Diagnostic.error(id, message, at: current.range, notes: notes)
            .suggesting(keyword.map { [$0] } ?? [], replacing: current.range))
        return Failure()
    }

    mutating func expect(_ symbol: Symbol, _ what: String) throws(Failure) -> Token {
        if let t = accept(symbol) { return t }
        throw fail(.parseExpected, "expected \(what), found \(current.display)")
    }

    mutating func expectWord(_ keyword: String, _ context: String) throws(Failure) -> Token {
        if let t = acceptWord(keyword) { return t }
        throw fail(.parseExpected, "expected \(keyword) \(context), found \(current.display)")
    }

    // script -> { statement ( ";" | end ) }
    mutating func parseScript() -> ParseResult {
        var statements: [StatementSyntax] = []
        while true {
            while accept(.semicolon) != nil {}
            if atEnd { break }
            do {
                let statement = try parseStatement()
                if !atEnd, !check(.semicolon) {
                    throw fail(.parseExpectedEnd,
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
                || (endsInsideString && firstError.id == DiagnosticID.lexUnterminatedString.rawValue)
        }
        return ParseResult(statements: statements, diagnostics: diagnostics, isIncomplete: incomplete)
    }

    var endOffset: Int { tokens[tokens.count - 1].range.start }

    // statement -> funnel | explain | times | paths | import | show | definition | expect | stages | flows | retention
    mutating func parseStatement() throws(Failure) -> StatementSyntax {
        if current.isWord("FROM") {
            let funnel = try parseFunnel()
            if let compare = try parseCompare(after: funnel) { return .compare(compare) }
            return .funnel(funnel)
        }
        // times -> "TIMES" funnel
        if current.isWord("TIMES"), tokens[position + 1].isWord("FROM") {
            let start = advance()
            let funnel = try parseFunnel()
            return .times(funnel, range: start.range.union(funnel.range))
        }
        // paths -> "PATHS" funnel
        if current.isWord("PATHS"), tokens[position + 1].isWord("FROM") {
            let statementStart = position
            let start = advance()
            var funnel = try parseFunnel()
            // Options (LOST, OF, MIN SHARE, ...) make it a flow between the steps; without them it is PATHS as ever.
            let options = try parseFlowClauses(into: &funnel, statementStart: statementStart)
            if !options.isEmpty {
                funnel.range = funnel.range.union(tokens[max(0, position - 1)].range)
                return .flows(FlowsSyntax(direction: nil, directionRange: nil, journey: funnel, options: options,
                                          range: start.range.union(funnel.range)))
            }
            return .paths(funnel, range: start.range.union(funnel.range))
        }
        if current.isWord("PATHS"), tokens[position + 1].isWord("AFTER") || tokens[position + 1].isWord("BEFORE") {
            return .flows(try parseFlows())
        }
        if let painPoints = try parsePainPointStatement() { return painPoints }
        // explain -> "EXPLAIN" [ "CUSTOMER" name ] funnel
        if let start = acceptWord("EXPLAIN") {
            var customer: Name?
            if current.isWord("CUSTOMER"), !tokens[position + 1].isWord("FROM") {
                _ = advance()
                customer = try parseCustomerID()
            }
            var funnel = try parseFunnel()
            funnel.traceCustomer = customer
            return .explain(funnel, range: start.range.union(funnel.range))
        }
        // TIMES and PATHS take a journey; without FROM, say so at the word that should have been FROM.
        if let keyword = ["TIMES", "PATHS"].first(where: { current.isWord($0) }),
           !tokens[position + 1].isWord("FROM") {
            _ = advance()
            throw fail(.parseExpected, "expected FROM after \(keyword), found \(current.display)",
                       notes: ["\(keyword) takes a journey: \(keyword) FROM awareness TO purchase"]
                           + (keyword == "PATHS" ? ["or a step to flow from: PATHS AFTER cart_add, PATHS BEFORE purchase"] : []))
        }
        if current.isWord("IMPORT") { return .importData(try parseImport()) }
        if current.isWord("CUSTOMERS") { return .customers(try parseCustomers()) }
        if current.isWord("SHOW"), tokens[position + 1].isWord("CUSTOMER") { return try parseShowCustomer() }
        if current.isWord("EXPECT") { return .expect(try parseExpect()) }
        if let start = acceptWord("SHOW") {
            guard let word = current.word,
                  let target = ShowTarget(rawValue: word.lowercased()) else {
                throw fail(.parseExpected, "expected STAGES, TOUCHPOINTS, CHANNELS, FIELDS, SEGMENTS or DEFINITIONS after SHOW, found \(current.display)",
                           closeTo: current.word.flatMap {
                               Suggestions.nearest(to: $0, among: ShowTarget.allCases.map { $0.rawValue.uppercased() }, caseInsensitive: true).first
                           })
            }
            let end = advance()
            return .show(target, range: start.range.union(end.range))
        }
        if let definition = try parseDefinitionStatement() { return .definition(definition) }
        if current.isWord("STAGES") { return .stages(try parseStages()) }
        if current.isWord("VALUE") { return .value(try parseValueStatement()) }
        if current.isWord("RETENTION") { return .retention(try parseRetention()) }
        if current.isWord("ATTRIBUTE") { return .attribution(try parseAttribution()) }
        throw fail(.parseExpectedStatement, "expected a statement (FROM, TIMES, PATHS, EXPLAIN, IMPORT, SHOW, DEFINE, LET, SEGMENT, SET, DROP, EXPECT or STAGES), found \(current.display)",
                   closeTo: current.word.flatMap { Parser.closeKeyword($0) })
    }

    static func closeKeyword(_ word: String) -> String? {
        Suggestions.nearest(to: word, among: ["FROM", "TIMES", "PATHS", "EXPLAIN", "IMPORT", "SHOW", "EXPECT"] + Parser.definitionKeywords + ["STAGES"],
                            caseInsensitive: true).first
    }

    mutating func enter() throws(Failure) {
        depth += 1
        if depth > Parser.maximumDepth {
            throw fail(.parseTooDeep, "this nests more than \(Parser.maximumDepth) levels deep",
                       notes: ["split the condition, or use IN (...) for long lists"])
        }
    }

    func isNameToken(_ token: Token) -> Bool {
        switch token.kind {
        case .word(let w): !Parser.reservedWords.contains(w.lowercased())
        case .string: true
        default: false
        }
    }

    // name -> word | string
    mutating func parseName(_ what: String) throws(Failure) -> Name {
        let token = current
        switch token.kind {
        case .word(let w) where !Parser.reservedWords.contains(w.lowercased()):
            _ = advance()
            return Name(w, token.range)
        case .string(let s):
            _ = advance()
            return Name(s, token.range, quoted: true)
        case .word(let w):
            throw fail(.parseReservedWord, "expected \(what), found the keyword \(w.uppercased())",
                       notes: ["quote a name that is also a keyword: '\(w)'"])
        default:
            throw fail(.parseExpected, "expected \(what), found \(token.display)")
        }
    }

    // duration -> number unit | short_duration
    mutating func parseDuration() throws(Failure) -> DurationSyntax {
        try bindLiteralParameter("a duration such as 7 days")
        let token = current
        switch token.kind {
        case .duration(let ms):
            _ = advance()
            return DurationSyntax(milliseconds: ms, range: token.range)
        case .number(let value, _):
            _ = advance()
            guard let unit = current.word, let unitMs = DurationUnit.milliseconds(for: unit) else {
                throw fail(.parseExpectedUnit, "expected a unit after \(token.display) (days, hours, minutes, ...), found \(current.display)")
            }
            let unitToken = advance()
            guard let ms = DurationUnit.milliseconds(value, unit: unitMs) else {
                diagnostics.append(.error(.parseDurationTooLong, "the duration is too long",
                                          at: token.range.union(unitToken.range)))
                throw Failure()
            }
            return DurationSyntax(milliseconds: ms, range: token.range.union(unitToken.range))
        default:
            throw fail(.parseExpectedDuration, "expected a duration such as 30 days or 2h, found \(token.display)")
        }
    }

}
