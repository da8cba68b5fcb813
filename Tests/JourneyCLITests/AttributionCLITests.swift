// ATTRIBUTE from the command line: -c with every --format, stdin, exact column sums in csv, and its errors' exit
// status.
import Foundation
import JourneyREPL
import Testing

@Suite("ATTRIBUTE from the command line")
struct AttributionCLITests {
    static let statement = "ATTRIBUTE checkout_complete BY channel MODEL first_touch, linear, time_decay, markov LOOKBACK 7 days HALF LIFE 1 day"

    @Test("every --format prints the table; each csv column adds up to the conversions")
    func everyFormat() throws {
        let store = try StoreFixture()
        let csv = try store.journey(["--format", "csv", "-c", Self.statement])
        #expect(csv.status == 0, "\(csv)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "channel,first_touch,first_touch_share,linear,linear_share,time_decay,time_decay_share,markov,markov_share", "\(csv)")
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count >= 2, "\(csv)")
        // Hundredths and tenths of a percent: every credit column has the same total, every share column 1000.
        var totals: Set<Int> = []
        for column in [1, 3, 5, 7] {
            totals.insert(rows.reduce(0) { $0 + Int((Double($1[column])! * 100).rounded()) })
            #expect(rows.reduce(0) { $0 + Int((Double($1[column + 1])! * 10).rounded()) } == 1000, "\(csv)")
        }
        #expect(totals.count == 1 && totals.first! > 0 && totals.first! % 100 == 0, "\(totals)")

        let json = try store.journey(["--format", "json", "-c", Self.statement])
        #expect(json.status == 0, "\(json)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect((document.first?["columns"] as? [String])?.contains("markov_share") == true)

        let jsonl = try store.journey(["--format", "jsonl", "-c", Self.statement])
        #expect(jsonl.status == 0 && jsonl.stdout.split(separator: "\n").count == rows.count, "\(jsonl)")

        let markdown = try store.journey(["--format", "markdown", "-c", Self.statement])
        #expect(markdown.status == 0 && markdown.stdout.contains("| channel "), "\(markdown)")

        let table = try store.journey(["--format", "table", "-c", Self.statement])
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.contains("attribution: ATTRIBUTE checkout_complete"), "\(table)")
        #expect(table.stdout.contains("% markov"), "\(table)")
    }

    @Test("piped on stdin, ATTRIBUTE gives what it gives with -c")
    func piped() throws {
        let store = try StoreFixture()
        let piped = try store.journey(["--format", "csv"], stdin: Self.statement.replacingOccurrences(of: " MODEL ", with: "\n  MODEL ") + ";\n")
        let alone = try store.journey(["--format", "csv", "-c", Self.statement])
        #expect(piped.status == 0 && alone.status == 0, "\(piped)")
        #expect(piped.stdout == alone.stdout, "\(piped)\n\(alone)")
    }

    @Test("bad input exits 65 with the id on stderr")
    func errors() throws {
        let store = try StoreFixture()
        for (statement, id) in [("ATTRIBUTE checkout_complete MODEL lineer LOOKBACK 7 days", "check.attribution-model"),
                                ("ATTRIBUTE checkout_complete MODEL linear LOOKBACK 0 days", "check.attribution-lookback"),
                                ("ATTRIBUTE checkout_complete MODEL linear", "check.attribution-lookback"),
                                ("ATTRIBUTE checkout_complete MODEL linear LOOKBACK 7 days HALF LIFE 1 day", "check.attribution-half-life"),
                                ("ATTRIBUTE checkout_complete MODEL linear LOOKBACK 7 days VALUE channel", "check.attribution-value"),
                                ("ATTRIBUTE checkout_complete MODEL linear LOOKBACK 7 days WITHIN 1 day", "check.attribution-clause")] {
            let result = try store.journey(["-c", statement])
            #expect(result.status == 65, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(result.stderr.contains("[\(id)]"), "\(result)")
        }
    }
}
