// Flows: PATHS AFTER|BEFORE a step, and the options of PATHS (both forms), in any order among the journey clauses.
import JourneyStore

extension Parser {
    // flows -> "PATHS" ( "AFTER" | "BEFORE" ) step { clause | flow_option }
    //        | "PATHS" funnel flow_option { clause | flow_option }    (parsed where PATHS FROM is: parseStatement)
    mutating func parseFlows() throws(Failure) -> FlowsSyntax {
        let statementStart = position
        let start = try expectWord("PATHS", "to start a flow")
        let directionToken = advance()
        let direction: FlowDirection = directionToken.isWord("AFTER") ? .after : .before
        let anchor = try parseStep()
        var journey = FunnelSyntax(steps: [anchor], within: nil, filter: nil, range: anchor.range)
        let options = try parseFlowClauses(into: &journey, statementStart: statementStart)
        let range = start.range.union(tokens[max(0, position - 1)].range)
        journey.range = anchor.range.union(tokens[max(0, position - 1)].range)
        return FlowsSyntax(direction: direction, directionRange: directionToken.range, journey: journey,
                           options: options, range: range)
    }

    /// The journey clauses and the flow options, interleaved in any order, each at most once. `statementStart` is
    /// where the statement began: the order clauses are looked for from there (PATHS FROM reads its first clauses
    /// before this is called).
    mutating func parseFlowClauses(into journey: inout FunnelSyntax, statementStart: Int) throws(Failure) -> FlowOptionsSyntax {
        var options = FlowOptionsSyntax()
        let first = statementStart
        while true {
            let before = position
            // A clause given again after an option is a duplicate too (parseJourneyClauses adds to what was read).
            try parseJourneyClauses(into: &journey)
            try parseFlowOption(into: &options)
            if position == before { break }
        }
        // The order clauses, found among the tokens just read (DIRECTLY and ANY are reserved, and IN is followed
        // by '(' in a condition, so these words can only be the clauses here).
        var i = first
        while i < position {
            let words: [String]
            if tokens[i].isWord("DIRECTLY") {
                words = ["DIRECTLY"]
            } else if tokens[i].isWord("STRICT"), tokens[i + 1].isWord("TIME") {
                words = ["STRICT", "TIME"]
            } else if tokens[i].isWord("TIES") || tokens[i].isWord("IN"), tokens[i + 1].isWord("ANY"), tokens[i + 2].isWord("ORDER") {
                words = [tokens[i].word!.uppercased(), "ANY", "ORDER"]
            } else {
                i += 1
                continue
            }
            let clause = Name(words.joined(separator: " "), tokens[i].range.union(tokens[i + words.count - 1].range))
            if options.orderClauses.contains(where: { $0.text == clause.text }) {
                diagnostics.append(.error(.parseDuplicateClause, "\(clause.text) is given twice", at: clause.range))
                throw Failure()
            }
            options.orderClauses.append(clause)
            i += words.count
        }
        return options
    }

    // flow_option -> "STEPS" number | "OF" name | "KEEP" "REPEATS" | "MIN" "SHARE" number | "MAX" "LENGTH" number
    //              | "LOST" [ "AT" number ] | "CONVERTED"
    /// One flow option, if the next word starts one; nothing is consumed otherwise.
    mutating func parseFlowOption(into options: inout FlowOptionsSyntax) throws(Failure) {
        let token = current
        func duplicate() -> Failure {
            diagnostics.append(.error(.parseDuplicateClause, "\(token.word?.uppercased() ?? "this option") is given twice",
                                      at: token.range))
            return Failure()
        }
        if current.isWord("STEPS"), case .number = tokens[position + 1].kind {
            if options.steps != nil { throw duplicate() }
            _ = advance()
            options.steps = try parseFlowCount("STEPS")
        } else if current.isWord("OF"), isNameToken(tokens[position + 1]) {
            if options.of != nil { throw duplicate() }
            _ = advance()
            options.of = try parseName("touchpoint, channel or stage")
        } else if current.isWord("KEEP"), tokens[position + 1].isWord("REPEATS") {
            if options.keepRepeats != nil { throw duplicate() }
            _ = advance()
            options.keepRepeats = token.range.union(advance().range)
        } else if current.isWord("MIN"), tokens[position + 1].isWord("SHARE") {
            if options.minShare != nil { throw duplicate() }
            _ = advance()
            _ = advance()
            try bindLiteralParameter("a percentage")
            guard case .number(let p, _) = current.kind else {
                throw fail(.parseExpectedCount, "expected a percentage after MIN SHARE, such as MIN SHARE 5; found \(current.display)")
            }
            options.minShare = NumberSyntax(value: p, range: advance().range)
        } else if current.isWord("MAX"), tokens[position + 1].isWord("LENGTH") {
            if options.maxLength != nil { throw duplicate() }
            _ = advance()
            _ = advance()
            options.maxLength = try parseFlowCount("MAX LENGTH")
        } else if current.isWord("LOST") {
            if options.lost != nil { throw duplicate() }
            options.lost = advance().range
            if acceptWord("AT") != nil { options.lostAt = try parseFlowCount("LOST AT") }
        } else if current.isWord("CONVERTED") {
            if options.converted != nil { throw duplicate() }
            options.converted = advance().range
        }
    }

    /// A whole number after a flow option's keyword (its range is kept: the checker says where it is out of range).
    mutating func parseFlowCount(_ keyword: String) throws(Failure) -> CountSyntax {
        try bindLiteralParameter("a count")
        guard case .number(let n, _) = current.kind else {
            throw fail(.parseExpectedCount, "expected a whole number after \(keyword), found \(current.display)")
        }
        guard n == n.rounded(), abs(n) < 1e9 else {
            throw fail(.parseExpectedCount, "\(keyword) takes a whole number, not \(current.display)")
        }
        return CountSyntax(value: Int(n), range: advance().range)
    }
}
