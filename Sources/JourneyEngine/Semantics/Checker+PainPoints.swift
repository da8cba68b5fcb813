// Checking DROPOFF and WHY: the journey as any journey, then the statement's own options.
import JourneyStore

extension Checker {
    /// The columns DROPOFF's OF may name.
    static let dropoffColumns: [(word: String, column: EventColumn)] = [
        ("touchpoint", .touchpoint), ("channel", .channel), ("stage", .stage),
    ]

    mutating func checkDropoff(_ d: DropoffSyntax) -> CheckedDropoff? {
        var column = EventColumn.touchpoint
        if let of = d.of {
            if let found = Checker.dropoffColumns.first(where: { $0.word == of.text.lowercased() }) {
                column = found.column
            } else {
                let words = Checker.dropoffColumns.map(\.word)
                diagnostics.append(.error(.checkDropoffOf, "DROPOFF ... OF takes touchpoint, channel or stage, not '\(of.text)'",
                                          at: of.range, notes: ["the rows name the events' \(words.joined(separator: ", "))"])
                    .suggesting(Suggestions.nearest(to: of.text.lowercased(), among: words), replacing: of.range))
            }
        }
        guard let funnel = checkFunnel(d.funnel) else { return nil }
        return CheckedDropoff(funnel: funnel, next: d.next ?? 1, of: column)
    }

    mutating func checkWhy(_ w: WhySyntax) -> CheckedWhy? {
        if let key = w.funnel.breakdown.first {
            diagnostics.append(.error(.checkWhyBy, "WHY does not take BY: it compares all converters with all the lost",
                                      at: key.field.range,
                                      notes: ["narrow it with FOR a segment or WHERE, or run it once per group"]))
        }
        var fields: [EventField] = []
        for ref in w.using {
            guard let field = try? resolveField(ref) else { continue }
            switch field {
            case .time, .customer:
                diagnostics.append(.error(.checkWhyField, "WHY compares values of touchpoint, channel, stage, event properties and customer attributes, not \(field)",
                                          at: ref.range, notes: ["every customer has a different \(field): nothing to compare"]))
            default:
                if !fields.contains(field) { fields.append(field) }
            }
        }
        if w.using.isEmpty {
            fields = [.touchpoint, .channel] + catalog.properties.map { .property($0.name) }
                + catalog.customerAttributes.map { .customerAttribute($0.name) }
        }
        guard let funnel = checkFunnel(w.funnel), !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        return CheckedWhy(funnel: funnel, fields: fields, isDefaultSet: w.using.isEmpty)
    }
}
