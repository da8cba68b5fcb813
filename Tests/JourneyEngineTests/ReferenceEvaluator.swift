// The slow, obviously-correct reference for funnels: LANGUAGE.md §2 read literally, by brute force.
// It shares nothing with the engine but the checked query's types: no planner, no SQL, no FunnelMatcher.
import JourneyEngine
import JourneyStore

/// SQL's three truth values: true, false, and nil for unknown.
typealias Truth = Bool?

/// What the reference computes for one funnel: the same numbers the engine's result table is built from.
struct ReferenceTotals: Equatable, CustomStringConvertible {
    /// customers[k]: customers whose level is at least k + 1.
    var customers: [Int]
    /// gaps[k] (k ≥ 1): for each customer reaching step k + 1, time of step k + 1 minus time of step k on its chain.
    var gaps: [[Int64]]
    /// Each customer's level, for failure messages.
    var levels: [String: Int]

    /// The median of `gaps[k]`, as the result table shows it.
    func median(_ k: Int) -> Double? { Reference.median(gaps[k]) }

    var description: String {
        "customers \(customers), medians \((1..<max(1, customers.count)).map { median($0).map { "\($0)" } ?? "-" })"
    }
}

enum Reference {
    // MARK: Conditions

    /// A field's value on one event, or nil when the event (or its customer) has none.
    private enum FieldValue {
        case text(String)
        case number(Double)
        case time(Int64)
    }

    /// Evaluates `condition` on `event` with SQL's three-valued logic.
    static func evaluate(_ condition: Condition, on event: RawEvent,
                         customers: [String: [String: PropertyValue]]) -> Truth {
        switch condition {
        case .always:
            return true
        case .not(let inner):
            return evaluate(inner, on: event, customers: customers).map { !$0 }
        case .and(let terms):
            // Kleene: false wins, then unknown, else true (an empty AND is true).
            var sawUnknown = false
            for term in terms {
                switch evaluate(term, on: event, customers: customers) {
                case false?: return false
                case nil: sawUnknown = true
                case true?: break
                }
            }
            return sawUnknown ? nil : true
        case .or(let terms):
            // Kleene: true wins, then unknown, else false (an empty OR is false).
            var sawUnknown = false
            for term in terms {
                switch evaluate(term, on: event, customers: customers) {
                case true?: return true
                case nil: sawUnknown = true
                case false?: break
                }
            }
            return sawUnknown ? nil : false
        case .compare(let field, let op, let literal):
            guard let value = value(of: field, on: event, customers: customers) else { return nil }
            return compare(value, op, literal)
        case .like(let field, let pattern):
            // SEMANTICS.md §2: text only; a missing value or a number is unknown; case-sensitive.
            guard case .text(let text)? = value(of: field, on: event, customers: customers) else { return nil }
            return likeMatches(Array(text.unicodeScalars), likePieces(pattern.text, escape: pattern.escape))
        case .isNull(let field):
            // Two-valued: only a value that is absent altogether is NULL.
            return value(of: field, on: event, customers: customers) == nil
        }
    }

    /// A LIKE pattern read from its text: each `%` is nil ("any run"), `_` is "any one" and everything else,
    /// or whatever follows the escape character, is itself.
    private enum LikePiece: Equatable {
        case run, one, char(Unicode.Scalar)
    }

    private static func likePieces(_ pattern: String, escape: Unicode.Scalar?) -> [LikePiece] {
        var pieces: [LikePiece] = []
        var scalars = pattern.unicodeScalars.makeIterator()
        while let c = scalars.next() {
            if c == escape, let next = scalars.next() {
                pieces.append(.char(next))
            } else if c == "%" {
                pieces.append(.run)
            } else if c == "_" {
                pieces.append(.one)
            } else {
                pieces.append(.char(c))
            }
        }
        return pieces
    }

    /// Whether `text` matches `pattern` in full, by dynamic programming over prefixes:
    /// `matched[i][j]` says the first i characters match the first j pieces.
    private static func likeMatches(_ text: [Unicode.Scalar], _ pattern: [LikePiece]) -> Bool {
        var matched = Array(repeating: Array(repeating: false, count: pattern.count + 1), count: text.count + 1)
        matched[0][0] = true
        for j in pattern.indices where pattern[j] == .run { matched[0][j + 1] = matched[0][j] }
        for i in 1...max(1, text.count) where i <= text.count {
            for j in pattern.indices {
                switch pattern[j] {
                case .run: matched[i][j + 1] = matched[i][j] || matched[i - 1][j + 1]
                case .one: matched[i][j + 1] = matched[i - 1][j]
                case .char(let c): matched[i][j + 1] = matched[i - 1][j] && text[i - 1] == c
                }
            }
        }
        return matched[text.count][pattern.count]
    }

