// COMPARE: a journey's groups (or two periods) side by side, with intervals and tests.
extension Parser {
    /// The COMPARE statement when `COMPARE` follows a journey just parsed, else nil (the journey stands alone).
    // compare -> funnel "COMPARE" { "PREVIOUS" | "AGAINST" value { "," value } | "CONFIDENCE" number | clause }
    mutating func parseCompare(after journey: FunnelSyntax) throws(Failure) -> CompareSyntax? {
        guard let keyword = acceptWord("COMPARE") else { return nil }
        var funnel = journey
        var compare = CompareSyntax(funnel: funnel, keyword: keyword.range, previous: nil, against: [],
                                    againstRange: nil, confidence: nil, confidenceRange: nil, range: keyword.range)
        func once(_ given: Bool, _ word: String, _ token: Token) throws(Failure) {
            guard !given else {
                diagnostics.append(.error(.parseDuplicateClause, "\(word) is given twice", at: token.range))
                throw Failure()
            }
        }
        while true {
            let token = current
            if acceptWord("PREVIOUS") != nil {
                try once(compare.previous != nil, "PREVIOUS", token)
                compare.previous = token.range
            } else if acceptWord("AGAINST") != nil {
                try once(compare.againstRange != nil, "AGAINST", token)
                repeat {
                    compare.against.append(try parseValue())
                } while accept(.comma) != nil
                compare.againstRange = token.range.union(tokens[position - 1].range)
            } else if acceptWord("CONFIDENCE") != nil {
                try once(compare.confidenceRange != nil, "CONFIDENCE", token)
                try bindLiteralParameter("a number")
                guard case .number(let n, _) = current.kind else {
                    throw fail(.parseExpectedCount, "expected a confidence level after CONFIDENCE, such as CONFIDENCE 95; found \(current.display)",
                               notes: ["CONFIDENCE takes 90, 95 or 99 (percent)"])
                }
                compare.confidence = n
                compare.confidenceRange = advance().range
            } else {
                // Journey clauses may follow COMPARE's options too (COMPARE AGAINST b2b LIMIT 3).
                let before = position
                try parseJourneyClauses(into: &funnel)
                if position == before { break }
                funnel.range = funnel.range.union(tokens[position - 1].range)
            }
        }
        compare.funnel = funnel
        compare.range = funnel.range.union(tokens[max(0, position - 1)].range)
        return compare
    }
}
