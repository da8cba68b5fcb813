// RETENTION: each customer's cohort is the calendar period of their first cohort (`OF`) event; they return in
// period N when a returning event falls in the Nth period after the cohort's. Counted per cohort (and BY group),
// with periods that have not ended by now left out, then shaped into the cohort table and the overall curve.
import JourneyStore

/// Calendar periods in UTC, numbered from the epoch: what a cohort and "period N after it" are.
enum RetentionCalendar {
    static let day: Int64 = 86_400_000

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// The number of the period that holds instant `ms`: days since 1970-01-01, ISO weeks since the one holding it
    /// (weeks start on Monday; 1970-01-01 was a Thursday), or months since January of year 0.
    static func index(_ ms: Int64, _ period: RetentionPeriod) -> Int64 {
        let days = floorDiv(ms, day)
        switch period {
        case .day: return days
        case .week: return floorDiv(days + 3, 7)
        case .month:
            let (year, month, _) = TimeParser.civil(fromDays: days)
            return year * 12 + (month - 1)
        }
    }

    /// The first instant of period `index`.
    static func start(_ index: Int64, _ period: RetentionPeriod) -> Int64 {
        switch period {
        case .day: return index * day
        case .week: return (index * 7 - 3) * day
        case .month:
            let year = floorDiv(index, 12)
            return TimeParser.days(year: year, month: index - year * 12 + 1, day: 1) * day
        }
    }

    /// The period as results name it: its first day (2024-01-08), or its month (2024-01).
    static func label(_ index: Int64, _ period: RetentionPeriod) -> String {
        let date = TimeParser.formatDate(start(index, period))
        return period == .month ? String(date.prefix(7)) : date
    }
}

