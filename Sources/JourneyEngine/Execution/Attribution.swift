// ATTRIBUTE: each conversion's credit shared among the touches before it within the lookback, by first touch,
// last touch, linear, position (40/20/40), time decay and the Markov removal effect; credits apportioned so that
// every column adds up exactly to the conversions (or their value) as shown.
import Foundation
import JourneyStore

/// What the attribution aggregation needs from the checked statement.
package struct AttributionSpec: Sendable, Hashable {
    package let models: [AttributionModel]
    package let credit: EventField
    package let lookback: Int64
    package let halfLife: Int64
    package let value: String?
    package let valueRange: SourceRange?

    init(_ a: CheckedAttribution) {
        models = a.models
        credit = a.credit
        lookback = a.lookback
        halfLife = a.halfLife
        value = a.value
        valueRange = a.valueRange
    }
}

package enum Attribution {
    /// Credits and values are counted in hundredths: a conversion is 100 units, a value of 12.34 is 1234.
    static let unitsPerOne: Int64 = 100

    /// A state of the Markov chain: the start, a credited value, or one of the two ends.
    package enum State: Hashable {
        case start
        case touch(CarriedValue)
        case conversion
        case null
    }

    package struct Transition: Hashable {
        package let from: State
        package let to: State

        package init(from: State, to: State) {
            self.from = from
            self.to = to
        }
    }

    /// A VALUE property that held text on a conversion event.
    struct TextValue: Error {
        let text: String
    }

    /// Reads each customer's events: conversions, their touches, the models' raw credits and the Markov paths.
    struct Aggregation: ChainAggregation {
        let spec: AttributionSpec
        let bounds: TimeBounds?
        /// Conversions counted, their units (100 each, or their value in hundredths), and those of conversions
        /// without a touch in the lookback.
        var conversions = 0
        var units: Int64 = 0
        var untouchedConversions = 0
        var untouchedUnits: Int64 = 0
        /// Conversions whose VALUE property was missing (counted as 0).
        var missingValues = 0
        var customersConverting = 0
        /// The credited values met, each numbered once (touches carry the number, so crediting hashes nothing).
        private(set) var keys: [CarriedValue] = []
        private var keyIndex: [CarriedValue: Int] = [:]
        /// sums[m][k]: model m's raw credit in units to keys[k] (the Markov model's stays empty: see `pairs`).
        private var sums: [[Double]]
        /// Transition counts of the paths start → touches → conversion | null between numbered states (only when
        /// markov is asked for).
        private var pairs: [Pair: Int] = [:]
        var paths = 0
        var textValue: String?
        // Scratch, reused per customer: the touches so far (event index, time, key).
        private var touchTimes: [Int64] = []
        private var touchKeys: [Int] = []
        /// With dense codes (the columnar engine): per code of the credited field, its value's number + 1 (0 not
        /// yet seen), so a touch costs an array read instead of hashing its value.
        private var denseNumbers: [Int] = []

        /// A transition between numbered states: a key's number, or one of the three below.
        struct Pair: Hashable {
            let from: Int32
            let to: Int32
        }
        static let startState: Int32 = -1, conversionState: Int32 = -2, nullState: Int32 = -3

        init(_ plan: FunnelPlan, spec: AttributionSpec) {
            self.spec = spec
            bounds = plan.funnel.startBounds
            sums = Array(repeating: [], count: spec.models.count)
        }

        /// The number of a credited value, numbering it when new.
        mutating func number(_ key: CarriedValue) -> Int {
            if let k = keyIndex[key] { return k }
            keyIndex[key] = keys.count
            keys.append(key)
            for m in sums.indices { sums[m].append(0) }
            return keys.count - 1
        }

        /// Raw credits in units per credited value, per model.
        var credits: [[CarriedValue: Double]] {
            sums.map { column in
                Dictionary(uniqueKeysWithValues: column.indices.filter { column[$0] != 0 }.map { (keys[$0], column[$0]) })
            }
        }

        /// The transition counts between states.
        var transitions: [Transition: Int] {
            func state(_ n: Int32) -> State {
                switch n {
                case Aggregation.startState: .start
                case Aggregation.conversionState: .conversion
                case Aggregation.nullState: .null
                default: .touch(keys[Int(n)])
                }
            }
            var out: [Transition: Int] = [:]
            for (pair, count) in pairs { out[Transition(from: state(pair.from), to: state(pair.to)), default: 0] += count }
            return out
        }

        /// A value as a credit key: an integral real is its integer (as SQL compares them).
        static func key(_ v: CarriedValue) -> CarriedValue {
            if case .real(let d) = v, d == d.rounded(), abs(d) < 9e15 { return .integer(Int64(d)) }
            return v
        }

        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) throws {
            touchTimes.removeAll(keepingCapacity: true)
            touchKeys.removeAll(keepingCapacity: true)
            var first = 0
            var converted = false
            let markov = spec.models.contains(.markov)
            let dense = customer.hasDenseCodes
            for i in 0..<customer.count {
                let time = customer.times[i]
                if customer.masks[i] & 1 == 0 {
                    if dense {
                        guard let code = customer.denseCode(0, at: i) else { continue }
                        if code >= denseNumbers.count { denseNumbers += repeatElement(0, count: code + 1 - denseNumbers.count) }
                        if denseNumbers[code] == 0 { denseNumbers[code] = number(Aggregation.key(customer.value(0, at: i))) + 1 }
                        touchTimes.append(time)
                        touchKeys.append(denseNumbers[code] - 1)
                        continue
                    }
                    let v = customer.value(0, at: i)
                    if v != .null {
                        touchTimes.append(time)
                        touchKeys.append(number(Aggregation.key(v)))
                    }
                    continue
                }
                // Every event of the conversion step is a conversion, never a touch; those outside the range do
                // not count.
                if let bounds, !bounds.contains(time) { continue }
                var amount = Attribution.unitsPerOne
                if spec.value != nil {
                    switch customer.value(1, at: i) {
                    case .null:
                        amount = 0
                        missingValues += 1
                    case .integer(let n): amount = n &* Attribution.unitsPerOne
                    case .real(let d): amount = Int64((d * Double(Attribution.unitsPerOne)).rounded())
                    case .text(let s):
                        textValue = s
                        throw TextValue(text: s)
                    }
                }
                if !converted { customersConverting += 1 }
                converted = true
                conversions += 1
                units += amount
                while first < touchTimes.count, touchTimes[first] < time - spec.lookback { first += 1 }
                let n = touchTimes.count - first
                guard n > 0 else {
                    untouchedConversions += 1
                    untouchedUnits += amount
                    continue
                }
                credit(Double(amount), touches: first..<touchTimes.count, at: time)
                if markov { addPath(first..<touchTimes.count, to: Aggregation.conversionState) }
            }
            // A customer none of whose conversions count: one path to null, from their last touch in the range
            // back over the lookback.
            if markov, !converted, let last = touchTimes.indices.last(where: { bounds?.contains(touchTimes[$0]) ?? true }) {
                var lo = last
                while lo > 0, touchTimes[lo - 1] >= touchTimes[last] - spec.lookback { lo -= 1 }
                addPath(lo..<(last + 1), to: Aggregation.nullState)
            }
        }

        /// Shares `amount` among the touches `range` by each model but Markov.
        mutating func credit(_ amount: Double, touches range: Range<Int>, at time: Int64) {
            let n = range.count
            for (m, model) in spec.models.enumerated() {
                switch model {
                case .firstTouch:
                    sums[m][touchKeys[range.lowerBound]] += amount
                case .lastTouch:
                    sums[m][touchKeys[range.upperBound - 1]] += amount
                case .linear:
                    for j in range { sums[m][touchKeys[j]] += amount / Double(n) }
                case .position:
                    if n <= 2 {
                        for j in range { sums[m][touchKeys[j]] += amount / Double(n) }
                    } else {
                        sums[m][touchKeys[range.lowerBound]] += amount * 0.4
                        sums[m][touchKeys[range.upperBound - 1]] += amount * 0.4
                        for j in (range.lowerBound + 1)..<(range.upperBound - 1) {
                            sums[m][touchKeys[j]] += amount * 0.2 / Double(n - 2)
                        }
                    }
                case .timeDecay:
                    // Weights relative to the latest touch (weight 1), so no weight underflows to a zero total.
                    let latest = touchTimes[range.upperBound - 1]
                    let h = Double(spec.halfLife)
                    var total = 0.0
                    for j in range { total += Attribution.decay(Double(latest - touchTimes[j]) / h) }
                    for j in range {
                        sums[m][touchKeys[j]] += amount * Attribution.decay(Double(latest - touchTimes[j]) / h) / total
                    }
                case .markov:
                    break
                }
            }
        }

        mutating func addPath(_ range: Range<Int>, to end: Int32) {
            paths += 1
            var previous = Aggregation.startState
            for j in range {
                let state = Int32(touchKeys[j])
                pairs[Pair(from: previous, to: state), default: 0] += 1
                previous = state
            }
            pairs[Pair(from: previous, to: end), default: 0] += 1
        }

        mutating func merge(_ other: Aggregation) {
            conversions += other.conversions
            units += other.units
            untouchedConversions += other.untouchedConversions
            untouchedUnits += other.untouchedUnits
            missingValues += other.missingValues
            customersConverting += other.customersConverting
            // The other copy numbered its values in its own order.
            let map = other.keys.map { number($0) }
            for m in sums.indices {
                for (k, v) in other.sums[m].enumerated() { sums[m][map[k]] += v }
            }
            func mapped(_ n: Int32) -> Int32 { n < 0 ? n : Int32(map[Int(n)]) }
            for (pair, count) in other.pairs { pairs[Pair(from: mapped(pair.from), to: mapped(pair.to)), default: 0] += count }
            paths += other.paths
            textValue = textValue ?? other.textValue
        }
    }

    /// 2^(−x).
    @inline(__always) static func decay(_ x: Double) -> Double { Foundation.exp2(-x) }
}

