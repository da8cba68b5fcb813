// Checking journeys: step resolution (stage, else touchpoint), windows, the WHERE filter.
import JourneyStore

extension Checker {
    mutating func checkFunnel(_ f: FunnelSyntax) -> CheckedFunnel? {
        var steps: [CheckedStep] = []
        for (k, step) in f.steps.enumerated() {
            guard let condition = try? checkStep(step) else { continue }
            var checked = CheckedStep(label: source.slice(step.range), condition: condition, range: step.range)
            if step.optional {
                if k == 0 || k == f.steps.count - 1 {
                    diagnostics.append(.error(.checkOptionalEnd, "the \(k == 0 ? "first" : "last") step cannot be optional",
                                              at: step.range, notes: ["a journey starts and ends with steps it cannot skip"]))
                }
                checked.optional = true
            }
            checked.gapWindow = step.gapWindow?.milliseconds
            steps.append(checked)
        }
        var filter = Condition.always
        if let expr = f.filter, let c = try? checkCondition(expr) { filter = c }
        // FOR segment: the segment's customer condition joins the WHERE (it is true or false per customer).
        // A behavioural segment (SEGMENT x AS CUSTOMERS ...) keeps the customers its journey gives at run time.
        var customerSet: CheckedCustomerSet?
        if let name = f.segment, let entry = behaviouralEntry(name) {
            customerSet = try? behaviouralSegment(entry, usedAt: name.range)
        } else if let name = f.segment, let c = try? segmentCondition(name) { filter = Condition.both(filter, c) }
        let exclusions = f.exclusions.compactMap { checkExclusion($0, steps: f.steps) }
        if f.steps.count + f.exclusions.count > 64 {
            diagnostics.append(.error(.checkTooManySteps, "a journey has at most 64 steps and exclusions together",
                                      at: f.steps[min(64, f.steps.count - 1)].range))
        }
        var same: EventField?
        if let ref = f.same, let field = try? resolveField(ref) {
            switch field {
            case .time, .customer, .customerAttribute:
                diagnostics.append(.error(.checkBadSame, "SAME takes an event field or property, not \(field)",
                                          at: ref.range, notes: ["for example SAME order_id or SAME channel"]))
            default:
                same = field
            }
        }
        let breakdown = f.breakdown.compactMap { try? checkBreakdown($0) }
        guard steps.count == f.steps.count, exclusions.count == f.exclusions.count,
              breakdown.count == f.breakdown.count, (f.same == nil) == (same == nil),
              !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        var funnel = CheckedFunnel(steps: steps, window: f.within?.milliseconds, filter: filter,
                                   text: source.slice(f.range))
        var rules: SequenceRules = []
        if f.directly { rules.insert(.directly) }
        if f.strictTime { rules.insert(.strictTime) }
        funnel.order = f.anyOrder ? .anyOrder : (f.tiesAnyOrder ? .tiesAnyOrder : .sequence(rules))
        if f.tiesAnyOrder || f.anyOrder {
            let clause = f.anyOrder ? "IN ANY ORDER" : "TIES ANY ORDER"
            var conflicts: [String] = []
            if steps.contains(where: { $0.optional }) { conflicts.append("optional steps") }
            if steps.contains(where: { $0.gapWindow != nil }) { conflicts.append("step windows") }
            if f.directly { conflicts.append("DIRECTLY") }
            if f.strictTime { conflicts.append("STRICT TIME") }
            if f.anyOrder && f.tiesAnyOrder { conflicts.append("TIES ANY ORDER") }
            if !f.exclusions.isEmpty { conflicts.append("EXCLUDING") }
            if f.same != nil { conflicts.append("SAME") }
            if !conflicts.isEmpty {
                diagnostics.append(.error(f.anyOrder ? .checkAnyOrderCombination : .checkTiesCombination,
                                          "\(clause) cannot be combined with "
                                          + conflicts.joined(separator: ", "), at: f.range,
                                          notes: ["it combines with WITHIN, WHERE, start ranges, BY, LIMIT and FOR"]))
                return nil
            }
        }
        funnel.exclusions = exclusions
        funnel.customerSet = customerSet
        funnel.same = same
        funnel.breakdown = breakdown
        funnel.limit = f.limit?.value
        funnel.traceCustomer = f.traceCustomer?.text
        funnel.traceCustomerRange = f.traceCustomer?.range
        funnel.whereText = f.filter.map { TableRenderer.oneLine(source.slice($0.range)) }
        switch f.start {
        case nil: break
        case .during(let a, let b, let endIsDate, let range):
            let upper = endIsDate ? b + 86_400_000 : b + 1
            if upper <= a {
                diagnostics.append(.error(.checkEmptyRange, "the range ends before it starts", at: range))
                return nil
            }
            funnel.startBounds = TimeBounds(lower: a, upper: upper)
        case .since(let a, _):
            funnel.startBounds = TimeBounds(lower: a, upper: nil)
        case .before(let a, _):
            funnel.startBounds = TimeBounds(lower: nil, upper: a)
        case .last(let d, _):
            funnel.lastWindow = d.milliseconds
        }
        return funnel
    }

