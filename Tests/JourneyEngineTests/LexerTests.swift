// The lexer: each literal kind with its value and byte range, and each lexical error by id and range.
import Testing
import JourneyEngine

/// Tokens of `text` without the final `.end`, and the lexer's diagnostics.
private func lex(_ text: String) -> (tokens: [Token], diagnostics: [Diagnostic], insideString: Bool) {
    var lexer = Lexer(SourceText(text))
    var tokens = lexer.tokenize()
    #expect(tokens.last?.kind == .end)
    tokens.removeLast()
    return (tokens, lexer.diagnostics, lexer.endsInsideString)
}

private func kinds(_ text: String) -> [TokenKind] { lex(text).tokens.map(\.kind) }
private func ranges(_ text: String) -> [SourceRange] { lex(text).tokens.map(\.range) }

private let day: Int64 = 86_400_000
private let hour: Int64 = 3_600_000
/// 2024-01-31T00:00:00Z in milliseconds since the epoch.
private let jan31: Int64 = 1_706_659_200_000

@Suite("Lexer")
struct LexerTests {
    @Test func wordsKeepTheirSpellingAndRange() {
        let (tokens, diagnostics, _) = lex("FROM  awareness\tTO purchase_2")
        #expect(diagnostics.isEmpty)
        #expect(tokens.map(\.kind) == [.word("FROM"), .word("awareness"), .word("TO"), .word("purchase_2")])
        #expect(tokens.map(\.range) == [SourceRange(0, 4), SourceRange(6, 15), SourceRange(16, 18), SourceRange(19, 29)])
        #expect(tokens[0].isWord("from") && tokens[0].isWord("FrOm"))
        #expect(kinds("_x café") == [.word("_x"), .word("café")])
        // Ranges are UTF-8 byte offsets: 'é' is two bytes.
        #expect(ranges("café x") == [SourceRange(0, 5), SourceRange(6, 7)])
    }

    @Test func stringsResolveDoubledQuotes() {
        let (tokens, diagnostics, inside) = lex("'it''s' ''")
        #expect(diagnostics.isEmpty && !inside)
        #expect(tokens.map(\.kind) == [.string("it's"), .string("")])
        #expect(tokens.map(\.range) == [SourceRange(0, 7), SourceRange(8, 10)])
        #expect(kinds("'a -- not a comment'") == [.string("a -- not a comment")])
        #expect(kinds("'two\nlines'") == [.string("two\nlines")])
        #expect(kinds("''''") == [.string("'")])
    }

