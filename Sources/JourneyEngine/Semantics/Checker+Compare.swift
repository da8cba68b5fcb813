// Checking COMPARE: the journey as any journey, then where its groups come from and the comparison's options.
import JourneyStore

extension Checker {
    /// The confidence levels COMPARE offers, in percent.
    static let compareConfidences = [90, 95, 99]

    mutating func checkCompare(_ c: CompareSyntax) -> CheckedCompare? {
        let periods = c.previous != nil
        let f = c.funnel
        var confidence = 95
        if let level = c.confidence, let range = c.confidenceRange {
            if let known = Checker.compareConfidences.first(where: { Double($0) == level }) {
                confidence = known
            } else {
                diagnostics.append(.error(.checkCompareConfidence, "CONFIDENCE takes 90, 95 or 99 (percent), not \(source.slice(range))",
                                          at: range, notes: ["95 is the default: intervals that miss the true rate 1 time in 20"]))
            }
        }
        if let previous = c.previous {
            if let key = f.breakdown.first {
                diagnostics.append(.error(.checkComparePreviousBy, "COMPARE PREVIOUS compares two periods and does not take BY",
                                          at: key.field.range,
                                          notes: ["compare the groups of one period with BY ... COMPARE, or narrow both periods with FOR or WHERE"]))
            }
            switch f.start {
            case .during?, .last?: break
            case .since(_, let range)?, .before(_, let range)?:
                diagnostics.append(.error(.checkComparePreviousRange, "COMPARE PREVIOUS needs a start range with two ends (DURING a .. b or LAST d): this one has no length to step back by",
                                          at: range, notes: ["FROM a TO b DURING 2024-03-01 .. 2024-03-31 COMPARE PREVIOUS compares March with the 31 days before it"]))
            case nil:
                diagnostics.append(.error(.checkComparePreviousRange, "COMPARE PREVIOUS needs a start range: the current period (DURING a .. b or LAST d)",
                                          at: previous, notes: ["FROM a TO b LAST 30 days COMPARE PREVIOUS compares the last 30 days with the 30 before"]))
            }
        } else if f.breakdown.isEmpty {
            diagnostics.append(.error(.checkCompareNoGroups, "COMPARE needs groups to compare: add BY, or compare two periods with PREVIOUS",
                                      at: c.keyword,
                                      notes: ["FROM a TO b BY customer.segment COMPARE", "FROM a TO b LAST 30 days COMPARE PREVIOUS"]))
        }
        var against: [ExpectedValue?]?
        if let range = c.againstRange {
            let wanted = periods ? 1 : f.breakdown.count
            if c.against.count != wanted {
                let what = periods ? "one value, current or previous" : "one value per BY key (\(wanted))"
                diagnostics.append(.error(.checkCompareAgainst, "AGAINST takes \(what), not \(c.against.count)", at: range))
            } else {
                var values: [ExpectedValue?] = []
                for value in c.against {
                    if case .word(let w) = value.syntax, w.lowercased() == "null" {
                        values.append(nil)
                        continue
                    }
                    guard let v = try? expectedValue(value, nullHelp: "NULL") else { continue }
                    if periods, !(v == .text("current") || v == .text("previous")) {
                        diagnostics.append(.error(.checkCompareAgainst, "COMPARE PREVIOUS compares the groups current and previous: AGAINST takes one of them, not \(source.slice(value.range))",
                                                  at: value.range))
                    }
                    values.append(v)
                }
                if values.count == wanted { against = values }
            }
        }
        guard let funnel = checkFunnel(f), !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        return CheckedCompare(funnel: funnel, periods: periods, against: against, againstRange: c.againstRange,
                              confidence: confidence, keywordRange: c.keyword, text: source.slice(c.range))
    }
}
