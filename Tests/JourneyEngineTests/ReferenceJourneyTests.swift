// Hand-computed answers for the journey reference alone (grammar/SEMANTICS.md §4a), one construct at a time:
// if the reference is wrong, the differential tests would only prove that the engine is wrong the same way.
import Foundation
import Testing
// @testable for the checked query's memberwise initializers, which are internal to the module.
@testable import JourneyEngine
import JourneyStore

/// 2024-01-01T00:00:00Z, a Monday.
private let t0: Int64 = 1_704_067_200_000
private let minute: Int64 = 60_000

private func touchpoint(_ name: String) -> Condition { .compare(.touchpoint, .equal, .text(name)) }

/// A step matching touchpoint `name` (and `filter`).
private func step(_ name: String, optional: Bool = false, gap minutes: Int64? = nil,
                  filter: Condition = .always) -> CheckedStep {
    CheckedStep(label: name + (optional ? "?" : ""), condition: .both(touchpoint(name), filter),
                range: SourceRange(0, 0), optional: optional, gapWindow: minutes.map { $0 * minute })
}

/// `FROM steps... [WITHIN minutes]`, the other clauses set by `configure`.
private func journey(_ steps: [CheckedStep], within minutes: Int64? = nil,
                     _ configure: (inout CheckedFunnel) -> Void = { _ in }) -> CheckedFunnel {
    var funnel = CheckedFunnel(steps: steps, window: minutes.map { $0 * minute }, filter: .always, text: "test")
    configure(&funnel)
    return funnel
}

/// One event: customer, minutes after t0, touchpoint, optional channel and properties. `seq` is set by `log`.
private func e(_ customer: String, _ minutes: Int64, _ touchpoint: String, channel: String? = nil,
               _ properties: [String: PropertyValue] = [:]) -> RawEvent {
    RawEvent(customer: customer, time: t0 + minutes * minute, seq: 0, stage: nil, touchpoint: touchpoint,
             channel: channel, properties: properties)
}

/// Events in import order: seq numbers them.
private func log(_ events: RawEvent...) -> [RawEvent] { log(events) }

private func log(_ events: [RawEvent]) -> [RawEvent] {
    events.enumerated().map { i, event in
        var event = event
        event.seq = Int64(i + 1)
        return event
    }
}

/// One customer's level and chain (indices into its admitted events; nil for a skipped step).
private func chain(_ funnel: CheckedFunnel, _ events: [RawEvent],
                   customers: [String: [String: PropertyValue]] = [:]) -> (level: Int, chain: [Int?]) {
    let matched = Reference.journeyCustomer(funnel, customer: events.first?.customer ?? "-", events: events,
                                            customers: customers)
    return (matched.level, matched.chain)
}

private func levels(_ funnel: CheckedFunnel, _ events: [RawEvent]) -> [String: Int] {
    Reference.journeyCustomers(funnel, events: events, customers: [:]).mapValues(\.level)
}

private func minutes(_ m: Double) -> Cell { .duration(m * Double(minute)) }

