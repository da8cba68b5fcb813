// DROPOFF and WHY from the command line: -c with every --format, stdin, the library's numbers, and their errors'
// exit status.
import Foundation
import JourneyREPL
import Testing

@Suite("DROPOFF and WHY from the command line")
struct PainPointsCLITests {
    static let dropoff = "DROPOFF FROM cart_add THEN checkout_start TO checkout_complete WITHIN 1 day NEXT 2 LIMIT 3"
    static let why = "WHY FROM cart_add TO checkout_complete WITHIN 7 days USING touchpoint, customer.segment LIMIT 3"

    @Test("every --format prints DROPOFF's two tables and WHY's one")
    func everyFormat() throws {
        let store = try StoreFixture()
        let csv = try store.journey(["--format", "csv", "-c", Self.dropoff])
        #expect(csv.status == 0, "\(csv)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "step,name,lost,next_touchpoint,customers,pct_of_lost", "\(csv)")
        #expect(lines.contains("step,name,lost,last_touchpoint,customers,pct_of_lost,median_time_since_step_seconds"), "\(csv)")

        let json = try store.journey(["--format", "json", "-c", Self.dropoff])
        #expect(json.status == 0, "\(json)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(document.count == 2)
        #expect((document.last?["columns"] as? [String])?.contains("median_time_since_step_seconds") == true)

        let jsonl = try store.journey(["--format", "jsonl", "-c", Self.dropoff])
        #expect(jsonl.status == 0, "\(jsonl)")
        let results = Set(try jsonl.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["_result"] as? Int
        })
        #expect(results == [1, 2], "\(jsonl.stdout)")

        let markdown = try store.journey(["--format", "markdown", "-c", Self.why])
        #expect(markdown.status == 0, "\(markdown)")
        #expect(markdown.stdout.contains("| direction "), "\(markdown)")
        #expect(markdown.stdout.contains("converts less"), "\(markdown)")

        let table = try store.journey(["--format", "table", "-c", Self.why])
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.contains("why: FROM cart_add TO checkout_complete"), "\(table)")
        #expect(table.stdout.contains("odds ratio"), "\(table)")
    }

    /// The lost at step 1 of DROPOFF are the funnel's `lost` at step 2, from the same store and the same journey.
    @Test("DROPOFF's lost are the funnel's lost")
    func lostAgreesWithTheFunnel() throws {
        let store = try StoreFixture()
        let journey = "FROM cart_add THEN checkout_start TO checkout_complete WITHIN 1 day"
        let funnel = try store.journey(["--format", "csv", "-c", journey])
        let dropoff = try store.journey(["--format", "csv", "-c", "DROPOFF " + journey])
        #expect(funnel.status == 0 && dropoff.status == 0, "\(funnel)\n\(dropoff)")
        let funnelRows = funnel.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let dropoffRows = dropoff.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for step in [2, 3] {
            let lost = try #require(funnelRows.first { $0[0] == Substring("\(step)") })[5]
            let row = try #require(dropoffRows.first { $0[0] == Substring("\(step - 1)") }, "\(dropoff.stdout)")
            #expect(row[2] == lost, "step \(step): funnel lost \(lost), DROPOFF \(row)")
        }
    }

    @Test("piped on stdin, DROPOFF and WHY give what they give with -c")
    func piped() throws {
        let store = try StoreFixture()
        for statement in [Self.dropoff, Self.why] {
            let piped = try store.journey(["--format", "csv"], stdin: statement.replacingOccurrences(of: " TO ", with: "\n  TO ") + ";\n")
            let alone = try store.journey(["--format", "csv", "-c", statement])
            #expect(piped.status == 0 && alone.status == 0, "\(piped)")
            #expect(piped.stdout == alone.stdout, "\(piped)\n\(alone)")
        }
    }

    @Test("bad input exits 65 with the id on stderr")
    func errors() throws {
        let store = try StoreFixture()
        for (statement, id) in [("DROPOFF FROM cart_add", "parse.expected"),
                                ("DROPOFF FROM cart_add TO checkout_complete NEXT 0", "parse.expected-count"),
                                ("DROPOFF FROM cart_add TO checkout_complete OF campaign", "check.dropoff-of"),
                                ("WHY FROM cart_add TO checkout_complete BY channel", "check.why-by"),
                                ("WHY FROM cart_add TO checkout_complete USING time", "check.why-field")] {
            let result = try store.journey(["-c", statement])
            #expect(result.status == 65, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(result.stderr.contains("[\(id)]"), "\(result)")
        }
    }
}
