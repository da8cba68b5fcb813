// The journey statement: steps and the clauses after them.
import JourneyStore

extension Parser {
    // funnel -> "FROM" step { ( "TO" | "THEN" ) step [ "WITHIN" duration ] } clause { clause }
    // clause -> "WITHIN" duration | "WHERE" condition | "DIRECTLY" | "STRICT" "TIME" | "TIES" "ANY" "ORDER"
    //         | "IN" "ANY" "ORDER" | exclusion | "SAME" field
    //         | start_range | "BY" breakdown { "," breakdown } | ( "LIMIT" | "TOP" ) number | "FOR" name
    mutating func parseFunnel() throws(Failure) -> FunnelSyntax {
        let start = try expectWord("FROM", "to start a journey")
        let first = try parseStep()
        if let w = current.isWord("WITHIN") ? current : nil {
            _ = advance()
            let d = try parseDuration()
            if current.isWord("TO") || current.isWord("THEN") {
                diagnostics.append(.error(.parseFirstStepWindow, "the first step has no previous step to wait for",
                                          at: w.range.union(d.range),
                                          notes: ["write WITHIN after a later step, or after the last step for the whole journey"]))
                throw Failure()
            }
            throw fail(.parseExpected, "expected TO and a second step, found \(current.display)",
                       notes: ["a journey has at least two steps: FROM awareness TO purchase"])
        }
        var steps = [first]
        var within: DurationSyntax?
        while acceptWord("TO") != nil || acceptWord("THEN") != nil {
            var step = try parseStep()
            if acceptWord("WITHIN") != nil {
                let d = try parseDuration()
                // WITHIN between steps bounds this step's gap; after the last step it is the journey window.
                if current.isWord("TO") || current.isWord("THEN") {
                    step.gapWindow = d
                } else {
                    within = d
                }
            }
            steps.append(step)
            if within != nil { break }
        }
        if steps.count < 2 {
            throw fail(.parseExpected, "expected TO and a second step, found \(current.display)",
                       notes: ["a journey has at least two steps: FROM awareness TO purchase"])
        }
        var funnel = FunnelSyntax(steps: steps, within: within, filter: nil, range: start.range)
        try parseJourneyClauses(into: &funnel)
        funnel.range = start.range.union(tokens[max(0, position - 1)].range)
        return funnel
    }

    /// The clauses after a journey's steps, in any order, each at most once (EXCLUDING may repeat), until a word
    /// that starts none: the caller decides whether that word is an option of its statement or an error. Statements
    /// built around something other than FROM ... TO (PATHS AFTER, STAGES) parse their clauses here too, and the
    /// checker says which clauses they take. Called again after a statement's own options (`DROPOFF ... NEXT 2 BY
    /// channel`, `CUSTOMERS ... LOST AT 2 LIMIT 20`), it adds to the clauses read before: one given on both sides
    /// is given twice, an error at its second writing.
    mutating func parseJourneyClauses(into funnel: inout FunnelSyntax) throws(Failure) {
        var seen = funnel.clausesGiven
        func once(_ clause: String, _ token: Token) throws(Failure) {
            if !seen.insert(clause).inserted {
                diagnostics.append(.error(.parseDuplicateClause, "\(clause) is given twice", at: token.range))
                throw Failure()
            }
        }
        while true {
            let token = current
            if acceptWord("WITHIN") != nil {
                try once("WITHIN", token)
                funnel.within = try parseDuration()
            } else if acceptWord("WHERE") != nil {
                try once("WHERE", token)
                funnel.filter = try parseCondition()
            } else if acceptWord("DIRECTLY") != nil {
                try once("DIRECTLY", token)
                funnel.directly = true
            } else if current.isWord("STRICT"), tokens[position + 1].isWord("TIME") {
                try once("STRICT TIME", token)
                _ = advance()
                _ = advance()
                funnel.strictTime = true
            } else if current.isWord("IN"), tokens[position + 1].isWord("ANY"), tokens[position + 2].isWord("ORDER") {
                try once("IN ANY ORDER", token)
                for _ in 0..<3 { _ = advance() }
                funnel.anyOrder = true
            } else if current.isWord("TIES"), tokens[position + 1].isWord("ANY"), tokens[position + 2].isWord("ORDER") {
                try once("TIES ANY ORDER", token)
                for _ in 0..<3 { _ = advance() }
                funnel.tiesAnyOrder = true
            } else if acceptWord("EXCLUDING") != nil {
                funnel.exclusions.append(try parseExclusion(token))
            } else if current.isWord("SAME"), isNameToken(tokens[position + 1]) {
                try once("SAME", token)
                _ = advance()
                funnel.same = try parseField()
            } else if let startRange = try parseStartRange() {
                try once("a start range (DURING, SINCE, BEFORE, LAST)", token)
                funnel.start = startRange
            } else if acceptWord("BY") != nil {
                try once("BY", token)
                repeat {
                    funnel.breakdown.append(BreakdownSyntax(field: try parseField()))
                } while accept(.comma) != nil
            } else if let word = acceptWord("LIMIT") ?? acceptWord("TOP") {
                // TOP is LIMIT's other spelling (PATHS ... TOP 10 reads best with it).
                try once("LIMIT", token)
                let keyword = word.word?.uppercased() ?? "LIMIT"
                try bindLiteralParameter("a count")
                guard case .number(let n, _) = current.kind else {
                    throw fail(.parseExpectedCount, "expected a count after \(keyword), such as \(keyword) 10; found \(current.display)")
                }
                // LIMIT 0 is an empty result, as in SQL.
                guard n >= 0, n == n.rounded(), n < 1e9 else {
                    throw fail(.parseExpectedCount, "\(keyword) takes a whole number from 0 to 999999999, not \(current.display)")
                }
                funnel.limit = (Int(n), advance().range)
            } else if acceptWord("FOR") != nil {
                try once("FOR", token)
                funnel.segment = try parseName("a segment name")
            } else {
                break
            }
        }
    }

