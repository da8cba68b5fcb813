// Issue 11 at test scale: one customer with 20,000 awareness/ad_click events and then a purchase, through the whole
// pipeline, for every form that used to be quadratic in one customer's events. Each answer is derived by hand, and
// each statement must finish well within a bound (quadratic matching took from seconds to hours here).
import Foundation
import Testing
// @testable for JourneyShape's memberwise initializer (plans make shapes; these tests make one by hand).
@testable import JourneyEngine
import JourneyStore

/// The fixture: customer `k`, event i (0 ≤ i < 20,000) at t0 + i seconds (awareness / ad_click / web), then a
/// purchase (checkout_complete / web) at t0 + 20,060 s, 61 s after the last awareness. Customer `z` has one
/// consideration, so the stage exists: a step `k` never reaches, which makes every start worth trying.
private enum SingleCustomer {
    static let events = 20_000
    /// The purchase: 60 s after the last awareness.
    static let purchaseSecond = Int64(events + 60)
    static let second: Int64 = 1000
    /// Generous for a debug build on a shared machine; a quadratic matcher needs far longer at this size.
    static let bound = 10.0

    static let storePath = makeStore(events: events)
    /// The same with 60,000 events (the purchase 60 s after the last): IN ANY ORDER's old matcher scanned from each
    /// start to the end only once or twice, so it needs the larger customer to show its quadratic cost.
    static let largeStorePath = makeStore(events: 60_000)

