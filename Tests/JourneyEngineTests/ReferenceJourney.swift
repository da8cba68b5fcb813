// The slow reference for the full journey statement: grammar/SEMANTICS.md section 4a read literally, by brute force.
// Every chain is enumerated and checked against rules 1–7; nothing is greedy, nothing is shared with the engine but
// the checked query's types and the result's cell kinds.
import Foundation
import JourneyEngine
import JourneyStore

/// One customer under a journey: the admitted events in order, the level, and the chain times are read from.
struct ReferenceJourneyCustomer: CustomStringConvertible {
    var customer: String
    /// The customer's events the WHERE admits, in (time, import sequence) order; chains index into this.
    var admitted: [RawEvent]
    var level: Int
    /// chain[k]: the index in `admitted` of the event filling step k, or nil when optional step k is skipped.
    /// Exactly `level` entries; the first and the last are never nil.
    var chain: [Int?]

    var start: RawEvent? { chain.first.flatMap { $0 }.map { admitted[$0] } }

    var description: String {
        "\(customer): level \(level), chain \(chain.map { $0.map(String.init) ?? "skip" })"
    }
}

/// How the reference lists the chains it checks.
enum ChainEnumeration {
    /// Every sequence of matching events in order, then rules 1–7 on each: the definition, read literally.
    case all
    /// Only extensions of valid chains. Every prefix of a valid chain that ends at a filled step is itself valid
    /// (each rule restricts the prefix's own events, and its last event is no later than the chain's), so this
    /// lists the same valid chains; it also stops extending where a later event could only break the window, the
    /// gap, DIRECTLY or an exclusion further. It makes customers with thousands of events affordable when chains
    /// are short-lived (a short window, DIRECTLY, frequent exclusions); a test checks it against `all`.
    case validPrefixes
}

extension Reference {
    // MARK: One customer

    /// The level and chain of one customer (`events` are that customer's, in any order), by trying every chain.
    static func journeyCustomer(_ funnel: CheckedFunnel, customer: String, events: [RawEvent],
                                customers: [String: [String: PropertyValue]],
                                enumeration: ChainEnumeration = .all) -> ReferenceJourneyCustomer {
        // Those clauses relax the order rules; this reference knows only section 4a's.
        precondition(!funnel.tiesAnyOrder && !funnel.anyOrder, "TIES ANY ORDER and IN ANY ORDER are not §4a")
        let admitted = events
            .filter { evaluate(funnel.filter, on: $0, customers: customers) == true }
            .sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
        // Rule 1 and the exclusions are conditions on single events: evaluate each once.
        let fills = admitted.map { event in
            funnel.steps.map { evaluate($0.condition, on: event, customers: customers) == true }
        }
        let excluded = funnel.exclusions.map { exclusion in
            admitted.map { evaluate(exclusion.condition, on: $0, customers: customers) == true }
        }
        let valid: [[Int?]]
        switch enumeration {
        case .all:
            valid = candidateChains(funnel, fills: fills).filter {
                isValid($0, funnel, admitted: admitted, fills: fills, excluded: excluded, customers: customers)
            }
        case .validPrefixes:
            valid = validChains(funnel, admitted: admitted, fills: fills, excluded: excluded, customers: customers)
        }
        let level = valid.map(\.count).max() ?? 0
        // Earliest start, then earliest p_2, p_3, ...; a skipped step sorts after every filled choice.
        let chosen = valid.filter { $0.count == level }.min { a, b in
            a.map { $0 ?? Int.max }.lexicographicallyPrecedes(b.map { $0 ?? Int.max })
        } ?? []
        return ReferenceJourneyCustomer(customer: customer, admitted: admitted, level: level, chain: chosen)
    }

    /// Every chain whose filled steps match (rule 1), in increasing event order (the structural half of rule 2),
    /// with step 1 filled, every required step below the last one filled, and the last one filled: for each level L,
    /// each fill/skip choice of the optional steps below L and each choice of events. The other rules are not applied
    /// here; enumerating only matching events just keeps the count small.
    static func candidateChains(_ funnel: CheckedFunnel, fills: [[Bool]]) -> [[Int?]] {
        var chains: [[Int?]] = []
        func extend(_ chain: [Int?], after last: Int) {
            let k = chain.count
            guard k < funnel.steps.count else { return }
            for j in (last + 1)..<max(last + 1, fills.count) where fills[j][k] {
                chains.append(chain + [j])
                extend(chain + [j], after: j)
            }
            // A skip is never the chain's last entry, so it is not recorded on its own.
            if k > 0, funnel.steps[k].optional { extend(chain + [nil], after: last) }
        }
        extend([], after: -1)
        return chains
    }

