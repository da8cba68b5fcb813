// STAGES, the journey map: the store's ordered stages, over every admitted customer's events.
import JourneyStore

extension Parser {
    // stages -> "STAGES" { clause | "INACTIVE" "AFTER" [ "-" ] duration }
    mutating func parseStages() throws(Failure) -> StagesSyntax {
        let start = try expectWord("STAGES", "")
        var clauses = FunnelSyntax(steps: [], within: nil, filter: nil, range: start.range)
        var inactive: DurationSyntax?
        var negative = false
        var rejected: [RejectedClause] = []
        while true {
            let before = position
            // Clauses given again after INACTIVE AFTER are given twice (parseJourneyClauses adds to what was read).
            try parseJourneyClauses(into: &clauses)
            rejected += rejectedClauses(in: before..<position, clauses: clauses)
            if current.isWord("INACTIVE") {
                let keyword = advance()
                _ = try expectWord("AFTER", "after INACTIVE (INACTIVE AFTER 30 days)")
                if inactive != nil {
                    diagnostics.append(.error(.parseDuplicateClause, "INACTIVE AFTER is given twice", at: keyword.range))
                    throw Failure()
                }
                let minus = accept(.minus)
                var d = try parseDuration()
                if let minus {
                    negative = true
                    d.range = minus.range.union(d.range)
                }
                inactive = d
                continue
            }
            if position == before { break }
        }
        let end = tokens[max(0, position - 1)].range
        clauses.range = start.range.union(end)
        var syntax = StagesSyntax(clauses: clauses, inactiveAfter: inactive, keyword: start.range,
                                  range: start.range.union(end))
        syntax.inactiveNegative = negative
        syntax.rejected = rejected
        return syntax
    }

    /// The clauses among `tokens[span]` that a journey map has no use for, located. Those with a range of their own
    /// in the syntax (WITHIN, EXCLUDING, SAME) are read from it; the flags are found by their words, which cannot
    /// occur inside a condition in these sequences (DIRECTLY and ANY are reserved, IN takes a parenthesis).
    func rejectedClauses(in span: Range<Int>, clauses: FunnelSyntax) -> [RejectedClause] {
        var found: [RejectedClause] = []
        if let within = clauses.within, span.contains(where: { tokens[$0].range.start == within.range.start }) {
            found.append(RejectedClause(clause: "WITHIN", range: within.range))
        }
        var i = span.lowerBound
        while i < span.upperBound {
            let token = tokens[i]
            if token.isWord("DIRECTLY") {
                found.append(RejectedClause(clause: "DIRECTLY", range: token.range))
            } else if token.isWord("STRICT"), i + 1 < span.upperBound, tokens[i + 1].isWord("TIME") {
                found.append(RejectedClause(clause: "STRICT TIME", range: token.range.union(tokens[i + 1].range)))
            } else if token.isWord("TIES") || token.isWord("IN"), i + 2 < span.upperBound,
                      tokens[i + 1].isWord("ANY"), tokens[i + 2].isWord("ORDER") {
                found.append(RejectedClause(clause: token.isWord("TIES") ? "TIES ANY ORDER" : "IN ANY ORDER",
                                            range: token.range.union(tokens[i + 2].range)))
            }
            i += 1
        }
        for e in clauses.exclusions where span.contains(where: { tokens[$0].range.start == e.range.start }) {
            found.append(RejectedClause(clause: "EXCLUDING", range: e.range))
        }
        if let same = clauses.same, span.contains(where: { tokens[$0].range.start == same.range.start }) {
            found.append(RejectedClause(clause: "SAME", range: same.range))
        }
        return found
    }
}
