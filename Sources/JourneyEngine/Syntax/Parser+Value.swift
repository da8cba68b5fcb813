// Parsing VALUE: the property, FROM and one step, then the journey clauses.
extension Parser {
    // value -> "VALUE" field "FROM" step { clause }
    mutating func parseValueStatement() throws(Failure) -> ValueStatementSyntax {
        let start = try expectWord("VALUE", "")
        guard isNameToken(current) else {
            throw fail(.parseExpected, "expected a numeric property after VALUE, found \(current.display)",
                       notes: ["VALUE takes a property and a step: VALUE amount FROM purchase"])
        }
        let property = try parseField()
        guard current.isWord("FROM") else {
            throw fail(.parseExpected, "expected FROM and a step after the property, found \(current.display)",
                       notes: ["VALUE takes a property and a step: VALUE amount FROM purchase"])
        }
        let from = advance()
        let step = try parseStep()
        if current.isWord("TO") || current.isWord("THEN") {
            throw fail(.parseExpected, "VALUE takes one step, not a journey: expected a clause or the end, found \(current.display)",
                       notes: ["the values of one step's events are summed: VALUE amount FROM purchase;"
                               + " narrow the customers with FOR a segment"])
        }
        var journey = FunnelSyntax(steps: [step], within: nil, filter: nil, range: from.range)
        let before = position
        try parseJourneyClauses(into: &journey)
        let end = tokens[max(0, position - 1)].range
        journey.range = from.range.union(end)
        var syntax = ValueStatementSyntax(property: property, journey: journey, keyword: start.range,
                                          range: start.range.union(end))
        // WITHIN is VALUE's horizon; the other journey-only clauses are refused by the checker, located.
        syntax.rejected = rejectedClauses(in: before..<position, clauses: journey).filter { $0.clause != "WITHIN" }
        return syntax
    }
}
