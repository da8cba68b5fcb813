// Checking journeys: step resolution (stage, else touchpoint), windows, the WHERE filter.
import JourneyStore

extension Checker {
    mutating func checkFunnel(_ f: FunnelSyntax) -> CheckedFunnel? {
        var steps: [CheckedStep] = []
        for step in f.steps {
            if let condition = try? checkStep(step) {
                steps.append(CheckedStep(label: source.slice(step.range), condition: condition, range: step.range))
            }
        }
        if steps.count > 64 {
            diagnostics.append(.error("check.too-many-steps", "a journey has at most 64 steps", at: f.steps[64].range))
        }
        var filter = Condition.always
        if let expr = f.filter, let c = try? checkCondition(expr) { filter = c }
        guard steps.count == f.steps.count else { return nil }
        return CheckedFunnel(steps: steps, window: f.within?.milliseconds, filter: filter,
                             text: source.slice(f.range))
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
                if let c = try? checkStep(option) { conditions.append(c) } else { failed = true }
            }
            if failed { throw Failure() }
            return .or(conditions)
        case .stage(let name):
            try requireKnown(name, in: stageNames, kind: "stage", candidates: catalog.stages.map(\.name))
            return .compare(.stage, .equal, .text(name.text))
        case .touchpoint(let name):
            try requireKnown(name, in: touchpointNames, kind: "touchpoint", candidates: catalog.touchpoints.map(\.name))
            return .compare(.touchpoint, .equal, .text(name.text))
        case .name(let name):
            let bytes = Array(name.text.utf8)
            if stageNames.contains(bytes) {
                if touchpointNames.contains(bytes) {
                    diagnostics.append(Diagnostic(.note, "check.ambiguous-step",
                                                  "'\(name.text)' is both a stage and a touchpoint; it means the stage here",
                                                  at: name.range, suggestion: "write touchpoint \(name.text) for the touchpoint"))
                }
                return .compare(.stage, .equal, .text(name.text))
            }
            if touchpointNames.contains(bytes) {
                return .compare(.touchpoint, .equal, .text(name.text))
            }
            let candidates = allStepNames
            let near = Suggestions.nearest(to: name.text, among: candidates)
            diagnostics.append(.error("check.unknown-step",
                                      "'\(name.text)' is neither a stage nor a touchpoint in this store",
                                      at: name.range,
                                      notes: candidates.isEmpty ? ["the store has no events yet: IMPORT some first"] : [],
                                      suggestion: Suggestions.phrase(near)))
            throw Failure()
        }
    }

    mutating func requireKnown(_ name: Name, in names: Set<[UInt8]>, kind: String,
                                       candidates: [String]) throws(Failure) {
        guard !names.contains(Array(name.text.utf8)) else { return }
        diagnostics.append(.error("check.unknown-\(kind)", "no \(kind) is called '\(name.text)'", at: name.range,
                                  suggestion: Suggestions.phrase(Suggestions.nearest(to: name.text, among: candidates))))
        throw Failure()
    }
}
