// CSV, JSON and JSON Lines as programs read them: units in column names, exact values, one valid document per run.
import Foundation
import JourneyEngine
import Testing

/// A funnel with a duration column and a column of durations that are all null.
private let timed = QueryResult(
    kind: .funnel, title: "FROM awareness\n  TO purchase",
    columns: [ColumnInfo("step", type: .integer), ColumnInfo("customers", type: .integer),
              ColumnInfo("pct_of_first", type: .percent, label: "% first"),
              ColumnInfo("median_time", type: .duration, label: "median"),
              ColumnInfo("p90_time", type: .duration, label: "p90")],
    rows: [
        [.int(1), .int(20_000), .percent(100), .null, .null],
        [.int(2), .int(4_120), .percent(100.0 / 3), .duration(90_500), .null],
    ],
    notes: ["read 20000 customers"])

private let channels = QueryResult(columns: ["channel", "events"],
                                   rows: [[.text("web"), .int(8_928)], [.text("say \"hi\""), .int(1)]])

@Suite("Rendering: program formats")
struct RenderingProgramFormatTests {
    @Test func csvWritesDurationsInSecondsAndNamesTheUnit() {
        let expected = """
            step,customers,pct_of_first,median_time_seconds,p90_time_seconds
            1,20000,100,,
            2,4120,33.3333,90.5,

            """
        #expect(ResultRenderer.render(timed, format: .csv) == expected)
        // A terminal changes nothing: no separators, no colour, no cut text.
        #expect(ResultRenderer.render(timed, format: .csv, options: .terminal(width: 20, color: true)) == expected)
    }

    @Test func csvHeadersAndNullTextAreOptions() {
        let options = RenderOptions(nullText: "NULL", headers: false)
        #expect(ResultRenderer.render(timed, format: .csv, options: options) == "1,20000,100,NULL,NULL\n2,4120,33.3333,90.5,NULL\n")
        // Thousands separators never reach CSV.
        #expect(!ResultRenderer.render(timed, format: .csv, options: RenderOptions(thousands: true)).contains("20,000"))
    }

