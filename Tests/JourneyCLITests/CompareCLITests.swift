// COMPARE from the command line and the REPL: -c with every --format, stdin, its counts equal to the BY journey's,
// and its errors' exit status.
import Foundation
import JourneyREPL
import Testing

@Suite("COMPARE from the command line")
struct CompareCLITests {
    static let compare = "FROM awareness TO consideration TO purchase WITHIN 30 days BY channel COMPARE CONFIDENCE 99"
    static let header = "step,name,channel,customers,rate,rate_low,rate_high,step_rate,step_rate_low,step_rate_high,diff_pp,diff_low,diff_high,p_value,verdict"

    @Test("every --format prints the comparison and the chi-square table")
    func everyFormat() throws {
        let store = try StoreFixture()
        let csv = try store.journey(["--format", "csv", "-c", Self.compare])
        #expect(csv.status == 0, "\(csv)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == Self.header, "\(csv)")
        #expect(lines.contains("step,name,groups,chi_square,df,p_value,verdict"), "\(csv)")

        let json = try store.journey(["--format", "json", "-c", Self.compare])
        #expect(json.status == 0, "\(json)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(document.count == 2)
        let rows = try #require(document.first?["rows"] as? [[String: Any]])
        #expect(rows.contains { $0["verdict"] as? String == "reference" })
        #expect(rows.contains { $0["p_value"] is Double }, "\(rows)")

        let jsonl = try store.journey(["--format", "jsonl", "-c", Self.compare])
        #expect(jsonl.status == 0, "\(jsonl)")
        let results = Set(try jsonl.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["_result"] as? Int
        })
        #expect(results == [1, 2], "\(jsonl.stdout)")

        let markdown = try store.journey(["--format", "markdown", "-c", Self.compare])
        #expect(markdown.status == 0, "\(markdown)")
        #expect(markdown.stdout.contains("| verdict ") && markdown.stdout.contains("reference"), "\(markdown)")

        let table = try store.journey(["--format", "table", "-c", Self.compare])
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.contains("99% Wilson intervals") && table.stdout.contains("diff pp"), "\(table)")
    }

    /// The comparison's customers per group and step are the BY journey's, group for group.
    @Test("COMPARE counts what BY counts")
    func countsAgreeWithTheJourney() throws {
        let store = try StoreFixture()
        let journey = "FROM awareness TO consideration TO purchase WITHIN 30 days BY channel"
        let funnel = try store.journey(["--format", "csv", "-c", journey])
        let compare = try store.journey(["--format", "csv", "-c", journey + " COMPARE"])
        #expect(funnel.status == 0 && compare.status == 0, "\(funnel)\n\(compare)")
        func cells(_ text: String) -> [[Substring]] {
            text.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        }
        // funnel: channel, step, name, customers; comparison: step, name, channel, customers (until its second table).
        let fromFunnel = Set(cells(funnel.stdout).map { "\($0[0])|\($0[1])|\($0[3])" })
        let fromCompare = Set(cells(compare.stdout).prefix { $0.count == 15 }.map { "\($0[2])|\($0[0])|\($0[3])" })
        #expect(!fromFunnel.isEmpty && fromFunnel == fromCompare, "\(funnel.stdout)\n\(compare.stdout)")
    }

    @Test("piped on stdin, COMPARE gives what it gives with -c")
    func piped() throws {
        let store = try StoreFixture()
        let statement = "FROM awareness TO purchase LAST 30 days\n  COMPARE PREVIOUS AGAINST current"
        let piped = try store.journey(["--format", "csv"], stdin: "SET now = 2024-03-01;\n" + statement + ";\n")
        let alone = try store.journey(["--format", "csv", "-c", "SET now = 2024-03-01; " + statement])
        #expect(piped.status == 0 && alone.status == 0, "\(piped)")
        #expect(piped.stdout == alone.stdout && piped.stdout.contains("previous"), "\(piped)\n\(alone)")
    }

    @Test("bad input exits 65 with the id on stderr")
    func errors() throws {
        let store = try StoreFixture()
        for (statement, id) in [("FROM awareness TO purchase COMPARE", "check.compare-no-groups"),
                                ("FROM awareness TO purchase BY channel COMPARE LIMIT 1", "check.compare-groups"),
                                ("FROM awareness TO purchase COMPARE PREVIOUS", "check.compare-previous-range"),
                                ("FROM awareness TO purchase BY channel COMPARE CONFIDENCE 42", "check.compare-confidence"),
                                ("FROM awareness TO purchase BY channel COMPARE AGAINST nowhere", "check.compare-against")] {
            let result = try store.journey(["-c", statement])
            #expect(result.status == 65, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(result.stderr.contains("[\(id)]"), "\(result)")
        }
    }

    @Test("at the REPL prompt, a comparison is drawn with its verdicts")
    func repl() async throws {
        // Tall enough that the result fits without the pager; 80 columns keep the essential ones.
        let term = try Term(store: StoreFixture(), rows: 50)
        try await term.waitForPrompt()
        try term.submit("FROM awareness TO purchase BY customer.segment COMPARE;")
        let screen = try await term.waitFor("the comparison and a new prompt") {
            $0.promptCount == 2 && $0.lastLine == Term.prompt
        }
        #expect(screen.contains("reference") && screen.contains("verdict"), "\(screen)")
        #expect(!screen.contains("error"), "\(screen)")
    }
}
