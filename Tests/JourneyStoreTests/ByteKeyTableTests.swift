// The importer's byte-keyed hash table against Swift's Dictionary: short keys decided by their inline prefix,
// long keys by their bytes, zero bytes and empty keys, growth.
import Testing
@testable import JourneyStore

@Suite struct ByteKeyTableTests {
    @Test func agreesWithADictionary() {
        var rng = SplitMix64(seed: 7)
        var table = ByteKeyTable()
        var reference: [[UInt8]: Int64] = [:]
        func randomKey() -> [UInt8] {
            // Few byte values and many lengths around 8, so prefixes collide and zero padding is tested.
            let length = Int.random(in: 0...20, using: &rng)
            return (0..<length).map { _ in [0, 1, 97, 255][Int.random(in: 0...3, using: &rng)] }
        }
        for step in 0..<20_000 {
            let key = randomKey()
            let found = key.withUnsafeBufferPointer { table.value(for: $0) }
            #expect(found == reference[key], "step \(step): key \(key)")
            if found == nil {
                let value = Int64.random(in: Int64.min...Int64.max, using: &rng)
                key.withUnsafeBufferPointer { table.insert($0, value: value) }
                reference[key] = value
            }
        }
        #expect(table.count == reference.count)
        for (key, value) in reference {
            #expect(key.withUnsafeBufferPointer { table.value(for: $0) } == value)
        }
        // "a" and "a\0" share a zero-padded prefix; the length tells them apart.
        var small = ByteKeyTable()
        small.insert("a", value: 1)
        #expect(small.value(for: "a") == 1)
        #expect([UInt8(97), 0].withUnsafeBufferPointer { small.value(for: $0) } == nil)
        #expect(small.value(for: "") == nil)
        small.insert("", value: 2)
        #expect(small.value(for: "") == 2)
    }

    /// The memo in front of the dictionary codes never answers with another key's value: keys of 1 to 20 bytes
    /// from few byte values (zero padding, overlapping words and entry collisions all occur) are looked up and
    /// remembered at random, and every answer is checked against the value remembered last for that very key.
    @Test func shortKeyMemoAnswersOnlyForTheSameKey() {
        var rng = SplitMix64(seed: 9)
        var memo = ShortKeyMemo()
        var values: [[UInt8]: UInt32] = [:]
        var hits = 0
        for step in 0..<50_000 {
            let length = Int.random(in: 1...20, using: &rng)
            let key: [UInt8] = (0..<length).map { _ in [0, 1, 97, 255][Int.random(in: 0...3, using: &rng)] }
            let found = key.withUnsafeBufferPointer { memo.value(for: $0) }
            if let found {
                hits += 1
                #expect(found == values[key], "step \(step): key \(key)")
            }
            if Int.random(in: 0...1, using: &rng) == 0 {
                let value = UInt32.random(in: 0...UInt32.max, using: &rng)
                key.withUnsafeBufferPointer { memo.remember($0, value: value) }
                values[key] = value
            }
        }
        // Keys over 16 bytes are never kept; the short ones are found again often enough to test the hits.
        #expect(hits > 1000)
        let long: [UInt8] = Array(repeating: 97, count: 17)
        long.withUnsafeBufferPointer { memo.remember($0, value: 5) }
        #expect(long.withUnsafeBufferPointer { memo.value(for: $0) } == nil)
    }
}
