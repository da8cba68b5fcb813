// The slow, obviously-correct reference for RETENTION (SEMANTICS.md, "Retention"), read literally: per customer,
// the admitted events in (time, import order); the first cohort event in the start range; the cohort's calendar
// periods from Foundation's UTC ISO-8601 calendar; then, per period, who has a returning event after the cohort
// event inside it (or on or after its start). It shares nothing with the engine but the checked statement's types.
import Foundation
import JourneyEngine
import JourneyStore

/// The two tables RETENTION gives, rows exactly as the engine's results hold them.
struct ReferenceRetentionTables {
    var cohorts: [[Cell]]
    var curve: [[Cell]]
}

enum ReferenceRetention {
    private struct Member {
        var key: [Cell]
        var cohortStart: Date
        /// Per period 0 ... n: returned (in it, or on or after it).
        var returned: [Bool]
    }

    static func evaluate(_ retention: CheckedRetention, events: [RawEvent], customers: [String: [String: PropertyValue]],
                         horizon: Int64?) -> ReferenceRetentionTables {
        let journey = retention.journey
        let spec = retention.spec
        let n = spec.periods
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let component: Calendar.Component = switch spec.period {
        case .day: .day
        case .week: .weekOfYear
        case .month: .month
        }
        func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
        func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        /// The start of the Nth period after the one starting at `start`.
        func periodStart(_ start: Date, _ k: Int) -> Date { calendar.date(byAdding: component, value: k, to: start)! }

        var byCustomer: [String: [RawEvent]] = [:]
        for e in events where Reference.evaluate(journey.filter, on: e, customers: customers) == true {
            byCustomer[e.customer, default: []].append(e)
        }
        var members: [Member] = []
        for (customer, list) in byCustomer {
            let ordered = list.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
            guard let a = ordered.firstIndex(where: { e in
                Reference.evaluate(journey.steps[0].condition, on: e, customers: customers) == true
                    && (journey.startBounds?.contains(e.time) ?? true)
            }) else { continue }
            let first = ordered[a]
            let cohortStart = calendar.dateInterval(of: component == .weekOfYear ? .weekOfYear : component,
                                                    for: date(first.time))!.start
            // Returning events: after the cohort event in the customer's order.
            let returns = ordered[(a + 1)...].filter {
                Reference.evaluate(journey.steps[1].condition, on: $0, customers: customers) == true
            }.map(\.time)
            var returned: [Bool] = []
            for k in 0...n {
                let lower = ms(periodStart(cohortStart, k)), upper = ms(periodStart(cohortStart, k + 1))
                switch spec.counting {
                case .inPeriod: returned.append(returns.contains { $0 >= lower && $0 < upper })
                case .onOrAfter: returned.append(returns.contains { $0 >= lower })
                }
            }
            let key = journey.breakdown.map { Reference.breakdownCell($0, event: first, customer: customer, customers: customers) }
            members.append(Member(key: key, cohortStart: cohortStart, returned: returned))
        }
        var groups: [(key: [Cell], members: [Member])] = []
        for m in members {
            if let i = groups.firstIndex(where: { $0.key == m.key }) { groups[i].members.append(m) } else { groups.append((m.key, [m])) }
        }
        groups.sort { a, b in
            if a.members.count != b.members.count { return a.members.count > b.members.count }
            for (x, y) in zip(a.key, b.key) where x != y { return Reference.keyPrecedes(x, y) }
            return false
        }
        func percent(_ a: Int, _ b: Int) -> Cell { b == 0 ? .null : .percent(100 * Double(a) / Double(b)) }
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = spec.period == .month ? "yyyy-MM" : "yyyy-MM-dd"

        var result = ReferenceRetentionTables(cohorts: [], curve: [])
        for (key, group) in groups {
            let starts = Set(group.map(\.cohortStart)).sorted()
            var eligible = Array(repeating: 0, count: n + 1), returning = eligible
            for start in starts {
                let cohort = group.filter { $0.cohortStart == start }
                for k in 0...n {
                    let ended = horizon.map { ms(periodStart(start, k + 1)) <= $0 } ?? true
                    let back = cohort.filter { $0.returned[k] }.count
                    if ended {
                        eligible[k] += cohort.count
                        returning[k] += back
                    }
                    result.cohorts.append(key + [.text(formatter.string(from: start)), .int(Int64(cohort.count)), .int(Int64(k)),
                                                 .int(ended ? Int64(cohort.count) : 0), ended ? .int(Int64(back)) : .null,
                                                 ended ? percent(back, cohort.count) : .null])
                }
            }
            for k in 0...n {
                result.curve.append(key + [.int(Int64(k)), .int(Int64(eligible[k])), .int(Int64(returning[k])),
                                           percent(returning[k], eligible[k])])
            }
        }
        if groups.isEmpty, journey.breakdown.isEmpty {
            for k in 0...n { result.curve.append([.int(Int64(k)), .int(0), .int(0), .null]) }
        }
        return result
    }
}
