// Every kind of result the engine makes, drawn at terminal widths: no line wider than the width, no escape
// byte without colour, and at 80 columns a plain funnel keeps the columns people read first.
import Foundation
import JourneyEngine
import Testing

/// Results of every statement kind over a generated store of 2,000 customers, made once.
enum EngineResults {
    static let statements = [
        "FROM awareness TO purchase",
        "FROM awareness TO purchase WITHIN 30 days",
        "FROM awareness TO consideration TO purchase WITHIN 30 days BY channel",
        "FROM awareness TO consideration TO purchase TO retention TO advocacy",
        "FROM awareness TO consideration? TO purchase",
        "FROM awareness TO purchase BY customer.segment, channel",
        "FROM product_view TO cart_add TO checkout_start TO checkout_complete WITHIN 2 hours",
        "TIMES FROM consideration TO purchase WITHIN 30 days",
        "TIMES FROM awareness TO purchase BY channel",
        "PATHS FROM awareness TO purchase TOP 5",
        "SHOW STAGES", "SHOW CHANNELS", "SHOW TOUCHPOINTS", "SHOW FIELDS",
        "SEGMENT big_spenders AS customer.segment = b2b; SHOW SEGMENTS",
        "LET web_or_app_or_store_or_anything_long = channel IN (web, app, store, email, phone); SHOW DEFINITIONS",
    ]

    /// Each statement with the results it produced.
    static let all: [(statement: String, results: [QueryResult])] = {
        do {
            let directory = try SampleStores.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let session = try SampleStores.session(for: "generated retail 2000 42", in: directory)
            return try statements.map { statement in
                var results: [QueryResult] = []
                try session.run(SourceText(statement)) { event in
                    if case .result(let result) = event { results.append(result) }
                }
                return (statement, results)
            }
        } catch {
            Issue.record("could not make the results: \(error)")
            return []
        }
    }()

    static func result(_ statement: String) -> QueryResult? {
        all.first { $0.statement == statement }?.results.first
    }
}

/// The text without ANSI escape sequences (`ESC [ ... letter`).
func strippingEscapes(_ text: String) -> String {
    var out = ""
    var inEscape = false
    var sawBracket = false
    for scalar in text.unicodeScalars {
        if inEscape {
            if !sawBracket { sawBracket = scalar == "["; if !sawBracket { inEscape = false }; continue }
            if (0x40...0x7E).contains(scalar.value) { inEscape = false }
            continue
        }
        if scalar == "\u{1B}" {
            inEscape = true
            sawBracket = false
            continue
        }
        out.unicodeScalars.append(scalar)
    }
    return out
}

/// The widest line's display width.
func widestLine(_ text: String) -> Int {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { displayWidth(String($0)) }.max() ?? 0
}

/// Terminal columns of a line, counted independently of the renderer's own function: wide East Asian
/// characters and emoji are two, combining marks none.
func displayWidth(_ text: String) -> Int {
    text.reduce(0) { total, character in
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return total }
        if first.properties.generalCategory == .nonspacingMark { return total }
        if scalars.contains(where: { $0.properties.isEmojiPresentation }) { return total + 2 }
        switch first.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3,
             0xF900...0xFAFF, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return total + 2
        default:
            return total + 1
        }
    }
}

@Suite("Rendering fits the terminal")
struct RenderingFitTests {
    static let widths = [40, 60, 80, 100, 160]

    @Test func everyStatementMadeResults() {
        #expect(EngineResults.all.count == EngineResults.statements.count)
        for (statement, results) in EngineResults.all {
            #expect(!results.isEmpty, "\(statement)")
        }
    }

    @Test(arguments: widths)
    func noLineIsWiderThanTheWidth(width: Int) {
        for (statement, results) in EngineResults.all {
            for result in results {
                for expanded in ExpandedMode.allCases {
                    for style in [TableStyle.box, .ascii] {
                        var options = RenderOptions.terminal(width: width, color: false)
                        options.expanded = expanded
                        options.style = style
                        options.hiddenColumnsHint = ".expanded on shows them all"
                        let text = ResultRenderer.render(result, format: .table, options: options)
                        #expect(widestLine(text) <= width, "\(statement) \(expanded) \(style) at \(width):\n\(text)")
                        #expect(!text.contains("\u{1B}"))
                        options.color = true
                        let colored = ResultRenderer.render(result, format: .table, options: options)
                        #expect(strippingEscapes(colored) == text, "\(statement): colour only adds escapes")
                    }
                }
            }
        }
    }