@Suite("Reference: the full journey statement")
struct ReferenceJourneyTests {
    @Test func optionalStepTakenOrSkipped() {
        let funnel = journey([step("a"), step("b", optional: true), step("c")])
        let events = log(
            e("x", 0, "a"), e("x", 1, "b"), e("x", 2, "c"),   // takes b: (a0, b1, c2)
            e("y", 0, "a"), e("y", 5, "c"),                   // skips b: (a0, -, c5)
            e("z", 0, "a"), e("z", 1, "c"), e("z", 2, "b"),   // b after c cannot be taken: (a0, -, c1)
            e("w", 0, "a"), e("w", 3, "b"))                   // level 2: (a0, b3)
        #expect(levels(funnel, events) == ["x": 3, "y": 3, "z": 3, "w": 2])
        let result = Reference.journey(funnel, events: events, customers: [:])
        #expect(result.columns == ["step", "name", "customers", "took", "pct_of_first", "pct_of_previous", "lost",
                                   "median_time_from_previous", "p90_time_from_previous",
                                   "median_time_from_start", "p90_time_from_start"])
        // Step 2: level ≥ 2 is everyone (y and z passed it by skipping); x and w took it, 1 and 3 minutes after a:
        //   median 2, p90 h = 0.9 → 1 + 0.9·(3 − 1) = 2.8.
        // Step 3: x, y, z. From previous filled step: x 1 (from b), y 5, z 1 (from a) → [1, 1, 5]: median 1,
        //   p90 h = 1.8 → 1 + 0.8·4 = 4.2. From start: x 2, y 5, z 1 → [1, 2, 5]: median 2, p90 2 + 0.8·3 = 4.4.
        #expect(Reference.rowsAgree(result.rows, [
            [.int(1), .text("a"), .int(4), .int(4), .percent(100), .null, .null, .null, .null, .null, .null],
            [.int(2), .text("b?"), .int(4), .int(2), .percent(100), .percent(100), .int(0),
             minutes(2), minutes(2.8), minutes(2), minutes(2.8)],
            [.int(3), .text("c"), .int(3), .int(3), .percent(75), .percent(75), .int(1),
             minutes(1), minutes(4.2), minutes(2), minutes(4.4)],
        ]), "\(result.rows)")
    }

    @Test func fillingAnOptionalStepCountsAsEarlierThanSkippingIt() {
        let funnel = journey([step("a"), step("b", optional: true), step("c")])
        // Level 3 either way: (a0, -, c1) or (a0, b2, c3). Filling b is earlier, though its c is later.
        #expect(chain(funnel, log(e("v", 0, "a"), e("v", 1, "c"), e("v", 2, "b"), e("v", 3, "c")))
                == (3, [0, 2, 3]))
        // Two optional steps in a row, both skippable: a, then d directly.
        let two = journey([step("a"), step("b", optional: true), step("c", optional: true), step("d")])
        #expect(chain(two, log(e("v", 0, "a"), e("v", 1, "d"))) == (4, [0, nil, nil, 1]))
        // c taken, b skipped.
        #expect(chain(two, log(e("v", 0, "a"), e("v", 1, "c"), e("v", 2, "d"))) == (4, [0, nil, 1, 2]))
        // Level 3 ends at an optional step that is filled; a skip is never the last step of a chain.
        #expect(chain(two, log(e("v", 0, "a"), e("v", 1, "c"))) == (3, [0, nil, 1]))
    }

    @Test func gapWindowWhereTheEarliestEventFailsButALaterOneSucceeds() {
        // FROM a TO b TO c WITHIN 5m TO d: c at most 5 minutes after b.
        let funnel = journey([step("a"), step("b"), step("c", gap: 5), step("d")])
        // Greedy b1 leaves c22 21 minutes away; b20 is 2 minutes from it: (a0, b20, c22, d30).
        #expect(chain(funnel, log(e("x", 0, "a"), e("x", 1, "b"), e("x", 20, "b"), e("x", 22, "c"), e("x", 30, "d")))
                == (4, [0, 2, 3, 4]))
        // No b within 5 minutes before c: level 2 on (a0, b1).
        #expect(chain(funnel, log(e("x", 0, "a"), e("x", 1, "b"), e("x", 22, "c"))) == (2, [0, 1]))
        // The gap is inclusive: exactly 5 minutes fits.
        #expect(chain(funnel, log(e("x", 0, "a"), e("x", 1, "b"), e("x", 6, "c"))) == (3, [0, 1, 2]))
        // After a skipped optional step the gap is measured from the previous filled step:
        // FROM a TO b? TO c WITHIN 5m: a0 c7 is 7 minutes (too far); b3 c7 is 4.
        let optional = journey([step("a"), step("b", optional: true), step("c", gap: 5)])
        #expect(chain(optional, log(e("x", 0, "a"), e("x", 7, "c"))) == (1, [0]))
        #expect(chain(optional, log(e("x", 0, "a"), e("x", 3, "b"), e("x", 7, "c"))) == (3, [0, 1, 2]))
        // And a later start can rescue a gap on step 2: a0 b10 fails 5 minutes, a8 b10 fits.
        let second = journey([step("a"), step("b", gap: 5)])
        #expect(chain(second, log(e("x", 0, "a"), e("x", 8, "a"), e("x", 10, "b"))) == (2, [1, 2]))
    }

    @Test func directly() {
        let funnel = journey([step("a"), step("b")]) { $0.directly = true }
        // An x between a and b breaks it; a later a right before b does not.
        #expect(chain(funnel, log(e("x", 0, "a"), e("x", 1, "x"), e("x", 2, "b"))) == (1, [0]))
        #expect(chain(funnel, log(e("x", 0, "a"), e("x", 1, "x"), e("x", 2, "a"), e("x", 3, "b"))) == (2, [2, 3]))
        // Events the WHERE does not admit are invisible, so they do not break directness.
        var filtered = CheckedFunnel(steps: funnel.steps, window: nil, filter: .not(touchpoint("x")), text: "test")
        filtered.directly = true
        #expect(chain(filtered, log(e("x", 0, "a"), e("x", 1, "x"), e("x", 2, "b"))) == (2, [0, 1]))
        // With an optional step skipped, the next filled step must follow the previous filled one directly.
        let optional = journey([step("a"), step("b", optional: true), step("c")]) { $0.directly = true }
        #expect(chain(optional, log(e("x", 0, "a"), e("x", 1, "c"))) == (3, [0, nil, 1]))
        #expect(chain(optional, log(e("x", 0, "a"), e("x", 1, "x"), e("x", 2, "c"))) == (1, [0]))
    }

    @Test func strictTimeWithEqualTimes() {
        let plain = journey([step("a"), step("b")])
        let strict = journey([step("a"), step("b")]) { $0.strictTime = true }
        // a and b in the same minute, a first in the log: the order alone chains them, STRICT TIME does not.
        let tie = log(e("x", 0, "a"), e("x", 0, "b"))
        #expect(chain(plain, tie) == (2, [0, 1]))
        #expect(chain(strict, tie) == (1, [0]))
        // A later b in a later minute chains: gap 1 minute.
        #expect(chain(strict, log(e("x", 0, "a"), e("x", 0, "b"), e("x", 1, "b"))) == (2, [0, 2]))
        // A tied a after the first: still no b strictly later than either.
        #expect(chain(strict, log(e("x", 0, "a"), e("x", 0, "a"), e("x", 0, "b"))) == (1, [0]))
    }

    @Test func excluding() {
        let x = CheckedExclusion(condition: touchpoint("x"), label: "x", from: 0, to: 2)
        let funnel = journey([step("a"), step("b"), step("c")]) { $0.exclusions = [x] }
        // From a0 every chain has x1 before its b: void. From a2: (a2, b3, c4), valid, level 3.
        #expect(chain(funnel, log(e("u", 0, "a"), e("u", 1, "x"), e("u", 2, "a"), e("u", 3, "b"), e("u", 4, "c")))
                == (3, [2, 3, 4]))
        // A chain that has not reached the last step is checked over what it covers: (a0, b2) has x1 inside.
        #expect(chain(funnel, log(e("u", 0, "a"), e("u", 1, "x"), e("u", 2, "b"))) == (1, [0]))
        // x after the last filled step does not matter.
        #expect(chain(funnel, log(e("u", 0, "a"), e("u", 1, "b"), e("u", 2, "x"))) == (2, [0, 1]))

        // An event filling a step never voids: EXCLUDING b on FROM a TO b TO c.
        let b = CheckedExclusion(condition: touchpoint("b"), label: "b", from: 0, to: 2)
        let selfExcluding = journey([step("a"), step("b"), step("c")]) { $0.exclusions = [b] }
        #expect(chain(selfExcluding, log(e("u", 0, "a"), e("u", 1, "b"), e("u", 2, "c"))) == (3, [0, 1, 2]))
        // a0 b1 b2 c3: (a0, b1, c3) has b2 between b and c; (a0, b2, c3) has b1 between a and b. Level 2 on (a0, b1),
        // although an unexcluded journey would reach 3.
        #expect(chain(selfExcluding, log(e("u", 0, "a"), e("u", 1, "b"), e("u", 2, "b"), e("u", 3, "c"))) == (2, [0, 1]))

        // BETWEEN 2 AND 3 (0-based 1...2): x between a and b is allowed, between b and c it is not.
        let late = CheckedExclusion(condition: touchpoint("x"), label: "x", from: 1, to: 2)
        let between = journey([step("a"), step("b"), step("c")]) { $0.exclusions = [late] }
        #expect(chain(between, log(e("u", 0, "a"), e("u", 1, "x"), e("u", 2, "b"), e("u", 3, "c"))) == (3, [0, 2, 3]))
        #expect(chain(between, log(e("u", 0, "a"), e("u", 1, "b"), e("u", 2, "x"), e("u", 3, "c"))) == (2, [0, 1]))
        // ... unless a later b escapes it: (a0, b3, c4).
        #expect(chain(between, log(e("u", 0, "a"), e("u", 1, "b"), e("u", 2, "x"), e("u", 3, "b"), e("u", 4, "c")))
                == (3, [0, 3, 4]))

        // BETWEEN 1 AND 3 with step 2 optional and skipped: the pair (1, 3) is inside, so x between a and c voids.
        let skipping = journey([step("a"), step("b", optional: true), step("c")]) { $0.exclusions = [x] }
        #expect(chain(skipping, log(e("u", 0, "a"), e("u", 1, "x"), e("u", 2, "c"))) == (1, [0]))
        // BETWEEN 2 AND 3 with step 2 skipped: the pair (1, 3) starts before 2, so nothing is checked.
        let skippingLate = journey([step("a"), step("b", optional: true), step("c")]) { $0.exclusions = [late] }
        #expect(chain(skippingLate, log(e("u", 0, "a"), e("u", 1, "x"), e("u", 2, "c"))) == (3, [0, nil, 2]))

        // The totals count a customer at its deepest valid level: u at 2 ((a0, b1, c3) has x2 inside), v at 1.
        let events = log(e("u", 0, "a"), e("u", 1, "b"), e("u", 2, "x"), e("u", 3, "c"),
                         e("v", 0, "a"), e("v", 1, "x"), e("v", 2, "b"))
        let result = Reference.journey(funnel, events: events, customers: [:])
        #expect(result.rows.map { $0[2] } == [.int(2), .int(1), .int(0)])
    }

    @Test func excludedEventsAreAdmittedEventsOnly() {
        // WHERE channel = web hides the x on email: it cannot void the chain.
        let x = CheckedExclusion(condition: touchpoint("x"), label: "x", from: 0, to: 1)
        var funnel = CheckedFunnel(steps: [step("a"), step("b")], window: nil,
                                   filter: .compare(.channel, .equal, .text("web")), text: "test")
        funnel.exclusions = [x]
        #expect(chain(funnel, log(e("u", 0, "a", channel: "web"), e("u", 1, "x", channel: "email"),
                                  e("u", 2, "b", channel: "web"))) == (2, [0, 1]))
        #expect(chain(funnel, log(e("u", 0, "a", channel: "web"), e("u", 1, "x", channel: "web"),
                                  e("u", 2, "b", channel: "web"))) == (1, [0]))
    }

    @Test func same() {
        let device = journey([step("a"), step("b")]) { $0.same = .property("device") }
        // b1 is on another device; b2 on the start's.
        #expect(chain(device, log(e("x", 0, "a", ["device": .text("mobile")]), e("x", 1, "b", ["device": .text("desktop")]),
                                  e("x", 2, "b", ["device": .text("mobile")]))) == (2, [0, 2]))
        // Text is compared byte for byte: Mobile is not mobile.
        #expect(chain(device, log(e("x", 0, "a", ["device": .text("Mobile")]), e("x", 1, "b", ["device": .text("mobile")])))
                == (1, [0]))
        // No value on the first step: nothing can follow, not even another event without one.
        #expect(chain(device, log(e("x", 0, "a"), e("x", 1, "b"))) == (1, [0]))
        // A later start with a value can still go on.
        #expect(chain(device, log(e("x", 0, "a"), e("x", 1, "a", ["device": .text("tv")]), e("x", 2, "b", ["device": .text("tv")])))
                == (2, [1, 2]))
        // Same type and value: the number 5 is not the text "5".
        let amount = journey([step("a"), step("b")]) { $0.same = .property("amount") }
        #expect(chain(amount, log(e("x", 0, "a", ["amount": .number(5)]), e("x", 1, "b", ["amount": .text("5")]))) == (1, [0]))
        #expect(chain(amount, log(e("x", 0, "a", ["amount": .number(5)]), e("x", 1, "b", ["amount": .number(5)]))) == (2, [0, 1]))
        // Precomposed é and e + combining accent are equal to Swift's ==, not byte for byte.
        let channel = journey([step("a"), step("b")]) { $0.same = .channel }
        #expect(chain(channel, log(e("x", 0, "a", channel: "caf\u{E9}"), e("x", 1, "b", channel: "cafe\u{301}"))) == (1, [0]))
        #expect(chain(channel, log(e("x", 0, "a", channel: "web"), e("x", 1, "b", channel: "web"))) == (2, [0, 1]))
        // Skipped optional steps need no value; filled ones do.
        let optional = journey([step("a"), step("b", optional: true), step("c")]) { $0.same = .channel }
        #expect(chain(optional, log(e("x", 0, "a", channel: "web"), e("x", 1, "b", channel: "email"),
                                    e("x", 2, "c", channel: "web"))) == (3, [0, nil, 2]))
    }

    @Test func startRangeWithALaterStepAfterIt() {
        // DURING t0 .. t0 + 10 minutes (half-open): the start must lie inside, later steps need not.
        let funnel = journey([step("a"), step("b")]) { $0.startBounds = TimeBounds(lower: t0, upper: t0 + 10 * minute) }
        #expect(chain(funnel, log(e("x", 5, "a"), e("x", 30, "b"))) == (2, [0, 1]))
        // No start inside: level 0, the customer is not counted at all.
        #expect(chain(funnel, log(e("x", 12, "a"), e("x", 13, "b"))) == (0, []))
        #expect(chain(funnel, log(e("x", -1, "a"), e("x", 1, "b"))) == (0, []))
        // The upper end is excluded, the lower included.
        #expect(chain(funnel, log(e("x", 10, "a"))) == (0, []))
        #expect(chain(funnel, log(e("x", 0, "a"))) == (1, [0]))
        // An earlier start outside the range does not hide a later one inside it.
        #expect(chain(funnel, log(e("x", -5, "a"), e("x", 3, "a"), e("x", 40, "b"))) == (2, [1, 2]))
    }

    @Test func breakdownByFirstStepChannel() {
        let funnel = journey([step("a"), step("b")], within: 5) { $0.breakdown = [.field(.channel)] }
        let events = log(
            // The earliest a is on web, but only the later a on email reaches b within 5 minutes: key email.
            e("p", 0, "a", channel: "web"), e("p", 10, "a", channel: "email"), e("p", 12, "b", channel: "web"),
            e("q", 0, "a", channel: "email"), e("q", 1, "b"),
            e("r", 0, "a"),                                  // no channel: the null group
            e("s", 0, "a", channel: "web"), e("s", 3, "b"),
            e("t", 0, "b", channel: "social"))               // never starts: no group
        let result = Reference.journey(funnel, events: events, customers: [:], horizon: t0 + 100 * minute)
        #expect(result.columns == ["channel", "step", "name", "customers", "pct_of_first", "pct_of_previous", "lost",
                                   "in_progress", "median_time_from_previous", "p90_time_from_previous",
                                   "median_time_from_start", "p90_time_from_start"])
        // email {p, q}: 2 then 2, gaps 2 and 1 → median 1.5, p90 1 + 0.9 = 1.9. web {s}: 1 then 1, gap 3.
        // null {r}: 1 then 0. Groups: email (2) first, then the ties by key, null before text.
        #expect(Reference.rowsAgree(result.rows, [
            [.text("email"), .int(1), .text("a"), .int(2), .percent(100), .null, .null, .null, .null, .null, .null, .null],
            [.text("email"), .int(2), .text("b"), .int(2), .percent(100), .percent(100), .int(0), .int(0),
             minutes(1.5), minutes(1.9), minutes(1.5), minutes(1.9)],
            [.null, .int(1), .text("a"), .int(1), .percent(100), .null, .null, .null, .null, .null, .null, .null],
            [.null, .int(2), .text("b"), .int(0), .percent(0), .percent(0), .int(1), .int(0), .null, .null, .null, .null],
            [.text("web"), .int(1), .text("a"), .int(1), .percent(100), .null, .null, .null, .null, .null, .null, .null],
            [.text("web"), .int(2), .text("b"), .int(1), .percent(100), .percent(100), .int(0), .int(0),
             minutes(3), minutes(3), minutes(3), minutes(3)],
        ]), "\(result.rows)")
        // LIMIT 2 keeps email and the null group.
        var limited = funnel
        limited.limit = 2
        let kept = Reference.journey(limited, events: events, customers: [:], horizon: t0 + 100 * minute)
        #expect(kept.rows.map { $0[0] } == [.text("email"), .text("email"), .null, .null])
    }

    @Test func breakdownKeysAreComparedByTheirBytes() {
        // "café" precomposed and decomposed are equal to Swift's ==, but two values to SQL: two groups, the
        // precomposed one (bytes c3 a9) after the decomposed one (65 cc 81).
        let funnel = journey([step("a"), step("b")]) { $0.breakdown = [.field(.channel)] }
        let events = log(e("p", 0, "a", channel: "caf\u{E9}"), e("q", 0, "a", channel: "cafe\u{301}"),
                         e("r", 0, "a", channel: "cafe\u{301}"))
        let keys = Reference.journey(funnel, events: events, customers: [:]).rows.map { $0[0] }
        #expect(keys.count == 4)
        #expect(keys.map { if case .text(let s) = $0 { Array(s.utf8) } else { [] } }
                == [Array("cafe\u{301}".utf8), Array("cafe\u{301}".utf8), Array("caf\u{E9}".utf8), Array("caf\u{E9}".utf8)])
    }

    @Test func breakdownByCustomerAttributeAndStartTime() {
        let customers: [String: [String: PropertyValue]] = ["p": ["segment": .text("b2b")], "q": ["segment": .text("b2c")]]
        let funnel = journey([step("a"), step("b")]) {
            $0.breakdown = [.field(.customerAttribute("segment")), .startWeek, .startMonth, .startDay]
        }
        // Starts: p on Wednesday 2024-01-31, q on Sunday 2024-02-04 (same ISO week, next month), r (no row) on
        // Wednesday 2025-01-01 (ISO week from Monday 2024-12-30).
        let jan31 = (1_706_659_200_000 - t0) / minute, feb4 = jan31 + 4 * 1440, jan1 = (1_735_689_600_000 - t0) / minute
        let events = log(e("p", jan31 + 600, "a"), e("q", feb4 + 1439, "a"), e("r", jan1, "a"))
        let result = Reference.journey(funnel, events: events, customers: customers)
        #expect(result.columns.prefix(5) == ["customer.segment", "week", "month", "day", "step"])
        // One customer each: periods first, in time order (week, then month, then day), so r (no row) comes last;
        // the non-period key decides nothing here.
        #expect(result.rows.filter { $0[4] == .int(1) }.map { Array($0.prefix(4)) } == [
            [.text("b2b"), .text("2024-01-29"), .text("2024-01"), .text("2024-01-31")],
            [.text("b2c"), .text("2024-01-29"), .text("2024-02"), .text("2024-02-04")],
            [.null, .text("2024-12-30"), .text("2025-01"), .text("2025-01-01")],
        ])
        #expect(Reference.utcWeek(t0) == "2024-01-01")
        #expect(Reference.utcWeek(t0 - 1) == "2023-12-25")
    }

    @Test func quantiles() {
        #expect(Reference.quantileCont([4, 1, 3, 2], 0.5) == 2.5)
        // h = 3 · 0.9 = 2.7: x2 + 0.7 · (x3 − x2) = 3.7.
        #expect(abs(Reference.quantileCont([4, 1, 3, 2], 0.9)! - 3.7) < 1e-9)
        #expect(Reference.quantileCont([7], 0.9) == 7)
        #expect(Reference.quantileCont([], 0.5) == nil)
        // Five customers with gaps 1, 2, 3, 4, 10 minutes: median 3, p90 h = 3.6 → 4 + 0.6 · 6 = 7.6.
        let funnel = journey([step("a"), step("b")])
        var events: [RawEvent] = []
        for (i, gap) in [1, 2, 3, 4, 10].enumerated() {
            events += [e("c\(i)", Int64(i), "a"), e("c\(i)", Int64(i + gap), "b")]
        }
        let row = Reference.journey(funnel, events: log(events), customers: [:]).rows[1]
        #expect(row[6] == minutes(3))
        guard case .duration(let p90) = row[7] else { Issue.record("p90 \(row[7])"); return }
        #expect(abs(p90 - 7.6 * Double(minute)) < 1e-6)
    }

    @Test func inProgress() {
        // FROM a TO b WITHIN 10m; the latest event in the store is at minute 15 (w's b).
        let funnel = journey([step("a"), step("b")], within: 10)
        let events = log(
            e("u", 0, "a"),                  // window closed at 10: lost
            e("s", 5, "a"),                  // closes at 15, not after the horizon 15: lost
            e("v", 8, "a"),                  // open until 18: in progress
            e("w", 5, "a"), e("w", 15, "b")) // converted
        let result = Reference.journey(funnel, events: events, customers: [:])
        #expect(result.columns == ["step", "name", "customers", "pct_of_first", "pct_of_previous", "lost", "in_progress",
                                   "median_time_from_previous", "p90_time_from_previous",
                                   "median_time_from_start", "p90_time_from_start"])
        #expect(result.rows[1] == [.int(2), .text("b"), .int(1), .percent(25), .percent(25), .int(2), .int(1),
                                   minutes(10), minutes(10), minutes(10), minutes(10)])
        #expect(result.rows[0][6] == .null)
        // SET now later than every window: no one is in progress.
        var later = funnel
        later.now = t0 + 100 * minute
        #expect(Reference.journey(later, events: events, customers: [:]).rows[1][5...6] == [.int(3), .int(0)])
        // The horizon is the latest event of the store, even one the WHERE hides.
        let hidden = CheckedFunnel(steps: funnel.steps, window: 10 * minute, filter: .not(touchpoint("z")), text: "test")
        let withLateEvent = log(e("v", 8, "a"), e("zz", 30, "z"))
        #expect(Reference.journey(hidden, events: withLateEvent, customers: [:]).rows[1][5...6] == [.int(1), .int(0)])
        // Three steps: in progress at step 3 are those at level exactly 2.
        let three = journey([step("a"), step("b"), step("c")], within: 10)
        let rows = Reference.journey(three, events: log(e("x", 10, "a"), e("x", 11, "b"), e("y", 12, "a"),
                                                          e("y", 13, "b"), e("z", 14, "a")), customers: [:]).rows
        // Horizon 14: x (closes 20), y (22), z (24) are all open. Step 2: z in progress; step 3: x and y.
        #expect(rows.map { $0[5...6] } == [[.null, .null], [.int(0), .int(1)], [.int(0), .int(2)]])
    }

    @Test func noClausesIsSectionFour() {
        // With none of the new clauses the reference agrees with the section 4 reference on the worked example.
        let events = log(
            RawEvent(customer: "k", time: t0, seq: 0, stage: "awareness", touchpoint: "ad_click", channel: nil),
            RawEvent(customer: "k", time: t0 + 5 * minute, seq: 0, stage: "consideration", touchpoint: "site_visit", channel: nil),
            RawEvent(customer: "k", time: t0 + 5 * minute, seq: 0, stage: "awareness", touchpoint: "ad_click", channel: nil),
            RawEvent(customer: "k", time: t0 + 40 * minute, seq: 0, stage: "purchase", touchpoint: "checkout_complete", channel: nil))
        func stage(_ s: String) -> CheckedStep {
            CheckedStep(label: s, condition: .compare(.stage, .equal, .text(s)), range: SourceRange(0, 0))
        }
        let cases: [(CheckedFunnel, Int, [Int?])] = [
            (journey([stage("awareness"), stage("purchase")]), 2, [0, 3]),
            (journey([stage("awareness"), stage("consideration")]), 2, [0, 1]),
            (journey([stage("consideration"), stage("awareness")]), 2, [1, 2]),
            (journey([stage("awareness"), stage("consideration"), stage("purchase")], within: 30), 2, [0, 1]),
            (journey([stage("awareness"), stage("purchase")], within: 35), 2, [2, 3]),
        ]
        for (funnel, level, positions) in cases {
            #expect(chain(funnel, events) == (level, positions))
            let old = Reference.funnel(funnel, events: events)
            #expect(old.levels["k"] == level)
        }
    }

    @Test func noClausesAgreesWithTheSectionFourReferenceOnRandomCustomers() {
        // Section 4a says it is section 4 when no clause is used: same level, same chain, on many small customers.
        var rng = SplitMix64(seed: 0x4A0E)
        let names = ["a", "b", "c"]
        for round in 0..<3000 {
            let stepCount = Int.random(in: 1...4, using: &rng)
            let funnel = journey((0..<stepCount).map { _ in step(names.randomElement(using: &rng)!) },
                                 within: Bool.random(using: &rng) ? nil : Int64.random(in: 0...6, using: &rng))
            var time: Int64 = 0
            let events = log((0..<Int.random(in: 0...8, using: &rng)).map { _ in
                time += [0, 0, 1, 2, 5].randomElement(using: &rng)!
                return e("k", time, names.randomElement(using: &rng)!)
            })
            let fills = events.map { event in funnel.steps.map { event.touchpoint == $0.label } }
            let old = Reference.match(times: events.map(\.time), fills: fills, stepCount: stepCount,
                                      window: funnel.window)
            let new = chain(funnel, events)
            #expect(new.level == old.level && new.chain == old.chain.map { Optional($0) },
                    "round \(round): \(funnel.steps.map(\.label)) within \(funnel.window.map(String.init) ?? "-"): \(new) vs \(old)")
            if new.level != old.level { break }
        }
    }
}