// MARK: The Markov removal effect

extension Attribution {
    /// Each credited value's removal effect in the first-order chain the transition counts make: the share of the
    /// probability of reaching conversion from the start that is lost when the value's state leads to null instead.
    /// Solved exactly from the absorbing chain's fundamental matrix (one inversion for all values), not by
    /// simulation or by one solve per removal.
    static func removalEffects(_ transitions: [Transition: Int]) -> [CarriedValue: Double] {
        var index: [CarriedValue: Int] = [:]
        var keys: [CarriedValue] = []
        for t in transitions.keys {
            for case .touch(let k) in [t.from, t.to] where index[k] == nil {
                index[k] = keys.count + 1
                keys.append(k)
            }
        }
        let n = keys.count + 1  // state 0 is the start
        func number(_ s: State) -> Int? {
            switch s {
            case .start: 0
            case .touch(let k): index[k]
            case .conversion, .null: nil
            }
        }
        var q = Array(repeating: Array(repeating: 0.0, count: n), count: n)
        var r = Array(repeating: 0.0, count: n)
        var out = Array(repeating: 0, count: n)
        for (t, count) in transitions { out[number(t.from)!] += count }
        for (t, count) in transitions {
            let i = number(t.from)!
            let p = Double(count) / Double(out[i])
            if let j = number(t.to) { q[i][j] += p } else if t.to == .conversion { r[i] += p }
        }
        // N = (I − Q)⁻¹ by Gauss-Jordan elimination with partial pivoting: N[i][j] is the expected number of
        // visits to j from i. Every state the paths name is left by some path, so I − Q is invertible.
        var a = (0..<n).map { i in (0..<n).map { j in (i == j ? 1.0 : 0.0) - q[i][j] } }
        var inverse = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        for col in 0..<n {
            var pivot = col
            for row in col..<n where abs(a[row][col]) > abs(a[pivot][col]) { pivot = row }
            guard abs(a[pivot][col]) > 1e-300 else { continue }
            if pivot != col {
                a.swapAt(pivot, col)
                inverse.swapAt(pivot, col)
            }
            let d = a[col][col]
            for k in 0..<n {
                a[col][k] /= d
                inverse[col][k] /= d
            }
            for row in 0..<n where row != col && a[row][col] != 0 {
                let f = a[row][col]
                for k in 0..<n {
                    a[row][k] -= f * a[col][k]
                    inverse[row][k] -= f * inverse[col][k]
                }
            }
        }
        // x_i = P(conversion | at i) = Σ_j N[i][j] r_j. Removing v: the walks from the start that reach conversion
        // without visiting v remain, P₋ᵥ = x_start − h(start → v) · x_v, where h = N[start][v] / N[v][v] is the
        // probability of ever visiting v (the strong Markov property). So RE(v) = h · x_v / x_start.
        let x = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + inverse[i][$1] * r[$1] } }
        var effects: [CarriedValue: Double] = [:]
        guard x[0] > 0 else { return effects }
        for (k, v) in index {
            // Float noise around an effect of zero (a value that leads nowhere but null) is zero.
            let effect = inverse[0][v] / inverse[v][v] * x[v] / x[0]
            effects[k] = effect > 1e-12 ? min(effect, 1) : 0
        }
        return effects
    }
}

