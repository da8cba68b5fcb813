// Keeps grammar/journey.ebnf and the parser in step: every `example:` line parses cleanly, and every
// rule comment in the parser names a rule of the grammar.
import Foundation
import Testing
import JourneyEngine

/// The repository root, found from this file's path (Tests/JourneyEngineTests/<file>).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func grammarText() -> String {
    (try? String(contentsOf: repositoryRoot.appendingPathComponent("grammar/journey.ebnf"), encoding: .utf8)) ?? ""
}

/// The text after `example:` on each line that starts with it.
private func grammarExamples() -> [String] {
    grammarText().split(separator: "\n", omittingEmptySubsequences: false).compactMap { line in
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard trimmed.hasPrefix("example:") else { return nil }
        return trimmed.dropFirst("example:".count).trimmingCharacters(in: .whitespaces)
    }
}

/// The names the grammar defines (`name = ...`), outside comments.
private func grammarRules() -> Set<String> {
    var rules: Set<String> = []
    var inComment = false
    for line in grammarText().split(separator: "\n") {
        var text = Substring(line)
        if inComment {
            guard let close = text.range(of: "*)") else { continue }
            text = text[close.upperBound...]
            inComment = false
        }
        if let open = text.range(of: "(*") {
            inComment = !text[open.upperBound...].contains("*)")
            text = text[..<open.lowerBound]
        }
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else { continue }
        let name = parts[0].trimmingCharacters(in: .whitespaces)
        if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0 == "_" }) { rules.insert(name) }
    }
    return rules
}

@Suite("Grammar examples")
struct GrammarExamplesTests {
    @Test func grammarFileHasExamples() {
        #expect(grammarExamples().count >= 10, "no examples found in \(repositoryRoot.path)/grammar/journey.ebnf")
    }

    @Test(arguments: grammarExamples())
    func exampleParses(_ example: String) {
        let result = Parser.parse(SourceText(example))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map { "\($0.id) \($0.range): \($0.message)" })")
        #expect(!result.isIncomplete)
        #expect(!result.statements.isEmpty)
        #expect(Session.completeness(of: example) == .complete)
    }

    /// `// rule -> ...` comments in the parser and lexer name rules the grammar defines, so they cannot drift apart.
    @Test func ruleCommentsNameGrammarRules() throws {
        let rules = grammarRules()
        #expect(rules.isSuperset(of: ["script", "statement", "funnel", "step", "condition", "value", "duration", "expect"]))
        // Every parser file (Parser.swift, Parser+Funnel.swift, Parser+Expect.swift, ...) and the lexer.
        let syntax = repositoryRoot.appendingPathComponent("Sources/JourneyEngine/Syntax")
        let parserFiles = try FileManager.default.contentsOfDirectory(atPath: syntax.path)
            .filter { $0.hasPrefix("Parser") && $0.hasSuffix(".swift") }.sorted()
        #expect(parserFiles.contains("Parser+Expect.swift"))
        for file in (parserFiles + ["Lexer.swift"]).map({ "Sources/JourneyEngine/Syntax/" + $0 }) {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("// "), let arrow = trimmed.range(of: " -> ") else { continue }
                let name = String(trimmed[trimmed.index(trimmed.startIndex, offsetBy: 3)..<arrow.lowerBound])
                guard name.allSatisfy({ $0.isLetter || $0 == "_" }) else { continue }
                #expect(rules.contains(name), "\(file): '\(name)' is not a rule of grammar/journey.ebnf")
            }
        }
    }

    /// The keyword table and the grammar name the same words: a keyword the grammar gains must be added to the
    /// table (so completion offers it and the parser knows whether it is reserved), and the other way round.
    @Test func theKeywordTableIsTheGrammarsKeywords() {
        let quoted = grammarText().split(separator: "\"").enumerated().compactMap { index, piece -> String? in
            index % 2 == 1 ? String(piece) : nil
        }
        // Upper-case quoted words are keywords; T and Z belong to time literals, lower-case ones to durations.
        let grammarWords = Set(quoted.filter { word in
            word.count > 1 && word.allSatisfy { $0.isUppercase || $0 == "_" }
        })
        let tableWords = Set(Keywords.table.map(\.word))
        #expect(grammarWords.subtracting(tableWords).isEmpty, "in the grammar, not the table: \(grammarWords.subtracting(tableWords).sorted())")
        #expect(tableWords.subtracting(grammarWords).isEmpty, "in the table, not the grammar: \(tableWords.subtracting(grammarWords).sorted())")
        #expect(Keywords.table.count == tableWords.count, "a keyword is listed twice")
    }
}
