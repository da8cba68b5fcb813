// The planner: compiles checked conditions into store predicates over dictionary codes,
// so text comparisons on stage, touchpoint and channel become integer set tests.
import JourneyStore

package struct Planner {
    private let catalog: StoreCatalog

    package init(catalog: StoreCatalog) {
        self.catalog = catalog
    }

    package func plan(_ statement: CheckedStatement) -> Plan {
        switch statement {
        case .funnel(let f): .query(planFunnel(f, onlyStarters: true), .funnel)
        case .explain(let f):
            if let customer = f.traceCustomer {
                .trace(planFunnel(f), customer: customer, range: f.traceCustomerRange)
            } else {
                .explain(planFunnel(f, onlyStarters: true))
            }
        case .times(let f): .query(planFunnel(f, onlyStarters: true), .times)
        case .paths(let f): .query(planFunnel(f, everyEventWith: [.touchpoint]), .paths)
        case .importData(let i): .importData(i)
        case .show(let t): .show(t)
        case .definition(let d): .definition(d)
        case .expect(let e): .expect(e)
        case .stages(let s): .query(planStages(s), .stages(inactiveAfter: s.inactiveAfter, defaultOrder: s.defaultOrder))
        case .customers(let c): .query(planFunnel(c.funnel), .customers(CustomerListing(c)))
        case .showCustomer(let id, let range): .showCustomer(id, range: range)
        case .flows(let f):
            .query(planFunnel(f.funnel, everyEventWith: [f.spec.column], eventsBeforeStart: f.spec.kind.readsBeforeAnchor),
                   .flows(f.spec))
        case .dropoff(let d): .query(planDropoff(d), .dropoff(next: d.next, of: d.of))
        case .why(let w): .query(planWhy(w), .why(fields: w.fields, defaultSet: w.isDefaultSet))
        case .value(let v): planValueQuery(v)
        case .compare(let c):
            .query(planFunnel(c.funnel, onlyStarters: true),
                   .compare(CompareSpec(c, previous: c.previousFunnel.map { planFunnel($0, onlyStarters: true) })))
        case .retention(let r): .query(planRetention(r), .retention(r.spec))
        case .attribution(let a): .query(planAttribution(a), .attribution(AttributionSpec(a)))
        }
    }

    /// With `everyEventWith` columns, every admitted event is delivered (not only those that fill a step) carrying
    /// those columns (`FunnelPlan.eventFields`), so an aggregation can read what customers did between, after or
    /// instead of the steps. With `eventsBeforeStart`, a start range does not hide the events before it (PATHS BEFORE
    /// reads them). With `onlyStarters`, the aggregation counts only customers whose chain starts (the funnel table,
    /// TIMES, COMPARE): the scan may skip customers without an event for step 1 when the matcher needs one to start.
    package func planFunnel(_ funnel: CheckedFunnel, everyEventWith columns: [EventColumn] = [],
                           eventsBeforeStart: Bool = false, onlyStarters: Bool = false) -> FunnelPlan {
        let m = funnel.steps.count
        var carry: [CarriedField] = []
        func carried(_ field: EventField) -> Int? {
            let wanted: CarriedField
            switch field {
            case .stage, .touchpoint, .channel: wanted = .column(field.column!)
            case .property(let name): wanted = .property(name)
            default: return nil
            }
            if let i = carry.firstIndex(of: wanted) { return i }
            carry.append(wanted)
            return carry.count - 1
        }
        let sameColumn = funnel.same.flatMap(carried)
        let breakdown: [BreakdownSource] = funnel.breakdown.map { key in
            switch key {
            case .startDay: return .startDay
            case .startWeek: return .startWeek
            case .startMonth: return .startMonth
            case .field(.customerAttribute(let name)): return .customerAttribute(name)
            case .field(let field): return .carried(column: carried(field) ?? 0, decode: field.column)
            }
        }
        // Chain events all lie at or after the start and, with a window, within it: events outside cannot matter.
        var filter = compile(funnel.filter)
        if let bounds = funnel.startBounds {
            var terms = [filter]
            if let lower = bounds.lower, !eventsBeforeStart { terms.append(.time(.greaterOrEqual, lower)) }
            if let upper = bounds.upper, let window = funnel.window {
                let (end, overflow) = upper.addingReportingOverflow(window)
                if !overflow { terms.append(.time(.less, end)) }
            }
            filter = .and(terms)
        }
        let steps = funnel.steps.map { compile($0.condition) } + funnel.exclusions.map { compile($0.condition) }
        var eventFields: [EventColumn: Int] = [:]
        for column in columns { eventFields[column] = carried(EventField(column)) }
        let directly = funnel.order.rules.contains(.directly)
        var request = ScanRequest(filter: filter, steps: steps, deliverAll: directly || !columns.isEmpty, carry: carry)
        let shape = JourneyShape(
            stepCount: m, optional: funnel.steps.map(\.optional), gapWindows: funnel.steps.map(\.gapWindow),
            window: funnel.window, order: funnel.order,
            exclusions: funnel.exclusions.enumerated().map { .init(bit: m + $0.offset, from: $0.element.from, to: $0.element.to) },
            sameColumn: sameColumn, startBounds: funnel.startBounds)
        let matcher = MatcherKind(shape)
        // These matchers start a chain only at an event of step 1 (a required step).
        request.onlyStarters = onlyStarters && (matcher == .plain || matcher == .tied) && shape.optional.first == false
        var plan = FunnelPlan(funnel: funnel, request: request, window: funnel.window, shape: shape,
                              matcher: matcher, breakdown: breakdown, eventFields: eventFields,
                              horizon: funnel.now ?? catalog.timeRange?.upperBound)
        plan.customerSet = funnel.customerSet.map { CustomerSetPlan(name: $0.name, plan: planFunnel($0.customers.funnel),
                                                                    listing: CustomerListing($0.customers)) }
        return plan
    }

    /// A condition as a store predicate. Comparisons on dictionary columns are evaluated here,
    /// once per distinct value, and become code sets.
    package func compile(_ condition: Condition) -> Predicate {
        switch condition {
        case .always:
            return .constant(true)
        case .not(let c):
            return .not(compile(c))
        case .like(let field, let pattern):
            // On dictionary columns the pattern is matched here, once per distinct value, as `=` is.
            if let column = field.column {
                return .codes(column, (catalog.codes[column] ?? CodeTable()).codes { pattern.matches($0) })
            }
            return Planner.operand(field).map { .like($0, pattern) } ?? .constant(false)
        case .isNull(let field):
            // The customer's id and the time are never missing.
            return Planner.operand(field).map { .isNull($0) } ?? .constant(false)
        case .and(let cs):
            return .and(Planner.distinct(cs.map(compile)))
        case .or(let cs):
            return .or(Planner.mergingCodeSets(Planner.distinct(cs.map(compile))))
        case .compare(let field, let op, let literal):
            switch (field, literal) {
            case (.time, .time(let t)):
                return .time(op, t)
            case (.customer, .text(let s)):
                return .customer(op, s)
            case (.property(let name), .text(let s)):
                return .property(name, op, .text(s))
            case (.property(let name), .number(let d)):
                return .property(name, op, .number(d))
            case (.property(let name), .integer(let i)):
                return .property(name, op, .integer(i))
            case (.customerAttribute(let name), .integer(let i)):
                return .customerAttribute(name, op, .integer(i))
            case (.customerAttribute(let name), .text(let s)):
                return .customerAttribute(name, op, .text(s))
            case (.customerAttribute(let name), .number(let d)):
                return .customerAttribute(name, op, .number(d))
            case (.stage, .text(let s)), (.touchpoint, .text(let s)), (.channel, .text(let s)):
                let column = field.column!
                let dictionary = catalog.codes[column] ?? CodeTable()
                if op == .equal {
                    return .codes(column, dictionary[s].map { [$0] } ?? [])
                }
                return .codes(column, dictionary.codes { op.holdsBytewise($0, s) })
            default:
                // The checker admits no other pairing; an impossible one matches nothing.
                return .constant(false)
            }
        }
    }
}

