// ATTRIBUTE: a conversion step, then the statement's options and the journey clauses in any order.
import JourneyStore

extension Parser {
    // attribution -> "ATTRIBUTE" step { attribution_option | clause }
    // attribution_option -> "MODEL" name { "," name } | "LOOKBACK" [ "-" ] duration
    //                     | "HALF" "LIFE" [ "-" ] duration | "VALUE" field
    mutating func parseAttribution() throws(Failure) -> AttributionSyntax {
        let start = try expectWord("ATTRIBUTE", "")
        if current.isWord("FROM") {
            throw fail(.parseExpected, "ATTRIBUTE takes the conversion step alone, not a journey",
                       notes: ["for example: ATTRIBUTE purchase BY channel MODEL linear LOOKBACK 30 days"])
        }
        let step = try parseStep()
        var result = AttributionSyntax(step: step, clauses: FunnelSyntax(steps: [], within: nil, filter: nil, range: start.range),
                                       keyword: start.range, range: start.range)
        func once(_ seen: Bool, _ what: String, _ token: Token) throws(Failure) {
            if seen {
                diagnostics.append(.error(.parseDuplicateClause, "\(what) is given twice", at: token.range))
                throw Failure()
            }
        }
        func duration(_ negative: inout Bool) throws(Failure) -> DurationSyntax {
            let minus = accept(.minus)
            var d = try parseDuration()
            if let minus {
                negative = true
                d.range = minus.range.union(d.range)
            }
            return d
        }
        while true {
            let token = current
            if acceptWord("MODEL") != nil {
                try once(!result.models.isEmpty, "MODEL", token)
                repeat {
                    result.models.append(try parseName("a model (first_touch, last_touch, linear, position, time_decay, markov)"))
                } while accept(.comma) != nil
            } else if acceptWord("LOOKBACK") != nil {
                try once(result.lookback != nil, "LOOKBACK", token)
                result.lookback = try duration(&result.lookbackNegative)
            } else if current.isWord("HALF") {
                _ = advance()
                _ = try expectWord("LIFE", "after HALF (HALF LIFE 7 days)")
                try once(result.halfLife != nil, "HALF LIFE", token)
                let d = try duration(&result.halfLifeNegative)
                result.halfLife = d
                result.halfLifeRange = token.range.union(d.range)
            } else if acceptWord("VALUE") != nil {
                try once(result.value != nil, "VALUE", token)
                result.value = try parseField()
            } else {
                let before = position
                try parseJourneyClauses(into: &result.clauses)
                result.rejected += rejectedClauses(in: before..<position, clauses: result.clauses)
                if position == before { break }
            }
        }
        let end = tokens[max(0, position - 1)].range
        result.clauses.range = start.range.union(end)
        result.range = start.range.union(end)
        return result
    }
}
