// Issue 11 item 4: diagnostics stay bounded however large the input — repeated ones are merged, long source
// lines are cut around the caret, long messages are clipped.
import Testing
@testable import JourneyEngine

@Suite("Bounded diagnostics")
struct DiagnosticBoundsTests {
    @Test func repeatedDiagnosticsAreCappedPerKindWithACount() {
        let many = (0..<10_000).map { Diagnostic.warning(.checkUnknownValue, "no event has channel 'v\($0)'",
                                                         at: SourceRange($0, $0 + 1)) }
        let other = Diagnostic.error(.checkUnknownStep, "x", at: SourceRange(0, 1))
        let capped = DiagnosticRenderer.capped(many + [other])
        #expect(capped.count == 6)
        #expect(capped.filter { $0.id == "check.unknown-value" }.map(\.range.start) == [0, 1, 2, 3, 4])
        #expect(capped[4].notes.last == "9995 more warnings like this one [check.unknown-value] are not shown")
        #expect(capped[5] == other)
    }

    @Test func aLongLineIsCutAroundTheCaret() {
        let line = "FROM awareness TO purchase WHERE channel IN (" + (0..<3000).map { "v\($0)" }.joined(separator: ", ") + ")"
        let source = SourceText(line)
        let target = line.utf8.count - 10  // somewhere near the end
        let d = Diagnostic.warning(.checkUnknownValue, "no event has channel 'v2999'", at: SourceRange(target, target + 5))
        let text = DiagnosticRenderer.render(d, in: source)
        #expect(text.utf8.count < 400, "\(text.utf8.count) bytes")
        let lines = text.split(separator: "\n")
        // The source line and the caret line agree: the caret stands under the same characters as before.
        let shown = lines[3], carets = lines[4]
        let caretColumn = carets.distance(from: carets.startIndex, to: carets.firstIndex(of: "^")!)
        let covered = shown.dropFirst(caretColumn).prefix(5)
        #expect(String(covered) == String(line.dropFirst(target).prefix(5)))
        #expect(shown.contains("…"))
    }

    @Test func aHugeWordIsRejectedQuicklyWithAClippedMessage() {
        let word = String(repeating: "x", count: 1_000_000)
        let clock = ContinuousClock()
        var rendered = ""
        let elapsed = clock.measure {
            #expect(Suggestions.nearest(to: word, among: ["awareness", "purchase"]).isEmpty)
            rendered = DiagnosticRenderer.render(.error(.checkUnknownStep, "'\(word)' is neither a stage nor a touchpoint",
                                                        at: SourceRange(5, 5 + word.utf8.count)),
                                                 in: SourceText("FROM " + word + " TO purchase"))
        }
        #expect(rendered.utf8.count < 1_000)
        #expect(elapsed < .seconds(2))  // the suggestion search alone took 2.65 s before it gave up on long words
    }
}

@Suite("Diagnostic id catalog")
struct DiagnosticCatalogTests {
    /// Every id is written `stage.words-with-dashes`, once, and the stage is one the pipeline has.
    @Test func idsAreWellFormedAndUnique() {
        let ids = DiagnosticID.allCases.map(\.rawValue)
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let parts = id.split(separator: ".", maxSplits: 1)
            #expect(parts.count == 2 && ["lex", "parse", "check", "expect", "engine"].contains(String(parts[0])), "\(id)")
            #expect(parts.last?.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } == true, "\(id)")
        }
    }
}