    /// Every valid chain, found by extending valid chains only (see `ChainEnumeration.validPrefixes`).
    static func validChains(_ funnel: CheckedFunnel, admitted: [RawEvent], fills: [[Bool]], excluded: [[Bool]],
                            customers: [String: [String: PropertyValue]]) -> [[Int?]] {
        var chains: [[Int?]] = []
        func extend(_ chain: [Int?], after last: Int) {
            let k = chain.count
            guard k < funnel.steps.count else { return }
            let start = chain.first.flatMap { $0 }
            let previous = chain.last { $0 != nil }.flatMap { $0 }
            for j in (last + 1)..<max(last + 1, fills.count) {
                // Later events only break these rules further: stop at the first that breaks one.
                if let start, let window = funnel.window, admitted[j].time - admitted[start].time > window { break }
                if let previous {
                    if let gap = funnel.steps[k].gapWindow, admitted[j].time - admitted[previous].time > gap { break }
                    if funnel.directly, j > previous + 1 { break }
                    let previousStep = chain.lastIndex { $0 != nil }!
                    if j > previous + 1, funnel.exclusions.indices.contains(where: { x in
                        funnel.exclusions[x].from <= previousStep && k <= funnel.exclusions[x].to && excluded[x][j - 1]
                    }) { break }
                }
                guard fills[j][k] else { continue }
                let next = chain + [j]
                guard isValid(next, funnel, admitted: admitted, fills: fills, excluded: excluded, customers: customers)
                else { continue }
                chains.append(next)
                extend(next, after: j)
            }
            if k > 0, funnel.steps[k].optional { extend(chain + [nil], after: last) }
        }
        extend([], after: -1)
        return chains
    }

    /// Rules 1–7 of section 4a for one chain (event indices into `admitted`, nil for a skipped step).
    static func isValid(_ chain: [Int?], _ funnel: CheckedFunnel, admitted: [RawEvent], fills: [[Bool]],
                        excluded: [[Bool]], customers: [String: [String: PropertyValue]]) -> Bool {
        let filled: [(step: Int, index: Int)] = chain.enumerated().compactMap { k, i in i.map { (k, $0) } }
        guard let first = filled.first, first.step == 0, let last = filled.last, last.step == chain.count - 1
        else { return false }
        // Only optional steps may be skipped.
        for (k, i) in chain.enumerated() where i == nil && !funnel.steps[k].optional { return false }
        // 1. Each filled step's event matches it.
        for (k, i) in filled where !fills[i][k] { return false }
        func time(_ i: Int) -> Int64 { admitted[i].time }
        for (a, b) in zip(filled, filled.dropFirst()) {
            // 2. Order.
            if b.index <= a.index { return false }
            if funnel.strictTime, time(b.index) <= time(a.index) { return false }
            if funnel.directly, b.index != a.index + 1 { return false }
            // 4. Gap window of the later step, from the previous filled step.
            if let gap = funnel.steps[b.step].gapWindow, time(b.index) - time(a.index) > gap { return false }
            // 5. No excluded event strictly between consecutive filled steps inside the exclusion's span.
            for (x, exclusion) in funnel.exclusions.enumerated() where exclusion.from <= a.step && b.step <= exclusion.to {
                for j in (a.index + 1)..<b.index where excluded[x][j] { return false }
            }
        }
        // 3. Journey window, inclusive, from the first step.
        if let window = funnel.window, time(last.index) - time(first.index) > window { return false }
        // 6. Every filled step has the first step's value; no value on the first step means nothing can follow.
        if let field = funnel.same {
            let value = sameValue(field, of: admitted[first.index], customers: customers)
            for (_, i) in filled.dropFirst() {
                guard let value, sameValue(field, of: admitted[i], customers: customers) == value else { return false }
            }
        }
        // 7. The start lies in the range.
        if let bounds = funnel.startBounds, !bounds.contains(time(first.index)) { return false }
        return true
    }

