// Parsing the customers behind a journey's numbers: CUSTOMERS, SEGMENT name AS CUSTOMERS ..., SHOW CUSTOMER id.
import JourneyStore

extension Parser {
    /// The `CUSTOMERS ...` text of a stored behavioural segment, parsed on its own (the whole text must be one).
    package static func parseCustomersDefinition(_ source: SourceText, parameters: [String: String] = [:])
        -> (customers: CustomersSyntax?, diagnostics: [Diagnostic]) {
        var parser = Parser(source, parameters: parameters)
        do {
            let customers = try parser.parseCustomers()
            if !parser.atEnd {
                throw parser.fail(.parseExpectedEnd, "expected the end of the segment's CUSTOMERS, found \(parser.current.display)")
            }
            return (parser.diagnostics.contains { $0.severity == .error } ? nil : customers, parser.diagnostics)
        } catch {
            return (nil, parser.diagnostics)
        }
    }

    /// Whether a stored segment's text is a behavioural one (`CUSTOMERS FROM ...`) rather than a condition:
    /// CUSTOMERS is reserved, so no condition starts with it.
    package static func isCustomersText(_ text: String) -> Bool {
        var lexer = Lexer(SourceText(text))
        return lexer.tokenize().first?.isWord("CUSTOMERS") == true
    }

    // customers -> "CUSTOMERS" funnel { customer_pick | "ORDER" "BY" order_key [ "DESC" ] | clause }
    mutating func parseCustomers() throws(Failure) -> CustomersSyntax {
        let start = try expectWord("CUSTOMERS", "to list a journey's customers")
        guard current.isWord("FROM") else {
            throw fail(.parseExpected, "expected FROM after CUSTOMERS, found \(current.display)",
                       notes: ["CUSTOMERS takes a journey: CUSTOMERS FROM cart_add TO checkout_complete LOST AT 1"])
        }
        var result = CustomersSyntax(journey: try parseFunnel(), range: start.range)
        var orderSeen = false
        while true {
            let token = current
            if let (pick, range) = try parseCustomerPick() {
                if result.pickRange != nil {
                    diagnostics.append(.error(.parseDuplicateClause, "CUSTOMERS takes one pick (AT, LOST AT, LOST, CONVERTED or IN PROGRESS)",
                                              at: range))
                    throw Failure()
                }
                result.pick = pick
                result.pickRange = range
            } else if current.isWord("ORDER"), tokens[position + 1].isWord("BY") {
                if orderSeen {
                    diagnostics.append(.error(.parseDuplicateClause, "ORDER BY is given twice", at: token.range))
                    throw Failure()
                }
                orderSeen = true
                _ = advance()
                _ = advance()
                guard let word = current.word, let key = CustomerOrderKey(rawValue: word.lowercased()) else {
                    throw fail(.parseExpected, "expected start, reached or customer after ORDER BY, found \(current.display)",
                               closeTo: current.word.flatMap {
                                   Suggestions.nearest(to: $0.lowercased(), among: CustomerOrderKey.allCases.map(\.rawValue)).first
                               })
                }
                _ = advance()
                result.order = key
                result.descending = acceptWord("DESC") != nil
            } else {
                // Journey clauses may follow the pick or ORDER BY too (... LOST AT 2 LIMIT 20).
                let before = position
                try parseJourneyClauses(into: &result.journey)
                if position == before { break }
            }
        }
        result.range = start.range.union(tokens[max(0, position - 1)].range)
        return result
    }

    // customer_pick -> "AT" number | "LOST" [ "AT" number ] | "CONVERTED" | "IN" "PROGRESS"
    /// A pick, or nil when the current words start none (nothing is consumed then).
    mutating func parseCustomerPick() throws(Failure) -> (CustomerPickSyntax, SourceRange)? {
        let start = current.range
        func stepNumber(_ after: String) throws(Failure) -> (Int, SourceRange) {
            guard case .number(let n, _) = current.kind, n >= 0, n == n.rounded(), n < 1e9 else {
                throw fail(.parseExpectedStep, "expected a step number after \(after), such as \(after) 2; found \(current.display)")
            }
            return (Int(n), advance().range)
        }
        if acceptWord("AT") != nil {
            let (k, range) = try stepNumber("AT")
            return (.at(k, range), start.union(range))
        }
        if acceptWord("LOST") != nil {
            if acceptWord("AT") != nil {
                let (k, range) = try stepNumber("LOST AT")
                return (.lostAt(k, range), start.union(range))
            }
            return (.lost, start)
        }
        if acceptWord("CONVERTED") != nil { return (.converted, start) }
        if current.isWord("IN"), tokens[position + 1].isWord("PROGRESS") {
            _ = advance()
            return (.inProgress, start.union(advance().range))
        }
        return nil
    }

    // show_customer -> "SHOW" "CUSTOMER" ( name | number )
    mutating func parseShowCustomer() throws(Failure) -> StatementSyntax {
        let start = try expectWord("SHOW", "")
        _ = try expectWord("CUSTOMER", "after SHOW")
        let id = try parseCustomerID()
        return .showCustomer(id, range: start.range.union(id.range))
    }
}
