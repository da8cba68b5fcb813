// Checking the customers behind a journey's numbers: CUSTOMERS and its pick, behavioural segments (made with
// SEGMENT name AS CUSTOMERS ..., used by FOR, checked again at every use with cycles refused), SHOW CUSTOMER.
import JourneyStore

extension Checker {
    /// `CUSTOMERS <journey> [pick] [ORDER BY ...]`.
    mutating func checkCustomers(_ c: CustomersSyntax) -> CheckedCustomers? {
        if let key = c.journey.breakdown.first {
            diagnostics.append(.error(.checkCustomersBy, "CUSTOMERS does not take BY: it lists customers one per row",
                                      at: key.field.range,
                                      notes: ["narrow the list with WHERE or FOR a segment instead"]))
            return nil
        }
        guard let funnel = checkFunnel(c.journey) else { return nil }
        let m = funnel.steps.count
        let pick: CustomerPick
        switch c.pick {
        case .started: pick = .started
        case .lost: pick = .lost
        case .converted: pick = .converted
        case .inProgress: pick = .inProgress
        case .at(let k, let range):
            guard k >= 1, k <= m else {
                diagnostics.append(.error(.checkCustomerPick, "AT takes a step from 1 to \(m), not \(k)", at: range,
                                          notes: ["the journey has \(m) steps; AT k lists the customers who reached at least step k"]))
                return nil
            }
            pick = .atLeast(k)
        case .lostAt(let k, let range):
            guard k >= 1, k < m else {
                let why = k == m ? "a customer whose deepest step is the last one converted"
                                 : "the journey has \(m) steps"
                diagnostics.append(.error(.checkCustomerPick, "LOST AT takes a step from 1 to \(m - 1), not \(k)", at: range,
                                          notes: [why + "; LOST AT k lists those whose deepest step is k"]))
                return nil
            }
            pick = .lostAt(k)
        }
        return CheckedCustomers(funnel: funnel, pick: pick, order: c.order, descending: c.descending)
    }

    /// The behavioural segment a stored entry holds, checked again now (its text parsed and checked against the
    /// current catalog, parameters and definitions). Errors point into the definition's text, with a note naming
    /// the use site; a segment met again inside itself (directly or through another's FOR) is a cycle.
    mutating func behaviouralSegment(_ entry: Definitions.Entry, usedAt range: SourceRange) throws(Failure) -> CheckedCustomerSet {
        let key = DefinitionKey(entry)
        if let i = expansion.stack.firstIndex(of: key) {
            let path = (expansion.stack[i...].map(\.title) + [key.title]).joined(separator: " → ")
            diagnostics.append(.error(.checkDefinitionCycle, "\(entry.title) refers to itself: \(path)", at: range,
                                      notes: ["a segment cannot use itself, directly or through others"]))
            throw Failure()
        }
        guard expansion.stack.count < Checker.maximumDefinitionDepth else {
            diagnostics.append(.error(.checkDefinitionTooDeep,
                                      "definitions use one another more than \(Checker.maximumDefinitionDepth) levels deep here", at: range))
            throw Failure()
        }
        let definitionSource = SourceText(entry.text, name: entry.title)
        let parsed = Parser.parseCustomersDefinition(definitionSource, parameters: parameters)
        var inner = self
        inner.source = definitionSource
        inner.diagnostics = []
        inner.expansion.stack.append(key)
        // The segment's journey reads events: only attribute segments are limited to the customer's fields.
        inner.expansion.customerOnly = false
        inner.expansion.cache = [:]
        inner.expansion.failed = []
        let checked = parsed.customers.flatMap { inner.checkCustomers($0) }
        let useNote = "\(entry.title) is used at \(source.name):\(source.location(of: range.start))"
        let origin = DiagnosticOrigin(name: entry.title, text: entry.text)
        var failed = checked == nil
        // Its warnings were shown when it was made; only errors are repeated at the use.
        for var d in parsed.diagnostics + inner.diagnostics where d.severity == .error {
            if d.origin == nil { d.origin = origin }
            d.notes.append(useNote)
            diagnostics.append(d)
            failed = true
        }
        guard !failed, let checked else { throw Failure() }
        return CheckedCustomerSet(name: entry.name, customers: checked)
    }

    /// The stored segment `name` when it is a behavioural one (`CUSTOMERS ...`), else nil.
    func behaviouralEntry(_ name: Name) -> Definitions.Entry? {
        guard let entry = definitions.entry(.segment, name.text), Parser.isCustomersText(entry.text) else { return nil }
        return entry
    }

    /// `SEGMENT name AS CUSTOMERS <journey> [pick]`: checked as its uses will check it, with itself in place (so
    /// using itself through FOR is a cycle). A name that is a stored STAGE or LET is taken; a segment of that name
    /// (either form) is replaced, as SEGMENT always does.
    mutating func checkSegmentAsCustomers(_ name: Name, _ customers: CustomersSyntax, text: SourceRange) -> CheckedDefinition? {
        guard !name.text.isEmpty else {
            diagnostics.append(.error(.checkBadName, "a definition needs a name", at: name.range))
            return nil
        }
        let others = [DefinitionKind.stage, .condition].compactMap { definitions.entry($0, name.text) }
        if let other = others.first {
            diagnostics.append(.error(.checkNameTaken, "'\(name.text)' is already \(other.title)", at: name.range,
                                      notes: ["a behavioural segment needs a name no other definition has; DROP \(other.title) first, or choose another"]))
            return nil
        }
        let entry = Definitions.Entry(kind: .segment, name: name.text, text: source.slice(text))
        let replaces = definitions.entry(.segment, name.text) != nil
        definitions.set(entry)
        expansion.stack = [DefinitionKey(entry)]
        expansion.customerOnly = false
        expansion.deferParameters = true
        guard checkCustomers(customers) != nil, !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        return .define(entry, replaces: replaces)
    }

    /// `SHOW CUSTOMER id`: whether the id exists is known only to the store (the executor says so, located).
    mutating func checkShowCustomer(_ id: Name) -> CheckedStatement? {
        .showCustomer(id.text, range: id.range)
    }
}

extension Checker {
    /// A stored behavioural segment checked on its own (for SHOW's counts), or the errors that keep it from checking.
    package static func checkBehaviouralSegment(_ entry: Definitions.Entry, catalog: StoreCatalog,
                                               parameters: [String: String] = [:],
                                               definitions: Definitions) -> (set: CheckedCustomerSet?, diagnostics: [Diagnostic]) {
        var checker = Checker(catalog: catalog, source: SourceText(""), parameters: parameters, definitions: definitions)
        let set = try? checker.behaviouralSegment(entry, usedAt: SourceRange(0, 0))
        return (set, checker.diagnostics)
    }
}

extension Checker {
    /// Warnings for the behavioural segments whose journey keeps `FOR name` of the segment being dropped: they stay,
    /// and fail until it is defined again.
    mutating func warnBehaviouralDependents(on name: Name) {
        for entry in definitions.entries where entry.kind == .segment && Parser.isCustomersText(entry.text)
            && !entry.name.utf8.elementsEqual(name.text.utf8) {
            guard let customers = Parser.parseCustomersDefinition(SourceText(entry.text), parameters: parameters).customers,
                  let used = customers.journey.segment, used.text.utf8.elementsEqual(name.text.utf8) else { continue }
            diagnostics.append(.warning(.checkDroppedInUse, "\(entry.title) uses SEGMENT \(name.text) (FOR \(name.text)); it will fail until SEGMENT \(name.text) is defined again",
                                        at: name.range))
        }
    }
}
