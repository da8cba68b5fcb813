// EXPLAIN CUSTOMER: one customer's admitted events, its candidate starts (the first few and the chosen one), their
// chains, and why each stopped.
import JourneyStore

package enum JourneyTrace {
    /// How many candidate starts are traced besides the customer's chosen one. Tracing a start is a pass over the
    /// customer's events, so tracing every start would be quadratic in them; the rest are counted on one line.
    package static let tracedStarts = 20

    /// The trace as lines of text, or a single line saying the customer is unknown (the session refuses an
    /// unknown customer before it gets here).
    package static func lines(_ plan: FunnelPlan, customer key: String, store: EventStore, catalog: StoreCatalog,
                             isCancelled: () -> Bool) throws -> [String] {
        guard try store.customerID(key) != nil else {
            return ["no customer is called '\(key)' in this store"]
        }
        var events: CustomerEvents?
        try store.scanCustomers(request(plan, customer: key), isCancelled: isCancelled) { events = $0 }
        return try lines(plan, customer: key, events: events, catalog: catalog, isCancelled: isCancelled)
    }

    /// EXPLAIN CUSTOMER of an id the store does not have, at the id as written.
    package static func unknownCustomer(_ id: String, at range: SourceRange, in source: SourceText) -> RunFailure {
        RunFailure(.error(.checkUnknownCustomer, "no customer is called '\(id)' in this store", at: range,
                          notes: ["customer ids are compared byte for byte, case included"]), in: source)
    }

    /// The scan a trace reads: the journey's, for this customer only, with every admitted event and, after the
    /// journey's carried fields, each column's code for display.
    package static func request(_ plan: FunnelPlan, customer key: String) -> ScanRequest {
        var request = plan.request
        request.filter = .and([request.filter, .customer(.equal, key)])
        request.deliverAll = true
        request.carry += EventColumn.allCases.map { .column($0) }
        return request
    }

    /// The trace from the customer's events as `request(_:customer:)` delivers them (nil: none admitted), read by
    /// any engine.
    package static func lines(_ plan: FunnelPlan, customer key: String, events: CustomerEvents?, catalog: StoreCatalog,
                              isCancelled: () -> Bool) throws -> [String] {
        let display = plan.request.carry.count
        let labels = plan.stepLabels
        let m = plan.shape.stepCount
        guard let events else {
            return ["customer '\(key)': no event passes the WHERE filter, so no journey starts"]
        }
        let decoders = EventColumn.allCases.map { column in
            Dictionary((catalog.codes[column] ?? CodeTable()).entries.map { ($0.code, $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        // A million-event customer is listed in full, so each line is put together as bytes from cached pieces: the
        // names of the codes of each column, the notes of each mask seen, the date of each day seen.
        let names = decoders.map { decoder in decoder.mapValues { Array($0.utf8) } }
        var notes: [UInt64: [UInt8]] = [:]
        var time = TimeText()
        func appendNames(_ i: Int, to line: inout [UInt8]) {
            for c in EventColumn.allCases.indices {
                if c > 0 { line.append(contentsOf: " / ".utf8) }
                if case .integer(let code) = events.carried[display + c][i] {
                    if let name = names[c][code] { line.append(contentsOf: name) } else { line.append(UInt8(ascii: "?")) }
                } else {
                    line.append(UInt8(ascii: "-"))
                }
            }
        }
        func note(_ mask: UInt64) -> [UInt8] {
            if let known = notes[mask] { return known }
            let steps = (0..<m).filter { mask & (UInt64(1) << UInt64($0)) != 0 }.map { "step \($0 + 1)" }
            let exclusions = plan.funnel.exclusions.indices
                .filter { mask & (UInt64(1) << UInt64(m + $0)) != 0 }
                .map { "'\(plan.funnel.exclusions[$0].label)'" }
            var text = ""
            if !steps.isEmpty { text += "   matches " + steps.joined(separator: ", ") }
            if !exclusions.isEmpty { text += "   excluded by " + exclusions.joined(separator: ", ") }
            notes[mask] = Array(text.utf8)
            return notes[mask]!
        }
        var out: [String] = []
        out.reserveCapacity(events.times.count + tracedStarts + 4)
        out.append("customer '\(key)': \(events.times.count) admitted event(s), in (time, import order) order"
                   + " [stage / touchpoint / channel]")
        var line: [UInt8] = []
        for i in events.times.indices {
            if i & 4095 == 4095, isCancelled() { throw StoreError.cancelled }
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: "  #".utf8)
            line.append(contentsOf: String(i + 1).utf8)
            line.append(UInt8(ascii: " "))
            time.append(events.times[i], to: &line)
            line.append(UInt8(ascii: " "))
            appendNames(i, to: &line)
            line.append(contentsOf: note(events.masks[i]))
            out.append(String(decoding: line, as: UTF8.self))
        }
        if plan.shape.order == .anyOrder {
            // In any order there is no chain of consecutive steps to stop: report the start and the completions.
            var matcher = AnyOrderMatcher(stepCount: m, window: plan.window, startBounds: plan.shape.startBounds)
            var match = CustomerMatch()
            try matcher.match(times: events.times, masks: events.masks, into: &match, isCancelled: isCancelled)
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
        let traced: JourneyMatcher.Traced
        if plan.shape.order == .tiesAnyOrder {
            var tied = TiedJourneyMatcher(stepCount: m, window: plan.window, startBounds: plan.shape.startBounds)
            traced = try tied.trace(times: events.times, masks: events.masks, limit: tracedStarts, isCancelled: isCancelled)
        } else {
            var matcher = JourneyMatcher(shape: plan.shape)
            traced = try matcher.trace(times: events.times, masks: events.masks, carried: events.carried,
                                       limit: tracedStarts, isCancelled: isCancelled)
        }
        if traced.traces.isEmpty {
            out.append("no event matches step 1 '\(labels[0])': no journey starts")
            return out
        }
        let chosen = traced.match.level > 0 ? traced.match.positions.first : nil
        for (n, t) in traced.traces.enumerated() {
            // The chosen start comes after the first ones when it is not among them: say what lies between.
            if n == tracedStarts, traced.untraced > 0 {
                out.append(moreStarts(traced.untraced, before: t.start))
            }
            if t.outsideStartRange {
                out.append("start #\(t.start + 1): outside the start range, not a start")
                continue
            }
            let chain = t.positions.enumerated().map { k, p in p >= 0 ? "#\(p + 1)" : "(step \(k + 1) skipped)" }
            var line = "start #\(t.start + 1): reached step \(t.level) of \(m) via " + chain.joined(separator: " -> ")
            if let stop = t.stop { line += "; stopped: " + explain(stop, labels: labels, plan: plan, events: events) }
            else { line += "; completed the journey" }
            if t.start == chosen { line += "   <- the customer's chain" }
            out.append(line)
        }
        if traced.traces.count <= tracedStarts, traced.untraced > 0 {
            out.append(moreStarts(traced.untraced, before: nil))
        }
        if traced.match.level > 0 {
            let level = traced.match.level
            out.append("level \(level) of \(m): counted at step \(level) '\(labels[level - 1])'")
        } else {
            out.append("level 0: no start lies in the start range")
        }
        return out
    }

    /// The line standing for the candidate starts that are not traced.
    static func moreStarts(_ count: Int, before chosen: Int?) -> String {
        let which = chosen.map { " (the customer's chain starts at #\($0 + 1), traced below)" } ?? ""
        return "… \(count) more start(s) not traced\(which): EXPLAIN CUSTOMER traces the first \(tracedStarts) and the"
            + " customer's chain, as tracing every start would take time quadratic in the customer's events"
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

/// `TimeParser.format` as bytes, the date of the last day seen kept: the same text, several times faster for the
/// long listings of EXPLAIN CUSTOMER.
struct TimeText {
    private var day: Int64 = .min
    private var date: [UInt8] = []

    mutating func append(_ ms: Int64, to bytes: inout [UInt8]) {
        let perDay: Int64 = 86_400_000
        let days = ms >= 0 ? ms / perDay : (ms - perDay + 1) / perDay
        if days != day {
            day = days
            date = Array(TimeParser.formatDate(ms).utf8)
        }
        let within = ms - days * perDay
        let seconds = within / 1000
        bytes.append(contentsOf: date)
        bytes.append(UInt8(ascii: "T"))
        func twoDigits(_ value: Int64) {
            bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        twoDigits(seconds / 3600)
        bytes.append(UInt8(ascii: ":"))
        twoDigits(seconds / 60 % 60)
        bytes.append(UInt8(ascii: ":"))
        twoDigits(seconds % 60)
        let fraction = within % 1000
        if fraction != 0 {
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / 100))
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
            bytes.append(UInt8(ascii: "0") + UInt8(fraction % 10))
        }
        bytes.append(UInt8(ascii: "Z"))
    }
}
