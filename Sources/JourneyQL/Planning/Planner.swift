// The planner: compiles checked conditions into store predicates over dictionary codes,
// so text comparisons on stage, touchpoint and channel become integer set tests.
import JourneyStore

public struct Planner {
    private let catalog: StoreCatalog

    public init(catalog: StoreCatalog) {
        self.catalog = catalog
    }

    public func plan(_ statement: CheckedStatement) -> Plan {
        switch statement {
        case .funnel(let f): .funnel(planFunnel(f))
        case .explain(let f): .explain(planFunnel(f))
        case .importData(let i): .importData(i)
        case .show(let t): .show(t)
        }
    }

    public func planFunnel(_ funnel: CheckedFunnel) -> FunnelPlan {
        let request = ScanRequest(filter: compile(funnel.filter), steps: funnel.steps.map { compile($0.condition) })
        return FunnelPlan(funnel: funnel, request: request, window: funnel.window)
    }

    /// A condition as a store predicate. Comparisons on dictionary columns are evaluated here,
    /// once per distinct value, and become code sets.
    public func compile(_ condition: Condition) -> Predicate {
        switch condition {
        case .always:
            return .constant(true)
        case .not(let c):
            return .not(compile(c))
        case .and(let cs):
            return .and(cs.map(compile))
        case .or(let cs):
            return .or(Planner.mergingCodeSets(cs.map(compile)))
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
    public func holdsBytewise(_ lhs: String, _ rhs: String) -> Bool {
        let order: Int
        if lhs.utf8.elementsEqual(rhs.utf8) {
            order = 0
        } else {
            order = lhs.utf8.lexicographicallyPrecedes(rhs.utf8) ? -1 : 1
        }
        return holds(order, 0)
    }
}
