// Checking ATTRIBUTE: the conversion step, the credited field (BY), the models, LOOKBACK, HALF LIFE, VALUE and
// the journey clauses an attribution takes.
import JourneyStore

extension Checker {
    mutating func checkAttribution(_ a: AttributionSyntax) -> CheckedAttribution? {
        for r in a.rejected {
            diagnostics.append(.error(.checkAttributionClause, "ATTRIBUTE does not take \(r.clause): it credits the touches before each conversion, not a chain of steps",
                                      at: r.range,
                                      notes: ["ATTRIBUTE takes WHERE, FOR, DURING/SINCE/BEFORE/LAST, BY, LIMIT, MODEL, LOOKBACK, HALF LIFE and VALUE"]))
        }
        // The models: each known, each once.
        var models: [AttributionModel] = []
        if a.models.isEmpty {
            diagnostics.append(.error(.checkAttributionModel, "ATTRIBUTE needs MODEL: how each conversion's credit is shared",
                                      at: a.keyword,
                                      notes: ["models: " + AttributionModel.allCases.map(\.rawValue).joined(separator: ", "),
                                              "for example: ATTRIBUTE purchase BY channel MODEL linear LOOKBACK 30 days"]))
        }
        for name in a.models {
            guard let model = AttributionModel(rawValue: name.text.lowercased()) else {
                let known = AttributionModel.allCases.map(\.rawValue)
                diagnostics.append(.error(.checkAttributionModel, "no attribution model is called '\(name.text)'", at: name.range,
                                          notes: ["models: " + known.joined(separator: ", ")])
                    .suggesting(Suggestions.nearest(to: name.text.lowercased(), among: known), replacing: name.range))
                continue
            }
            if models.contains(model) {
                diagnostics.append(.error(.checkAttributionModel, "the model \(model.rawValue) is given twice", at: name.range))
                continue
            }
            models.append(model)
        }
        // LOOKBACK: required, longer than zero.
        var lookback: Int64 = 0
        if let d = a.lookback {
            if a.lookbackNegative || d.milliseconds <= 0 {
                diagnostics.append(.error(.checkAttributionLookback, "LOOKBACK takes a duration longer than zero", at: d.range,
                                          notes: ["touches count when they lie at most this long before the conversion: LOOKBACK 30 days"]))
            }
            lookback = d.milliseconds
        } else {
            diagnostics.append(.error(.checkAttributionLookback, "ATTRIBUTE needs LOOKBACK: how long before a conversion a touch still counts",
                                      at: a.keyword, notes: ["for example LOOKBACK 30 days"]))
        }
        // HALF LIFE: only with time_decay, longer than zero.
        var halfLife = CheckedAttribution.defaultHalfLife
        if let d = a.halfLife, let range = a.halfLifeRange {
            if !models.contains(.timeDecay), !a.models.isEmpty {
                diagnostics.append(.error(.checkAttributionHalfLife, "HALF LIFE is time_decay's, and no time_decay model is asked for",
                                          at: range, notes: ["add time_decay to MODEL, or leave HALF LIFE out"]))
            } else if a.halfLifeNegative || d.milliseconds <= 0 {
                diagnostics.append(.error(.checkAttributionHalfLife, "HALF LIFE takes a duration longer than zero", at: d.range,
                                          notes: ["a touch this long before the conversion weighs half as much as one at it"]))
            }
            halfLife = d.milliseconds
        }
        // BY: one event field, the credited one (channel when BY is not written).
        var credit = EventField.channel
        if a.clauses.breakdown.count > 1 {
            diagnostics.append(.error(.checkAttributionBy, "ATTRIBUTE credits one field; BY names \(a.clauses.breakdown.count)",
                                      at: a.clauses.breakdown[1].field.range,
                                      notes: ["for example BY channel, BY touchpoint or BY campaign"]))
        } else if let key = a.clauses.breakdown.first, let field = try? resolveField(key.field) {
            switch field {
            case .stage, .touchpoint, .channel, .property: credit = field
            case .time, .customer, .customerAttribute:
                diagnostics.append(.error(.checkAttributionBy, "ATTRIBUTE credits an event field or property, not \(field)",
                                          at: key.field.range,
                                          notes: ["the touches before a conversion are credited by their own value: BY channel, BY touchpoint, BY campaign"]))
            }
        }
        // VALUE: a property whose values are numbers.
        var value: String?
        if let ref = a.value, let field = try? resolveField(ref) {
            if case .property(let name) = field {
                if let texts = cachedKnownValues(field), !texts.isEmpty {
                    diagnostics.append(.error(.checkAttributionValue, "VALUE takes a numeric property; \(name) has text values",
                                              at: ref.range,
                                              notes: ["for example " + texts.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                                                .prefix(3).map { "'\($0)'" }.joined(separator: ", ")]))
                }
                value = name
            } else {
                diagnostics.append(.error(.checkAttributionValue, "VALUE takes a numeric property of the conversion events, not \(field)",
                                          at: ref.range, notes: ["for example VALUE amount"]))
            }
        }
        // The clauses are checked as a journey's (WHERE, FOR, start range, LIMIT), the step on its own.
        var clauses = a.clauses.withoutChainClauses()
        clauses.breakdown = []
        let condition = try? checkStep(a.step)
        guard let condition, let base = checkFunnel(clauses),
              !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        if a.step.optional {
            diagnostics.append(.error(.checkOptionalEnd, "the conversion step cannot be optional", at: a.step.range))
            return nil
        }
        var journey = CheckedFunnel(steps: [CheckedStep(label: source.slice(a.step.range), condition: condition, range: a.step.range)],
                                    window: nil, filter: base.filter, text: source.slice(a.range))
        journey.startBounds = base.startBounds
        journey.lastWindow = base.lastWindow
        journey.limit = base.limit
        journey.whereText = base.whereText
        journey.customerSet = base.customerSet  // FOR a behavioural segment (Checker+Customers.swift)
        return CheckedAttribution(journey: journey, credit: credit, models: models, lookback: lookback, halfLife: halfLife,
                                  value: value, valueRange: a.value?.range)
    }
}
