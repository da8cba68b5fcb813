// A predicate specialized to one code triple: what is left to test per event once the stage, touchpoint and
// channel are known. Most steps reduce to a constant for every triple, and then an event costs one table lookup.

/// Three-valued truth as a small integer: 1 true, 0 false, -1 unknown.
typealias Truth = Int8

/// The leaves a triple cannot decide, each answered through a table.
enum ResidualLeaf: Hashable {
    case time(Comparison, Int64)
    /// table[valueIndex[event]] of property column `column` (an index into the scan's property columns).
    case property(column: Int, table: Int)
    /// The customer's answer in customer table `table`.
    case customer(table: Int)
}

/// A condition left to evaluate per event, in three-valued logic.
indirect enum ResidualCondition: Hashable {
    case constant(Truth)
    case leaf(ResidualLeaf)
    case not(ResidualCondition)
    case and([ResidualCondition])
    case or([ResidualCondition])

    var constantValue: Truth? {
        if case .constant(let t) = self { return t }
        return nil
    }

    /// NOT, AND and OR of SQL over 1, 0 and -1, folding constants: FALSE decides an AND and TRUE an OR.
    static func negation(_ c: ResidualCondition) -> ResidualCondition {
        if let t = c.constantValue { return .constant(t == -1 ? -1 : 1 - t) }
        if case .not(let inner) = c { return inner }
        return .not(c)
    }

    static func conjunction(_ terms: [ResidualCondition]) -> ResidualCondition {
        combine(terms, deciding: 0, neutral: 1) { .and($0) }
    }

    static func disjunction(_ terms: [ResidualCondition]) -> ResidualCondition {
        combine(terms, deciding: 1, neutral: 0) { .or($0) }
    }

    private static func combine(_ terms: [ResidualCondition], deciding: Truth, neutral: Truth,
                                make: ([ResidualCondition]) -> ResidualCondition) -> ResidualCondition {
        var rest: [ResidualCondition] = []
        var unknown = false
        for term in terms {
            switch term.constantValue {
            case deciding?: return .constant(deciding)
            case neutral?: continue
            case .some(-1): unknown = true
            default: rest.append(term)
            }
        }
        if rest.isEmpty { return .constant(unknown ? -1 : neutral) }
        if unknown { rest.append(.constant(-1)) }
        return rest.count == 1 ? rest[0] : make(rest)
    }
}

/// The per-event inputs a residual condition reads.
struct ResidualInputs {
    let times: UnsafeBufferPointer<Int64>
    /// valueIndex columns of the scan's property columns.
    let properties: [NarrowNumbers]
    /// Truth tables over property values.
    let propertyTables: [[Truth]]
    /// Truth per customer index.
    let customerTables: [[Truth]]

    func evaluate(_ condition: ResidualCondition, event: Int, customer: Int) -> Truth {
        switch condition {
        case .constant(let t):
            return t
        case .leaf(.time(let op, let value)):
            return op.holds(times[event], value) ? 1 : 0
        case .leaf(.property(let column, let table)):
            return propertyTables[table][Int(properties[column][event])]
        case .leaf(.customer(let table)):
            return customerTables[table][customer]
        case .not(let inner):
            let t = evaluate(inner, event: event, customer: customer)
            return t == -1 ? -1 : 1 - t
        case .and(let terms):
            return fold(terms, deciding: 0, neutral: 1, event: event, customer: customer)
        case .or(let terms):
            return fold(terms, deciding: 1, neutral: 0, event: event, customer: customer)
        }
    }

    /// AND (FALSE decides, TRUE is neutral) or OR (the reverse): any unknown term makes an undecided result unknown.
    private func fold(_ terms: [ResidualCondition], deciding: Truth, neutral: Truth, event: Int, customer: Int) -> Truth {
        var result = neutral
        for term in terms {
            let t = evaluate(term, event: event, customer: customer)
            if t == deciding { return deciding }
            if t == -1 { result = -1 }
        }
        return result
    }
}

/// How a stored property value answers a condition on it, exactly as the SQL translation does
/// (see `PredicateSQL`): a literal's type decides which values compare at all.
enum PropertyTruth {
    static func compare(_ value: StoredValue, _ op: Comparison, _ literal: ScalarValue) -> Truth {
        let order: Int
        switch (value, literal) {
        case (.text(let a), .text(let b)):
            if a.utf8.elementsEqual(b.utf8) {
                order = 0
            } else {
                order = a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
            }
        case (.integer(let a), .integer(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
        case (.integer(let a), .number(let b)): order = compareExactly(a, b)
        case (.real(let a), .integer(let b)): order = -compareExactly(b, a)
        case (.real(let a), .number(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
        default: return -1
        }
        return op.holds(order, 0) ? 1 : 0
    }

    static func like(_ value: StoredValue, _ pattern: LikePattern) -> Truth {
        guard case .text(let text) = value else { return -1 }
        return pattern.matches(text) ? 1 : 0
    }

    static func isNull(_ value: StoredValue) -> Truth {
        if case .missing = value { return 1 }
        return 0
    }

    /// -1, 0 or 1 comparing an integer with a double without rounding either (as SQLite compares them).
    static func compareExactly(_ a: Int64, _ b: Double) -> Int {
        if b.isNaN { return 1 }
        if b >= 9_223_372_036_854_775_808.0 { return -1 }
        if b < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = b.rounded(.down)
        let w = Int64(whole)
        if a != w { return a < w ? -1 : 1 }
        return whole < b ? -1 : 0
    }
}