extension Planner {
    /// The terms without repeats, in first-seen order: `p AND p` is `p` and `p OR p` is `p` in three-valued logic
    /// too, and a LET used twice by a LET used twice ... would otherwise double the SQL at every level.
    static func distinct(_ terms: [Predicate]) -> [Predicate] {
        guard terms.count > 1 else { return terms }
        var seen = Set<Predicate>()
        return terms.filter { seen.insert($0).inserted }
    }

    /// `col IN A OR col IN B` is `col IN (A ∪ B)`, with the same answer for a missing column:
    /// long IN lists on stage, touchpoint and channel become one set test.
    static func mergingCodeSets(_ operands: [Predicate]) -> [Predicate] {
        var sets: [EventColumn: [Int64]] = [:]
        var order: [EventColumn] = []
        var rest: [Predicate] = []
        for p in operands {
            if case .codes(let column, let codes) = p {
                if sets[column] == nil { order.append(column) }
                sets[column, default: []] += codes
            } else {
                rest.append(p)
            }
        }
        return order.map { .codes($0, Array(Set(sets[$0]!)).sorted()) } + rest
    }
}

extension Comparison {
    /// Compares two strings by their UTF-8 bytes, as SQLite's BINARY collation does.
    package func holdsBytewise(_ lhs: String, _ rhs: String) -> Bool {
        let order: Int
        if lhs.utf8.elementsEqual(rhs.utf8) {
            order = 0
        } else {
            order = lhs.utf8.lexicographicallyPrecedes(rhs.utf8) ? -1 : 1
        }
        return holds(order, 0)
    }
}

extension Planner {
    /// What a LIKE or IS NULL test reads in the store; nil for the time (never text, never missing).
    static func operand(_ field: EventField) -> PredicateOperand? {
        switch field {
        case .stage, .touchpoint, .channel: field.column.map { .column($0) }
        case .customer: .customer
        case .property(let name): .property(name)
        case .customerAttribute(let name): .customerAttribute(name)
        case .time: nil
        }
    }
}
