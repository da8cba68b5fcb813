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
                throw fail("parse.expected", "expected a quoted file name such as 'events.csv', found \(current.display)")
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
