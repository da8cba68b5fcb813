// DROPOFF and WHY: the pain points of a journey. DROPOFF reads, for the customers lost at each step, what they did
// next and last; WHY compares the values seen in converters' journeys with those in the lost customers' journeys.
// Both consume each customer's matched chain and admitted events (grammar/SEMANTICS.md, "Drop-off" and "Why").
import Foundation
import JourneyStore

package enum PainPoints {
    /// The row of the lost customers with no admitted event after their step event.
    static let nothingAfter = "(nothing after)"
    /// The row the ranks past LIMIT are folded into.
    static let other = "(other)"
    /// The label of an event without a value in the OF column.
    static let noValue = "(none)"
    /// Joins the events of a NEXT sequence.
    static let arrow = " → "
    /// Rows per step (DROPOFF) or per direction (WHY) without LIMIT.
    static let defaultLimit = 10

    /// The event of a chain that everything after is measured from: its latest filled step's event (the step-k
    /// event of a customer lost at step k), or nil for an empty chain.
    static func latestChainEvent(_ match: CustomerMatch) -> Int? {
        match.positions.prefix(match.level).filter { $0 >= 0 }.max()
    }

    static func earliestChainEvent(_ match: CustomerMatch) -> Int? {
        match.positions.prefix(match.level).filter { $0 >= 0 }.min()
    }
}

// MARK: DROPOFF

extension PainPoints {
    /// One group's drop-off: per step k (index k − 1, k = 1 ... steps − 1), the lost customers and what they did.
    package struct DropoffCounts {
        /// Customers who started (the group's size, for ordering groups as the funnel does).
        package var started = 0
        package var lost: [Int]
        /// next[k][codes]: lost customers whose NEXT events had these codes (-1 for none); [] is nothing after.
        package var next: [[[Int64]: Int]]
        /// last[k][code]: the times from the step event to the last event, of the lost customers whose last event
        /// had this code (-1 for none); under `nothingAfterCode` (no event after) the times are zeros that only
        /// count the customers, and no median is shown.
        package var last: [[Int64: [Int64]]]

        package init(steps: Int) {
            lost = Array(repeating: 0, count: max(0, steps - 1))
            next = Array(repeating: [:], count: max(0, steps - 1))
            last = Array(repeating: [:], count: max(0, steps - 1))
        }

        mutating func add(_ other: DropoffCounts) {
            started += other.started
            for k in lost.indices {
                lost[k] += other.lost[k]
                next[k].merge(other.next[k], uniquingKeysWith: +)
                last[k].merge(other.last[k], uniquingKeysWith: +)
            }
        }
    }

    /// The code standing for "nothing after" among the last events (codes are never negative, -1 is no value).
    package static let nothingAfterCode: Int64 = -2

    /// Counts, per group and step, what the lost customers did after their step event.
    struct DropoffAggregation: ChainAggregation {
        let plan: FunnelPlan
        let keys: GroupKeyReader
        let next: Int
        /// The carried field of the OF column.
        let field: Int
        var groups: [[GroupKeys.RawKeyPart]: DropoffCounts] = [:]

        init(_ plan: FunnelPlan, keys: GroupKeyReader, next: Int, of column: EventColumn) {
            self.plan = plan
            self.keys = keys
            self.next = next
            field = plan.eventFields[column]!
        }

        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
            let m = plan.shape.stepCount
            guard match.level > 0 else { return }
            let first = match.positions[0]
            let key = keys.isEmpty ? [] : keys.key(customer, first: first)
            groups[key, default: DropoffCounts(steps: m)].started += 1
            // Lost at step k: level exactly k below the last step, and the window closed at the horizon.
            guard match.level < m, !plan.isOpen(start: customer.times[first]),
                  let anchor = PainPoints.latestChainEvent(match) else { return }
            let k = match.level - 1
            let after = anchor + 1
            var sequence: [Int64] = []
            for i in after..<min(customer.count, after + next) { sequence.append(customer.code(field, at: i) ?? -1) }
            groups[key]!.lost[k] += 1
            groups[key]!.next[k][sequence, default: 0] += 1
            if after < customer.count {
                let end = customer.count - 1
                groups[key]!.last[k][customer.code(field, at: end) ?? -1, default: []]
                    .append(customer.times[end] - customer.times[anchor])
            } else {
                groups[key]!.last[k][PainPoints.nothingAfterCode, default: []].append(0)
            }
        }

