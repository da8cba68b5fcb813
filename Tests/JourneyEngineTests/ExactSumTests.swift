// ExactSum: the correctly rounded sum of doubles, the same in any order (VALUE's totals). Expected values are worked
// out by hand from the exact sums (and agree with Python's math.fsum on the same inputs).
import Testing
@testable import JourneyEngine

struct ExactSumTests {
    static func sum(_ values: [Double]) -> Double {
        var s = ExactSum()
        for v in values { s.add(v) }
        return s.value
    }

    @Test func tenTenthsMakeOne() {
        // Added one by one in doubles, ten 0.1s make 0.9999999999999999; their exact sum is 1.0000000000000000555,
        // whose nearest double is 1.
        #expect([Double](repeating: 0.1, count: 10).reduce(0, +) == 0.9999999999999999)
        #expect(Self.sum([Double](repeating: 0.1, count: 10)) == 1.0)
    }

    @Test func cancellationKeepsTheSmallTerm() {
        #expect(Self.sum([1e100, 1.0, -1e100]) == 1.0)
        #expect(Self.sum([1.0, 1e100, 1.0, -1e100]) == 2.0)
    }

    @Test func roundsOnceToTheNearest() {
        // 1 + 2e-16 lies nearer 1 + 2^-52 (= 1 + 2.22e-16) than 1; adding in turn rounds each 1e-16 away.
        #expect(Self.sum([1, 1e-16, 1e-16]) == 1.0000000000000002)
        // 2^53 − 0.5 − 2^-54 lies just below the midpoint of 2^53 − 1 and 2^53: it rounds down, where adding in
        // turn makes the tie 2^53 − 0.5 go to even (2^53) first.
        let big = 9_007_199_254_740_992.0
        #expect(Self.sum([big, -0.5, -0x1p-54]) == big - 1)
        #expect(big + -0.5 + -0x1p-54 == big)
    }

    @Test func anyOrderGivesTheSameDouble() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let values = (0..<Int.random(in: 1...40, using: &rng)).map { _ in
                Double(Int.random(in: -10_000...10_000, using: &rng)) / [1, 3, 7, 100, 1e6][Int.random(in: 0..<5, using: &rng)]
                    * [1, 1e-9, 1e9][Int.random(in: 0..<3, using: &rng)]
            }
            let expected = Self.sum(values)
            #expect(Self.sum(values.shuffled(using: &rng)) == expected)
            // Two halves summed apart and merged, as partitions are.
            let cut = Int.random(in: 0...values.count, using: &rng)
            var a = ExactSum(), b = ExactSum()
            for v in values[..<cut] { a.add(v) }
            for v in values[cut...] { b.add(v) }
            a.add(b)
            #expect(a.value == expected)
        }
    }

    @Test func noValuesIsEmpty() {
        #expect(ExactSum().isEmpty)
        #expect(ExactSum().value == 0)
    }
}
