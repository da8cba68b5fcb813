// Hand-computed cases for FunnelMatcher: one customer's (time, mask) columns in, level and chain out.
import Testing
// @testable for CustomerMatch's memberwise initializer, which is internal to the module.
@testable import JourneyEngine
import JourneyStore

/// Matches one customer. `events` are (seconds, steps the event fills, 0-based) in import order.
private func match(_ steps: Int, within window: Int64? = nil, _ events: [(Int64, [Int])]) -> CustomerMatch {
    var matcher = FunnelMatcher(stepCount: steps, window: window.map { $0 * 1000 })
    let masks = events.map { $0.1.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) } }
    return matcher.match(CustomerEvents(customer: 1, times: events.map { $0.0 * 1000 }, masks: masks))
}

@Suite("FunnelMatcher")
struct FunnelMatcherTests {
    @Test func noStartMeansLevelZero() {
        #expect(match(2, []) == CustomerMatch(level: 0, positions: []))
        #expect(match(2, [(0, [1]), (5, [1])]) == CustomerMatch(level: 0, positions: []))
    }

    @Test func straightChain() {
        // a@0 b@10 c@20: every step once, in order.
        #expect(match(3, [(0, [0]), (10, [1]), (20, [2])]) == CustomerMatch(level: 3, positions: [0, 1, 2]))
        // c before b: the chain stops at b.
        #expect(match(3, [(0, [0]), (10, [2]), (20, [1])]) == CustomerMatch(level: 2, positions: [0, 2]))
    }

    @Test func tiesChainInImportOrder() {
        // Same second: a then b in the log chains; b then a does not.
        #expect(match(2, [(5, [0]), (5, [1])]) == CustomerMatch(level: 2, positions: [0, 1]))
        #expect(match(2, [(5, [1]), (5, [0])]) == CustomerMatch(level: 1, positions: [1]))
        // Three events in one second, a b c in the log: all three steps.
        #expect(match(3, [(7, [0]), (7, [1]), (7, [2])]) == CustomerMatch(level: 3, positions: [0, 1, 2]))
    }

    @Test func oneEventNeverFillsTwoSteps() {
        // One event matching both steps (FROM ANY TO a, say) reaches only step 1.
        #expect(match(2, [(0, [0, 1])]) == CustomerMatch(level: 1, positions: [0]))
        // Two such events: the second fills step 2.
        #expect(match(2, [(0, [0, 1]), (0, [0, 1])]) == CustomerMatch(level: 2, positions: [0, 1]))
        #expect(match(3, [(0, [0, 1, 2]), (1, [0, 1, 2])]) == CustomerMatch(level: 2, positions: [0, 1]))
    }

