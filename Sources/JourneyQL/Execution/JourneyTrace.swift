// EXPLAIN CUSTOMER: one customer's admitted events, every candidate start, its chain, and why it stopped.
import JourneyStore

public enum JourneyTrace {
    /// The trace as lines of text, or a single line saying the customer is unknown (the session refuses an
    /// unknown customer before it gets here).
    public static func lines(_ plan: FunnelPlan, customer key: String, store: EventStore, catalog: StoreCatalog,
                             isCancelled: () -> Bool) throws -> [String] {
        guard try store.customerID(key) != nil else {
            return ["no customer is called '\(key)' in this store"]
        }
        // The same scan, for this customer only, with every admitted event and its names carried for display.
        var request = plan.request
        request.filter = .and([request.filter, .customer(.equal, key)])
        request.deliverAll = true
        let display = request.carry.count
        request.carry += EventColumn.allCases.map { .column($0) }
        var events: CustomerEvents?
        try store.scanCustomers(request, isCancelled: isCancelled) { events = $0 }
        let labels = plan.stepLabels
        let m = plan.shape.stepCount
        guard let events else {
            return ["customer '\(key)': no event passes the WHERE filter, so no journey starts"]
        }
        let decoders = EventColumn.allCases.map { column in
            Dictionary((catalog.codes[column] ?? CodeTable()).entries.map { ($0.code, $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        func describe(_ i: Int) -> String {
            let names = EventColumn.allCases.indices.map { c -> String in
                if case .integer(let code) = events.carried[display + c][i] { return decoders[c][code] ?? "?" }
                return "-"
            }
            return "#\(i + 1) \(TimeParser.format(events.times[i])) \(names.joined(separator: " / "))"
        }
        var out: [String] = []
        out.append("customer '\(key)': \(events.times.count) admitted event(s), in (time, import order) order"
                   + " [stage / touchpoint / channel]")
        for i in events.times.indices {
            let steps = (0..<m).filter { events.masks[i] & (UInt64(1) << UInt64($0)) != 0 }.map { "step \($0 + 1)" }
            let exclusions = plan.funnel.exclusions.indices
                .filter { events.masks[i] & (UInt64(1) << UInt64(m + $0)) != 0 }
                .map { "'\(plan.funnel.exclusions[$0].label)'" }
            var line = "  " + describe(i)
            if !steps.isEmpty { line += "   matches " + steps.joined(separator: ", ") }
            if !exclusions.isEmpty { line += "   excluded by " + exclusions.joined(separator: ", ") }
            out.append(line)
        }
        if plan.shape.anyOrder {
            // In any order there is no chain of consecutive steps to stop: report the start and the completions.
            var matcher = AnyOrderMatcher(stepCount: m, window: plan.window, startBounds: plan.shape.startBounds)
            var match = CustomerMatch()
            matcher.match(times: events.times, masks: events.masks, into: &match)
            guard match.level > 0 else {
                out.append("no start: no event within the start range fills a step")
                return out
            }
            out.append("start #\(match.positions[0] + 1) (the earliest event of the deepest chain): level \(match.level) of \(m)")
            for k in 1..<match.level {
                out.append("  steps 1-\(k + 1) all done by #\(match.positions[k] + 1) at \(TimeParser.format(events.times[match.positions[k]]))")
            }
            return out
        }
        let traces: [JourneyMatcher.StartTrace]
        if plan.shape.tiesAnyOrder {
            var tied = TiedJourneyMatcher(stepCount: m, window: plan.window, startBounds: plan.shape.startBounds)
            traces = tied.trace(times: events.times, masks: events.masks)
        } else {
            var matcher = JourneyMatcher(shape: plan.shape)
            traces = matcher.trace(times: events.times, masks: events.masks, carried: events.carried)
        }
        if traces.isEmpty {
            out.append("no event matches step 1 '\(labels[0])': no journey starts")
            return out
        }
        let best = traces.filter { !$0.outsideStartRange }.max { a, b in a.level < b.level || (a.level == b.level && a.start > b.start) }
        for t in traces {
            if t.outsideStartRange {
                out.append("start #\(t.start + 1): outside the start range, not a start")
                continue
            }
            let chain = t.positions.enumerated().map { k, p in p >= 0 ? "#\(p + 1)" : "(step \(k + 1) skipped)" }
            var line = "start #\(t.start + 1): reached step \(t.level) of \(m) via " + chain.joined(separator: " -> ")
            if let stop = t.stop { line += "; stopped: " + explain(stop, labels: labels, plan: plan, events: events) }
            else { line += "; completed the journey" }
            if let best, best.start == t.start { line += "   <- the customer's chain" }
            out.append(line)
        }
        if let best {
            out.append("level \(best.level) of \(m): counted at step \(best.level) '\(labels[best.level - 1])'")
        } else {
            out.append("level 0: no start lies in the start range")
        }
        return out
    }

    static func explain(_ stop: JourneyMatcher.StopReason, labels: [String], plan: FunnelPlan, events: CustomerEvents) -> String {
        func at(_ i: Int) -> String { "#\(i + 1) at \(TimeParser.format(events.times[i]))" }
        switch stop {
        case .noLaterMatch(let k):
            return "no later event can fill step \(k + 1) '\(labels[k])'"
        case .windowExceeded(let k, let c):
            return "the next '\(labels[k])' (\(at(c))) is past the window of \(PlanPrinter.formatDuration(plan.window ?? 0)) from the start"
        case .gapExceeded(let k, let c):
            return "the next '\(labels[k])' (\(at(c))) is past its gap window of \(PlanPrinter.formatDuration(plan.shape.gapWindows[k] ?? 0))"
        case .notDirectlyNext(let k, let next):
            return next.map { "DIRECTLY: the next event (\(at($0))) does not match step \(k + 1) '\(labels[k])'" }
                ?? "DIRECTLY: no event follows"
        case .notStrictlyLater(let k, let c):
            return "STRICT TIME: the next '\(labels[k])' (\(at(c))) is not later in time than the previous step"
        case .excluded(let k, let c, let x, let e):
            return "'\(plan.funnel.exclusions[e].label)' (\(at(x))) lies between the previous step and the next '\(labels[k])' (\(at(c))): excluded"
        case .differentValue(let k, let c):
            return "SAME: the next '\(labels[k])' (\(at(c))) has a different value than the start"
        }
    }
}