        mutating func merge(_ other: DropoffAggregation) {
            for (key, counts) in other.groups {
                groups[key, default: DropoffCounts(steps: plan.shape.stepCount)].add(counts)
            }
        }
    }

    /// A ranked row before it is shaped: its label, customers and (for "last") the times it holds.
    struct RankedRow {
        var label: String
        var customers: Int
        var times: [Int64]
    }

    /// Ranks rows by customers (most first), then label byte for byte; keeps `limit` and folds the rest into
    /// "(other)", shown last.
    static func rankAndFold(_ rows: [RankedRow], limit: Int) -> [RankedRow] {
        let ranked = rows.sorted { a, b in
            a.customers != b.customers ? a.customers > b.customers : a.label.utf8.lexicographicallyPrecedes(b.label.utf8)
        }
        guard ranked.count > limit else { return ranked }
        let folded = ranked[limit...]
        var kept = Array(ranked.prefix(limit))
        if limit > 0 {
            kept.append(RankedRow(label: other, customers: folded.reduce(0) { $0 + $1.customers },
                                  times: folded.flatMap(\.times)))
        }
        return kept
    }

    /// The two DROPOFF tables, "next" and "last".
    static func dropoffResults(_ plan: FunnelPlan, next: Int, of column: EventColumn, counted: DropoffAggregation,
                               catalog: StoreCatalog) -> [QueryResult] {
        let m = plan.shape.stepCount
        // Raw keys that display alike are one group, as in the funnel.
        var merged: [GroupKeys.GroupKey: DropoffCounts] = [:]
        for (raw, counts) in counted.groups {
            merged[GroupKeys.GroupKey(cells: counted.keys.cells(raw)), default: DropoffCounts(steps: m)].add(counts)
        }
        let groups = merged.map { (key: $0.key.cells, counts: $0.value) }.sorted {
            counted.keys.precedes($0.key, size: $0.counts.started, $1.key, size: $1.counts.started)
        }
        return dropoffResults(plan, next: next, of: column, groups: groups, catalog: catalog)
    }

    /// The two tables from groups already in order (by the customers who started, as the funnel orders them).
    package static func dropoffResults(_ plan: FunnelPlan, next: Int, of column: EventColumn,
                                       groups: [(key: [Cell], counts: DropoffCounts)],
                                       catalog: StoreCatalog) -> [QueryResult] {
        let funnel = plan.funnel
        let m = plan.shape.stepCount
        let names = Dictionary((catalog.codes[column] ?? CodeTable()).entries.map { ($0.code, $0.value) },
                               uniquingKeysWith: { a, _ in a })
        func name(_ code: Int64) -> String { code < 0 ? noValue : names[code] ?? noValue }
        let limit = funnel.limit ?? defaultLimit
        let keyColumns = funnel.breakdown.map { ColumnInfo($0.description) }
        let stepColumns = [ColumnInfo("step", type: .integer), ColumnInfo("name", type: .text),
                           ColumnInfo("lost", type: .integer, priority: 3)]
        var nextRows: [[Cell]] = [], lastRows: [[Cell]] = []
        for group in groups {
            for k in 0..<(m - 1) where group.counts.lost[k] > 0 {
                let lost = group.counts.lost[k]
                let prefix = group.key + [.int(Int64(k + 1)), .text(plan.stepLabels[k]), .int(Int64(lost))]
                let nexts = group.counts.next[k].map { codes, n in
                    RankedRow(label: codes.isEmpty ? nothingAfter : codes.map(name).joined(separator: arrow),
                              customers: n, times: [])
                }
                for row in rankAndFold(nexts, limit: limit) {
                    nextRows.append(prefix + [.text(row.label), .int(Int64(row.customers)),
                                              .percent(100 * Double(row.customers) / Double(lost))])
                }
                let lasts = group.counts.last[k].map { code, times in
                    RankedRow(label: code == nothingAfterCode ? nothingAfter : name(code), customers: times.count,
                              times: code == nothingAfterCode ? [] : times)
                }
                for row in rankAndFold(lasts, limit: limit) {
                    lastRows.append(prefix + [.text(row.label), .int(Int64(row.customers)),
                                              .percent(100 * Double(row.customers) / Double(lost)),
                                              FunnelTable.median(row.times).map { .duration($0) } ?? .null])
                }
            }
        }
        let of = column.name
        let share = ColumnInfo("pct_of_lost", type: .percent, label: "% lost", priority: 1)
        let nextColumns = keyColumns + stepColumns + [
            ColumnInfo("next_\(of)", type: .text, label: next == 1 ? "next \(of)" : "next \(next) \(of)s"),
            ColumnInfo("customers", type: .integer), share,
        ]
        let lastColumns = keyColumns + stepColumns + [
            ColumnInfo("last_\(of)", type: .text, label: "last \(of)"), ColumnInfo("customers", type: .integer), share,
            ColumnInfo("median_time_since_step", type: .duration, label: "median since step", priority: 2),
        ]
        let lostRule = "lost at step k: the deepest step is k and the window has closed"
        let bar = funnel.breakdown.isEmpty ? keyColumns.count + stepColumns.count + 1 : nil
        return [
            QueryResult(title: "dropoff, next: " + funnel.text, columns: nextColumns, rows: nextRows,
                        notes: [lostRule + "; next: the \(next == 1 ? "first admitted event" : "first \(next) admitted events") after the step's event, any time later"],
                        barColumn: bar),
            QueryResult(title: "dropoff, last: " + funnel.text, columns: lastColumns, rows: lastRows,
                        notes: ["last: each lost customer's last admitted event after the step's event, and the time to it"],
                        barColumn: bar),
        ]
    }
}