    /// A raw field value as SAME compares it: same type and value, text byte for byte.
    private enum SameValue: Equatable {
        case text([UInt8])
        case number(Double)
        case time(Int64)
    }

    private static func sameValue(_ field: EventField, of event: RawEvent,
                                  customers: [String: [String: PropertyValue]]) -> SameValue? {
        func raw(_ p: PropertyValue?) -> SameValue? {
            switch p {
            case .text(let s)?: .text(Array(s.utf8))
            case .number(let d)?: .number(d)
            case nil: nil
            }
        }
        switch field {
        case .stage: return event.stage.map { .text(Array($0.utf8)) }
        case .touchpoint: return event.touchpoint.map { .text(Array($0.utf8)) }
        case .channel: return event.channel.map { .text(Array($0.utf8)) }
        case .customer: return .text(Array(event.customer.utf8))
        case .time: return .time(event.time)
        case .property(let name): return raw(event.properties[name])
        case .customerAttribute(let name): return raw(customers[event.customer]?[name])
        }
    }

    // MARK: The result table

    /// Every customer with an event in `events`, matched.
    static func journeyCustomers(_ funnel: CheckedFunnel, events: [RawEvent],
                                 customers: [String: [String: PropertyValue]],
                                 enumeration: ChainEnumeration = .all) -> [String: ReferenceJourneyCustomer] {
        Dictionary(grouping: events, by: \.customer).reduce(into: [:]) { result, entry in
            result[entry.key] = journeyCustomer(funnel, customer: entry.key, events: entry.value, customers: customers,
                                                enumeration: enumeration)
        }
    }

    /// The journey's result table over `events` (a whole store, any order). The horizon for in-progress customers
    /// is `funnel.now` if set, else `horizon`, else the latest time of any event in `events`.
    /// PATHS by brute force: for every customer whose chain reaches the last step, the touchpoints of its admitted
    /// events from the chain's first event to its last, consecutive repeats collapsed; the paths as
    /// (rank, path, customers), most customers first, then by the path's bytes, at most LIMIT (default 10).
    static func paths(_ funnel: CheckedFunnel, events: [RawEvent], customers: [String: [String: PropertyValue]]) -> [[Cell]] {
        var counts: [[UInt8]: (text: String, customers: Int)] = [:]
        for customer in journeyCustomers(funnel, events: events, customers: customers).values
        where customer.level == funnel.steps.count {
            let filled = customer.chain.compactMap { $0 }
            var names: [String] = []
            for event in customer.admitted[filled.min()!...filled.max()!] {
                let name = event.touchpoint ?? "(none)"
                if names.last.map({ !$0.utf8.elementsEqual(name.utf8) }) ?? true { names.append(name) }
            }
            let text = names.joined(separator: " > ")
            counts[Array(text.utf8), default: (text, 0)].customers += 1
        }
        let ranked = counts.sorted { a, b in
            a.value.customers != b.value.customers ? a.value.customers > b.value.customers : a.key.lexicographicallyPrecedes(b.key)
        }
        return ranked.prefix(funnel.limit ?? 10).enumerated().map { rank, entry in
            [.int(Int64(rank + 1)), .text(entry.value.text), .int(Int64(entry.value.customers))]
        }
    }

