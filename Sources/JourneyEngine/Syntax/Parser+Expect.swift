// EXPECT: a guard on the previous result. Its words (ROWS, RESULT, AT, STEP, ROW) are keywords only here.
import JourneyStore

extension Parser {
    // expect -> "EXPECT" ( "ROWS" expected
    //                    | "RESULT" "=" string
    //                    | result_column [ row_pick ] [ "WHERE" key_match { "AND" key_match } ] expected )
    mutating func parseExpect() throws(Failure) -> ExpectSyntax {
        let start = try expectWord("EXPECT", "")
        // ROWS and RESULT right after EXPECT are the two forms; a column called so is written quoted.
        if acceptWord("ROWS") != nil {
            let expected = try parseExpected(after: "ROWS")
            return .rows(expected, range: start.range.union(previousRange))
        }
        if acceptWord("RESULT") != nil {
            _ = try expect(.equal, "'=' after EXPECT RESULT")
            guard case .string(let text) = current.kind else {
                throw fail(.parseExpected, "expected a quoted file name such as 'expected/funnel.csv' after EXPECT RESULT =, found \(current.display)",
                           notes: ["or the CSV itself in quotes, starting on the line after the opening quote"])
            }
            let file = Name(text, advance().range, quoted: true)
            return .result(file, range: start.range.union(file.range))
        }
        let column = try parseResultColumn("a column of the previous result (customers, pct_of_first, ...), ROWS or RESULT after EXPECT")
        var selection = RowSelectionSyntax()
        // row_pick -> "AT" ( "STEP" step_reference | "ROW" number )
        if acceptWord("AT") != nil {
            if acceptWord("STEP") != nil {
                try bindValueParameter()
                selection.step = try parseStepReference()
            } else if acceptWord("ROW") != nil {
                try bindLiteralParameter("a row number")
                guard case .number(let n, _) = current.kind, n >= 1, n == n.rounded(), n <= 1e9 else {
                    throw fail(.parseExpectedRow, "expected a row number from 1 after AT ROW, found \(current.display)")
                }
                selection.row = (Int(n), advance().range)
            } else {
                throw fail(.parseExpected, "expected STEP or ROW after AT, found \(current.display)",
                           notes: ["AT STEP 2, AT STEP purchase or AT ROW 3"])
            }
        }
        if acceptWord("WHERE") != nil {
            repeat {
                selection.keys.append(try parseKeyMatch())
            } while acceptWord("AND") != nil
        }
        let expected = try parseExpected(after: column.text)
        return .value(column: column, selection: selection, expected: expected, range: start.range.union(previousRange))
    }

    // key_match -> result_column ( "=" value | "IS" "NULL" )
    mutating func parseKeyMatch() throws(Failure) -> KeyMatchSyntax {
        let column = try parseResultColumn("a column of the previous result (channel, month, ...) after WHERE")
        if acceptWord("IS") != nil {
            let null = try expectWord("NULL", "after IS (a group whose key is missing)")
            return KeyMatchSyntax(column: column, value: nil, range: column.range.union(null.range))
        }
        _ = try expect(.equal, "'=' or IS NULL after \(column.text)")
        let value = try parseExpectValue()
        return KeyMatchSyntax(column: column, value: value, range: column.range.union(value.range))
    }

    // result_column -> word [ "." word ] | string
    /// A column name: any word, keywords included (`customers` is one), `customer.segment` as a BY key names its
    /// column, or a quoted name.
    mutating func parseResultColumn(_ what: String) throws(Failure) -> Name {
        switch current.kind {
        case .word(let w):
            let first = advance()
            guard check(.dot), case .word(let attribute) = tokens[position + 1].kind else { return Name(w, first.range) }
            _ = advance()
            return Name(w + "." + attribute, first.range.union(advance().range))
        case .string(let s): return Name(s, advance().range, quoted: true)
        default: throw fail(.parseExpected, "expected \(what), found \(current.display)")
        }
    }

    // expected -> operator value | "BETWEEN" value "AND" value | "IS" [ "NOT" ] "NULL"
    mutating func parseExpected(after subject: String) throws(Failure) -> ExpectedSyntax {
        if acceptWord("BETWEEN") != nil {
            let low = try parseExpectValue()
            _ = try expectWord("AND", "between the bounds of BETWEEN")
            return .between(low, try parseExpectValue())
        }
        if acceptWord("IS") != nil {
            let negated = acceptWord("NOT") != nil
            _ = try expectWord("NULL", negated ? "after IS NOT" : "or NOT NULL after IS")
            return .isNull(negated: negated)
        }
        guard let op = Parser.comparison(current) else {
            throw fail(.parseExpectedOperator,
                       "expected what \(subject) should be (=, !=, <, <=, >, >=, BETWEEN a AND b, IS NULL), found \(current.display)",
                       notes: ["EXPECT customers AT STEP 2 BETWEEN 400 AND 450"])
        }
        _ = advance()
        return .compare(op, try parseExpectValue())
    }

    /// A value in an EXPECT, a `$name` bound in place first.
    mutating func parseExpectValue() throws(Failure) -> Value {
        try bindValueParameter()
        return try parseValue()
    }

    /// Where an EXPECT takes a value and the current token is `$name`: the bound value's tokens when it is one
    /// literal (see `literalTokens`, and a negative number), else the value as a quoted string, so `$channel`
    /// bound to `social` compares as text. Either way the value adds no syntax to the statement.
    mutating func bindValueParameter() throws(Failure) {
        guard case .parameter(let name) = current.kind else { return }
        guard let value = parameters[name] else {
            throw fail(.checkUnboundParameter, "parameter $\(name) has no value",
                       notes: ["bind it with --param \(name)=VALUE, or .param \(name) VALUE in the REPL"])
        }
        let range = current.range
        var lexed = [Token(.string(value), range)]
        if let literal = Parser.literalTokens(value) {
            lexed = literal
        } else if value.hasPrefix("-"), let literal = Parser.literalTokens(String(value.dropFirst())),
                  literal.count == 1, case .number = literal[0].kind {
            lexed = [Token(.symbol(.minus), range)] + literal
        }
        tokens.replaceSubrange(position...position, with: lexed.map { Token($0.kind, range) })
    }

    /// The range of the last token consumed.
    var previousRange: SourceRange { tokens[max(0, position - 1)].range }
}
