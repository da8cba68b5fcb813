// Checking RETENTION: both steps, the period (EVERY, or a BY day|week|month), PERIODS, and the clauses a
// retention table takes.
import JourneyStore

extension Checker {
    mutating func checkRetention(_ r: RetentionSyntax) -> CheckedRetention? {
        for rejected in r.rejected {
            diagnostics.append(.error(.checkRetentionClause, "RETENTION does not take \(rejected.clause): a customer's cohort is their first OF event, and every RETURNING event after it counts",
                                      at: rejected.range,
                                      notes: ["RETENTION takes WHERE, FOR, DURING/SINCE/BEFORE/LAST (bounding the first OF event) and BY"]))
        }
        if let limit = r.clauses.limit {
            diagnostics.append(.error(.checkRetentionClause, "RETENTION does not take LIMIT: every cohort of the start range is a row",
                                      at: limit.range, notes: ["bound the cohorts with DURING, SINCE or LAST instead"]))
        }
        guard let returning = r.returning else {
            // The fix names the OF step again as the one that counts: `OF purchase` becomes `OF purchase RETURNING purchase`.
            let step = source.slice(r.of.range)
            diagnostics.append(.error(.checkRetentionNoReturning, "RETENTION needs RETURNING and the step that counts as coming back",
                                      at: r.of.range)
                .suggesting("RETENTION OF \(step) RETURNING \(step)",
                            fix: FixIt(range: r.of.range, replacement: "\(step) RETURNING \(step)")))
            return nil
        }
        // The period: EVERY, or one BY day|week|month (the sketch `BY month PERIODS 6`); the other BY keys break
        // the table down.
        var period = r.every?.period
        var clauses = r.clauses
        clauses.limit = nil
        var keys: [BreakdownSyntax] = []
        for b in clauses.breakdown {
            if b.field.qualifier == nil, let p = RetentionPeriod(rawValue: b.field.name.text.lowercased()) {
                if period != nil {
                    diagnostics.append(.error(.checkRetentionPeriodTwice, "the retention period is already given",
                                              at: b.field.range,
                                              notes: ["the period of a retention table is written once: EVERY \(p.rawValue) or BY \(p.rawValue)",
                                                      "cohorts are always the periods of the first OF event"]))
                    continue
                }
                period = p
            } else {
                keys.append(b)
            }
        }
        clauses.breakdown = keys
        var periods = CheckedRetention.defaultPeriods
        if let (n, range) = r.periods {
            if n < 1 || n > RetentionSyntax.maxPeriods {
                diagnostics.append(.error(.checkRetentionPeriods, "PERIODS takes a whole number from 1 to \(RetentionSyntax.maxPeriods), not \(n)",
                                          at: range, notes: ["PERIODS n counts periods 0 through n after each cohort's"]))
            }
            periods = n
        }
        // The clauses are checked with the two steps as a journey's (WHERE, FOR, start range, BY).
        clauses = clauses.withoutChainClauses()
        var of = r.of
        var back = returning
        for (step, name) in [(of, "OF"), (back, "RETURNING")] where step.optional {
            diagnostics.append(.error(.checkRetentionClause, "the \(name) step of RETENTION cannot be optional", at: step.range))
        }
        of.optional = false
        back.optional = false
        clauses.steps = [of, back]
        guard let journey = checkFunnel(clauses), !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        return CheckedRetention(journey: journey,
                                spec: RetentionSpec(period: period ?? CheckedRetention.defaultPeriod, periods: periods,
                                                    counting: r.onOrAfter == nil ? .inPeriod : .onOrAfter))
    }
}