    private static func makeStore(events: Int) -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("single-customer-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var csv = "customer_id,timestamp,stage,touchpoint,channel\n"
        let t0: Int64 = 1_704_067_200_000
        for i in 0..<events {
            csv += "k,\(t0 + Int64(i) * second),awareness,ad_click,web\n"
        }
        csv += "k,\(t0 + Int64(events + 60) * second),purchase,checkout_complete,web\n"
        csv += "z,\(t0),consideration,site_visit,web\n"
        let file = directory.appendingPathComponent("events.csv")
        try! csv.write(to: file, atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("store.db").path
        let session = try! Session(storePath: path, access: .create)
        _ = try! session.importEvents([file.path], options: ImportOptions())
        return path
    }

    /// Runs `text` on a session of its own; returns what it emitted and how long the statement took.
    static func run(_ text: String, store: String = storePath, isCancelled: @escaping () -> Bool = { false })
        throws -> (results: [QueryResult], messages: [String], seconds: Double) {
        let session = try Session(storePath: store)
        var results: [QueryResult] = []
        var messages: [String] = []
        let clock = ContinuousClock()
        let started = clock.now
        try session.run(SourceText(text), isCancelled: isCancelled) { event in
            switch event {
            case .result(let r): results.append(r)
            case .message(let m): messages.append(m)
            default: break
            }
        }
        let elapsed = clock.now - started
        return (results, messages, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// The `customers` column, and a column of durations in milliseconds, of a journey result.
    static func column(_ result: QueryResult, _ name: String) -> [Cell] {
        let c = result.columns.firstIndex(of: name)!
        return result.rows.map { $0[c] }
    }

    static func customers(_ result: QueryResult) -> [Int64] {
        column(result, "customers").map { if case .int(let n) = $0 { n } else { -1 } }
    }

    static func seconds(_ s: Int64) -> Cell { .duration(Double(s * second)) }
}

@Suite("Issue 11: one customer with 20,000 events", .serialized)
struct SingleCustomerScaleTests {
    @Test func excluding() throws {
        // Every awareness is an ad_click, so only the last one has no ad_click before the purchase.
        let (results, _, seconds) = try SingleCustomer.run("FROM awareness TO purchase EXCLUDING ad_click")
        #expect(SingleCustomer.customers(results[0]) == [1, 1])
        #expect(SingleCustomer.column(results[0], "median_time_from_previous")[1] == SingleCustomer.seconds(61))
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func excludingBetween() throws {
        // BETWEEN 2 AND 3 checks only ad_click → purchase, so step 2 must be the last ad_click; the first start
        // reaches it: (#1, #20000, #20001). Nothing fills step 4, so every start is tried.
        let (results, _, seconds) = try SingleCustomer.run(
            "FROM awareness TO ad_click TO purchase TO consideration EXCLUDING ad_click BETWEEN 2 AND 3")
        #expect(SingleCustomer.customers(results[0]) == [1, 1, 1, 0])
        let gaps = SingleCustomer.column(results[0], "median_time_from_previous")
        #expect(gaps[1] == SingleCustomer.seconds(19_999) && gaps[2] == SingleCustomer.seconds(61))
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func directly() throws {
        let (results, _, seconds) = try SingleCustomer.run("FROM awareness TO purchase DIRECTLY")
        #expect(SingleCustomer.customers(results[0]) == [1, 1])
        #expect(SingleCustomer.column(results[0], "median_time_from_previous")[1] == SingleCustomer.seconds(61))
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func strictTime() throws {
        // Nothing reaches the third step, so every start is tried.
        let (results, _, seconds) = try SingleCustomer.run("FROM awareness TO purchase TO consideration STRICT TIME")
        #expect(SingleCustomer.customers(results[0]) == [1, 1, 0])
        #expect(SingleCustomer.column(results[0], "median_time_from_previous")[1] == SingleCustomer.seconds(SingleCustomer.purchaseSecond))
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func explainCustomer() throws {
        let (_, messages, seconds) = try SingleCustomer.run("EXPLAIN CUSTOMER k FROM awareness TO purchase")
        let lines = messages.joined(separator: "\n").split(separator: "\n").map(String.init)
        // The header, every event, 20 traced starts, the line for the rest, and the level.
        #expect(lines.count == 1 + 20_001 + 20 + 1 + 1)
        #expect(lines.contains("start #1: reached step 2 of 2 via #1 -> #20001; completed the journey   <- the customer's chain"))
        #expect(lines.contains { $0.hasPrefix("… 19980 more start(s) not traced") })
        #expect(lines.last == "level 2 of 2: counted at step 2 'purchase'")
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func explainCustomerWithTheChainLate() throws {
        // Within 1 hour only starts from second 16,460 on reach the purchase (exactly 3,600 s away).
        let (_, messages, seconds) = try SingleCustomer.run("EXPLAIN CUSTOMER k FROM awareness TO purchase WITHIN 1 hour")
        let lines = messages.joined(separator: "\n").split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("start #1: reached step 1 of 2 via #1; stopped: the next 'purchase' (#20001") })
        #expect(lines.contains { $0.hasPrefix("… 19979 more start(s) not traced (the customer's chain starts at #16461") })
        #expect(lines.contains("start #16461: reached step 2 of 2 via #16461 -> #20001; completed the journey   <- the customer's chain"))
        #expect(lines.last == "level 2 of 2: counted at step 2 'purchase'")
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func inAnyOrder() throws {
        // Level 2 from the first event (c₂ the purchase, 60,060 s later); nothing fills the third step, so every
        // start is tried.
        let (results, _, seconds) = try SingleCustomer.run("FROM awareness TO purchase TO consideration IN ANY ORDER",
                                                           store: SingleCustomer.largeStorePath)
        #expect(SingleCustomer.customers(results[0]) == [1, 1, 0])
        #expect(SingleCustomer.column(results[0], "median_time_from_previous")[1] == SingleCustomer.seconds(60_060))
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func tiesAnyOrderWithTwentySteps() throws {
        // 19 awareness steps, then the purchase within an hour of the start: the first start that reaches it is at
        // second 16,460 (3,600 s before the purchase); steps 2-19 one second apart, the purchase 3,582 s later.
        let steps = Array(repeating: "awareness", count: 19) + ["purchase"]
        let text = "FROM " + steps.joined(separator: " TO ") + " WITHIN 1 hour TIES ANY ORDER"
        let (results, _, seconds) = try SingleCustomer.run(text)
        #expect(SingleCustomer.customers(results[0]) == Array(repeating: 1, count: 20))
        let gaps = SingleCustomer.column(results[0], "median_time_from_previous")
        #expect(gaps[1] == SingleCustomer.seconds(1) && gaps[18] == SingleCustomer.seconds(1))
        #expect(gaps[19] == SingleCustomer.seconds(3_582))
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func same() throws {
        let (results, _, seconds) = try SingleCustomer.run("FROM awareness TO purchase TO consideration SAME channel")
        #expect(SingleCustomer.customers(results[0]) == [1, 1, 0])
        #expect(SingleCustomer.column(results[0], "median_time_from_previous")[1] == SingleCustomer.seconds(SingleCustomer.purchaseSecond))
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func eighteenOptionalSteps() throws {
        // The first start within an hour of the purchase (second 16,460) fills all 18 optional ad_click steps with
        // the next 18 events (filling comes before skipping), then the purchase 3,582 s after the last of them.
        let text = "FROM awareness " + String(repeating: "TO ad_click? ", count: 18) + "TO purchase WITHIN 1 hour"
        let (results, _, seconds) = try SingleCustomer.run(text)
        #expect(SingleCustomer.customers(results[0]) == Array(repeating: 1, count: 20))
        #expect(SingleCustomer.column(results[0], "took").allSatisfy { $0 == .int(1) })
        #expect(SingleCustomer.column(results[0], "median_time_from_previous")[19] == SingleCustomer.seconds(3_582))
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    @Test func gapWindows() throws {
        // Step 2 within 10 s of step 1, the purchase within 70 s of step 2: step 2 at second 19,990 or later, so
        // the first start that completes is at second 19,980: (19,980 s, 19,990 s, the purchase 70 s later).
        let (results, _, seconds) = try SingleCustomer.run(
            "FROM awareness TO ad_click WITHIN 10 seconds TO purchase WITHIN 70 seconds TO consideration")
        #expect(SingleCustomer.customers(results[0]) == [1, 1, 1, 0])
        let gaps = SingleCustomer.column(results[0], "median_time_from_previous")
        #expect(gaps[1] == SingleCustomer.seconds(10) && gaps[2] == SingleCustomer.seconds(70))
        #expect(seconds < SingleCustomer.bound, "took \(seconds) s")
    }

    /// Ctrl-C while the one customer is matched: `isCancelled` turns true 50 ms into the statement, and the
    /// statement ends as cancelled (exit 130) soon after, instead of running to its end (for hours, before).
    @Test func cancelledWhileMatchingOneCustomer() throws {
        let session = try Session(storePath: SingleCustomer.largeStorePath)
        // Load the columnar copy first, so the cancellation lands in the matching, not in reading the store.
        try session.run(SourceText("FROM awareness TO purchase")) { _ in }
        let text = "FROM awareness " + String(repeating: "TO ad_click? ", count: 18) + "TO purchase TO consideration SAME channel"
        let cancelAt = ContinuousClock.now + .milliseconds(50)
        var failure: RunFailure?
        do {
            try session.run(SourceText(text), isCancelled: { ContinuousClock.now >= cancelAt }) { _ in }
        } catch {
            failure = error
        }
        let after = ContinuousClock.now - cancelAt
        if let failure {
            #expect(failure.exitCode == 130 && failure.rendered == "cancelled")
        }
        // Finishing before the flag turned is no failure; running long after it is.
        #expect(after < .seconds(2), "ran \(after) past the cancellation")
    }
}

@Suite("Issue 11: EXPLAIN CUSTOMER's listing")
struct TraceListingTests {
    /// The listing formats times as bytes for speed; the text must be `TimeParser.format`'s exactly.
    @Test func timesReadAsEverywhereElse() {
        var rng = SplitMix64(seed: 0x7177)
        var text = TimeText()
        for round in 0..<20_000 {
            // Runs within a day, jumps across days and years, before 1970, whole seconds and milliseconds.
            let ms = round % 50 == 0 ? Int64.random(in: -5_000_000_000_000...5_000_000_000_000, using: &rng)
                : 1_704_067_200_000 + Int64(round) * Int64.random(in: 0...90_000, using: &rng) * (round % 3 == 0 ? 1000 : 1)
            var bytes: [UInt8] = []
            text.append(ms, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == TimeParser.format(ms), "\(ms)")
        }
    }
}

@Suite("Issue 11: cancellation inside one customer's matching")
struct MatcherCancellationTests {
    /// A matcher call over one huge customer, with `isCancelled` turning true after 50 ms: it must throw
    /// `StoreError.cancelled` within a bound, or have finished before then.
    private func expectCancelled(_ name: String, _ body: (@escaping () -> Bool) throws -> Void) {
        let cancelAt = ContinuousClock.now + .milliseconds(50)
        var polls = 0
        var cancelled = false
        do {
            try body {
                polls += 1
                return ContinuousClock.now >= cancelAt
            }
        } catch StoreError.cancelled {
            cancelled = true
        } catch {
            Issue.record("\(name): \(error)")
        }
        let after = ContinuousClock.now - cancelAt
        #expect(cancelled, "\(name) finished without seeing the cancellation (\(polls) polls)")
        #expect(after < .milliseconds(1_000), "\(name) ran \(after) past the cancellation")
    }

    /// 4M events of two kinds, a purchase-like rare kind every 100,000th.
    private static let huge: (times: [Int64], masks: [UInt64], carried: [[CarriedValue]]) = {
        let n = 4_000_000
        var times = [Int64](repeating: 0, count: n), masks = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            times[i] = Int64(i / 3) * 1000
            masks[i] = i % 100_000 == 99_999 ? 0b10 : (i % 2 == 0 ? 0b1 : 0b100)
        }
        return (times, masks, [Array(repeating: .text("web"), count: n)])
    }()

    @Test func generalMatcher() {
        let shape = JourneyShape(stepCount: 4, optional: [false, true, true, false], gapWindows: [nil, nil, nil, nil],
                                 window: nil, directly: false, strictTime: false,
                                 exclusions: [], sameColumn: 0, startBounds: nil)
        var matcher = JourneyMatcher(shape: shape)
        var match = CustomerMatch()
        let c = Self.huge
        expectCancelled("JourneyMatcher") { try matcher.match(times: c.times, masks: c.masks, carried: c.carried, into: &match, isCancelled: $0) }
    }

    @Test func tiedMatcher() {
        var matcher = TiedJourneyMatcher(stepCount: 20, window: nil, startBounds: nil)
        var match = CustomerMatch()
        let c = Self.huge
        expectCancelled("TiedJourneyMatcher") { try matcher.match(times: c.times, masks: c.masks, into: &match, isCancelled: $0) }
    }

    @Test func anyOrderMatcher() {
        var matcher = AnyOrderMatcher(stepCount: 4, window: nil, startBounds: nil)
        var match = CustomerMatch()
        let c = Self.huge
        expectCancelled("AnyOrderMatcher") { try matcher.match(times: c.times, masks: c.masks, into: &match, isCancelled: $0) }
    }

    @Test func funnelMatcher() {
        // Every event a start, the one second step at the very end and out of every window but the last start's:
        // each start is tried.
        let n = 4_000_000
        let times = (0..<n).map { Int64($0) * 1000 }
        let masks = (0..<n).map { $0 == n - 1 ? UInt64(0b10) : 0b1 }
        var matcher = FunnelMatcher(stepCount: 2, window: 1000)
        var match = CustomerMatch()
        expectCancelled("FunnelMatcher") { try matcher.match(times: times, masks: masks, into: &match, isCancelled: $0) }
    }
}
