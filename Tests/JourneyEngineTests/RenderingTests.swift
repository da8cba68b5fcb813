// Rendered output of small hand-built results, compared to exact text in every format.
import Testing
import JourneyEngine

/// A three-step funnel with each kind of cell, shared by the format tests. The median is a duration column that a
/// narrow table drops first; the bars rank after the percentages.
private let funnel = QueryResult(
    kind: .funnel, title: "awareness → purchase",
    columns: [ColumnInfo("step", type: .text), ColumnInfo("customers", type: .integer),
              ColumnInfo("pct_of_first", type: .percent, label: "% of first", priority: 1),
              ColumnInfo("median_time", type: .duration, label: "median time", priority: 3)],
    rows: [
        [.text("awareness"), .int(20_000), .percent(100), .null],
        [.text("consideration"), .int(11_000), .percent(55), .duration(2_710_400)],
        [.text("purchase"), .int(4_120), .percent(20.6), .duration(183_600_000)],
    ],
    notes: ["20000 customers scanned"], barColumn: 1, barPriority: 2)

private func table(_ result: QueryResult, _ options: RenderOptions = RenderOptions(), maxBarWidth: Int = 30) -> String {
    TableRenderer(options: options, maxBarWidth: maxBarWidth).render(result)
}

@Suite("Rendering")
struct RenderingTests {
    @Test func tableAlignsTextLeftAndNumbersRightWithThousandsSeparators() {
        let expected = """
            awareness → purchase
            ┌───────────────┬───────────┬────────────┬─────────────┐
            │     step      │ customers │ % of first │ median time │
            ├───────────────┼───────────┼────────────┼─────────────┤
            │ awareness     │    20,000 │     100.0% │             │
            │ consideration │    11,000 │      55.0% │     45m 10s │
            │ purchase      │     4,120 │      20.6% │       2d 3h │
            └───────────────┴───────────┴────────────┴─────────────┘
            20000 customers scanned

            """
        #expect(ResultRenderer.render(funnel, format: .table) == expected)
        // Unlimited width, expanded mode auto: the whole table, never records.
        #expect(table(funnel, RenderOptions(width: nil, expanded: .auto)) == expected)
    }

    @Test func thousandsSeparatorsNullTextAndHeadersAreOptions() {
        // Without headers a column is as wide as its cells.
        let expected = """
            awareness → purchase
            ┌───────────────┬───────┬────────┬─────────┐
            │ awareness     │ 20000 │ 100.0% │    NULL │
            │ consideration │ 11000 │  55.0% │ 45m 10s │
            │ purchase      │  4120 │  20.6% │   2d 3h │
            └───────────────┴───────┴────────┴─────────┘
            20000 customers scanned

            """
        #expect(table(funnel, RenderOptions(nullText: "NULL", headers: false, thousands: false)) == expected)
    }

    @Test func aNarrowTableLeavesOutTheLowestPriorityColumnsAndSaysSo() {
        // step (cut from 13 to 11), customers and % of first fill 40 columns exactly; the median does not fit.
        let expected = """
            awareness → purchase
            ┌─────────────┬───────────┬────────────┐
            │    step     │ customers │ % of first │
            ├─────────────┼───────────┼────────────┤
            │ awareness   │    20,000 │     100.0% │
            │ considerat… │    11,000 │      55.0% │
            │ purchase    │     4,120 │      20.6% │
            └─────────────┴───────────┴────────────┘
            4 columns, 3 shown (hidden: median time)
            20000 customers scanned

            """
        #expect(table(funnel, RenderOptions(width: 40)) == expected)
        // The front end may say how to see the rest; the note wraps at the width.
        let hinted = table(funnel, RenderOptions(width: 40, hiddenColumnsHint: ".expanded on shows them all"))
        #expect(hinted.contains("4 columns, 3 shown (hidden: median\ntime); .expanded on shows them all\n"))
    }

    @Test func barsTakeTheRoomLeftBesideTheTable() {
        // The whole table is 56 columns; at 70 the bars (12 at least, after a space) get 13 columns.
        let expected = """
            awareness → purchase
            ┌───────────────┬───────────┬────────────┬─────────────┐
            │     step      │ customers │ % of first │ median time │
            ├───────────────┼───────────┼────────────┼─────────────┤
            │ awareness     │    20,000 │     100.0% │             │ █████████████
            │ consideration │    11,000 │      55.0% │     45m 10s │ ███████▏
            │ purchase      │     4,120 │      20.6% │       2d 3h │ ██▋
            └───────────────┴───────────┴────────────┴─────────────┘
            20000 customers scanned

            """
        #expect(table(funnel, .terminal(width: 70, color: false)) == expected)
        // At 60 the bars (priority 2) come before the median (priority 3): the median is left out for them, and
        // the bars get the 17 columns left beside a table of 42.
        let at60 = table(funnel, .terminal(width: 60, color: false))
        #expect(at60.contains("│ consideration │    11,000 │      55.0% │ █████████▍\n"))
        #expect(at60.contains("4 columns, 3 shown (hidden: median time)"))
        // Bars are asked for: none by default, and none in a pipe unless asked.
        #expect(!table(funnel, RenderOptions(width: 70)).contains("█"))
    }

