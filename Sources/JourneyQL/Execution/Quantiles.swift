// Quantiles of durations without sorting them all: selection finds the few order statistics they need.

enum Quantiles {
    /// DuckDB's `quantile_cont(q)` for each of `qs`: interpolated between the two nearest order statistics
    /// (positions h = (n - 1) q, rounded down and up). Nil for no values.
    ///
    /// Finds only those order statistics, by selection in a copy: O(n) on average, where sorting is O(n log n).
    static func continuous(_ values: [Int64], _ qs: [Double]) -> [Double?] {
        guard !values.isEmpty else { return qs.map { _ in nil } }
        let n = values.count
        let positions = qs.map { Double(n - 1) * $0 }
        var ranks = Set<Int>()
        for h in positions {
            ranks.insert(Int(h.rounded(.down)))
            ranks.insert(Int(h.rounded(.up)))
        }
        var work = values
        let found = work.withUnsafeMutableBufferPointer { buffer in
            select(ranks.sorted(), in: buffer)
        }
        return positions.map { h in
            let lo = Int(h.rounded(.down)), hi = Int(h.rounded(.up))
            let a = Double(found[lo]!), b = Double(found[hi]!)
            return a + (h - Double(lo)) * (b - a)
        }
    }

    /// The values of rank `ranks` (ascending, distinct) in `buffer`, which it reorders: each selection narrows the
    /// range the next one searches, as every larger rank lies to the right of a smaller one once it is placed.
    private static func select(_ ranks: [Int], in buffer: UnsafeMutableBufferPointer<Int64>) -> [Int: Int64] {
        var result: [Int: Int64] = [:]
        var lower = 0
        for rank in ranks {
            result[rank] = nthElement(rank, in: buffer, lower: lower, upper: buffer.count)
            lower = rank + 1
        }
        return result
    }

    /// Hoare-style quickselect with a median-of-three pivot; after it, buffer[rank] holds the value of that rank
    /// in lower..<upper, smaller-or-equal values before it. Falls back to sorting a range that does not shrink fast.
    private static func nthElement(_ rank: Int, in buffer: UnsafeMutableBufferPointer<Int64>, lower: Int, upper: Int) -> Int64 {
        var lo = lower, hi = upper - 1
        var budget = 64
        while lo < hi {
            budget -= 1
            if budget == 0 || hi - lo < 16 {
                var range = UnsafeMutableBufferPointer(rebasing: buffer[lo...hi])
                range.sort()
                return buffer[rank]
            }
            let mid = lo + (hi - lo) / 2
            if buffer[mid] < buffer[lo] { buffer.swapAt(mid, lo) }
            if buffer[hi] < buffer[lo] { buffer.swapAt(hi, lo) }
            if buffer[hi] < buffer[mid] { buffer.swapAt(hi, mid) }
            let pivot = buffer[mid]
            var i = lo, j = hi
            while i <= j {
                while buffer[i] < pivot { i += 1 }
                while buffer[j] > pivot { j -= 1 }
                if i <= j {
                    buffer.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            // Now lo...j <= pivot <= i...hi, and j < i.
            if rank <= j {
                hi = j
            } else if rank >= i {
                lo = i
            } else {
                return buffer[rank]
            }
        }
        return buffer[rank]
    }
}
