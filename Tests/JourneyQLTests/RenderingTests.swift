// Rendered output of small hand-built results, compared to exact text in every format.
import Testing
import JourneyQL

/// A three-step funnel with each kind of cell, shared by the format tests.
private let funnel = QueryResult(
    kind: .funnel, title: "awareness → purchase",
    columns: ["step", "customers", "% of first", "median time"],
    rows: [
        [.text("awareness"), .int(2000), .percent(100), .null],
        [.text("consideration"), .int(1100), .percent(55), .duration(2_710_400)],
        [.text("purchase"), .int(412), .percent(20.6), .duration(183_600_000)],
    ],
    notes: ["2000 customers scanned"], barColumn: 1)

@Suite("Rendering")
struct RenderingTests {
    @Test func tableAlignsTextLeftAndNumbersRight() {
        let expected = """
            awareness → purchase
            ┌───────────────┬───────────┬────────────┬─────────────┐
            │     step      │ customers │ % of first │ median time │
            ├───────────────┼───────────┼────────────┼─────────────┤
            │ awareness     │      2000 │     100.0% │             │
            │ consideration │      1100 │      55.0% │     45m 10s │
            │ purchase      │       412 │      20.6% │       2d 3h │
            └───────────────┴───────────┴────────────┴─────────────┘
            2000 customers scanned

            """
        #expect(ResultRenderer.render(funnel, format: .table, terminal: false) == expected)
    }

    @Test func terminalFunnelGetsBarsScaledToTheFirstRow() {
        let result = QueryResult(kind: .funnel, columns: ["step", "n"],
                                 rows: [[.text("a"), .int(8)], [.text("b"), .int(4)], [.text("c"), .int(1)]],
                                 barColumn: 1)
        let expected = """
            ┌──────┬───┐
            │ step │ n │
            ├──────┼───┤
            │ a    │ 8 │ ████████
            │ b    │ 4 │ ████
            │ c    │ 1 │ █
            └──────┴───┘

            """
        #expect(TableRenderer(drawBars: true, barWidth: 8).render(result) == expected)
        // Not a terminal, or not a funnel: no bars.
        #expect(!ResultRenderer.render(result, format: .table, terminal: false).contains("█"))
        var table = result
        table.kind = .table
        #expect(!ResultRenderer.render(table, format: .table, terminal: true).contains("█"))
    }

    @Test func barsShrinkToFitTheTerminal() {
        let result = QueryResult(kind: .funnel, columns: ["n"], rows: [[.int(8)], [.int(4)]], barColumn: 0)
        // The table is 5 columns wide; 5 + a space + 4 fits bars of 4.
        let lines = ResultRenderer.render(result, format: .table, terminal: true, terminalWidth: 10).split(separator: "\n")
        #expect(lines[3] == "│ 8 │ ████")
        #expect(lines[4] == "│ 4 │ ██")
        // Too narrow for a useful chart: none at all.
        #expect(!ResultRenderer.render(result, format: .table, terminal: true, terminalWidth: 9).contains("█"))
    }

    @Test func partialBarsUseEighthBlocks() {
        let result = QueryResult(kind: .funnel, columns: ["n"], rows: [[.int(16)], [.int(3)]], barColumn: 0)
        let lines = TableRenderer(drawBars: true, barWidth: 8).render(result).split(separator: "\n")
        #expect(lines[3] == "│ 16 │ ████████")
        #expect(lines[4] == "│  3 │ █▌")
    }

    @Test func asciiTableAndWideCharacters() {
        let result = QueryResult(columns: ["name", "x"],
                                 rows: [[.text("日本"), .number(1.5)], [.text("e\u{301}te\u{301}"), .number(10)]])
        let expected = """
            +------+-------+
            | name |   x   |
            +------+-------+
            | 日本 |  1.50 |
            | e\u{301}te\u{301}  | 10.00 |
            +------+-------+

            """
        #expect(TableRenderer(style: .ascii).render(result) == expected)
    }

    @Test func tableKeepsEachCellOnOneLine() {
        let result = QueryResult(columns: ["a"], rows: [[.text("one\ntwo\tthree\u{1B}")]])
        #expect(ResultRenderer.render(result, format: .table).contains("│ one\\ntwo\\tthree\\x1B │"))
    }

    @Test func aTitleTypedOverSeveralLinesIsShownOnOne() {
        let result = QueryResult(title: "FROM awareness\n   TO purchase", columns: [], rows: [], notes: ["n"])
        #expect(ResultRenderer.render(result, format: .table) == "FROM awareness TO purchase\nn\n")
    }