    static func journey(_ funnel: CheckedFunnel, events: [RawEvent], customers: [String: [String: PropertyValue]],
                        horizon: Int64? = nil, enumeration: ChainEnumeration = .all) -> QueryResult {
        let matched = journeyCustomers(funnel, events: events, customers: customers, enumeration: enumeration)
        let horizon = funnel.now ?? horizon ?? events.map(\.time).max() ?? 0
        let reached = matched.values.filter { $0.level > 0 }

        var groups: [(key: [Cell], members: [ReferenceJourneyCustomer])]
        if funnel.breakdown.isEmpty {
            // No BY: one group of everyone, shown even when no one starts.
            groups = [(key: [], members: reached)]
        } else {
            // Grouped by bytes: Swift's String equality would merge canonically equivalent text ("café" written
            // precomposed and decomposed), which SQL and the rest of the language keep apart.
            var byKey: [[GroupKey]: (cells: [Cell], members: [ReferenceJourneyCustomer])] = [:]
            for member in reached {
                let cells = funnel.breakdown.map { breakdownCell($0, of: member, customers: customers) }
                byKey[cells.map(GroupKey.init), default: (cells, [])].members.append(member)
            }
            groups = byKey.values.map { (key: $0.cells, members: $0.members) }
            // SEMANTICS §5 Breakdowns: period keys in time order first, then largest first, then by key.
            let periods = funnel.breakdown.indices.filter {
                [BreakdownKey.startDay, .startWeek, .startMonth].contains(funnel.breakdown[$0])
            }
            groups.sort { a, b in
                for i in periods {
                    let order = keyOrder(a.key[i], b.key[i])
                    if order != 0 { return order < 0 }
                }
                if a.members.count != b.members.count { return a.members.count > b.members.count }
                for (x, y) in zip(a.key, b.key) {
                    let order = keyOrder(x, y)
                    if order != 0 { return order < 0 }
                }
                return false
            }
        }
        if let limit = funnel.limit { groups = Array(groups.prefix(limit)) }

        var columns = funnel.breakdown.map(\.description) + ["step", "name", "customers"]
        if funnel.hasOptionalSteps { columns.append("took") }
        columns += ["pct_of_first", "pct_of_previous", "lost"]
        if funnel.window != nil { columns.append("in_progress") }
        columns += ["median_time_from_previous", "p90_time_from_previous", "median_time_from_start", "p90_time_from_start"]

        var rows: [[Cell]] = []
        for group in groups {
            rows += stepRows(funnel, members: group.members, horizon: horizon).map { group.key + $0 }
        }
        return QueryResult(kind: .funnel, title: funnel.text, columns: columns, rows: rows)
    }

    /// One group's rows, one per step, without the key columns.
    private static func stepRows(_ funnel: CheckedFunnel, members: [ReferenceJourneyCustomer],
                                 horizon: Int64) -> [[Cell]] {
        let stepCount = funnel.steps.count
        func count(_ included: (ReferenceJourneyCustomer) -> Bool) -> Int { members.filter(included).count }
        let atLeast = (0..<stepCount).map { k in count { $0.level >= k + 1 } }
        var rows: [[Cell]] = []
        for k in 0..<stepCount {
            let n = atLeast[k]
            let previous = k > 0 ? atLeast[k - 1] : n
            // Level exactly k (they filled step k, 1-based, and no further) with the window still open.
            let inProgress = k == 0 ? 0 : count { member in
                guard member.level == k, let window = funnel.window, let start = member.start else { return false }
                return start.time + window > horizon
            }
            // Over the customers whose chain fills step k.
            var fromPrevious: [Int64] = [], fromStart: [Int64] = []
            for member in members where member.chain.count > k {
                guard let i = member.chain[k], k > 0 else { continue }
                let before = member.chain[..<k].compactMap { $0 }.last!
                fromPrevious.append(member.admitted[i].time - member.admitted[before].time)
                fromStart.append(member.admitted[i].time - member.start!.time)
            }
            func duration(_ values: [Int64], _ q: Double) -> Cell {
                k == 0 ? .null : quantileCont(values, q).map { .duration($0) } ?? .null
            }
            var row: [Cell] = [.int(Int64(k + 1)), .text(funnel.steps[k].label), .int(Int64(n))]
            if funnel.hasOptionalSteps { row.append(.int(Int64(count { $0.chain.count > k && $0.chain[k] != nil }))) }
            row += [
                atLeast[0] > 0 ? .percent(100.0 * Double(n) / Double(atLeast[0])) : .null,
                k == 0 ? .null : (previous > 0 ? .percent(100.0 * Double(n) / Double(previous)) : .null),
                k == 0 ? .null : .int(Int64(previous - n - inProgress)),
            ]
            if funnel.window != nil { row.append(k == 0 ? .null : .int(Int64(inProgress))) }
            row += [duration(fromPrevious, 0.5), duration(fromPrevious, 0.9),
                    duration(fromStart, 0.5), duration(fromStart, 0.9)]
            rows.append(row)
        }
        return rows
    }

