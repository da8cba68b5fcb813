// The one statement rule: a statement ends at `;` outside strings and comments, in every mode.
import Testing
@testable import JourneyEngine

@Suite("Statement splitter")
struct StatementSplitterTests {
    /// Feeds `lines` and returns every piece (the last one from `finish()`), as (text, first line).
    func split(_ lines: [String]) -> [(String, Int)] {
        var splitter = StatementSplitter()
        var out: [(String, Int)] = []
        for line in lines { out += splitter.add(line: line).map { ($0.text, $0.firstLine) } }
        if let last = splitter.finish() { out.append((last.text, last.firstLine)) }
        return out
    }

    @Test func aPastedStatementOverThreeLinesIsOneStatement() {
        let pieces = split(["FROM awareness TO purchase", "WITHIN 7 days", "WHERE channel = social;"])
        #expect(pieces.count == 1)
        #expect(pieces[0].0 == "FROM awareness TO purchase\nWITHIN 7 days\nWHERE channel = social;")
        #expect(pieces[0].1 == 1)
    }

    @Test func nothingEndsBeforeTheSemicolon() {
        var splitter = StatementSplitter()
        #expect(splitter.add(line: "FROM awareness TO purchase").isEmpty)
        #expect(!splitter.isAtBoundary)
        #expect(splitter.add(line: "WITHIN 7 days;").count == 1)
        #expect(splitter.isAtBoundary)
    }

    @Test func severalStatementsOnALineKeepTheirColumns() {
        let line = "SHOW STAGES; SHOW CHANNELS;  FROM a TO b"
        let pieces = split([line])
        // What came before a statement on its line is blanked, character for character.
        #expect(pieces.map(\.0) == ["SHOW STAGES;", String(repeating: " ", count: 12) + " SHOW CHANNELS;",
                                    String(repeating: " ", count: 27) + "  FROM a TO b\n"])
        #expect(pieces.map(\.1) == [1, 1, 1])
        let source = StatementPiece(text: pieces[2].0, firstLine: 1).source(name: "s")
        let from = line.utf8.count - "FROM a TO b".utf8.count
        #expect(source.location(of: from) == SourceLocation(line: 1, column: from + 1))
    }

    @Test func semicolonsInStringsAndCommentsDoNotEnd() {
        let pieces = split(["FROM a TO b WHERE campaign = 'x;y' -- not here;", "AND device = 'it''s;';", "SHOW STAGES;"])
        #expect(pieces.count == 2)
        #expect(pieces[0].0.hasSuffix("AND device = 'it''s;';"))
        #expect(pieces[1].1 == 3)
    }

    @Test func aStringMaySpanLines() {
        let pieces = split(["IMPORT 'a", ";b';", "SHOW STAGES;"])
        #expect(pieces.map(\.0) == ["IMPORT 'a\n;b';", "SHOW STAGES;"])
    }

    @Test func blankLinesCommentsAndEmptyStatementsGiveNothing() {
        #expect(split(["", "-- only a comment", "  ;  ;", ""]).isEmpty)
    }

    @Test func lineNumbersCountEveryLine() {
        let pieces = split(["", "-- a comment", "", "FROM a", "TO b;", "", "SHOW STAGES"])
        #expect(pieces.map(\.1) == [4, 7])
        let source = StatementPiece(text: pieces[0].0, firstLine: pieces[0].1).source(name: "s")
        #expect(source.location(of: 7) == SourceLocation(line: 5, column: 1))
        #expect(source.line(5) == "TO b;")
    }

    @Test func aLeadingByteOrderMarkIsDropped() {
        #expect(split(["\u{FEFF}SHOW STAGES"]).map(\.0) == ["SHOW STAGES\n"])
    }

    @Test func resetDropsAHalfTypedStatement() {
        var splitter = StatementSplitter()
        _ = splitter.add(line: "FROM awareness TO 'purch")
        splitter.reset()
        #expect(splitter.isAtBoundary)
        #expect(splitter.add(line: "SHOW STAGES;").map(\.text) == ["SHOW STAGES;"])
    }

    /// 32,000 statements are cut in one pass: linear, where re-lexing the pending text per line was quadratic.
    @Test func aLongScriptIsCutInLinearTime() {
        var splitter = StatementSplitter()
        var count = 0
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<32_000 { count += splitter.add(line: "SHOW CHANNELS;").count }
            for _ in 0..<32_000 { count += splitter.add(line: "").count }
        }
        #expect(count == 32_000)
        #expect(elapsed < .seconds(5))  // about 0.05 s; the quadratic reading took over 20 s for 8,000 lines
    }
}