// MARK: Apportioning and the table

extension Attribution {
    /// Whole units for raw shares that add up to `total`: each row gets the floor of its raw share, and the units
    /// left go one each to the rows with the largest fractions (raw shares are first rounded to a millionth of a
    /// unit, so that float noise never decides; equal fractions go to the earlier row).
    static func apportion(_ raw: [Double], total: Int64) -> [Int64] {
        guard !raw.isEmpty else { return [] }
        let quantised = raw.map { ($0 * 1e6).rounded() / 1e6 }
        var units = quantised.map { Int64($0.rounded(.down)) }
        var left = total - units.reduce(0, +)
        // Fractions in millionths, so that equal fractions of different magnitudes compare equal.
        let fractions = quantised.map { (($0 - $0.rounded(.down)) * 1e6).rounded() }
        let byFraction = quantised.indices.sorted { a, b in
            fractions[a] != fractions[b] ? fractions[a] > fractions[b] : a < b
        }
        var k = 0
        while left > 0 {
            units[byFraction[k % byFraction.count]] += 1
            left -= 1
            k += 1
        }
        // Float noise can leave the floors above the total: take back from the smallest fractions.
        k = 0
        while left < 0 {
            let i = byFraction[byFraction.count - 1 - k % byFraction.count]
            units[i] -= 1
            left += 1
            k += 1
        }
        return units
    }