    /// DuckDB's `quantile_cont`: h = (n − 1)·q, then linear interpolation between x⌊h⌋ and x⌈h⌉.
    static func quantileCont(_ values: [Int64], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let x = values.sorted().map(Double.init)
        let h = Double(x.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = Int(h.rounded(.up))
        return x[lo] + (h - Double(lo)) * (x[hi] - x[lo])
    }

    /// Equal cells, where percentages and durations may differ by rounding (the engine may interpolate a
    /// quantile or divide in another order); every other kind must be identical.
    static func cellsAgree(_ a: Cell, _ b: Cell) -> Bool {
        switch (a, b) {
        case (.percent(let x), .percent(let y)), (.duration(let x), .duration(let y)), (.number(let x), .number(let y)):
            return abs(x - y) <= 1e-9 * max(1, abs(x), abs(y))
        default:
            return a == b
        }
    }

    /// Equal tables, cell by cell as `cellsAgree` says.
    static func rowsAgree(_ a: [[Cell]], _ b: [[Cell]]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.count == y.count && zip(x, y).allSatisfy { cellsAgree($0, $1) }
        }
    }

    // MARK: Breakdown keys

    /// A customer's value of one BY key: fields from the chain's first step, attributes from the customer,
    /// day/week/month from the start time (UTC).
    static func breakdownCell(_ key: BreakdownKey, of member: ReferenceJourneyCustomer,
                              customers: [String: [String: PropertyValue]]) -> Cell {
        let first = member.start!
        func cell(_ p: PropertyValue?) -> Cell {
            switch p {
            case .text(let s)?: .text(s)
            case .number(let d)?: .number(d)
            case nil: .null
            }
        }
        switch key {
        case .field(.stage): return first.stage.map(Cell.text) ?? .null
        case .field(.touchpoint): return first.touchpoint.map(Cell.text) ?? .null
        case .field(.channel): return first.channel.map(Cell.text) ?? .null
        case .field(.customer): return .text(first.customer)
        case .field(.time): return .time(first.time)
        case .field(.property(let name)): return cell(first.properties[name])
        case .field(.customerAttribute(let name)): return cell(customers[first.customer]?[name])
        case .startDay: return .text(utcDay(first.time))
        case .startWeek: return .text(utcWeek(first.time))
        case .startMonth: return .text(String(utcDay(first.time).prefix(7)))
        }
    }

    /// A key cell compared as SQL compares it: text by its bytes.
    private enum GroupKey: Hashable {
        case null
        case number(Double)
        case text([UInt8])
        case time(Int64)

        init(_ cell: Cell) {
            switch cell {
            case .text(let s): self = .text(Array(s.utf8))
            case .number(let d), .percent(let d), .duration(let d): self = .number(d)
            case .int(let i): self = .number(Double(i))
            case .time(let t): self = .time(t)
            case .null: self = .null
            }
        }
    }

    /// Foundation's calendar, not the engine's date arithmetic, so a shared mistake cannot hide.
    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `2024-01-31`.
    static func utcDay(_ ms: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        let c = utcCalendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// The Monday starting the ISO week of `ms`, as a day: `2024-01-29` for Wednesday 2024-01-31.
    static func utcWeek(_ ms: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        // Gregorian weekdays run 1 = Sunday ... 7 = Saturday; Monday is 2.
        let weekday = utcCalendar.component(.weekday, from: date)
        let daysSinceMonday = (weekday + 5) % 7
        return utcDay(ms - Int64(daysSinceMonday) * 86_400_000)
    }

    /// Group keys in ascending order, as SQLite sorts: null first, then numbers, then text byte-wise.
    static func keyOrder(_ a: Cell, _ b: Cell) -> Int {
        func rank(_ c: Cell) -> Int {
            switch c {
            case .null: 0
            case .int, .number, .time: 1
            default: 2
            }
        }
        func number(_ c: Cell) -> Double {
            switch c {
            case .int(let i): Double(i)
            case .number(let d): d
            case .time(let t): Double(t)
            default: 0
            }
        }
        if rank(a) != rank(b) { return rank(a) < rank(b) ? -1 : 1 }
        switch (a, b) {
        case (.text(let x), .text(let y)): return byteOrder(x, y)
        case (.null, .null): return 0
        default:
            let (x, y) = (number(a), number(b))
            return x < y ? -1 : (x > y ? 1 : 0)
        }
    }
}