    @Test func aPlainFunnelAt80ColumnsKeepsTheColumnsReadFirst() throws {
        let result = try #require(EngineResults.result("FROM awareness TO purchase"))
        let text = ResultRenderer.render(result, format: .table, options: .terminal(width: 80, color: false))
        let lines = text.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.contains("step") })
        for label in ["step", "name", "customers", "% first", "% prev", "lost", "median ←prev"] {
            #expect(header.contains(label), "\(label) in\n\(text)")
        }
        #expect(!text.contains("RECORD"))
        #expect(text.contains("10 columns, 7 shown (hidden: p90 ←prev, median ←start, p90 ←start)"))
        #expect(text.contains("2,000"))
    }

    @Test func funnelBarsAppearWhereTheyFit() throws {
        let result = try #require(EngineResults.result("FROM awareness TO consideration TO purchase TO retention TO advocacy"))
        // At 100 columns the bars come before the median from the start (priority 6 against 7).
        let at100 = ResultRenderer.render(result, format: .table, options: .terminal(width: 100, color: false))
        #expect(at100.contains("█"))
        #expect(at100.contains("(hidden: p90 ←prev, median ←start, p90 ←start)"))
        #expect(widestLine(at100) <= 100)
        let at160 = ResultRenderer.render(result, format: .table, options: .terminal(width: 160, color: false))
        #expect(at160.contains("█"))
        #expect(at160.contains("p90 ←start"))
        // At 80 the median from the previous step fills the line: no room for a chart.
        let at80 = ResultRenderer.render(result, format: .table, options: .terminal(width: 80, color: false))
        #expect(!at80.contains("█"))
    }

    @Test func theTimesHistogramGetsBars() throws {
        let results = try #require(EngineResults.all.first { $0.statement.hasPrefix("TIMES FROM consideration") }).results
        #expect(results.count == 2)
        let text = ResultRenderer.render(results[1], format: .table, options: .terminal(width: 80, color: false))
        #expect(text.contains("█"))
        // The tallest bucket spans the whole chart.
        let longest = text.split(separator: "\n").map { $0.filter { $0 == "█" }.count }.max() ?? 0
        #expect(longest == 30)
    }

    @Test func pathsAreCutToTheWidthWithAnEllipsis() throws {
        let result = try #require(EngineResults.result("PATHS FROM awareness TO purchase TOP 5"))
        let text = ResultRenderer.render(result, format: .table, options: .terminal(width: 80, color: false))
        #expect(text.contains("…"))
        #expect(text.contains("% conv"))
        #expect(!text.contains("RECORD"))
        #expect(widestLine(text) <= 80)
    }

    @Test func aNarrowBreakdownSwitchesToRecordsOnlyInAutoMode() throws {
        let result = try #require(EngineResults.result("FROM awareness TO purchase BY customer.segment, channel"))
        var options = RenderOptions.terminal(width: 40, color: false)
        let auto = ResultRenderer.render(result, format: .table, options: options)
        #expect(auto.contains("─[ RECORD 1 ]"))
        options.expanded = .off
        let off = ResultRenderer.render(result, format: .table, options: options)
        #expect(!off.contains("RECORD"))
        #expect(off.contains("┌"))
        #expect(widestLine(off) <= 40)
        // Wide enough for the essential columns: a table again.
        options.expanded = .auto
        options.width = 100
        #expect(!ResultRenderer.render(result, format: .table, options: options).contains("RECORD"))
    }

    @Test func durationColumnsNameTheirUnitEvenWhenEmpty() throws {
        // Nobody reaches the second step: the duration columns hold only nulls and still say seconds.
        let result = try #require(EngineResults.result("FROM awareness TO purchase"))
        var empty = result
        empty.rows = empty.rows.map { row in row.map { if case .duration = $0 { .null } else { $0 } } }
        let csv = ResultRenderer.render(empty, format: .csv)
        #expect(csv.hasPrefix("step,name,customers,pct_of_first,pct_of_previous,lost,median_time_from_previous_seconds,"
                              + "p90_time_from_previous_seconds,median_time_from_start_seconds,p90_time_from_start_seconds\n"))
        let times = try #require(EngineResults.all.first { $0.statement.hasPrefix("TIMES FROM consideration") }).results[0]
        #expect(ResultRenderer.render(times, format: .csv).hasPrefix(
            "converters,min_seconds,p25_seconds,median_seconds,p75_seconds,p90_seconds,max_seconds,mean_seconds\n"))
    }
}