    @Test func repeatedStepName() {
        // FROM a TO a: every a event fills both bits.
        #expect(match(2, [(3, [0, 1])]).level == 1)
        #expect(match(2, [(3, [0, 1]), (9, [0, 1])]) == CustomerMatch(level: 2, positions: [0, 1]))
        // FROM a TO a TO a with three a's, one outside a 10 s window of the first but inside that of the second.
        #expect(match(3, within: 10, [(0, [0, 1, 2]), (5, [0, 1, 2]), (12, [0, 1, 2])])
                == CustomerMatch(level: 2, positions: [0, 1]))
        #expect(match(3, within: 10, [(0, [0, 1, 2]), (5, [0, 1, 2]), (12, [0, 1, 2]), (15, [0, 1, 2])])
                == CustomerMatch(level: 3, positions: [1, 2, 3]))
    }

    @Test func windowIsInclusive() {
        #expect(match(2, within: 10, [(0, [0]), (10, [1])]) == CustomerMatch(level: 2, positions: [0, 1]))
        #expect(match(2, within: 9, [(0, [0]), (10, [1])]) == CustomerMatch(level: 1, positions: [0]))
        // A zero window admits only events in the start's second.
        #expect(match(2, within: 0, [(4, [0]), (4, [1])]).level == 2)
        #expect(match(2, within: 0, [(4, [0]), (5, [1])]).level == 1)
    }

    @Test func windowIsMeasuredFromTheFirstStepNotThePrevious() {
        // a@0 b@8 c@16 within 10: c is 8 s after b but 16 s after a.
        #expect(match(3, within: 10, [(0, [0]), (8, [1]), (16, [2])]) == CustomerMatch(level: 2, positions: [0, 1]))
    }

    @Test func laterStartReachesDeeperThanAnEarlierOne() {
        // a@0 a@20 b@25 c@28 within 10: from a@0, b is 25 s away; from a@20 all three fit.
        #expect(match(3, within: 10, [(0, [0]), (20, [0]), (25, [1]), (28, [2])])
                == CustomerMatch(level: 3, positions: [1, 2, 3]))
        // a@0 b@5 a@6 b@7 c@15 within 10: from a@0 the chain is a b and c is 15 s away;
        // from a@6 it is a b c (c 9 s away). The pointer for b must not stay at b@5.
        #expect(match(3, within: 10, [(0, [0]), (5, [1]), (6, [0]), (7, [1]), (15, [2])])
                == CustomerMatch(level: 3, positions: [2, 3, 4]))
    }

    @Test func earlierStartKeepsTheChainWhenALaterOneOnlyTies() {
        // a@0 a@5 b@8: both starts reach step 2; times come from the earliest start.
        #expect(match(2, [(0, [0]), (5, [0]), (8, [1])]) == CustomerMatch(level: 2, positions: [0, 2]))
        // Within 10: a@0 b@8, and a@5 b@8 c@14 would go deeper, so the later start wins there.
        #expect(match(3, within: 10, [(0, [0]), (5, [0]), (8, [1]), (14, [2])])
                == CustomerMatch(level: 3, positions: [1, 2, 3]))
        // a@0 b@2 a@3 b@4 within 10, two steps: level 2 from the first start, chain a@0 b@2.
        #expect(match(2, within: 10, [(0, [0]), (2, [1]), (3, [0]), (4, [1])])
                == CustomerMatch(level: 2, positions: [0, 1]))
    }

    @Test func eachStepTakesTheEarliestLaterEvent() {
        // a@0 b@1 b@2 c@3: step 2 is b@1 (index 1), not b@2.
        #expect(match(3, [(0, [0]), (1, [1]), (2, [1]), (3, [2])]) == CustomerMatch(level: 3, positions: [0, 1, 3]))
    }

    @Test func eventsBeforeTheStartDoNotCount() {
        // b@0 a@1 c@2 b@3: b before the start is ignored; a b c fails because c precedes the later b.
        #expect(match(3, [(0, [1]), (1, [0]), (2, [2]), (3, [1])]) == CustomerMatch(level: 2, positions: [1, 3]))
    }

    @Test func maskBitsAboveTheStepCountAreIgnored() {
        var matcher = FunnelMatcher(stepCount: 2, window: nil)
        let result = matcher.match(CustomerEvents(customer: 1, times: [0, 1], masks: [0b101, 0b110]))
        #expect(result == CustomerMatch(level: 2, positions: [0, 1]))
    }

    @Test func oneMatcherServesManyCustomersWithoutCarryingState() {
        var matcher = FunnelMatcher(stepCount: 3, window: 10_000)
        let deep = CustomerEvents(customer: 1, times: [0, 1000, 2000, 30_000], masks: [1, 2, 4, 2])
        let shallow = CustomerEvents(customer: 2, times: [0, 1000], masks: [1, 2])
        #expect(matcher.match(deep) == CustomerMatch(level: 3, positions: [0, 1, 2]))
        #expect(matcher.match(shallow) == CustomerMatch(level: 2, positions: [0, 1]))
        #expect(matcher.match(CustomerEvents(customer: 3)) == CustomerMatch(level: 0, positions: []))
        #expect(matcher.match(deep) == CustomerMatch(level: 3, positions: [0, 1, 2]))
    }

    @Test func sixtyFourSteps() {
        // The widest funnel: one event per step, bit 63 included.
        let times = (0..<64).map { Int64($0) }
        let masks = (0..<64).map { UInt64(1) << UInt64($0) }
        var matcher = FunnelMatcher(stepCount: 64, window: nil)
        let result = matcher.match(CustomerEvents(customer: 1, times: times, masks: masks))
        #expect(result.level == 64)
        #expect(result.positions == Array(0..<64))
    }

    @Test func totalsCountEveryReachedStepAndItsGap() {
        var totals = FunnelTotals(stepCount: 3)
        totals.add(CustomerMatch(level: 3, positions: [0, 2, 3]), times: [0, 5, 7, 20])
        totals.add(CustomerMatch(level: 2, positions: [1, 2]), times: [0, 4, 10])
        totals.add(CustomerMatch(level: 0, positions: []), times: [1])
        #expect(totals.customers == [2, 2, 1])
        #expect(totals.gaps == [[], [7, 6], [13]])
    }

    @Test func medianIsTheMiddleOrTheMeanOfTheTwoMiddles() {
        #expect(FunnelTable.median([]) == nil)
        #expect(FunnelTable.median([5]) == 5)
        #expect(FunnelTable.median([9, 1, 5]) == 5)
        #expect(FunnelTable.median([4, 1, 3, 10]) == 3.5)
        #expect(FunnelTable.median([1, 2]) == 1.5)
    }

    /// The reference's brute force agrees with these hand-computed cases too (it is checked, not trusted).
    @Test func referenceAgreesOnTheHandCases() {
        let cases: [(Int, Int64?, [(Int64, [Int])], Int, [Int])] = [
            (2, nil, [(5, [1]), (5, [0])], 1, [1]),
            (2, nil, [(0, [0, 1])], 1, [0]),
            (3, 10, [(0, [0]), (20, [0]), (25, [1]), (28, [2])], 3, [1, 2, 3]),
            (3, 10, [(0, [0]), (5, [1]), (6, [0]), (7, [1]), (15, [2])], 3, [2, 3, 4]),
            (2, nil, [(0, [0]), (5, [0]), (8, [1])], 2, [0, 2]),
            (2, 9, [(0, [0]), (10, [1])], 1, [0]),
        ]
        for (steps, window, events, level, chain) in cases {
            let fills = events.map { e in (0..<steps).map { e.1.contains($0) } }
            let got = Reference.match(times: events.map { $0.0 * 1000 }, fills: fills, stepCount: steps,
                                      window: window.map { $0 * 1000 })
            #expect(got.level == level)
            #expect(got.chain == chain)
        }
    }
}