package enum Retention {
    /// One cohort of one BY group.
    struct Key: Hashable {
        var parts: [GroupKeys.RawKeyPart]
        var cohort: Int64
    }

    /// A cohort's size and, per period 0 ... n, how many of its customers returned.
    struct Tally {
        var size = 0
        var returning: [Int]

        init(periods n: Int) { returning = Array(repeating: 0, count: n + 1) }

        mutating func add(_ other: Tally) {
            size += other.size
            for k in returning.indices { returning[k] += other.returning[k] }
        }
    }

    /// Reads each customer's cohort and returning periods into the tally of its cohort.
    struct Counting: ChainAggregation {
        let spec: RetentionSpec
        let bounds: TimeBounds?
        let keys: GroupKeyReader
        var tallies: [Key: Tally] = [:]
        /// Scratch, reused per customer: whether they returned in each period 0 ... n.
        private var seen: [Bool]

        init(_ plan: FunnelPlan, spec: RetentionSpec, keys: GroupKeyReader) {
            self.spec = spec
            bounds = plan.funnel.startBounds
            self.keys = keys
            seen = Array(repeating: false, count: spec.periods + 1)
        }

        mutating func add(_ customer: ScannedCustomer, match: CustomerMatch) {
            // The first cohort event in the start range.
            var first = -1
            for i in 0..<customer.count where customer.masks[i] & 1 != 0 {
                if let bounds, !bounds.contains(customer.times[i]) { continue }
                first = i
                break
            }
            guard first >= 0 else { return }
            let period = spec.period
            let n = spec.periods
            let cohort = RetentionCalendar.index(customer.times[first], period)
            // Returning events come after the cohort event in the customer's order (time, then import order), so
            // the first cohort event never returns itself; events are in that order, so p >= 0.
            var latest: Int64 = -1
            for k in seen.indices { seen[k] = false }
            var j = first + 1
            while j < customer.count {
                if customer.masks[j] & 2 != 0 {
                    let p = RetentionCalendar.index(customer.times[j], period) - cohort
                    if p >= 0, p <= Int64(n) { seen[Int(p)] = true }
                    latest = max(latest, p)
                }
                j += 1
            }
            let key = Key(parts: keys.isEmpty ? [] : keys.key(customer, first: first), cohort: cohort)
            var tally = tallies.removeValue(forKey: key) ?? Tally(periods: n)
            tally.size += 1
            switch spec.counting {
            case .inPeriod:
                for k in 0...n where seen[k] { tally.returning[k] += 1 }
            case .onOrAfter:
                if latest >= 0 { for k in 0...Int(min(latest, Int64(n))) { tally.returning[k] += 1 } }
            }
            tallies[key] = tally
        }

        mutating func merge(_ other: Counting) {
            for (key, tally) in other.tallies {
                if tallies[key] == nil { tallies[key] = tally } else { tallies[key]!.add(tally) }
            }
        }
    }

    /// Whether period `k` of cohort `cohort` has ended by `horizon` (always, without one).
    static func hasEnded(cohort: Int64, period k: Int, spec: RetentionSpec, horizon: Int64?) -> Bool {
        guard let horizon else { return true }
        return RetentionCalendar.start(cohort + Int64(k) + 1, spec.period) <= horizon
    }

    /// The cohort table (long form: a row per cohort and period; a table draws it as a grid) and the curve over
    /// every cohort (per BY group), weighted by cohort size.
    static func results(_ plan: FunnelPlan, spec: RetentionSpec, counted: Counting, keys: GroupKeyReader) -> [QueryResult] {
        results(plan, spec: spec, cohorts: counted.tallies.map { key, tally in
            (key: keys.cells(key.parts), cohort: key.cohort, size: tally.size, returning: tally.returning)
        })
    }

    /// The tables from cohorts counted anywhere: per (BY key cells, cohort period number) its size and, per period
    /// 0 ... n, how many returned. Rows with keys that show alike are one group.
    package static func results(_ plan: FunnelPlan, spec: RetentionSpec,
                                cohorts: [(key: [Cell], cohort: Int64, size: Int, returning: [Int])]) -> [QueryResult] {
        let n = spec.periods
        // Raw keys of different codes can show as one group (a code and its text); merge on the cells.
        var merged: [[Cell]: [Int64: Tally]] = [:]
        var order: [[Cell]] = []
        for counted in cohorts {
            let cells = counted.key
            var tally = Tally(periods: n)
            tally.size = counted.size
            tally.returning = counted.returning
            if merged[cells] == nil { merged[cells] = [:]; order.append(cells) }
            if merged[cells]![counted.cohort] == nil { merged[cells]![counted.cohort] = tally } else { merged[cells]![counted.cohort]!.add(tally) }
        }
        func size(_ cells: [Cell]) -> Int { merged[cells]!.values.reduce(0) { $0 + $1.size } }
        order.sort {
            GroupKeyReader.precedes(breakdown: plan.breakdown, $0, size: size($0), $1, size: size($1))
        }
        func percent(_ part: Int, _ whole: Int) -> Cell { whole == 0 ? .null : .percent(100 * Double(part) / Double(whole)) }

        let keyColumns = plan.funnel.breakdown.map { ColumnInfo($0.description) }
        var rows: [[Cell]] = []
        var curveRows: [[Cell]] = []
        var customers = 0
        var cohortCount = 0
        for cells in order {
            let cohorts = merged[cells]!.sorted { $0.key < $1.key }
            var eligible = Array(repeating: 0, count: n + 1)
            var returned = Array(repeating: 0, count: n + 1)
            for (cohort, tally) in cohorts {
                customers += tally.size
                cohortCount += 1
                for k in 0...n {
                    let ended = hasEnded(cohort: cohort, period: k, spec: spec, horizon: plan.horizon)
                    if ended {
                        eligible[k] += tally.size
                        returned[k] += tally.returning[k]
                    }
                    rows.append(cells + [.text(RetentionCalendar.label(cohort, spec.period)), .int(Int64(tally.size)),
                                         .int(Int64(k)), .int(Int64(ended ? tally.size : 0)),
                                         ended ? .int(Int64(tally.returning[k])) : .null,
                                         ended ? percent(tally.returning[k], tally.size) : .null])
                }
            }
            for k in 0...n {
                curveRows.append(cells + [.int(Int64(k)), .int(Int64(eligible[k])), .int(Int64(returned[k])),
                                          percent(returned[k], eligible[k])])
            }
        }
        if order.isEmpty, plan.breakdown.isEmpty {
            for k in 0...n { curveRows.append([.int(Int64(k)), .int(0), .int(0), .null]) }
        }
        let k = keyColumns.count
        let columns = keyColumns + [
            ColumnInfo("cohort", type: .text), ColumnInfo("size", type: .integer), ColumnInfo("period", type: .integer),
            ColumnInfo("customers", type: .integer, priority: 2), ColumnInfo("returning", type: .integer, priority: 1),
            ColumnInfo("pct", type: .percent, label: "%"),
        ]
        let counting = spec.counting == .inPeriod ? "in" : "in or after"
        var notes = ["\(customers) customers in \(cohortCount) cohorts by the \(spec.period.rawValue) of their first "
                     + plan.stepLabels[0] + "; returning: " + plan.stepLabels[1] + " " + counting + " the Nth calendar "
                     + spec.period.rawValue + " after the cohort's (period 0: after the first " + plan.stepLabels[0] + ")"]
        if let horizon = plan.horizon {
            notes.append("periods not ended by " + TimeParser.format(horizon) + " are left out (blank), not counted as not returning")
        }
        if plan.funnel.breakdown.contains(where: \.readsFirstStep) {
            notes.append("breakdown fields are read from each customer's first " + plan.stepLabels[0] + " event")
        }
        var table = QueryResult(title: "retention: " + plan.funnel.text, columns: columns, rows: rows, notes: notes)
        table.grid = ResultGrid(rowColumns: Array(0..<(k + 2)), across: k + 2, value: k + 5)
        let curveColumns = keyColumns + [
            ColumnInfo("period", type: .integer), ColumnInfo("customers", type: .integer),
            ColumnInfo("returning", type: .integer), ColumnInfo("pct", type: .percent, label: "%"),
        ]
        let curve = QueryResult(title: "retention curve: " + plan.funnel.text, columns: curveColumns, rows: curveRows,
                                notes: ["per period: returning / customers of the cohorts whose period has ended (weighted by cohort size)"],
                                barColumn: plan.funnel.breakdown.isEmpty ? k + 3 : nil)
        return [table, curve]
    }
}