    @Test func csvQuotesOnlyWhatRFC4180Requires() {
        let result = QueryResult(columns: ["plain", "comma,col", "quote"],
                                 rows: [[.text("a b"), .text("x,y"), .text("say \"hi\"")],
                                        [.text("line\nbreak"), .text("cr\rhere"), .null]])
        let expected = #"""
            plain,"comma,col",quote
            a b,"x,y","say ""hi"""
            "line
            break","cr\#rhere",

            """#
        #expect(ResultRenderer.render(result, format: .csv) == expected)
    }

    @Test func csvWritesExactValues() {
        let precise = QueryResult(columns: ["p", "d", "t", "n"],
                                  rows: [[.percent(100.0 / 3), .duration(1500.5), .time(1_706_695_200_123), .number(0.00001)]])
        #expect(ResultRenderer.render(precise, format: .csv)
                == "p,d_seconds,t,n\n33.3333,1.5005,2024-01-31T10:00:00.123Z,0.00001\n")
        // A name that already says seconds is left as it is.
        let named = QueryResult(columns: ["wait_seconds"], rows: [[.duration(2_000)]])
        #expect(ResultRenderer.render(named, format: .csv) == "wait_seconds\n2\n")
    }

    @Test func aColumnTypeIsReadFromItsCellsWhenNotGiven() {
        let result = QueryResult(columns: ["a", "b", "c", "d"],
                                 rows: [[.duration(1), .int(1), .null, .text("x")], [.null, .number(1.5), .null, .int(2)]])
        #expect(result.type(ofColumn: 0) == .duration)
        #expect(result.type(ofColumn: 1) == .number)
        #expect(result.type(ofColumn: 2) == .text)
        #expect(result.type(ofColumn: 3) == .text)
        #expect(ResultRenderer.render(result, format: .csv).hasPrefix("a_seconds,b,c,d\n"))
    }

    @Test func jsonIsOneDocumentWithTheResultsExactText() {
        let expected = """
            [
            {"title":"FROM awareness TO purchase","columns":["step","customers","pct_of_first","median_time_seconds","p90_time_seconds"],"rows":[
            {"step":1,"customers":20000,"pct_of_first":100,"median_time_seconds":null,"p90_time_seconds":null},
            {"step":2,"customers":4120,"pct_of_first":33.3333,"median_time_seconds":90.5,"p90_time_seconds":null}]}
            ]

            """
        #expect(ResultRenderer.render(timed, format: .json) == expected)
        #expect(ResultRenderer.render(timed, format: .json, options: .terminal(width: 20, color: true)) == expected)
    }

    @Test func jsonEscapesQuotesControlsAndKeepsUnicode() {
        let result = QueryResult(columns: ["k\"ey"],
                                 rows: [[.text("a\"b\\c\nd\te\u{1}f")], [.text("café 日本 😀")], [.number(.nan)],
                                        [.time(0)]])
        let expected = """
            [
            {"title":null,"columns":["k\\"ey"],"rows":[
            {"k\\"ey":"a\\"b\\\\c\\nd\\te\\u0001f"},
            {"k\\"ey":"café 日本 😀"},
            {"k\\"ey":null},
            {"k\\"ey":"1970-01-01T00:00:00Z"}]}
            ]

            """
        #expect(ResultRenderer.render(result, format: .json) == expected)
    }

    @Test func severalResultsMakeOneValidJSONDocument() throws {
        var writer = ResultWriter(format: .json)
        var text = writer.begin()
        for result in [timed, channels, QueryResult(columns: ["empty"], rows: [])] { text += writer.element(result) }
        text += writer.end()
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let results = try #require(parsed as? [[String: Any]])
        #expect(results.count == 3)
        #expect(results[0]["title"] as? String == "FROM awareness TO purchase")
        #expect(results[0]["columns"] as? [String]
                == ["step", "customers", "pct_of_first", "median_time_seconds", "p90_time_seconds"])
        let rows = try #require(results[0]["rows"] as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(rows[1]["median_time_seconds"] as? Double == 90.5)
        #expect(rows[1]["customers"] as? Int == 4120)
        #expect(rows[0]["median_time_seconds"] is NSNull)
        #expect(results[1]["title"] is NSNull)
        #expect((results[1]["rows"] as? [[String: Any]])?[1]["channel"] as? String == "say \"hi\"")
        #expect((results[2]["rows"] as? [Any])?.isEmpty == true)
        // A run without results is an empty array, still valid.
        let none = ResultWriter(format: .json)
        let empty = try JSONSerialization.jsonObject(with: Data((none.begin() + none.end()).utf8))
        #expect((empty as? [Any])?.isEmpty == true)
    }

    @Test func jsonLinesWriteAnObjectPerRowNamingItsResult() throws {
        var writer = ResultWriter(format: .jsonl)
        let text = writer.begin() + writer.element(timed) + writer.element(channels) + writer.end()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5)  // four rows and the empty string after the last newline
        #expect(lines.last == "")
        #expect(lines[0] == #"{"_result":1,"_title":"FROM awareness TO purchase","step":1,"customers":20000,"#
                + #""pct_of_first":100,"median_time_seconds":null,"p90_time_seconds":null}"#)
        #expect(lines[2] == #"{"_result":2,"_title":null,"channel":"web","events":8928}"#)
        for line in lines.dropLast() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["_result"] is Int)
        }
    }

    @Test func tablesAndMarkdownAreSetApartCSVIsNot() {
        var writer = ResultWriter(format: .table)
        let first = writer.element(channels)
        let second = writer.element(channels)
        #expect(second == "\n" + first)
        var csv = ResultWriter(format: .csv)
        #expect(csv.begin() + csv.element(channels) + csv.element(channels) + csv.end()
                == String(repeating: "channel,events\nweb,8928\n\"say \"\"hi\"\"\",1\n", count: 2))
        #expect(writer.count == 2)
    }
}