// MARK: WHY

extension PainPoints {
    /// A value as WHY compares it: dictionary codes, numbers (an integral real is its integer, as SQL compares
    /// them) and text by its bytes.
    package enum ValueKey: Hashable {
        case code(Int64)
        case integer(Int64)
        case real(Double)
        case text([UInt8])

        package init?(_ value: CarriedValue) {
            switch value {
            case .null: return nil
            case .integer(let i): self = .integer(i)
            case .real(let d):
                if d == d.rounded(), abs(d) < 9e15 { self = .integer(Int64(d)) } else { self = .real(d) }
            case .text(let s): self = .text(Array(s.utf8))
            }
        }
    }

    /// A field's value on some event, or a customer's attribute: one candidate row of WHY.
    package struct Feature: Hashable {
        /// Index into the statement's fields.
        package var field: Int
        package var value: ValueKey

        package init(field: Int, value: ValueKey) {
            self.field = field
            self.value = value
        }
    }

    /// Counts, per feature, the converters and the lost customers whose journeys show it.
    struct WhyAggregation: ChainAggregation {
        let plan: FunnelPlan
        let fields: [EventField]
        /// Per field: the carried field of an event field, nil for a customer attribute.
        let carried: [Int?]
        let attributes: [String: [Int64: CarriedValue]]
        var converters = 0, lost = 0
        /// feature → (converters, lost) with it, for values read as arrays (the SQLite engine) and attributes.
        var counts: [Feature: (converters: Int, lost: Int)] = [:]
        /// Reused per customer.
        var seen = Set<Feature>()
        /// With dense codes (the columnar engine), per carried field and code: converters and lost customers with
        /// it, and the number of the last customer counted (each customer counts a value once).
        var denseConverters: [[Int]]
        var denseLost: [[Int]]
        var denseStamp: [[Int]]
        var customerNumber = 0
        /// Per carried property, its distinct values and, per code, the first code of an equal value (1 and 1.0
        /// are one value), read from the first customer with dense codes.
        var distinct: [[CarriedValue]?]
        var canonical: [[Int]?]
        var readDistinct = false

        init(_ plan: FunnelPlan, fields: [EventField], attributes: [String: [Int64: CarriedValue]]) {
            self.plan = plan
            self.fields = fields
            self.attributes = attributes
            carried = fields.map { field -> Int? in
                if let column = field.column { return plan.request.carry.firstIndex(of: .column(column)) }
                if case .property(let name) = field { return plan.request.carry.firstIndex(of: .property(name)) }
                return nil
            }
            denseConverters = Array(repeating: [], count: fields.count)
            denseLost = denseConverters
            denseStamp = denseConverters
            distinct = Array(repeating: nil, count: fields.count)
            canonical = Array(repeating: nil, count: fields.count)
        }