    /// Shares in tenths of a percent that add up to 1000, from whole units (exact remainders).
    static func shares(_ units: [Int64], total: Int64) -> [Int64] {
        guard total != 0 else { return units.map { _ in 0 } }
        return apportion(units.map { Double($0) * 1000 / Double(total) }, total: 1000)
    }

    /// The credited rows of one run, apportioned: per model, each key's credit in units; the units of the
    /// conversions without a touch; the keys in display order.
    struct Credits {
        var keys: [CarriedValue]
        /// units[m][k]: model m's credit to keys[k].
        var units: [[Int64]]
        var untouched: Int64
        var total: Int64
    }

    /// What the models' shares are made from: the counts, the raw credits and the Markov transitions, however
    /// they were gathered (the SQLite engine's Aggregation, or PostgreSQL's sums).
    package struct Totals {
        package var conversions = 0
        package var units: Int64 = 0
        package var untouchedConversions = 0
        package var untouchedUnits: Int64 = 0
        package var missingValues = 0
        package var customersConverting = 0
        package var paths = 0
        /// credits[m]: model m's raw credit in units per credited value (empty for markov).
        package var credits: [[CarriedValue: Double]]
        package var transitions: [Transition: Int] = [:]

        package init(models: Int) { credits = Array(repeating: [:], count: models) }

        init(_ a: Aggregation) {
            conversions = a.conversions
            units = a.units
            untouchedConversions = a.untouchedConversions
            untouchedUnits = a.untouchedUnits
            missingValues = a.missingValues
            customersConverting = a.customersConverting
            paths = a.paths
            credits = a.credits
            transitions = a.transitions
        }
    }

