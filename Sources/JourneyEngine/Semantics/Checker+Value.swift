// Checking VALUE: the property must be an event property of the store, the clauses those of one step.
import JourneyStore

extension Checker {
    mutating func checkValue(_ v: ValueStatementSyntax) -> CheckedValue? {
        for r in v.rejected {
            diagnostics.append(.error(.checkValueClause, "VALUE does not take \(r.clause): it reads the events of one step, not a chain",
                                      at: r.range,
                                      notes: ["VALUE takes WITHIN (a horizon from each customer's first event), WHERE, FOR, DURING/SINCE/BEFORE/LAST, BY and LIMIT"]))
        }
        let property = valueProperty(v.property)
        if let within = v.journey.within, within.milliseconds <= 0 {
            diagnostics.append(.error(.checkValueClause, "WITHIN takes a horizon longer than zero", at: within.range,
                                      notes: ["for example WITHIN 365 days: each customer's events up to a year after their first"]))
        }
        let clauses = v.journey.withoutChainClauses(keepingWithin: true)
        guard let journey = checkFunnel(clauses), let property,
              !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        return CheckedValue(property: property, propertyRange: v.property.range, journey: journey)
    }

    /// The property VALUE sums: an event property of the store. A field every event has is not a number (time is
    /// an instant, the others text); a customer attribute is not an event's value; an unknown name is an error
    /// with the nearest property as its suggestion.
    private mutating func valueProperty(_ ref: FieldRef) -> String? {
        let properties = catalog.properties.map(\.name)
        if ref.qualifier == nil, !Checker.builtinFields.contains(ref.name.text.lowercased()),
           ref.name.text.lowercased() != "event", !properties.contains(ref.name.text) {
            diagnostics.append(.error(.checkUnknownField, "no property is called '\(ref.name.text)'", at: ref.name.range,
                                      notes: [properties.isEmpty ? "the events of this store have no properties"
                                                                 : "properties: " + properties.joined(separator: ", ")])
                .suggesting(Suggestions.nearest(to: ref.name.text, among: properties), replacing: ref.name.range) {
                    Suggestions.written($0, quoted: ref.name.quoted)
                })
            return nil
        }
        guard let field = try? resolveField(ref) else { return nil }
        switch field {
        case .property(let name):
            return name
        case .customerAttribute(let name):
            diagnostics.append(.error(.checkValueNotNumeric, "VALUE sums a property of events, and customer.\(name) is a customer's attribute",
                                      at: ref.range, notes: ["group by it instead: VALUE amount FROM purchase BY customer.\(name)"]))
        case .time:
            diagnostics.append(.error(.checkValueNotNumeric, "time is an instant, not a value to sum", at: ref.range,
                                      notes: ["TIMES measures durations; VALUE takes a numeric property such as amount"]))
        default:
            diagnostics.append(.error(.checkValueNotNumeric, "\(field) is text, not a number", at: ref.range,
                                      notes: ["VALUE takes a numeric property such as amount, revenue or quantity"]
                                          + (properties.isEmpty ? [] : ["properties: " + properties.joined(separator: ", ")])))
        }
        return nil
    }
}