    /// A customer id after `EXPLAIN CUSTOMER`: a word, a quoted string or a number as written.
    mutating func parseCustomerID() throws(Failure) -> Name {
        if case .number(_, let text) = current.kind { return Name(text, advance().range, quoted: true) }
        return try parseName("a customer id")
    }

    // exclusion -> "EXCLUDING" step [ "BETWEEN" step_reference "AND" step_reference ]
    // step_reference -> number | name
    mutating func parseExclusion(_ keyword: Token) throws(Failure) -> ExclusionSyntax {
        let target = try parseStep()
        var between: (from: StepReference, to: StepReference)?
        if current.isWord("BETWEEN") {
            _ = advance()
            let from = try parseStepReference()
            _ = try expectWord("AND", "between the two steps of EXCLUDING ... BETWEEN")
            between = (from, try parseStepReference())
        }
        return ExclusionSyntax(target: target, between: between,
                               range: keyword.range.union(tokens[max(0, position - 1)].range))
    }

    mutating func parseStepReference() throws(Failure) -> StepReference {
        if case .number(let n, _) = current.kind {
            guard n >= 1, n == n.rounded(), n <= 64 else {
                throw fail(.parseExpectedStep, "expected a step number from 1 to 64, found \(current.display)")
            }
            return .number(Int(n), advance().range)
        }
        return .name(try parseName("a step number or step name"))
    }

    // start_range -> "DURING" time ".." time | "SINCE" time | "BEFORE" time | "LAST" duration
    mutating func parseStartRange() throws(Failure) -> StartSyntax? {
        let keyword = current
        if acceptWord("DURING") != nil {
            let (a, _) = try parseTime("a start time after DURING")
            _ = try expect(.dotDot, "'..' between the two times of DURING")
            let (b, bToken) = try parseTime("an end time after '..'")
            // A date written alone (10 characters) ends at the end of that day.
            let endIsDate = bToken.range.end - bToken.range.start == 10
            return .during(a, b, endIsDate: endIsDate, range: keyword.range.union(bToken.range))
        }
        if acceptWord("SINCE") != nil {
            let (a, token) = try parseTime("a time after SINCE")
            return .since(a, range: keyword.range.union(token.range))
        }
        if acceptWord("BEFORE") != nil {
            let (a, token) = try parseTime("a time after BEFORE")
            return .before(a, range: keyword.range.union(token.range))
        }
        if current.isWord("LAST"), Parser.startsDuration(tokens[position + 1]) || tokens[position + 1].isParameter {
            _ = advance()
            let d = try parseDuration()
            return .last(d, range: keyword.range.union(d.range))
        }
        return nil
    }

    static func startsDuration(_ token: Token) -> Bool {
        switch token.kind {
        case .number, .duration: true
        default: false
        }
    }

    mutating func parseTime(_ what: String) throws(Failure) -> (Int64, Token) {
        try bindLiteralParameter("a time")
        switch current.kind {
        case .time(let t):
            return (t, advance())
        case .string(let s):
            if let t = TimeParser.parse(s) { return (t, advance()) }
            throw fail(.parseBadTime, "'\(s)' is not a time", notes: ["times are written 2024-01-31 or 2024-01-31T10:00:00Z"])
        default:
            throw fail(.parseExpectedTime, "expected \(what) such as 2024-01-31, found \(current.display)")
        }
    }

    // step -> step_target [ "[" condition "]" ] [ "?" ]
    // step_target -> "ANY" | "STAGE" name | "TOUCHPOINT" name | "(" step { "|" step } ")" | name
    mutating func parseStep() throws(Failure) -> StepSyntax {
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
        let optional = accept(.question) != nil
        return StepSyntax(target: target, filter: filter, optional: optional,
                          range: start.union(tokens[max(0, position - 1)].range))
    }
}
