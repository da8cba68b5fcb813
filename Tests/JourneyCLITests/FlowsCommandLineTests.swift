// PATHS AFTER|BEFORE and PATHS ... LOST from the command line: every --format gives the same tree, a bad flow is a
// located error with its id and exit status 65.
import Foundation
import Testing

@Suite("journey: flows")
struct FlowsCommandLineTests {
    @Test("every --format prints the flow; csv and jsonl have one row per node")
    func everyFormat() throws {
        let store = try StoreFixture()
        let statement = "PATHS AFTER awareness STEPS 2 MIN SHARE 10;"
        let csv = try store.journey(["--format", "csv", "-c", statement])
        #expect(csv.status == 0, "\(csv)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "level,node,parent,customers,pct_of_anchor,pct_of_parent", "\(csv)")
        // The anchor's row: every generated customer has an awareness event.
        #expect(lines.dropFirst().first?.hasPrefix("0,awareness,,300,100,") == true, "\(csv)")
        let jsonl = try store.journey(["--format", "jsonl", "-c", statement])
        #expect(jsonl.status == 0, "\(jsonl)")
        #expect(jsonl.stdout.split(separator: "\n").count == lines.count - 1, "\(jsonl)")
        let json = try store.journey(["--format", "json", "-c", statement])
        #expect(json.status == 0, "\(json)")
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) != nil, "\(json)")
        let markdown = try store.journey(["--format", "markdown", "-c", statement])
        #expect(markdown.status == 0 && markdown.stdout.contains("| lvl |"), "\(markdown)")
        let table = try store.journey(["--format", "table", "-c", statement])
        #expect(table.status == 0, "\(table)")
        // The tree reads by indentation: level-2 nodes sit four spaces in.
        #expect(table.stdout.contains("│   2 │     "), "\(table)")
        let lost = try store.journey(["--format", "csv", "-c", "PATHS FROM awareness TO purchase WITHIN 30 days LOST MIN SHARE 5;"])
        #expect(lost.status == 0 && lost.stdout.hasPrefix("rank,path,customers,pct_of_lost\n")
                && lost.stdout.contains(",(other),"), "\(lost)")
    }

    @Test("a flow of depth 0 exits 65 with a caret under the 0")
    func depthZero() throws {
        let store = try StoreFixture()
        let result = try store.journey(["-c", "PATHS BEFORE purchase STEPS 0;"])
        #expect(result.status == 65, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.contains("[check.flow-steps]"), "\(result)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let source = try #require(lines.firstIndex { $0.contains("PATHS BEFORE purchase STEPS 0") }, "\(result)")
        let column = try #require(lines[source].range(of: "STEPS 0")).upperBound
        let caret = try #require(lines[source + 1].firstIndex(of: "^"), "\(result)")
        #expect(lines[source + 1].distance(from: lines[source + 1].startIndex, to: caret)
                == lines[source].distance(from: lines[source].startIndex, to: column) - 1, "\(result)")
    }
}
