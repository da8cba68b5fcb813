// Checking STAGES: the stage order against the store's stages, the clauses a journey map takes, INACTIVE AFTER.
import JourneyStore

extension Checker {
    mutating func checkStages(_ s: StagesSyntax) -> CheckedStages? {
        for r in s.rejected {
            diagnostics.append(.error(.checkStagesClause, "STAGES does not take \(r.clause): the journey map follows every stage event of a customer, not a chain of steps",
                                      at: r.range,
                                      notes: ["STAGES takes WHERE, FOR, DURING/SINCE/BEFORE/LAST, BY, LIMIT and INACTIVE AFTER"]))
        }
        var inactive = CheckedStages.defaultInactiveAfter
        if let d = s.inactiveAfter {
            if s.inactiveNegative || d.milliseconds <= 0 {
                diagnostics.append(.error(.checkBadInactiveAfter, "INACTIVE AFTER takes a duration longer than zero",
                                          at: d.range, notes: ["for example INACTIVE AFTER 30 days"]))
            }
            inactive = d.milliseconds
        }
        guard let order = stageOrder(at: s.keyword) else { return nil }
        // The clauses are checked as a journey's (WHERE, FOR, start range, BY, LIMIT): without steps they check alone.
        let clauses = s.clauses.withoutChainClauses()
        var steps: [CheckedStep] = []
        for name in order {
            let condition: Condition
            if definitions.entry(.stage, name) != nil {
                guard let c = try? definedStage(Name(name, s.keyword)) else { return nil }
                condition = c
            } else {
                condition = .compare(.stage, .equal, .text(name))
            }
            steps.append(CheckedStep(label: name, condition: condition, range: s.keyword))
        }
        guard let base = checkFunnel(clauses), !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        var journey = CheckedFunnel(steps: steps, window: nil, filter: base.filter, text: source.slice(s.range))
        journey.startBounds = base.startBounds
        journey.lastWindow = base.lastWindow
        journey.breakdown = base.breakdown
        journey.limit = base.limit
        journey.whereText = base.whereText
        journey.customerSet = base.customerSet  // FOR a behavioural segment (Checker+Customers.swift)
        return CheckedStages(journey: journey, inactiveAfter: inactive,
                             defaultOrder: catalog.stageOrder == StoreCatalog.defaultStageOrder)
    }

    /// The map's stages: the stage order's names that are stages of the data or defined stages. Every stage of
    /// the data must be in the order; when one is not, the error proposes the SET STAGES line that puts it there.
    mutating func stageOrder(at range: SourceRange) -> [String]? {
        let order = catalog.stageOrder
        let orderBytes = Set(order.map { Array($0.utf8) })
        let dataStages = catalog.stages.filter { $0.count > 0 }
        let missing = dataStages.filter { !orderBytes.contains(Array($0.name.utf8)) }.map(\.name)
        let defined = Set(definitions.names(.stage).map { Array($0.utf8) })
        let stages = order.filter { stageNames.contains(Array($0.utf8)) || defined.contains(Array($0.utf8)) }
        if !missing.isEmpty {
            let isDefault = order == StoreCatalog.defaultStageOrder
            let proposal = "SET STAGES " + (stages + missing).map(Checker.stageNameText).joined(separator: ", ")
            diagnostics.append(.error(.checkNoStageOrder,
                                      "the stage order does not place "
                                      + missing.map { "'\($0)'" }.joined(separator: ", ") + ", a stage of the data",
                                      at: range,
                                      notes: [(isDefault ? "no stage order is set, and the default one is "
                                                         : "the stage order (SET STAGES) is ")
                                              + order.joined(separator: ", "),
                                              "write the order of every stage once; move the stages to where they belong"],
                                      suggestion: proposal))
            return nil
        }
        if stages.isEmpty {
            diagnostics.append(.error(.checkNoStageOrder, "no stage of the stage order occurs in this store", at: range,
                                      notes: [catalog.eventCount == 0 ? "the store has no events yet: IMPORT some first"
                                                                      : "the events have no stage; DEFINE STAGE makes one from a condition, and SET STAGES orders them"]))
            return nil
        }
        if stages.count > 64 {
            diagnostics.append(.error(.checkTooManySteps, "the journey map takes at most 64 stages; the order has \(stages.count)",
                                      at: range))
            return nil
        }
        return stages
    }

    /// A stage name as SET STAGES needs it written: bare when it is a plain word, else quoted.
    static func stageNameText(_ name: String) -> String {
        let plain = name.unicodeScalars.first.map { $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) } == true
            && name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
            && !Keywords.reserved.contains(name.lowercased())
        return plain ? name : "'" + name.replacing("'", with: "''") + "'"
    }
}