    /// `EXCLUDING x [BETWEEN i AND j]`: the condition and the 0-based span of steps it guards.
    mutating func checkExclusion(_ e: ExclusionSyntax, steps: [StepSyntax]) -> CheckedExclusion? {
        if e.target.optional {
            diagnostics.append(.error(.checkOptionalExclusion, "an exclusion cannot be optional", at: e.target.range))
            return nil
        }
        guard let condition = try? checkStep(e.target) else { return nil }
        var from = 0, to = steps.count - 1
        if let (a, b) = e.between {
            guard let i = resolveStepReference(a, steps: steps), let j = resolveStepReference(b, steps: steps) else { return nil }
            guard i < j else {
                diagnostics.append(.error(.checkBadSpan, "EXCLUDING ... BETWEEN needs an earlier step first",
                                          at: a.range.union(b.range)))
                return nil
            }
            from = i
            to = j
        }
        return CheckedExclusion(condition: condition, label: source.slice(e.target.range), from: from, to: to)
    }

    /// A step named by number (1-based) or by the text it was written with; the answer is 0-based.
    mutating func resolveStepReference(_ reference: StepReference, steps: [StepSyntax]) -> Int? {
        switch reference {
        case .number(let n, let range):
            if n >= 1, n <= steps.count { return n - 1 }
            diagnostics.append(.error(.checkBadStepNumber, "the journey has no step \(n); it has \(steps.count)", at: range))
            return nil
        case .name(let name):
            let labels = steps.map { source.slice($0.range) }
            let matches = labels.indices.filter {
                labels[$0].utf8.elementsEqual(name.text.utf8) || labels[$0].utf8.elementsEqual((name.text + "?").utf8)
            }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 {
                diagnostics.append(.error(.checkAmbiguousStepName, "'\(name.text)' names more than one step; use its number",
                                          at: name.range))
            } else {
                diagnostics.append(.error(.checkUnknownStepName, "no step of this journey is written '\(name.text)'", at: name.range)
                    .suggesting(Suggestions.nearest(to: name.text, among: labels), replacing: name.range) {
                        Suggestions.written($0, quoted: name.quoted)
                    })
            }
            return nil
        }
    }

