// The JSON Lines object parser: escapes, numbers kept as written, nested values compacted, and located errors.
import Testing
@testable import JourneyStore

@Suite struct JSONLineParserTests {
    static func parse(_ line: String) throws -> [JSONMember] {
        var line = line
        return try line.withUTF8 { try JSONLineParser.parseObject($0) }
    }

    static func failure(_ line: String) -> JSONLineError? {
        do {
            _ = try parse(line)
            return nil
        } catch {
            return error as? JSONLineError
        }
    }

    @Test func valuesAndEscapes() throws {
        let members = try Self.parse(#" { "a" : "x\"y\\z\/\n\t\u00e9\ud83d\ude00" , "n": -12.50e+3, "t": true, "f": false, "z": null, "o": { "k" : [1, {"q": "a b"}, []] }, "e": {} } "#)
        #expect(members.map(\.key) == ["a", "n", "t", "f", "z", "o", "e"])
        #expect(members[0].value == .string("x\"y\\z/\n\té😀"))
        #expect(members[1].value == .number("-12.50e+3"))
        #expect(members[2].value == .bool(true) && members[3].value == .bool(false) && members[4].value == .null)
        #expect(members[5].value == .composite(#"{"k":[1,{"q":"a b"},[]]}"#))
        #expect(members[6].value == .composite("{}"))
        #expect(members[0].keyOffset == 3 && members[1].valueOffset == 50)
        #expect(try Self.parse("{}").isEmpty)
        #expect(try Self.parse(#"{"a": 1, "a": 2}"#).map(\.value) == [.number("2")])
    }

    @Test(arguments: [
        (#"{"a": 01}"#, 7, "expected ',' or '}' after a member"),
        (#"{"a": 1,}"#, 8, "expected a member name in double quotes"),
        (#"{"a" 1}"#, 5, "expected ':' after the member name"),
        (#"{"a": "x}"#, 6, "unterminated string"),
        (#"{"a": "\q"}"#, 7, "invalid escape '\\q'"),
        (#"{"a": "\ud83d"}"#, 13, "unpaired surrogate in \\u escape"),
        (#"{"a": tru}"#, 6, "expected a value (a string, number, true, false, null, array or object)"),
        (#"{"a": [1, 2}"#, 11, "expected ',' or ']'"),
        (#"{"a": 1} x"#, 9, "unexpected text after the object"),
        (#"[1]"#, 0, "expected one JSON object per line (JSON Lines), found an array"),
        ("   ", 3, "empty line"),
        (#"{"a": -}"#, 6, "expected a value (a string, number, true, false, null, array or object)"),
        (#"{"a": 1.}"#, 8, "expected digits after '.'"),
    ] as [(String, Int, String)])
    func errorsAreLocated(_ line: String, _ offset: Int, _ message: String) {
        let error = Self.failure(line)
        #expect(error?.offset == offset)
        #expect(error?.message == message)
    }
}