    static func credits(_ a: Totals, spec: AttributionSpec, sortedBy less: (CarriedValue, CarriedValue) -> Bool) -> Credits {
        let effects = spec.models.contains(.markov) ? removalEffects(a.transitions) : [:]
        let effectTotal = effects.values.reduce(0, +)
        let touched = a.units - a.untouchedUnits
        var raw: [[CarriedValue: Double]] = a.credits
        for (m, model) in spec.models.enumerated() where model == .markov {
            raw[m] = effectTotal > 0 ? effects.mapValues { Double(touched) * $0 / effectTotal } : [:]
        }
        var keySet = Set<CarriedValue>()
        for column in raw { for (k, v) in column where v > 0 { keySet.insert(k) } }
        let keys = keySet.sorted(by: less)
        let units = raw.map { column in apportion(keys.map { column[$0] ?? 0 }, total: touched) }
        // A model with no credited key (no touched conversion) has nothing to apportion.
        return Credits(keys: keys, units: units.map { $0.count == keys.count ? $0 : Array(repeating: 0, count: keys.count) },
                       untouched: a.untouchedUnits, total: a.units)
    }

    /// A key as shown.
    static func text(_ key: CarriedValue, decode: (Int64) -> String?, column: EventColumn?) -> String {
        switch key {
        case .integer(let i): column != nil ? (decode(i) ?? "?") : String(i)
        case .real(let d): CellFormatting.exactNumber(d)
        case .text(let s): s
        case .null: noTouch
        }
    }

    /// The error when a conversion's VALUE property holds text.
    package static func textValue(_ text: String, spec: AttributionSpec, in source: SourceText) -> RunFailure {
        RunFailure(.error(.checkAttributionValue, "VALUE takes a numeric property; \(spec.value ?? "it") is '\(text)' on a conversion",
                          at: spec.valueRange ?? SourceRange(0, 0),
                          notes: ["narrow the conversions with a step filter, such as purchase[\(spec.value ?? "amount") IS NOT NULL]"]),
                   in: source)
    }

    static let noTouch = "(none)"
    static let others = "(other)"

    static func result(_ plan: FunnelPlan, _ spec: AttributionSpec, _ a: Aggregation, catalog: StoreCatalog) -> QueryResult {
        result(plan, spec, Totals(a), catalog: catalog)
    }

