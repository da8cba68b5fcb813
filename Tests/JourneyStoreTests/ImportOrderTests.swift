// The orders an events import puts things in: new customers by key, code triples by first sight, buffered events
// by (customer, time, import order).
import Testing
@testable import JourneyStore

@Suite struct ImportOrderTests {
    /// `EventImporter.keyOrder` (a radix sort on 8 bytes, then ties by the rest) orders keys as a comparison sort
    /// of their bytes does: 20,000 distinct random keys of 1 to 20 bytes over a few byte values (so that many share
    /// their first 8 bytes, and the 8-byte boundary falls inside and at the end of keys), bytes >= 0x80 included;
    /// and keys that all begin alike (the radix passes skipped).
    @Test func keyOrderIsTheOrderOfTheBytes() {
        var rng = SystemRandomNumberGenerator()
        var unique = Set<[UInt8]>()
        while unique.count < 20_000 {
            let length = Int.random(in: 1...20, using: &rng)
            unique.insert((0..<length).map { _ in [0x31, 0x32, 0x61, 0xC3, 0xFF].randomElement(using: &rng)! })
        }
        for keys in [Array(unique), (0..<5_000).map { Array("c\($0 * 7919 % 5_000)".utf8) }] {
            // Back to back, as the importer keeps them.
            let bytes = keys.flatMap { $0 }
            var ends: [Int] = []
            for key in keys { ends.append((ends.last ?? 0) + key.count) }
            let order = bytes.withUnsafeBufferPointer { bytes in
                EventImporter.keyOrder(count: keys.count) { index in
                    UnsafeBufferPointer(rebasing: bytes[(index == 0 ? 0 : ends[index - 1]) ..< ends[index]])
                }
            }
            let expected = keys.indices.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) }
            #expect(order == expected)
        }
    }

    /// `PendingTriples` numbers each distinct (stage, touchpoint, channel) once, in the order first seen, whatever
    /// its memo holds: 200,000 lookups of 3,000 random triples (codes up to 2^32 - 2, zeros for none), so that
    /// memo slots are shared and overwritten.
    @Test func pendingTriplesNumberEachTripleOnce() {
        var rng = SystemRandomNumberGenerator()
        let pool: [PendingTriples.Codes] = (0..<3_000).map { _ in
            func code() -> UInt32 {
                [0, 1, UInt32.random(in: 1...40, using: &rng), UInt32.random(in: 1...UInt32.max - 1, using: &rng)]
                    .randomElement(using: &rng)!
            }
            return PendingTriples.Codes(stage: code(), touchpoint: code(), channel: code())
        }
        var triples = PendingTriples()
        var expected: [PendingTriples.Codes: UInt32] = [:]
        var order: [PendingTriples.Codes] = []
        for _ in 0..<200_000 {
            let triple = pool.randomElement(using: &rng)!
            if expected[triple] == nil {
                expected[triple] = UInt32(order.count)
                order.append(triple)
            }
            let number = triples.number(stage: triple.stage, touchpoint: triple.touchpoint, channel: triple.channel)
            #expect(number == expected[triple]!)
            if number != expected[triple]! { break }
        }
        #expect(triples.codes == order)
    }

    /// `ClusteredRows` puts buffered events in (customer, time, import order) order, renumbering customers on the
    /// way, as a plain sort does: 20,000 events of 3,000 customers (some with none, some with over 32 events, many
    /// equal times), in parts of 1 event (over 256 parts: 4-byte part numbers), 50 (1-byte) and 1M (one part).
    @Test func clusteredRowsSortLikeAPlainSort() {
        var rng = SplitMix64(seed: 14)
        let customers = 3_000
        // Renumbering: a random permutation, as numbering by key gives.
        var renumbering = (0..<UInt32(customers)).map { $0 }
        renumbering.shuffle(using: &rng)
        var events: [PendingEvent] = []
        for offset in 0..<20_000 {
            let customer = Int.random(in: 0..<10, using: &rng) == 0 ? Int.random(in: 0..<5, using: &rng)
                : Int.random(in: 0..<customers - 100, using: &rng)
            events.append(PendingEvent(time: Int64.random(in: 0..<50, using: &rng), customer: UInt32(customer),
                                       offset: UInt32(offset), props: UInt32(offset % 7), triple: UInt32(offset % 3)))
        }
        var counts = [UInt32](repeating: 0, count: customers)
        for event in events { counts[Int(renumbering[Int(event.customer)])] += 1 }
        let expected = events.map { event -> PendingEvent in
            var event = event
            event.customer = renumbering[Int(event.customer)]
            return event
        }.sorted { ($0.customer, $0.time, $0.offset) < ($1.customer, $1.time, $1.offset) }
        for partEvents in [1, 50, 1 << 20] {
            let pending = PendingEvents(capacity: events.count)
            for event in events { pending.append(event) }
            let sorted = ClusteredRows(events: pending, eventsPerCustomer: counts, renumbering: renumbering,
                                       partEvents: partEvents)
            sorted.waitForAll()
            let got = Array(sorted.rows)
            #expect(got.map { [$0.customer, $0.offset, $0.props, $0.triple] } == expected.map { [$0.customer, $0.offset, $0.props, $0.triple] },
                    "parts of \(partEvents) events")
            #expect(got.map(\.time) == expected.map(\.time))
        }
    }
}