    @Test func barsAreScaledToTheLargestValue() {
        let result = QueryResult(columns: ["bucket", "n"],
                                 rows: [[.text("a"), .int(2)], [.text("b"), .int(8)], [.text("c"), .int(1)]],
                                 barColumn: 1)
        let expected = """
            ┌────────┬───┐
            │ bucket │ n │
            ├────────┼───┤
            │ a      │ 2 │ ██
            │ b      │ 8 │ ████████
            │ c      │ 1 │ █
            └────────┴───┘

            """
        #expect(table(result, RenderOptions(bars: true), maxBarWidth: 8) == expected)
    }

    @Test func partialBarsUseEighthBlocksAndASCIIUsesHashes() {
        let result = QueryResult(kind: .funnel, columns: ["n"], rows: [[.int(16)], [.int(3)]], barColumn: 0)
        let lines = table(result, RenderOptions(bars: true), maxBarWidth: 8).split(separator: "\n")
        #expect(lines[3] == "│ 16 │ ████████")
        #expect(lines[4] == "│  3 │ █▌")
        let ascii = table(result, RenderOptions(bars: true, style: .ascii), maxBarWidth: 8).split(separator: "\n")
        #expect(ascii[3] == "| 16 | ########")
        #expect(ascii[4] == "|  3 | ##")
    }

    @Test func expandedModeDrawsARecordPerRow() {
        let expected = """
            awareness → purchase
            ─[ RECORD 1 ]──────────────
            step        │ awareness
            customers   │ 20,000
            % of first  │ 100.0%
            median time │
            ─[ RECORD 2 ]──────────────
            step        │ consideration
            customers   │ 11,000
            % of first  │ 55.0%
            median time │ 45m 10s
            ─[ RECORD 3 ]──────────────
            step        │ purchase
            customers   │ 4,120
            % of first  │ 20.6%
            median time │ 2d 3h
            20000 customers scanned

            """
        #expect(table(funnel, RenderOptions(expanded: .on)) == expected)
        #expect(table(funnel, RenderOptions(width: 80, expanded: .on, bars: true)) == expected)
        let empty = QueryResult(columns: ["a"], rows: [])
        #expect(table(empty, RenderOptions(expanded: .on)) == "(no rows)\n")
    }

    @Test func autoExpandedModeDrawsRecordsOnlyWhenTheEssentialColumnsDoNotFit() {
        // Four essential text columns need 1 + 4 × (10 + 3) = 53 columns even cut to ten.
        let long = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN"  // 50 columns
        let result = QueryResult(columns: ["a", "b", "c", "d"].map { ColumnInfo($0, type: .text) },
                                 rows: [[.text(long), .text("x"), .text(long), .text(long)]])
        let expected = """
            ─[ RECORD 1 ]───────────────────────────
            a │ abcdefghijklmnopqrstuvwxyz0123456789
              │ ABCDEFGHIJKLMN
            b │ x
            c │ abcdefghijklmnopqrstuvwxyz0123456789
              │ ABCDEFGHIJKLMN
            d │ abcdefghijklmnopqrstuvwxyz0123456789
              │ ABCDEFGHIJKLMN

            """
        #expect(table(result, RenderOptions(width: 40)) == expected)
        // At 60 they fit, cut: a table.
        let at60 = table(result, RenderOptions(width: 60))
        #expect(at60.hasPrefix("┌"))
        // What is left is shared out a column at a time to the narrowest, so the three end up alike.
        #expect(at60.contains("│ abcdefghijklmno… │ x │ abcdefghijklmn… │ abcdefghijklmn… │"))
        // Expanded mode off: a table even at 40, every text cut to fit.
        let off = table(result, RenderOptions(width: 40, expanded: .off))
        #expect(off.contains("│ abcdefgh… │ x │ abcdefgh… │ abcdefg… │"))
        #expect(widestLine(off) == 40)
    }

