// STAGES, the journey map, from the command line: -c with every --format, stdin, and its errors' exit status.
import Foundation
import JourneyREPL
import Testing

@Suite("STAGES from the command line")
struct StagesCLITests {
    @Test("every --format prints both tables, stages then transitions")
    func everyFormat() throws {
        let store = try StoreFixture()
        let statement = "STAGES BY customer.segment INACTIVE AFTER 14 days"
        let csv = try store.journey(["--format", "csv", "-c", statement])
        #expect(csv.status == 0, "\(csv)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "customer.segment,order,stage,reached,pct_reached,furthest,pct_furthest,"
                + "median_time_in_stage_seconds,moved_on,churned,pct_churned", "\(csv)")
        #expect(lines.contains("customer.segment,from,to,kind,transitions,customers,pct_of_from"), "\(csv)")

        let json = try store.journey(["--format", "json", "-c", statement])
        #expect(json.status == 0, "\(json)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(document.count == 2)
        #expect((document.first?["columns"] as? [String])?.contains("median_time_in_stage_seconds") == true)
        #expect((document.last?["columns"] as? [String])?.contains("kind") == true)

        let jsonl = try store.journey(["--format", "jsonl", "-c", statement])
        #expect(jsonl.status == 0, "\(jsonl)")
        let results = Set(try jsonl.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["_result"] as? Int
        })
        #expect(results == [1, 2], "\(jsonl.stdout)")

        let markdown = try store.journey(["--format", "markdown", "-c", statement])
        #expect(markdown.status == 0, "\(markdown)")
        #expect(markdown.stdout.contains("| customer.segment | order |"), "\(markdown)")
        #expect(markdown.stdout.contains("| from "), "\(markdown)")

        let table = try store.journey(["--format", "table", "-c", statement])
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.contains("stages: STAGES BY customer.segment"), "\(table)")
        #expect(table.stdout.contains("stage transitions: STAGES BY customer.segment"), "\(table)")
    }

    @Test("reached agrees with a journey's first step: both count the customers with an event in the stage")
    func reachedIsTheFirstStepOfAJourney() throws {
        let store = try StoreFixture()
        let map = try store.journey(["--format", "csv", "-c", "STAGES"], stdin: nil)
        #expect(map.status == 0, "\(map)")
        for stage in ["awareness", "purchase"] {
            let row = try #require(map.stdout.split(separator: "\n").first { $0.split(separator: ",").dropFirst().first == Substring(stage) })
            let reached = row.split(separator: ",")[2]
            let other = stage == "awareness" ? "purchase" : "awareness"
            let funnel = try store.journey(["--format", "csv", "-c", "FROM \(stage) TO \(other)"])
            #expect(funnel.stdout.contains("\n1,\(stage),\(reached),"), "\(map.stdout)\n\(funnel.stdout)")
        }
    }

    @Test("piped on stdin, STAGES gives what it gives with -c")
    func piped() throws {
        let store = try StoreFixture()
        let piped = try store.journey(["--format", "csv"], stdin: "STAGES\n  WHERE channel = email;\n")
        let alone = try store.journey(["--format", "csv", "-c", "STAGES WHERE channel = email"])
        #expect(piped.status == 0 && alone.status == 0, "\(piped)")
        #expect(piped.stdout == alone.stdout, "\(piped)\n\(alone)")
    }

    @Test("a clause STAGES does not take, and a zero INACTIVE AFTER, exit 65 with the id on stderr")
    func errors() throws {
        let store = try StoreFixture()
        for (statement, id) in [("STAGES WITHIN 1 day", "check.stages-clause"),
                                ("STAGES INACTIVE AFTER 0 days", "check.bad-inactive-after")] {
            let result = try store.journey(["-c", statement])
            #expect(result.status == 65, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(result.stderr.contains("[\(id)]"), "\(result)")
        }
    }
}