        /// Counts carried field `f`'s values on events `range` once for this customer, by dense code.
        mutating func addDense(_ customer: ScannedCustomer, field f: Int, carried c: Int, range: Range<Int>, converted: Bool) {
            if !readDistinct {
                readDistinct = true
                for (g, carriedIndex) in carried.enumerated() {
                    guard let carriedIndex, let values = customer.distinctValues(carriedIndex) else { continue }
                    distinct[g] = values
                    var first: [ValueKey: Int] = [:]
                    canonical[g] = values.indices.map { code in
                        guard let key = ValueKey(values[code]) else { return code }
                        if let earlier = first[key] { return earlier }
                        first[key] = code
                        return code
                    }
                }
            }
            for i in range {
                guard var code = customer.denseCode(c, at: i) else { continue }
                if let map = canonical[f] { code = map[code] }
                if code >= denseStamp[f].count {
                    let more = code + 1 - denseStamp[f].count
                    denseStamp[f] += repeatElement(0, count: more)
                    denseConverters[f] += repeatElement(0, count: more)
                    denseLost[f] += repeatElement(0, count: more)
                }
                if denseStamp[f][code] == customerNumber { continue }
                denseStamp[f][code] = customerNumber
                if converted { denseConverters[f][code] += 1 } else { denseLost[f][code] += 1 }
            }
        }

        /// Every feature with its counts: the dense tallies as features, and the others.
        var allCounts: [Feature: (converters: Int, lost: Int)] {
            var all = counts
            for f in fields.indices {
                for code in denseConverters[f].indices where denseConverters[f][code] + denseLost[f][code] > 0 {
                    let value: ValueKey?
                    if let values = distinct[f] { value = ValueKey(values[code]) } else { value = .code(Int64(code)) }
                    guard let value else { continue }
                    all[Feature(field: f, value: value), default: (0, 0)].converters += denseConverters[f][code]
                    all[Feature(field: f, value: value), default: (0, 0)].lost += denseLost[f][code]
                }
            }
            return all
        }

        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
            let m = plan.shape.stepCount
            guard match.level > 0, let first = PainPoints.earliestChainEvent(match),
                  let latest = PainPoints.latestChainEvent(match) else { return }
            let start = customer.times[match.positions[0]]
            let converted = match.level == m
            // In progress: neither converted nor lost.
            if !converted && plan.isOpen(start: start) { return }
            // Converters: from the chain's first event up to the one that completes the journey (not included);
            // the lost: from the chain's first event to the end of the window (every later event without one).
            var end = customer.count
            if converted {
                end = latest
            } else if let window = plan.window {
                end = first
                while end < customer.count, customer.times[end] - start <= window { end += 1 }
            }
            seen.removeAll(keepingCapacity: true)
            customerNumber += 1
            let dense = customer.hasDenseCodes
            for (f, field) in fields.enumerated() {
                if let c = carried[f], dense {
                    addDense(customer, field: f, carried: c, range: first..<max(first, end), converted: converted)
                } else if let c = carried[f] {
                    let isColumn = field.column != nil
                    for i in first..<max(first, end) {
                        if isColumn {
                            if let code = customer.code(c, at: i) { seen.insert(Feature(field: f, value: .code(code))) }
                        } else if let value = ValueKey(customer.value(c, at: i)) {
                            seen.insert(Feature(field: f, value: value))
                        }
                    }
                } else if case .customerAttribute(let name) = field,
                          let value = ValueKey(attributes[name]?[customer.customer] ?? .null) {
                    seen.insert(Feature(field: f, value: value))
                }
            }
            if converted { converters += 1 } else { lost += 1 }
            for feature in seen {
                if converted { counts[feature, default: (0, 0)].converters += 1 } else { counts[feature, default: (0, 0)].lost += 1 }
            }
        }

