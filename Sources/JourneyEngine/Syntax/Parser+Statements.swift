// Statements other than journeys: IMPORT (and the definitions to come).
import JourneyStore

extension Parser {
    // import -> "IMPORT" [ "CUSTOMERS" ] string { "," string } [ "MAP" mapping { "," mapping } ]
    // mapping -> name "=" name
    mutating func parseImport() throws(Failure) -> ImportSyntax {
        let start = try expectWord("IMPORT", "")
        let customers = acceptWord("CUSTOMERS") != nil
        var files: [Name] = []
        repeat {
            guard case .string(let path) = current.kind else {
                throw fail(.parseExpected, "expected a quoted file name such as 'events.csv', found \(current.display)")
            }
            files.append(Name(path, advance().range, quoted: true))
        } while accept(.comma) != nil
        var mapping: [(field: Name, column: Name)] = []
        if acceptWord("MAP") != nil {
            repeat {
                let field = try parseName("a field (customer, time, touchpoint, stage, channel)")
                _ = try expect(.equal, "'=' between the field and its column")
                let column = try parseName("a column name")
                mapping.append((field, column))
            } while accept(.comma) != nil
        }
        return ImportSyntax(files: files, customers: customers, mapping: mapping,
                            range: start.range.union(tokens[max(0, position - 1)].range))
    }
}

extension Parser {
    static let definitionKeywords = ["DEFINE", "LET", "SEGMENT", "SET", "DROP"]

    // definition -> "DEFINE" "STAGE" name ( "AS" | "=" ) condition
    //             | "LET" name ( "=" | "AS" ) condition
    //             | "SEGMENT" name ( "AS" | "=" ) condition
    //             | "DROP" ( "STAGE" | "LET" | "SEGMENT" ) name
    //             | "SET" "STAGES" name { "," name }
    //             | "SET" "NOW" "=" value
    /// A definition statement, or nil when the current word starts none (nothing is consumed then).
    mutating func parseDefinitionStatement() throws(Failure) -> DefinitionSyntax? {
        let start = current
        if acceptWord("DEFINE") != nil {
            let kind = try parseDefinitionKind(after: "DEFINE")
            return try parseDefinitionBody(kind, start: start)
        }
        if acceptWord("LET") != nil { return try parseDefinitionBody(.condition, start: start) }
        if acceptWord("SEGMENT") != nil { return try parseDefinitionBody(.segment, start: start) }
        if acceptWord("DROP") != nil {
            let kind = try parseDefinitionKind(after: "DROP")
            let name = try parseName("the name of the \(kind.keyword) to drop")
            return .drop(kind, name, range: start.range.union(name.range))
        }
        if acceptWord("SET") != nil {
            if acceptWord("STAGES") != nil {
                var names = [try parseName("a stage name")]
                while accept(.comma) != nil { names.append(try parseName("a stage name")) }
                return .setStages(names, range: start.range.union(names[names.count - 1].range))
            }
            if acceptWord("NOW") != nil {
                _ = try expect(.equal, "'=' after SET now")
                let value = try parseValue()
                return .setNow(value, range: start.range.union(value.range))
            }
            throw fail(.parseExpected, "expected STAGES or now after SET, found \(current.display)",
                       notes: ["SET STAGES awareness, consideration, purchase  or  SET now = 2024-06-30"])
        }
        return nil
    }

    /// `STAGE`, `LET` or `SEGMENT` after DEFINE or DROP.
    mutating func parseDefinitionKind(after keyword: String) throws(Failure) -> DefinitionKind {
        for kind in DefinitionKind.allCases where acceptWord(kind.keyword) != nil { return kind }
        throw fail(.parseExpected, "expected STAGE, LET or SEGMENT after \(keyword), found \(current.display)",
                   closeTo: current.word.flatMap {
                       Suggestions.nearest(to: $0, among: DefinitionKind.allCases.map(\.keyword), caseInsensitive: true).first
                   })
    }

    /// `name AS condition` (or `name = condition`).
    mutating func parseDefinitionBody(_ kind: DefinitionKind, start: Token) throws(Failure) -> DefinitionSyntax {
        let name = try parseName("a name for the \(kind.keyword)")
        if acceptWord("AS") == nil, accept(.equal) == nil {
            throw fail(.parseExpected, "expected \(kind == .condition ? "'='" : "AS") after \(name.text), found \(current.display)",
                       notes: [kind == .condition ? "LET social = channel IN (social, paid_social)"
                                   : kind == .stage ? "DEFINE STAGE purchase AS touchpoint IN (order_paid, checkout_complete)"
                                   : "SEGMENT b2b AS customer.segment = 'b2b'"])
        }
        let first = current.range
        // SEGMENT name AS CUSTOMERS <journey> [pick]: a behavioural segment (Parser+Customers.swift).
        if kind == .segment, current.isWord("CUSTOMERS") {
            let customers = try parseCustomers()
            return .segmentAsCustomers(name, customers, text: customers.range, range: start.range.union(customers.range))
        }
        let condition = try parseCondition()
        let text = first.union(tokens[max(0, position - 1)].range)
        return .define(kind, name, condition, text: text, range: start.range.union(text))
    }
}