    /// The table from totals gathered by any engine.
    package static func result(_ plan: FunnelPlan, _ spec: AttributionSpec, _ a: Totals, catalog: StoreCatalog) -> QueryResult {
        let column = spec.credit.column
        let decoder = column.map { c in
            Dictionary((catalog.codes[c] ?? CodeTable()).entries.map { ($0.code, $0.value) }, uniquingKeysWith: { x, _ in x })
        } ?? [:]
        let label: (CarriedValue) -> String = { text($0, decode: { decoder[$0] }, column: column) }
        let credits = Attribution.credits(a, spec: spec) { x, y in label(x).utf8.lexicographicallyPrecedes(label(y).utf8) }
        let m = spec.models.count
        // Rows by the first model's credit, most first, then by name.
        var order = Array(credits.keys.indices)
        order.sort { x, y in
            credits.units[0][x] != credits.units[0][y] ? credits.units[0][x] > credits.units[0][y] : x < y
        }
        struct Row { var label: String; var units: [Int64] }
        var rows = order.map { k in Row(label: label(credits.keys[k]), units: (0..<m).map { credits.units[$0][k] }) }
        if let limit = plan.funnel.limit, rows.count > limit {
            let rest = rows[limit...]
            let folded = Row(label: Attribution.others, units: (0..<m).map { i in rest.reduce(0) { $0 + $1.units[i] } })
            rows = Array(rows[..<limit]) + [folded]
        }
        if credits.untouched > 0 || a.untouchedConversions > 0 {
            rows.append(Row(label: Attribution.noTouch, units: Array(repeating: credits.untouched, count: m)))
        }
        let shares = (0..<m).map { i in Attribution.shares(rows.map { $0.units[i] }, total: credits.total) }
        let noun = spec.value == nil ? "conversions" : "value"
        var columns = [ColumnInfo(spec.credit.description, type: .text, priority: 0)]
        if m == 1 {
            columns.append(ColumnInfo(noun, type: .number, priority: 0))
            columns.append(ColumnInfo("share", type: .percent, priority: 1))
        } else {
            for (i, model) in spec.models.enumerated() {
                columns.append(ColumnInfo(model.rawValue, type: .number, priority: 0))
                columns.append(ColumnInfo(model.rawValue + "_share", type: .percent, label: "% " + model.rawValue, priority: 2 + i))
            }
        }
        let one = Double(Attribution.unitsPerOne)
        let cells: [[Cell]] = rows.indices.map { r in
            [.text(rows[r].label)] + (0..<m).flatMap { i -> [Cell] in
                [.number(Double(rows[r].units[i]) / one),
                 credits.total == 0 ? .null : .percent(Double(shares[i][r]) / 10)]
            }
        }
        let total = CellFormatting.exactNumber(Double(credits.total) / one)
        var notes = [spec.value.map { "\(a.conversions) conversions worth \(total) (\($0)) by \(a.customersConverting) customers" }
                     ?? "\(a.conversions) conversions by \(a.customersConverting) customers",
                     "touches: events before a conversion within \(PlanPrinter.formatDuration(spec.lookback)), by \(spec.credit)"
                     + (a.untouchedConversions > 0 ? "; \(a.untouchedConversions) conversions had none: \(Attribution.noTouch)" : "")]
        if spec.models.contains(.timeDecay) { notes.append("time_decay: half-life \(PlanPrinter.formatDuration(spec.halfLife))") }
        if spec.models.contains(.markov) { notes.append("markov: removal effects over \(a.paths) paths (converting and not)") }
        if a.missingValues > 0, let value = spec.value {
            notes.append("\(a.missingValues) conversions have no \(value): counted as 0")
        }
        notes.append("each column adds up to \(total); credits in hundredths, shares in tenths of a percent, the rounding residue given to the largest remainders")
        let title = "attribution" + (m == 1 ? ", \(spec.models[0].rawValue)" : "") + ": " + plan.funnel.text
        var result = QueryResult(title: title, columns: columns, rows: cells, notes: notes, barColumn: 1, barPriority: 1)
        result.attributionModels = spec.models.map(\.rawValue)
        result.creditsValue = spec.value != nil
        return result
    }
}

extension Executor {
    /// ATTRIBUTE's table. A VALUE property holding text on a conversion is an error at VALUE's field.
    func attributionResult(_ plan: FunnelPlan, _ spec: AttributionSpec, source: EventSource) throws -> QueryResult {
        do {
            let done = try plan.aggregate(Attribution.Aggregation(plan, spec: spec), source: source, isCancelled: isCancelled)
            return Attribution.result(plan, spec, done.aggregation, catalog: catalog)
        } catch let bad as Attribution.TextValue {
            throw Attribution.textValue(bad.text, spec: spec, in: self.source)
        }
    }
}