    /// A `BY` key: `day`, `week`, `month` of the start, an event field or property of the first step, or `customer.x`.
    mutating func checkBreakdown(_ b: BreakdownSyntax) throws(Failure) -> BreakdownKey {
        if b.field.qualifier == nil {
            switch b.field.name.text.lowercased() {
            case "day": return .startDay
            case "week": return .startWeek
            case "month": return .startMonth
            default: break
            }
        }
        let field = try resolveField(b.field)
        switch field {
        case .time:
            var d = Diagnostic.error(.checkBadBreakdown, "BY time would make a group per instant", at: b.field.range,
                                     suggestion: "did you mean BY day, BY week or BY month?")
            d.fixIts = ["day", "week", "month"].map { FixIt(range: b.field.name.range, replacement: $0) }
            diagnostics.append(d)
            throw Failure()
        case .customer:
            diagnostics.append(.error(.checkBadBreakdown, "BY customer would make a group per customer", at: b.field.range,
                                      notes: ["CUSTOMERS lists customers one by one"]))
            throw Failure()
        default:
            return .field(field)
        }
    }

    mutating func checkStep(_ step: StepSyntax) throws(Failure) -> Condition {
        var condition = try checkTarget(step.target)
        if let filter = step.filter {
            condition = Condition.both(condition, try checkCondition(filter))
        }
        return condition
    }

    mutating func checkTarget(_ target: StepTarget) throws(Failure) -> Condition {
        switch target {
        case .any:
            return .always
        case .alternatives(let options):
            var conditions: [Condition] = []
            var failed = false
            for option in options {
                if option.optional || option.gapWindow != nil {
                    diagnostics.append(.error(.checkOptionalAlternative, "an alternative cannot be optional on its own",
                                              at: option.range, notes: ["put the ? after the whole (a | b)"]))
                    failed = true
                    continue
                }
                if let c = try? checkStep(option) { conditions.append(c) } else { failed = true }
            }
            if failed { throw Failure() }
            return .or(conditions)
        case .stage(let name):
            if let defined = try definedStage(name) { return defined }
            try requireKnown(name, in: stageNames, kind: "stage", candidates: catalog.stages.map(\.name) + definitions.names(.stage))
            return .compare(.stage, .equal, .text(name.text))
        case .touchpoint(let name):
            try requireKnown(name, in: touchpointNames, kind: "touchpoint", candidates: catalog.touchpoints.map(\.name))
            return .compare(.touchpoint, .equal, .text(name.text))
        case .name(let name):
            if let defined = try definedStage(name) { return defined }
            let bytes = Array(name.text.utf8)
            if stageNames.contains(bytes) {
                if touchpointNames.contains(bytes) {
                    diagnostics.append(Diagnostic(.note, .checkAmbiguousStep,
                                                  "'\(name.text)' is both a stage and a touchpoint; it means the stage here",
                                                  at: name.range)
                        .suggesting("write touchpoint \(name.text) for the touchpoint",
                                    fix: FixIt(range: name.range, replacement: "touchpoint " + source.slice(name.range))))
                }
                return .compare(.stage, .equal, .text(name.text))
            }
            if touchpointNames.contains(bytes) {
                return .compare(.touchpoint, .equal, .text(name.text))
            }
            let candidates = allStepNames
            let near = Suggestions.nearest(to: name.text, among: candidates)
            diagnostics.append(.error(.checkUnknownStep,
                                      "'\(name.text)' is neither a stage nor a touchpoint in this store",
                                      at: name.range,
                                      notes: candidates.isEmpty ? ["the store has no events yet: IMPORT some first"] : [])
                .suggesting(near, replacing: name.range) { Suggestions.written($0, quoted: name.quoted) })
            throw Failure()
        }
    }

    mutating func requireKnown(_ name: Name, in names: Set<[UInt8]>, kind: String,
                                       candidates: [String]) throws(Failure) {
        guard !names.contains(Array(name.text.utf8)) else { return }
        diagnostics.append(.error(kind == "stage" ? .checkUnknownStage : .checkUnknownTouchpoint, "no \(kind) is called '\(name.text)'", at: name.range)
            .suggesting(Suggestions.nearest(to: name.text, among: candidates), replacing: name.range) {
                Suggestions.written($0, quoted: name.quoted)
            })
        throw Failure()
    }
}