    @Test func numbers() {
        #expect(kinds("30 4.5 0 007") == [.number(30, text: "30"), .number(4.5, text: "4.5"), .number(0, text: "0"),
                                           .number(7, text: "007")])
        #expect(ranges("4.5 12") == [SourceRange(0, 3), SourceRange(4, 6)])
        // A minus is its own token; the parser makes it part of a value.
        #expect(kinds("-5") == [.symbol(.minus), .number(5, text: "5")])
        // '1.' is a number and a dot; '1..5' a range.
        #expect(kinds("1..5") == [.number(1, text: "1"), .symbol(.dotDot), .number(5, text: "5")])
        #expect(kinds("1.x") == [.number(1, text: "1"), .symbol(.dot), .word("x")])
    }

    @Test func shortDurations() {
        #expect(kinds("30d") == [.duration(30 * day)])
        #expect(kinds("2h 15m 1w 45s 500ms") == [.duration(2 * hour), .duration(15 * 60_000), .duration(7 * day),
                                                 .duration(45_000), .duration(500)])
        #expect(kinds("1.5h 3mo 1y") == [.duration(5_400_000), .duration(90 * day), .duration(365 * day)])
        #expect(kinds("2D") == [.duration(2 * day)])
        #expect(ranges("x 30d") == [SourceRange(0, 1), SourceRange(2, 5)])
        // With a space the unit is a separate word; the parser joins them.
        #expect(kinds("30 days") == [.number(30, text: "30"), .word("days")])
    }

    @Test func times() {
        #expect(kinds("2024-01-31") == [.time(jan31)])
        #expect(kinds("2024-01-31T10:00:00Z") == [.time(jan31 + 10 * hour)])
        #expect(kinds("2024-01-31T10:00:00+02:00") == [.time(jan31 + 8 * hour)])
        #expect(kinds("2024-01-31T10:00:00-0130") == [.time(jan31 + 11 * hour + 30 * 60_000)])
        #expect(kinds("2024-01-31T10:00") == [.time(jan31 + 10 * hour)])
        #expect(kinds("2024-01-31T10:00:00.250Z") == [.time(jan31 + 10 * hour + 250)])
        #expect(ranges("x 2024-01-31T10:00:00+02:00 y") == [SourceRange(0, 1), SourceRange(2, 27), SourceRange(28, 29)])
        // A range of dates.
        #expect(kinds("2024-01-01 .. 2024-01-31") == [.time(jan31 - 30 * day), .symbol(.dotDot), .time(jan31)])
    }

    @Test func parameters() {
        let (tokens, diagnostics, _) = lex("time >= $since_1")
        #expect(diagnostics.isEmpty)
        #expect(tokens.map(\.kind) == [.word("time"), .symbol(.greaterOrEqual), .parameter("since_1")])
        #expect(tokens[2].range == SourceRange(8, 16))
    }

    @Test func operatorsAndPunctuation() {
        #expect(kinds("= != <> < <= > >=") == [.symbol(.equal), .symbol(.notEqual), .symbol(.notEqual), .symbol(.less),
                                               .symbol(.lessOrEqual), .symbol(.greater), .symbol(.greaterOrEqual)])
        #expect(ranges("a<>b") == [SourceRange(0, 1), SourceRange(1, 3), SourceRange(3, 4)])
        #expect(kinds("a<=b>=c") == [.word("a"), .symbol(.lessOrEqual), .word("b"), .symbol(.greaterOrEqual), .word("c")])
        #expect(kinds("( ) [ ] , ; | ? . .. *") == [
            .symbol(.leftParen), .symbol(.rightParen), .symbol(.leftBracket), .symbol(.rightBracket), .symbol(.comma),
            .symbol(.semicolon), .symbol(.pipe), .symbol(.question), .symbol(.dot), .symbol(.dotDot), .symbol(.star),
        ])
    }

    @Test func commentsRunToTheEndOfTheLine() {
        let (tokens, diagnostics, _) = lex("FROM a -- the start\nTO b--end")
        #expect(diagnostics.isEmpty)
        #expect(tokens.map(\.kind) == [.word("FROM"), .word("a"), .word("TO"), .word("b")])
        #expect(tokens[2].range == SourceRange(20, 22))
        #expect(kinds("-- only a comment").isEmpty)
        // CRLF line ends are blanks.
        #expect(kinds("a\r\nb") == [.word("a"), .word("b")])
    }

    @Test func endTokenSitsAtTheEndOfTheText() {
        var lexer = Lexer(SourceText("FROM a  -- trailing"))
        let tokens = lexer.tokenize()
        #expect(tokens.last == Token(.end, SourceRange(19, 19)))
    }

    // MARK: Errors

    @Test func unterminatedString() {
        let (tokens, diagnostics, inside) = lex("x = 'abc")
        #expect(inside)
        #expect(tokens.last?.kind == .string("abc"))
        #expect(diagnostics.map(\.id) == ["lex.unterminated-string"])
        #expect(diagnostics.first?.range == SourceRange(4, 8))
        // A doubled quote at the end is an escaped quote, so the string is still open.
        #expect(lex("'it''").insideString)
    }

    @Test func unexpectedCharacterIsReportedAndSkipped() {
        let (tokens, diagnostics, _) = lex("a # b @@ c")
        #expect(tokens.map(\.kind) == [.word("a"), .word("b"), .word("c")])
        #expect(diagnostics.map(\.id) == Array(repeating: "lex.unexpected-character", count: 3))
        #expect(diagnostics.map(\.range) == [SourceRange(2, 3), SourceRange(6, 7), SourceRange(7, 8)])
        // A double-quoted name is not a string in this language.
        #expect(lex("\"web\"").diagnostics.map(\.range) == [SourceRange(0, 1), SourceRange(4, 5)])
    }

    @Test func strayDollar() {
        let (tokens, diagnostics, _) = lex("x = $ y")
        #expect(diagnostics.map(\.id) == ["lex.parameter"])
        #expect(diagnostics.first?.range == SourceRange(4, 5))
        #expect(tokens.map(\.kind) == [.word("x"), .symbol(.equal), .parameter(""), .word("y")])
    }

    @Test func numberGluedToLetters() {
        let (tokens, diagnostics, _) = lex("5abc 7")
        #expect(diagnostics.map(\.id) == ["lex.bad-number"])
        #expect(diagnostics.first?.range == SourceRange(0, 4))
        #expect(tokens.count == 2)
    }

    @Test func impossibleDates() {
        for text in ["2024-13-01", "2023-02-29", "2024-01-32", "2024-01-31T24:00:00Z", "2024-01-31T10:60"] {
            let (tokens, diagnostics, _) = lex(text)
            #expect(diagnostics.map(\.id) == ["lex.bad-time"], "\(text)")
            #expect(diagnostics.first?.range == SourceRange(0, text.utf8.count), "\(text)")
            #expect(tokens.count == 1, "\(text)")
        }
        #expect(lex("2024-02-29").diagnostics.isEmpty)
    }

    @Test func errorsDoNotStopTheLexer() {
        let (tokens, diagnostics, _) = lex("# 5x $ 2024-99-99 'open")
        #expect(diagnostics.map(\.id) == ["lex.unexpected-character", "lex.bad-number", "lex.parameter", "lex.bad-time",
                                          "lex.unterminated-string"])
        #expect(tokens.count == 4)
    }

    // MARK: Robustness

    /// Malformed input must never crash (LANGUAGE.md §6). Run in a child process so a crash fails this test
    /// instead of killing the whole run.
    @Test func longRunOfUnexpectedCharactersDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            var lexer = Lexer(SourceText(String(repeating: "#", count: 200_000)))
            let tokens = lexer.tokenize()
            precondition(tokens.count == 1 && lexer.diagnostics.count == 200_000)
        }
    }

    @Test func everyTokenRangeLiesInsideTheText() {
        var rng = SplitMix64(seed: 0x1E7E5)
        let pieces = ["FROM", " ", "'", "''", "x", "5", "d", "-", "--", "\n", "$", "2024-01-31", "T10:00", "Z", "+02",
                      ":", ".", "<", ">", "=", "!", "é", "#", "(", ")", "[", "]", ",", ";", "|", "\t", "7.5"]
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let count = text.utf8.count
            var lexer = Lexer(SourceText(text))
            let tokens = lexer.tokenize()
            var previousEnd = 0
            for token in tokens {
                #expect(token.range.start >= previousEnd && token.range.end <= count, "\(text.debugDescription)")
                previousEnd = token.range.end
            }
            for d in lexer.diagnostics {
                #expect(d.range.start >= 0 && d.range.end <= count, "\(text.debugDescription)")
            }
        }
    }
}

/// A small seeded generator so every random test can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
