// CUSTOMERS exported from the command line: `journey STORE -c "CUSTOMERS ..." --format csv|json` on the tiny log,
// rows worked by hand (Tests/JourneyEngineTests/data/customers.test has the same cases).
import Foundation
import Testing

@Suite("CUSTOMERS on the command line")
struct CustomersCommandLineTests {
    /// The tiny store (samples/tiny-events.csv and its customers), imported with `journey import`.
    private func tinyStore() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory(prefix: "jqcust")
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples")
        try Journey.succeed(["import", samples.appendingPathComponent("tiny-events.csv").path, "--db", "t.db",
                             "--customers", samples.appendingPathComponent("tiny-customers.csv").path], in: dir.path)
        return dir
    }

    @Test("--format csv writes one row per customer, ordered by start")
    func csv() throws {
        let dir = try tinyStore()
        let result = try Journey.run(["t.db", "--format", "csv", "-c",
                                      "CUSTOMERS FROM awareness TO consideration TO purchase LOST"], in: dir.path)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == """
            customer,start,step,step_name,reached,status
            c2,2024-01-02T10:00:00Z,2,consideration,2024-01-05T10:00:00Z,lost
            c3,2024-01-03T09:30:00Z,1,awareness,2024-01-03T09:30:00Z,lost

            """, "\(result)")
    }

    @Test("--format json writes typed rows: times as text, the step as a number")
    func json() throws {
        let dir = try tinyStore()
        let result = try Journey.run(["t.db", "--format", "json", "-c",
                                      "CUSTOMERS FROM awareness TO purchase CONVERTED ORDER BY reached DESC LIMIT 2"],
                                     in: dir.path)
        #expect(result.status == 0, "\(result)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let rows = try #require(document.first?["rows"] as? [[String: Any]], "\(result)")
        #expect(rows.map { $0["customer"] as? String } == ["c4", "c3"], "\(result)")
        #expect(rows.map { $0["step"] as? Int } == [2, 2], "\(result)")
        #expect(rows.map { $0["reached"] as? String } == ["2024-02-20T12:00:00Z", "2024-01-04T09:30:00Z"], "\(result)")
        #expect(rows.map { $0["status"] as? String } == ["converted", "converted"], "\(result)")
    }

    @Test("a segment made from behaviour is stored, and FOR keeps its customers in a later run")
    func segmentAcrossRuns() throws {
        let dir = try tinyStore()
        let define = try Journey.run(["t.db", "-c", "SEGMENT abandoners AS CUSTOMERS FROM awareness TO purchase LOST"],
                                     in: dir.path)
        #expect(define.status == 0, "\(define)")
        let list = try Journey.run(["t.db", "--format", "csv", "-c",
                                    "CUSTOMERS FROM awareness TO consideration FOR abandoners"], in: dir.path)
        #expect(list.stdout == """
            customer,start,step,step_name,reached,status
            c2,2024-01-02T10:00:00Z,2,consideration,2024-01-05T10:00:00Z,converted

            """, "\(list)")
    }

    @Test("an unknown customer exits 65 with the nearest ids")
    func unknownCustomer() throws {
        let dir = try tinyStore()
        let result = try Journey.run(["t.db", "-c", "SHOW CUSTOMER c9"], in: dir.path)
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr.contains("check.unknown-customer"), "\(result)")
        #expect(result.stderr.contains("did you mean"), "\(result)")
    }
}