@Suite("Quantiles by selection") struct QuantileSelectionTests {
    /// The engine selects order statistics instead of sorting; on random arrays (many duplicates, sorted and
    /// reversed runs, sizes around the small-range cutoff) it must equal the sorting reference exactly.
    @Test func selectionEqualsSorting() {
        var rng = SplitMix64(seed: 0x0DD5)
        for round in 0..<3_000 {
            let n = Int.random(in: 1...(round % 3 == 0 ? 2_000 : 40), using: &rng)
            let spread = Int64.random(in: 1...(round % 2 == 0 ? 5 : 1_000_000), using: &rng)
            var values = (0..<n).map { _ in Int64.random(in: 0...spread, using: &rng) }
            switch round % 4 {
            case 1: values.sort()
            case 2: values.sort(by: >)
            default: break
            }
            let (median, p90) = FunnelTable.medianAndP90(values)
            #expect(median == Reference.quantileCont(values, 0.5), "n \(n), round \(round)")
            #expect(p90 == Reference.quantileCont(values, 0.9), "n \(n), round \(round)")
        }
        #expect(FunnelTable.medianAndP90([]) == (nil, nil))
    }

    /// Real values (VALUE's amounts) go through the same selection on an order-preserving key: negatives, zeros
    /// of both signs, fractions, and one far outlier that puts most values in one histogram bucket.
    @Test func realSelectionEqualsSorting() {
        var rng = SplitMix64(seed: 0xA11)
        for round in 0..<2_000 {
            let n = Int.random(in: 1...(round % 5 == 0 ? 5_000 : 30), using: &rng)
            var values = (0..<n).map { _ in
                Double(Int.random(in: -500...500, using: &rng)) / Double([1, 4, 100][round % 3])
            }
            if round % 7 == 0 { values[0] = 1e300 }
            if round % 11 == 0 { values += [0.0, -0.0, -0.0] }
            let sorted = values.sorted()
            func reference(_ p: Int) -> Double {
                let position = (sorted.count - 1) * p
                let lo = position / 100, rest = position % 100
                return rest == 0 ? sorted[lo] : sorted[lo] + Double(rest) / 100 * (sorted[lo + 1] - sorted[lo])
            }
            let found = Quantiles.continuous(values, percents: [0, 50, 90, 100])
            #expect(found == [reference(0), reference(50), reference(90), reference(100)], "n \(values.count), round \(round)")
        }
    }

    /// Many values in few buckets, and durations spread over the whole Int64 range.
    @Test func histogramEdges() {
        var rng = SplitMix64(seed: 0xB0B)
        let shapes: [[Int64]] = [
            Array(repeating: 7, count: 10_000),
            (0..<50_000).map { _ in Int64.random(in: 0...3, using: &rng) } + [Int64.max],
            (0..<50_000).map { _ in Int64.random(in: Int64.min...Int64.max, using: &rng) },
            (0..<70_001).map { Int64($0) * 37 % 70_001 },
        ]
        for values in shapes {
            let (median, p90) = FunnelTable.medianAndP90(values)
            #expect(median == Reference.quantileCont(values, 0.5))
            #expect(p90 == Reference.quantileCont(values, 0.9))
        }
    }
}
