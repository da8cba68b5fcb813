// VALUE from the command line: -c with every --format, stdin, `journey run`, and its errors' exit status, on the
// order log (samples/orders-events.csv and its customers; Tests/JourneyEngineTests/data/value-orders.test has the same
// numbers, worked by hand).
import Foundation
import Testing

@Suite("VALUE from the command line")
struct ValueCLITests {
    private static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples")

    /// The order store, imported with `journey import`.
    private func ordersStore() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory(prefix: "jqvalue")
        try Journey.succeed(["import", Self.samples.appendingPathComponent("orders-events.csv").path, "--db", "o.db",
                             "--customers", Self.samples.appendingPathComponent("orders-customers.csv").path], in: dir.path)
        return dir
    }

    private static let header = "customers,events,events_per_customer,repeat_customers,pct_repeat,total,avg_per_event,"
        + "median_per_event,p90_per_event,avg_per_customer,median_per_customer,p90_per_customer,after_first,"
        + "pct_after_first,no_value"

    @Test("every --format prints the one table, typed")
    func everyFormat() throws {
        let dir = try ordersStore()
        let statement = "VALUE amount FROM purchase WITHIN 365 days"
        let csv = try Journey.run(["o.db", "--format", "csv", "-c", statement], in: dir.path)
        #expect(csv.status == 0, "\(csv)")
        #expect(csv.stdout == Self.header + "\n4,9,2.25,3,75,520,74.28571428571429,50,140,130,150,194,320,61.5385,2\n", "\(csv)")

        let json = try Journey.run(["o.db", "--format", "json", "-c", statement], in: dir.path)
        #expect(json.status == 0, "\(json)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let row = try #require((document.first?["rows"] as? [[String: Any]])?.first, "\(json)")
        #expect(row["customers"] as? Int == 4 && row["total"] as? Double == 520 && row["after_first"] as? Double == 320,
                "\(json)")
        #expect(row["median_per_customer"] as? Double == 150, "\(json)")

        let jsonl = try Journey.run(["o.db", "--format", "jsonl", "-c", "VALUE amount FROM purchase BY month"], in: dir.path)
        #expect(jsonl.status == 0, "\(jsonl)")
        let lines = try jsonl.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(lines.map { $0["month"] as? String } == ["2024-01", "2024-02", "2024-03", "2024-12"], "\(jsonl)")
        // A month with nothing to sum has a null total, not zero.
        #expect(lines[2]["total"] is NSNull, "\(jsonl)")

        let markdown = try Journey.run(["o.db", "--format", "markdown", "-c", statement], in: dir.path)
        #expect(markdown.status == 0, "\(markdown)")
        #expect(markdown.stdout.contains("| customers | events |"), "\(markdown)")

        let table = try Journey.run(["o.db", "--format", "table", "-c", statement], in: dir.path)
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.contains("value: amount FROM purchase WITHIN 365 days"), "\(table)")
        #expect(table.stdout.contains("2 customers whose 365d after their first purchase had not ended"), "\(table)")
        #expect(table.stdout.contains("2 events of purchase have no numeric amount (1 missing, 1 not a number)"), "\(table)")
    }

    @Test("piped on stdin and from a script, VALUE gives what it gives with -c")
    func pipedAndRun() throws {
        let dir = try ordersStore()
        let piped = try Journey.run(["o.db", "--format", "csv"], stdin: "VALUE amount FROM purchase;\n", in: dir.path)
        #expect(piped.status == 0, "\(piped)")
        #expect(piped.stdout.contains("\n6,13,2.1666666666666665,4,66.6667,607.5,60.75,45,110,121.5,180,192,395,65.0206,3\n"),
                "\(piped)")
        try "VALUE amount FROM purchase;\nEXPECT pct_after_first BETWEEN 65 AND 65.1;\n"
            .write(toFile: dir.path + "/v.jql", atomically: true, encoding: .utf8)
        let run = try Journey.run(["run", "v.jql", "--db", "o.db", "--format", "csv"], in: dir.path)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("395,65.0206,3"), "\(run)")
    }

    @Test("a text property exits 65 at the property; an unknown one suggests the nearest")
    func errors() throws {
        let dir = try ordersStore()
        let text = try Journey.run(["o.db", "-c", "VALUE coupon FROM purchase"], in: dir.path)
        #expect(text.status == 65, "\(text)")
        #expect(text.stderr.contains("check.value-not-numeric") && text.stderr.contains("1:7"), "\(text)")
        let unknown = try Journey.run(["o.db", "-c", "VALUE amont FROM purchase"], in: dir.path)
        #expect(unknown.status == 65, "\(unknown)")
        #expect(unknown.stderr.contains("did you mean 'amount'?"), "\(unknown)")
        #expect(text.stdout.isEmpty && unknown.stdout.isEmpty)
    }
}
