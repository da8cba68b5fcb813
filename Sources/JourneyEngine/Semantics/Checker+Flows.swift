// Checking flows: PATHS AFTER|BEFORE a step and PATHS between steps with options. The journey is checked as any
// journey is; this file checks the options and which journey clauses a flow takes.
import JourneyStore

/// What a flow reads from each customer.
package enum FlowKind: Sendable, Hashable {
    /// The `steps` values after the customer's first anchor event.
    case after(steps: Int)
    /// The `steps` values before the customer's first anchor event.
    case before(steps: Int)
    /// The path of a converter, from the chain's first event to its last.
    case converted
    /// The path of a lost customer (deepest step `at`, or any below the last), from the chain's first event to the
    /// last admitted event inside the window.
    case lost(at: Int?)

    /// True for BEFORE: the events before a start range matter too.
    package var readsBeforeAnchor: Bool {
        if case .before = self { return true }
        return false
    }

    /// True for AFTER and BEFORE: a tree of nodes rather than a ranking of whole paths.
    package var isTree: Bool {
        switch self {
        case .after, .before: true
        case .converted, .lost: false
        }
    }
}

/// Everything a flow's aggregation needs besides the journey's scan and matching.
package struct FlowSpec: Sendable, Hashable {
    package let kind: FlowKind
    /// The column whose values make the paths: touchpoint (the default), channel or stage.
    package let column: EventColumn
    /// `KEEP REPEATS`: consecutive equal values each count (collapsed to one by default).
    package let keepRepeats: Bool
    /// `MIN SHARE p`, a percentage in (0, 100]: branches (or paths) below it fold into "(other)".
    package let minShare: Double?
    /// `MAX LENGTH n`: longer paths keep their first n values and end in "…".
    package let maxLength: Int?
    /// `TOP n` (or `LIMIT n`): children per parent in a tree; paths listed between steps (default 10).
    package let top: Int?
    /// The anchor (AFTER, BEFORE) as written.
    package let anchorLabel: String
}

/// A flow ready for planning: its journey (for AFTER and BEFORE, the anchor as a one-step journey) and options.
package struct CheckedFlows: Sendable, Hashable {
    package let funnel: CheckedFunnel
    package let spec: FlowSpec

    package func resolved(setNow: Int64?, clock: Int64) -> CheckedFlows {
        CheckedFlows(funnel: funnel.resolved(setNow: setNow, clock: clock), spec: spec)
    }
}

extension Checker {
    /// The deepest STEPS a flow takes.
    static let maximumFlowSteps = 20

    mutating func checkFlows(_ f: FlowsSyntax) -> CheckedFlows? {
        let errorsBefore = diagnostics.filter { $0.severity == .error }.count
        let o = f.options
        let j = f.journey
        func reject(_ id: DiagnosticID, _ message: String, at range: SourceRange, notes: [String] = []) {
            diagnostics.append(.error(id, message, at: range, notes: notes))
        }
        let kind: FlowKind
        if let direction = f.direction {
            let word = "PATHS \(direction.rawValue)"
            // A flow follows one anchor event: the order rules and windows of a chain mean nothing here.
            if let within = j.within {
                reject(.checkFlowClause, "\(word) takes no WITHIN: it follows the customer's first \(direction == .after ? "anchor event onwards" : "anchor event backwards")",
                       at: within.range, notes: ["narrow it with WHERE time ..., or write a journey: PATHS FROM a TO b WITHIN 7 days"])
            }
            for exclusion in j.exclusions {
                reject(.checkFlowClause, "\(word) takes no EXCLUDING", at: exclusion.range,
                       notes: ["leave the events out with WHERE NOT ..."])
            }
            if let same = j.same { reject(.checkFlowClause, "\(word) takes no SAME", at: same.range) }
            for clause in o.orderClauses {
                reject(.checkFlowClause, "\(word) takes no \(clause.text): it has one step, the anchor", at: clause.range)
            }
            for (range, option) in [(o.lost, "LOST"), (o.converted, "CONVERTED"), (o.maxLength?.range, "MAX LENGTH")] {
                guard let range else { continue }
                reject(.checkFlowOption, "\(word) takes no \(option)", at: range,
                       notes: [option == "MAX LENGTH" ? "STEPS n says how deep the tree goes"
                                                      : "\(option) is for paths between steps: PATHS FROM a TO b \(option)"])
            }
            var steps = 3
            if let n = o.steps {
                if n.value < 1 || n.value > Checker.maximumFlowSteps {
                    reject(.checkFlowSteps, "STEPS takes a whole number from 1 to \(Checker.maximumFlowSteps), not \(n.value)",
                           at: n.range, notes: ["STEPS 1 shows the next (or previous) value only"])
                }
                steps = n.value
            }
            kind = direction == .after ? .after(steps: steps) : .before(steps: steps)
        } else {
            if let n = o.steps {
                reject(.checkFlowOption, "PATHS between steps takes no STEPS", at: n.range,
                       notes: ["MAX LENGTH n shortens long paths; STEPS is for PATHS AFTER and PATHS BEFORE"])
            }
            if let key = j.breakdown.first {
                reject(.checkPathsBy, "PATHS does not take BY: it ranks paths over all converters", at: key.field.range,
                       notes: ["run the journey with FOR a segment, or WHERE, to narrow it"])
            }
            if let lost = o.lost, let converted = o.converted {
                reject(.checkFlowOption, "PATHS takes LOST or CONVERTED, not both", at: lost.union(converted))
            }
            var at: Int?
            if let k = o.lostAt {
                let m = j.steps.count
                if k.value < 1 || k.value >= m {
                    reject(.checkFlowLostAt, "LOST AT takes a step from 1 to \(m - 1), not \(k.value)", at: k.range,
                           notes: ["a customer lost at step k reached step k but not the last step (\(m))"])
                }
                at = k.value
            }
            kind = o.lost != nil ? .lost(at: at) : .converted
        }
        if let p = o.minShare, !(p.value > 0 && p.value <= 100) {
            reject(.checkFlowShare, "MIN SHARE takes a percentage above 0 and at most 100, not \(formatNumber(p.value))",
                   at: p.range, notes: ["MIN SHARE 5 folds branches of less than 5% of the customers into (other)"])
        }
        if let n = o.maxLength, n.value < 1 {
            reject(.checkFlowLength, "MAX LENGTH takes a whole number of at least 1, not \(n.value)", at: n.range)
        }
        var column = EventColumn.touchpoint
        if let name = o.of {
            let choices: [(String, EventColumn)] = [("touchpoint", .touchpoint), ("channel", .channel), ("stage", .stage)]
            if let choice = choices.first(where: { $0.0 == name.text.lowercased() }) {
                column = choice.1
            } else {
                diagnostics.append(.error(.checkFlowField, "PATHS ... OF takes touchpoint, channel or stage, not '\(name.text)'",
                                          at: name.range, notes: ["paths are sequences of one of the event's named columns"])
                    .suggesting(Suggestions.nearest(to: name.text.lowercased(), among: choices.map(\.0)), replacing: name.range))
            }
        }
        guard let funnel = checkFunnel(j),
              diagnostics.filter({ $0.severity == .error }).count == errorsBefore else { return nil }
        let spec = FlowSpec(kind: kind, column: column, keepRepeats: o.keepRepeats != nil, minShare: o.minShare?.value,
                            maxLength: o.maxLength?.value, top: funnel.limit,
                            anchorLabel: funnel.steps.first?.label ?? "")
        return CheckedFlows(funnel: funnel, spec: spec)
    }
}