        mutating func merge(_ other: WhyAggregation) {
            converters += other.converters
            lost += other.lost
            for (feature, n) in other.counts {
                counts[feature, default: (0, 0)].converters += n.converters
                counts[feature, default: (0, 0)].lost += n.lost
            }
            // The same scan's codes: tallies add code by code (the stamps are per copy and not needed after).
            for f in fields.indices where !other.denseConverters[f].isEmpty {
                let n = max(denseConverters[f].count, other.denseConverters[f].count)
                if denseConverters[f].count < n {
                    denseConverters[f] += repeatElement(0, count: n - denseConverters[f].count)
                    denseLost[f] += repeatElement(0, count: n - denseLost[f].count)
                }
                for code in other.denseConverters[f].indices {
                    denseConverters[f][code] += other.denseConverters[f][code]
                    denseLost[f][code] += other.denseLost[f][code]
                }
                if distinct[f] == nil { distinct[f] = other.distinct[f] }
            }
        }
    }

    /// A value as a condition writes it: text quoted (a quote doubled), numbers as written, integral ones without
    /// a fraction.
    static func valueText(_ value: ValueKey, decode: (Int64) -> String?) -> String {
        func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        switch value {
        case .code(let code): return decode(code).map(quoted) ?? PainPoints.noValue
        case .integer(let i): return String(i)
        case .real(let d): return "\(d)"
        case .text(let bytes): return quoted(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The WHY table: the values most associated with converting, then those most associated with being lost.
    /// Without USING, a field with more distinct values than this among the journeys is left out: ids, dates and
    /// amounts split customers into groups too small to mean anything, and would crowd the ranks.
    static let defaultSetMaximumValues = 50

    static func whyResult(_ plan: FunnelPlan, fields: [EventField], counted: WhyAggregation,
                          catalog: StoreCatalog, defaultSet: Bool = false) -> QueryResult {
        whyResult(plan, fields: fields, counts: counted.allCounts, converters: counted.converters, lost: counted.lost,
                  catalog: catalog, defaultSet: defaultSet)
    }

    /// The table from features counted by any engine: per feature, the converters and the lost showing it.
    package static func whyResult(_ plan: FunnelPlan, fields: [EventField],
                                  counts: [Feature: (converters: Int, lost: Int)], converters: Int, lost: Int,
                                  catalog: StoreCatalog, defaultSet: Bool = false) -> QueryResult {
        var decoders: [EventColumn: [Int64: String]] = [:]
        for column in EventColumn.allCases {
            decoders[column] = Dictionary((catalog.codes[column] ?? CodeTable()).entries.map { ($0.code, $0.value) },
                                          uniquingKeysWith: { a, _ in a })
        }
        struct Row {
            var label: String
            var a: Int, b: Int
            var oddsRatio: Double
        }
        var valuesPerField = Array(repeating: 0, count: fields.count)
        for feature in counts.keys { valuesPerField[feature.field] += 1 }
        let leftOut = defaultSet ? fields.indices.filter { valuesPerField[$0] > defaultSetMaximumValues } : []
        var rows: [Row] = []
        for (feature, n) in counts where !leftOut.contains(feature.field) {
            let field = fields[feature.field]
            let value = valueText(feature.value) { code in field.column.flatMap { decoders[$0]?[code] } }
            rows.append(Row(label: "\(field) = \(value)", a: n.converters, b: n.lost,
                            oddsRatio: Significance.oddsRatio(converters: converters, lost: lost,
                                                              convertersWith: n.converters, lostWith: n.lost)))
        }
        // Most extreme odds first; equal odds by how many customers show the value, then the label's bytes.
        func order(_ x: Row, _ y: Row, positive: Bool) -> Bool {
            if x.oddsRatio != y.oddsRatio { return positive ? x.oddsRatio > y.oddsRatio : x.oddsRatio < y.oddsRatio }
            if x.a + x.b != y.a + y.b { return x.a + x.b > y.a + y.b }
            return x.label.utf8.lexicographicallyPrecedes(y.label.utf8)
        }
        let limit = plan.funnel.limit ?? defaultLimit
        let positive = rows.filter { $0.oddsRatio > 1 }.sorted { order($0, $1, positive: true) }.prefix(limit)
        let negative = rows.filter { $0.oddsRatio < 1 }.sorted { order($0, $1, positive: false) }.prefix(limit)
        func cells(_ row: Row, _ direction: String) -> [Cell] {
            let p = Significance.chiSquare(converters: converters, lost: lost, convertersWith: row.a, lostWith: row.b)
                .map { Significance.pValue(chiSquare: $0) }
            return [.text(direction), .text(row.label), .int(Int64(row.a)), .int(Int64(row.b)),
                    converters > 0 ? .percent(100 * Double(row.a) / Double(converters)) : .null,
                    lost > 0 ? .percent(100 * Double(row.b) / Double(lost)) : .null,
                    .number(row.oddsRatio), p.map { .number($0) } ?? .null]
        }
        let columns = [
            ColumnInfo("direction", type: .text), ColumnInfo("feature", type: .text),
            ColumnInfo("converters", type: .integer, priority: 3), ColumnInfo("lost", type: .integer, priority: 4),
            ColumnInfo("pct_of_converters", type: .percent, label: "% conv", priority: 1),
            ColumnInfo("pct_of_lost", type: .percent, label: "% lost", priority: 1),
            ColumnInfo("odds_ratio", type: .number, label: "odds ratio"),
            ColumnInfo("p_value", type: .number, label: "p", priority: 2),
        ]
        var notes = ["\(converters) converters, \(lost) lost (window closed; in progress left out);"
                     + " odds ratio with 1 added to each cell, p from a chi-square test (1 df)"]
        if !leftOut.isEmpty {
            notes.append("left out for having more than \(defaultSetMaximumValues) values: "
                         + leftOut.map { "\(fields[$0]) (\(valuesPerField[$0]))" }.joined(separator: ", ")
                         + "; name a field with USING to compare its values")
        }
        return QueryResult(title: "why: " + plan.funnel.text, columns: columns,
                           rows: positive.map { cells($0, "converts more") } + negative.map { cells($0, "converts less") },
                           notes: notes)
    }
}

/// The statistics of WHY: a prior-smoothed odds ratio and Pearson's chi-square test of a 2x2 table.
package enum Significance {
    /// The odds of converting with the value over the odds without it, 1 added to each of the four cells (as
    /// PostHog's correlation analysis does), so a value no lost customer shows has a finite ratio.
    package static func oddsRatio(converters: Int, lost: Int, convertersWith a: Int, lostWith b: Int) -> Double {
        (Double(a + 1) / Double(b + 1)) * (Double(lost - b + 1) / Double(converters - a + 1))
    }

    /// Pearson's chi-square of the 2x2 table (converted, lost) x (with, without), without continuity correction;
    /// nil when a row or a column is empty (the test says nothing).
    package static func chiSquare(converters: Int, lost: Int, convertersWith a: Int, lostWith b: Int) -> Double? {
        let c = converters - a, d = lost - b
        let rows = [Double(a + c), Double(b + d)], columns = [Double(a + b), Double(c + d)]
        guard !rows.contains(0), !columns.contains(0) else { return nil }
        let n = rows[0] + rows[1]
        let cross = Double(a) * Double(d) - Double(c) * Double(b)
        return n * cross * cross / (rows[0] * rows[1] * columns[0] * columns[1])
    }

    /// P(X ≥ x) for X chi-square with one degree of freedom: X is Z² for a standard normal Z, so it is
    /// P(|Z| ≥ √x) = erfc(√(x/2)).
    package static func pValue(chiSquare x: Double) -> Double {
        erfc((max(0, x) / 2).squareRoot())
    }
}

extension Executor {
    /// DROPOFF's two tables.
    func dropoffResults(_ plan: FunnelPlan, next: Int, of column: EventColumn,
                        source: EventSource) throws -> [QueryResult] {
        let keys = GroupKeyReader(plan, catalog: catalog, attributes: try attributeValues(plan))
        let done = try plan.aggregate(PainPoints.DropoffAggregation(plan, keys: keys, next: next, of: column),
                                      source: source, isCancelled: isCancelled)
        return PainPoints.dropoffResults(plan, next: next, of: column, counted: done.aggregation, catalog: catalog)
    }

    /// WHY's table.
    func whyResult(_ plan: FunnelPlan, fields: [EventField], defaultSet: Bool = false,
                   source: EventSource) throws -> QueryResult {
        var attributes: [String: [Int64: CarriedValue]] = [:]
        for case .customerAttribute(let name) in fields where attributes[name] == nil {
            attributes[name] = try store.customerAttributeValues(name)
        }
        let done = try plan.aggregate(PainPoints.WhyAggregation(plan, fields: fields, attributes: attributes),
                                      source: source, isCancelled: isCancelled)
        return PainPoints.whyResult(plan, fields: fields, counted: done.aggregation, catalog: catalog,
                                    defaultSet: defaultSet)
    }
}
