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
                try parseMoreJourneyClauses(into: &funnel)
                if position == before { break }
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

    /// Journey clauses after a statement's options, merged into the journey's: a clause given before and after the
    /// options is given twice (EXCLUDING may repeat).
    mutating func parseMoreJourneyClauses(into funnel: inout FunnelSyntax) throws(Failure) {
        var more = FunnelSyntax(steps: [], within: nil, filter: nil, range: current.range)
        let first = current, before = position
        try parseJourneyClauses(into: &more)
        func twice(_ clause: String) throws(Failure) -> Never {
            diagnostics.append(.error(.parseDuplicateClause, "\(clause) is given twice", at: first.range,
                                      notes: ["each clause of a journey is given once, before or after the statement's options"]))
            throw Failure()
        }
        if let within = more.within { if funnel.within != nil { try twice("WITHIN") }; funnel.within = within }
        if let filter = more.filter { if funnel.filter != nil { try twice("WHERE") }; funnel.filter = filter }
        if more.directly { if funnel.directly { try twice("DIRECTLY") }; funnel.directly = true }
        if more.strictTime { if funnel.strictTime { try twice("STRICT TIME") }; funnel.strictTime = true }
        if more.tiesAnyOrder { if funnel.tiesAnyOrder { try twice("TIES ANY ORDER") }; funnel.tiesAnyOrder = true }
        if more.anyOrder { if funnel.anyOrder { try twice("IN ANY ORDER") }; funnel.anyOrder = true }
        if let same = more.same { if funnel.same != nil { try twice("SAME") }; funnel.same = same }
        if let range = more.start { if funnel.start != nil { try twice("a start range") }; funnel.start = range }
        if !more.breakdown.isEmpty { if !funnel.breakdown.isEmpty { try twice("BY") }; funnel.breakdown = more.breakdown }
        if let limit = more.limit { if funnel.limit != nil { try twice("LIMIT") }; funnel.limit = limit }
        if let segment = more.segment { if funnel.segment != nil { try twice("FOR") }; funnel.segment = segment }
        funnel.exclusions += more.exclusions
        if position > before { funnel.range = funnel.range.union(tokens[position - 1].range) }
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
            try parseMoreJourneyClauses(into: &funnel)
        }
        return WhySyntax(funnel: funnel, using: fields, range: start.range.union(tokens[max(0, position - 1)].range))
    }
}