    @Test func colourIsOnlyWhereAskedFor() {
        let plain = RenderOptions.terminal(width: 70, color: false)
        for format in OutputFormat.allCases {
            for expanded in ExpandedMode.allCases {
                var options = plain
                options.expanded = expanded
                #expect(!ResultRenderer.render(funnel, format: format, options: options).contains("\u{1B}"))
                options.color = true
                // Only tables are coloured: CSV, JSON and Markdown stay plain on a terminal.
                let colored = ResultRenderer.render(funnel, format: format, options: options)
                #expect(colored.contains("\u{1B}") == (format == .table))
            }
        }
        let colored = table(funnel, .terminal(width: 70, color: true))
        #expect(colored.hasPrefix("\u{1B}[1mawareness → purchase\u{1B}[0m\n\u{1B}[2m┌"))
        #expect(colored.contains("\u{1B}[1mcustomers\u{1B}[0m"))
        #expect(colored.contains(" \u{1B}[36m█████████████\u{1B}[0m\n"))
        #expect(colored.contains("\u{1B}[2m20000 customers scanned\u{1B}[0m\n"))
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
        #expect(table(result, RenderOptions(style: .ascii)) == expected)
    }

    @Test func asciiTablesSpellArrowsAndCutsInASCII() {
        let result = QueryResult(columns: [ColumnInfo("name", type: .text),
                                           ColumnInfo("gap", type: .duration, label: "median ←prev")],
                                 rows: [[.text("a very long step name indeed"), .duration(60_000)]])
        let text = table(result, RenderOptions(width: 32, style: .ascii))
        #expect(text == """
            +--------------+---------------+
            |     name     | median <-prev |
            +--------------+---------------+
            | a very lo... |            1m |
            +--------------+---------------+

            """)
    }

    @Test func wideCharactersAreNeverCutInHalf() {
        let result = QueryResult(columns: [ColumnInfo("名前", type: .text), ColumnInfo("n", type: .integer)],
                                 rows: [[.text("日本語のとても長い名前です日本語のとても長い名前です"), .int(1)],
                                        [.text("😀😀😀😀😀😀😀😀😀😀😀😀"), .int(2)]])
        for width in RenderOptions.narrowest...90 {
            for expanded in ExpandedMode.allCases {
                let text = table(result, RenderOptions(width: width, expanded: expanded, bars: true))
                #expect(widestLine(text) <= width, "at \(width):\n\(text)")
            }
        }
        // A two-column character that would cross the edge is left out and the cell padded instead.
        #expect(table(result, RenderOptions(width: 20)).contains("│ 日本語のと…  │ 1 │"))
    }

    @Test func titlesAndNotesWrapAtTheWidth() {
        let result = QueryResult(title: "FROM awareness TO consideration TO purchase TO retention WITHIN 30 days",
                                 columns: ["a"], rows: [[.int(1)]],
                                 notes: ["a note that is longer than the screen is wide, so it wraps", "x"])
        let expected = """
            FROM awareness TO consideration TO
            purchase TO retention WITHIN 30 days
            ┌───┐
            │ a │
            ├───┤
            │ 1 │
            └───┘
            a note that is longer than the screen is
            wide, so it wraps
            x

            """
        #expect(table(result, RenderOptions(width: 40)) == expected)
        // Narrower than the narrowest screen: drawn as if it were that wide.
        #expect(table(result, RenderOptions(width: 3)) == table(result, RenderOptions(width: RenderOptions.narrowest)))
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
        #expect(ResultRenderer.render(result, format: .json) == "[\n{\"title\":null,\"columns\":[\"customer\"],\"rows\":[]}\n]\n")
        #expect(ResultRenderer.render(result, format: .jsonl) == "")
        #expect(ResultRenderer.render(result, format: .markdown) == "| customer |\n| -------- |\n")
    }

    @Test func markdownIsAPaddedPipeTableWithoutDecoration() {
        let expected = """
            | step          | customers | % of first | median time |
            | ------------- | --------: | ---------: | ----------: |
            | awareness     |    20,000 |     100.0% |             |
            | consideration |    11,000 |      55.0% |     45m 10s |
            | purchase      |     4,120 |      20.6% |       2d 3h |

            """
        #expect(ResultRenderer.render(funnel, format: .markdown) == expected)
        // Width, colour and bars do not reach a document.
        #expect(ResultRenderer.render(funnel, format: .markdown, options: .terminal(width: 30, color: true)) == expected)
        let piped = QueryResult(columns: ["a|b"], rows: [[.text("x|y\nz")]])
        #expect(ResultRenderer.render(piped, format: .markdown) == "| a\\|b      |\n| --------- |\n| x\\|y<br>z |\n")
    }

    @Test func markdownHeadersOffLeavesTheHeaderRowBlank() {
        let options = RenderOptions(nullText: "-", headers: false, thousands: false)
        let expected = """
            |               |       |        |         |
            | ------------- | ----: | -----: | ------: |
            | awareness     | 20000 | 100.0% |       - |
            | consideration | 11000 |  55.0% | 45m 10s |
            | purchase      |  4120 |  20.6% |   2d 3h |

            """
        #expect(ResultRenderer.render(funnel, format: .markdown, options: options) == expected)
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
        #expect(OutputFormat(name: "jsonl") == .jsonl)
        #expect(OutputFormat(name: "box") == nil)
    }
}
