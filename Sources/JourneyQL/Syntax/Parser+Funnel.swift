// The journey statement: steps and the clauses after them.
import JourneyStore

extension Parser {
    // funnel -> "FROM" step ( ( "TO" | "THEN" ) step )+ { "WITHIN" duration | "WHERE" condition }
    mutating func parseFunnel() throws(Failure) -> FunnelSyntax {
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
        return StepSyntax(target: target, filter: filter, range: start.union(tokens[max(0, position - 1)].range))
    }
}