    @Test func emptyResultDrawsHeaderOnly() {
        let result = QueryResult(columns: ["customer"], rows: [])
        #expect(ResultRenderer.render(result, format: .table) == "┌──────────┐\n│ customer │\n├──────────┤\n└──────────┘\n")
        #expect(ResultRenderer.render(result, format: .csv) == "customer\n")
        #expect(ResultRenderer.render(result, format: .json) == "[]\n")
        #expect(ResultRenderer.render(result, format: .markdown) == "| customer |\n| -------- |\n")
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
        let expected = """
            step,customers,% of first,median time
            awareness,2000,100,
            consideration,1100,55,2710.4
            purchase,412,20.6,183600

            """
        #expect(ResultRenderer.render(funnel, format: .csv, terminal: true) == expected)
        let precise = QueryResult(columns: ["p", "d", "t", "n"],
                                  rows: [[.percent(100.0 / 3), .duration(1500.5), .time(1_706_695_200_123), .number(0.00001)]])
        #expect(ResultRenderer.render(precise, format: .csv) == "p,d,t,n\n33.3333,1.5005,2024-01-31T10:00:00.123Z,0.00001\n")
    }

    @Test func jsonIsAnArrayOfRowObjects() {
        let expected = """
            [{"step":"awareness","customers":2000,"% of first":100,"median time":null},
            {"step":"consideration","customers":1100,"% of first":55,"median time":2710.4},
            {"step":"purchase","customers":412,"% of first":20.6,"median time":183600}]

            """
        #expect(ResultRenderer.render(funnel, format: .json, terminal: true) == expected)
    }

    @Test func jsonEscapesQuotesControlsAndKeepsUnicode() {
        let result = QueryResult(columns: ["k\"ey"],
                                 rows: [[.text("a\"b\\c\nd\te\u{1}f")], [.text("café 日本 😀")], [.number(.nan)],
                                        [.time(0)]])
        let expected = """
            [{"k\\"ey":"a\\"b\\\\c\\nd\\te\\u0001f"},
            {"k\\"ey":"café 日本 😀"},
            {"k\\"ey":null},
            {"k\\"ey":"1970-01-01T00:00:00Z"}]

            """
        #expect(ResultRenderer.render(result, format: .json) == expected)
    }

    @Test func markdownIsAPaddedPipeTable() {
        let expected = """
            | step          | customers | % of first | median time |
            | ------------- | --------: | ---------: | ----------: |
            | awareness     |      2000 |     100.0% |             |
            | consideration |      1100 |      55.0% |     45m 10s |
            | purchase      |       412 |      20.6% |       2d 3h |

            """
        #expect(ResultRenderer.render(funnel, format: .markdown) == expected)
        let piped = QueryResult(columns: ["a|b"], rows: [[.text("x|y\nz")]])
        #expect(ResultRenderer.render(piped, format: .markdown) == "| a\\|b      |\n| --------- |\n| x\\|y<br>z |\n")
    }

    @Test(arguments: [
        (0.0, "0s"), (350, "350ms"), (999.6, "1s"), (12_400, "12s"), (59_600, "1m"), (2_710_400, "45m 10s"),
        (10_800_000, "3h"), (86_380_000, "1d"), (183_600_000, "2d 3h"), (-5_000, "-5s"),
    ])
    func durationsReadAsTheirTwoLargestUnits(ms: Double, text: String) {
        #expect(CellFormatting.humanDuration(milliseconds: ms) == text)
    }

    @Test func timesAreISO8601InUTC() {
        #expect(CellFormatting.isoTime(milliseconds: 951_782_400_000) == "2000-02-29T00:00:00Z")
        #expect(CellFormatting.isoTime(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }

    @Test func numbersAndPercents() {
        #expect(CellFormatting.humanPercent(45.25) == "45.3%")
        #expect(CellFormatting.humanPercent(0) == "0.0%")
        #expect(CellFormatting.exactNumber(0.1 + 0.2) == "0.30000000000000004")
        #expect(CellFormatting.exactNumber(45.123456, maxDecimals: 4) == "45.1235")
        #expect(CellFormatting.exactNumber(-0.0) == "0")
        #expect(CellFormatting.groupedInteger(123_456) == "123,456")
        #expect(CellFormatting.groupedInteger(-1_234) == "-1,234")
    }

    @Test func formatNamesParse() {
        #expect(OutputFormat(name: "JSON") == .json)
        #expect(OutputFormat(name: "box") == nil)
    }
}
