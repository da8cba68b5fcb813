// DROPOFF and WHY: a journey, its clauses, then the statement's own options.
extension Parser {
    /// The most events a NEXT sequence may hold.
    static let maximumNext = 20

    /// A DROPOFF or WHY statement when one starts here, else nil (the caller tries the other statements).
    mutating func parsePainPointStatement() throws(Failure) -> StatementSyntax? {
        guard let keyword = ["DROPOFF", "WHY"].first(where: { current.isWord($0) }) else { return nil }
        // Both take a journey; without FROM, say so at the word that should have been FROM.
        guard tokens[position + 1].isWord("FROM") else {
            _ = advance()
            throw fail(.parseExpected, "expected FROM after \(keyword), found \(current.display)",
                       notes: ["\(keyword) takes a journey: \(keyword) FROM cart_add TO checkout_complete"])
        }
        return keyword == "DROPOFF" ? .dropoff(try parseDropoff()) : .why(try parseWhy())
    }

    // dropoff -> "DROPOFF" funnel { "NEXT" number | "OF" name }
    mutating func parseDropoff() throws(Failure) -> DropoffSyntax {
        let start = advance()
        var funnel = try parseFunnel()
        var dropoff = DropoffSyntax(funnel: funnel, next: nil, nextRange: nil, of: nil, range: start.range)
        while true {
            if !(current.isWord("NEXT") || current.isWord("OF")) {
                // Journey clauses may follow the options too (OF channel BY segment).
                let before = position
                try parseJourneyClauses(into: &funnel)
                if position == before { break }
                funnel.range = funnel.range.union(tokens[position - 1].range)
                continue
            }
            let token = current
            if acceptWord("NEXT") != nil {
                if dropoff.next != nil {
                    diagnostics.append(.error(.parseDuplicateClause, "NEXT is given twice", at: token.range))
                    throw Failure()
                }
                try bindLiteralParameter("a count")
                guard case .number(let n, _) = current.kind else {
                    throw fail(.parseExpectedCount, "expected how many events after NEXT, such as NEXT 2; found \(current.display)",
                               notes: ["NEXT takes a whole number from 1 to \(Parser.maximumNext)"])
                }
                guard n >= 1, n == n.rounded(), n <= Double(Parser.maximumNext) else {
                    throw fail(.parseExpectedCount, "NEXT takes a whole number from 1 to \(Parser.maximumNext), not \(current.display)",
                               notes: ["NEXT 1 (the default) shows the one event after the step"])
                }
                dropoff.next = Int(n)
                dropoff.nextRange = advance().range
            } else if acceptWord("OF") != nil {
                if dropoff.of != nil {
                    diagnostics.append(.error(.parseDuplicateClause, "OF is given twice", at: token.range))
                    throw Failure()
                }
                dropoff.of = try parseName("touchpoint, channel or stage after OF")
            } else {
                break
            }
        }
        dropoff.funnel = funnel
        dropoff.range = start.range.union(tokens[max(0, position - 1)].range)
        return dropoff
    }

    // why -> "WHY" funnel [ "USING" field { "," field } ]
    mutating func parseWhy() throws(Failure) -> WhySyntax {
        let start = advance()
        var funnel = try parseFunnel()
        var fields: [FieldRef] = []
        if acceptWord("USING") != nil {
            repeat {
                fields.append(try parseField())
            } while accept(.comma) != nil
            // Journey clauses may follow USING too (USING channel LIMIT 5).
            let before = position
            try parseJourneyClauses(into: &funnel)
            if position > before { funnel.range = funnel.range.union(tokens[position - 1].range) }
        }
        return WhySyntax(funnel: funnel, using: fields, range: start.range.union(tokens[max(0, position - 1)].range))
    }
}
