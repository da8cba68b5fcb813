// RETENTION: cohorts by the period of a customer's first `a`, and who comes back with `b` in each period after it.
import JourneyStore

extension Parser {
    // retention -> "RETENTION" "OF" step [ "RETURNING" step ] { retention_option | clause }
    // retention_option -> "EVERY" ( "day" | "week" | "month" ) | "PERIODS" number | "ON" "OR" "AFTER"
    mutating func parseRetention() throws(Failure) -> RetentionSyntax {
        let start = try expectWord("RETENTION", "")
        guard acceptWord("OF") != nil else {
            throw fail(.parseExpected, "expected OF after RETENTION, found \(current.display)",
                       notes: ["RETENTION OF purchase RETURNING purchase EVERY month PERIODS 6"])
        }
        let of = try parseStep()
        var returning: StepSyntax?
        if acceptWord("RETURNING") != nil { returning = try parseStep() }
        var clauses = FunnelSyntax(steps: [], within: nil, filter: nil, range: start.range)
        var syntax = RetentionSyntax(of: of, returning: returning, clauses: clauses, keyword: start.range,
                                     range: start.range)
        var rejected: [RejectedClause] = []
        while true {
            let before = position
            // Clauses given again after an option are given twice (parseJourneyClauses adds to what was read).
            try parseJourneyClauses(into: &clauses)
            rejected += rejectedClauses(in: before..<position, clauses: clauses)
            let token = current
            if acceptWord("EVERY") != nil {
                if syntax.every != nil {
                    diagnostics.append(.error(.parseDuplicateClause, "EVERY is given twice", at: token.range))
                    throw Failure()
                }
                guard let word = current.word, let period = RetentionPeriod(rawValue: word.lowercased()) else {
                    throw fail(.parseExpected, "expected day, week or month after EVERY, found \(current.display)",
                               closeTo: current.word.flatMap {
                                   Suggestions.nearest(to: $0.lowercased(), among: RetentionPeriod.allCases.map(\.rawValue)).first
                               })
                }
                syntax.every = (period, token.range.union(advance().range))
                continue
            }
            if acceptWord("PERIODS") != nil {
                if syntax.periods != nil {
                    diagnostics.append(.error(.parseDuplicateClause, "PERIODS is given twice", at: token.range))
                    throw Failure()
                }
                try bindLiteralParameter("a count")
                guard case .number(let n, _) = current.kind, n == n.rounded(), abs(n) < 1e9 else {
                    throw fail(.parseExpectedCount, "expected a whole number of periods after PERIODS, such as PERIODS 8; found \(current.display)")
                }
                syntax.periods = (Int(n), advance().range)
                continue
            }
            if current.isWord("ON"), tokens[position + 1].isWord("OR"), tokens[position + 2].isWord("AFTER") {
                if syntax.onOrAfter != nil {
                    diagnostics.append(.error(.parseDuplicateClause, "ON OR AFTER is given twice", at: token.range))
                    throw Failure()
                }
                _ = advance()
                _ = advance()
                syntax.onOrAfter = token.range.union(advance().range)
                continue
            }
            if position == before { break }
        }
        let end = tokens[max(0, position - 1)].range
        clauses.range = start.range.union(end)
        syntax.clauses = clauses
        syntax.rejected = rejected
        syntax.range = start.range.union(end)
        return syntax
    }
}
