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
            let earlier = clauses
            try parseJourneyClauses(into: &clauses)
            if before > 1 { try refuseRepeats(earlier, clauses) }
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

    /// After INACTIVE AFTER the clauses are parsed again: one given on both sides of it is given twice.
    mutating func refuseRepeats(_ a: FunnelSyntax, _ b: FunnelSyntax) throws(Failure) {
        var twice: (String, SourceRange)?
        if a.filter != nil, let f = b.filter, a.filter != f { twice = ("WHERE", f.range) }
        if a.segment != nil, let s = b.segment, a.segment != s { twice = ("FOR", s.range) }
        if a.start != nil, let start = b.start, start != a.start {
            switch start {
            case .during(_, _, _, let r), .since(_, let r), .before(_, let r), .last(_, let r):
                twice = ("a start range (DURING, SINCE, BEFORE, LAST)", r)
            }
        }
        if !a.breakdown.isEmpty, b.breakdown.count != a.breakdown.count { twice = ("BY", b.breakdown.last!.field.range) }
        if let l = a.limit, let m = b.limit, l.range != m.range { twice = ("LIMIT", m.range) }
        if a.within != nil, let w = b.within, a.within != w { twice = ("WITHIN", w.range) }
        if let (clause, range) = twice {
            diagnostics.append(.error(.parseDuplicateClause, "\(clause) is given twice", at: range))
            throw Failure()
        }
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