    private static func value(of field: EventField, on event: RawEvent,
                              customers: [String: [String: PropertyValue]]) -> FieldValue? {
        func fromProperty(_ p: PropertyValue?) -> FieldValue? {
            switch p {
            case .text(let s)?: .text(s)
            case .number(let d)?: .number(d)
            case nil: nil
            }
        }
        switch field {
        case .stage: return event.stage.map(FieldValue.text)
        case .touchpoint: return event.touchpoint.map(FieldValue.text)
        case .channel: return event.channel.map(FieldValue.text)
        case .time: return .time(event.time)
        case .customer: return .text(event.customer)
        case .property(let name): return fromProperty(event.properties[name])
        case .customerAttribute(let name): return fromProperty(customers[event.customer]?[name])
        }
    }

    /// A comparison of one value with one literal; values of different types never compare (unknown).
    private static func compare(_ value: FieldValue, _ op: Comparison, _ literal: Literal) -> Truth {
        let order: Int
        switch (value, literal) {
        case (.text(let a), .text(let b)):
            order = byteOrder(a, b)
        case (.number(let a), .number(let b)):
            order = a < b ? -1 : (a > b ? 1 : 0)
        case (.number(let a), .integer(let i)):
            // Raw events carry numbers as Doubles, so beyond 2^53 this is approximate; random tests stay below.
            let b = Double(i)
            order = a < b ? -1 : (a > b ? 1 : 0)
        case (.time(let a), .time(let b)):
            order = a < b ? -1 : (a > b ? 1 : 0)
        default:
            return nil
        }
        switch op {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }

    /// -1, 0 or 1 comparing the UTF-8 bytes of `a` and `b`, as SQLite's BINARY collation does
    /// (Swift's `==` and `<` on String would identify canonically equivalent text).
    static func byteOrder(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        for i in 0..<min(x.count, y.count) where x[i] != y[i] {
            return x[i] < y[i] ? -1 : 1
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }

    // MARK: Funnels

    /// The funnel's totals over `events` (any order) and customer attributes, by brute force.
    static func funnel(_ funnel: CheckedFunnel, events: [RawEvent],
                       customers: [String: [String: PropertyValue]] = [:]) -> ReferenceTotals {
        let stepCount = funnel.steps.count
        var totals = ReferenceTotals(customers: Array(repeating: 0, count: stepCount),
                                     gaps: Array(repeating: [], count: stepCount), levels: [:])
        let byCustomer = Dictionary(grouping: events, by: \.customer)
        for (customer, all) in byCustomer {
            // Only events the WHERE filter makes true exist for the query.
            let admitted = all
                .filter { evaluate(funnel.filter, on: $0, customers: customers) == true }
                .sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
            let fills: [[Bool]] = admitted.map { event in
                funnel.steps.map { evaluate($0.condition, on: event, customers: customers) == true }
            }
            let times = admitted.map(\.time)
            let (level, chain) = match(times: times, fills: fills, stepCount: stepCount, window: funnel.window)
            totals.levels[customer] = level
            for k in 0..<level {
                totals.customers[k] += 1
                if k > 0 { totals.gaps[k].append(times[chain[k]] - times[chain[k - 1]]) }
            }
        }
        return totals
    }

    /// One customer: the level (the most steps any chain reaches, found by trying every chain) and the chain
    /// times are read from (the earliest start reaching that level, then the earliest later event per step).
    /// `fills[i][k]` tells whether event i can fill step k; events are in (time, import order) order.
    static func match(times: [Int64], fills: [[Bool]], stepCount: Int, window: Int64?) -> (level: Int, chain: [Int]) {
        func inWindow(_ start: Int, _ j: Int) -> Bool {
            guard let window else { return true }
            return times[j] - times[start] <= window
        }
        /// The most steps reachable when steps 0..<filled are taken and the last one is event `last`.
        func deepest(start: Int, last: Int, filled: Int) -> Int {
            if filled == stepCount { return filled }
            var best = filled
            for j in (last + 1)..<times.count where fills[j][filled] && inWindow(start, j) {
                best = max(best, deepest(start: start, last: j, filled: filled + 1))
                if best == stepCount { break }
            }
            return best
        }
        var levelOf: [Int: Int] = [:]
        for start in times.indices where fills[start][0] {
            levelOf[start] = deepest(start: start, last: start, filled: 1)
        }
        let level = levelOf.values.max() ?? 0
        guard level > 0, let start = levelOf.keys.filter({ levelOf[$0] == level }).min() else { return (0, []) }
        var chain = [start]
        while chain.count < level {
            let k = chain.count
            guard let next = ((chain[k - 1] + 1)..<times.count).first(where: { fills[$0][k] && inWindow(start, $0) })
            else { break }
            chain.append(next)
        }
        // Greedy from a start reaches as deep as any chain from it; if it did not, the spec contradicts itself.
        precondition(chain.count == level, "greedy chain shorter than the exhaustive level")
        return (level, chain)
    }

    /// The middle value, or the mean of the two middle values.
    static func median(_ values: [Int64]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? Double(sorted[n / 2]) : (Double(sorted[n / 2 - 1]) + Double(sorted[n / 2])) / 2
    }
}
