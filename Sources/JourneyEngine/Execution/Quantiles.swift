// Quantiles without sorting: a histogram of the values' high bits finds the bucket each wanted order statistic
// lies in, and selection runs only among the values of those few buckets.
import Dispatch

package enum Quantiles {
    /// DuckDB's `quantile_cont(q)` for each of `qs`: interpolated between the two nearest order statistics
    /// (positions h = (n - 1) q, rounded down and up). Nil for no values.
    static func continuous(_ values: [Int64], _ qs: [Double]) -> [Double?] {
        guard !values.isEmpty else { return qs.map { _ in nil } }
        let n = values.count
        let positions = qs.map { Double(n - 1) * $0 }
        var ranks = Set<Int>()
        for h in positions {
            ranks.insert(Int(h.rounded(.down)))
            ranks.insert(Int(h.rounded(.up)))
        }
        let found = values.withUnsafeBufferPointer { orderStatistics($0, ranks: ranks.sorted(), key: Self.key) }
        return positions.map { h in
            let lo = Int(h.rounded(.down)), hi = Int(h.rounded(.up))
            let a = Double(found[lo]!), b = Double(found[hi]!)
            return a + (h - Double(lo)) * (b - a)
        }
    }

    /// `continuous(_:_:)` of each array, on every core (the arrays of a funnel's steps are independent).
    static func continuous(each arrays: [[Int64]], _ qs: [Double]) -> [[Double?]] {
        let results = PartitionSlots<[Double?]>(Array(repeating: [], count: arrays.count))
        DispatchQueue.concurrentPerform(iterations: arrays.count) { i in
            results.put(i, continuous(arrays[i], qs))
        }
        return arrays.indices.map { try! results.result($0) }
    }

    /// An Int64 as an unsigned key of the same order.
    @inline(__always) static func key(_ value: Int64) -> UInt64 { UInt64(bitPattern: value) ^ (1 << 63) }

    /// A Double as an unsigned key of the same order (for numbers; -0 is taken as 0, which `<` holds equal).
    @inline(__always) static func key(_ value: Double) -> UInt64 {
        let bits = (value == 0 ? 0.0 : value).bitPattern
        return bits & (1 << 63) == 0 ? bits | (1 << 63) : ~bits
    }

    /// The values of rank `ranks` (ascending, distinct, each below `values.count`) in the order of `key`.
    ///
    /// Three passes over the values, none of which moves them: their smallest and largest key; a histogram of
    /// 65,536 buckets of the key's range, whose running sums name the bucket holding each rank and the rank within
    /// it; the values of those buckets gathered. Selection then orders only the gathered values.
    static func orderStatistics<T>(_ values: UnsafeBufferPointer<T>, ranks: [Int],
                                   key: (T) -> UInt64) -> [Int: T] {
        var result: [Int: T] = [:]
        guard let first = values.first, !ranks.isEmpty else { return result }
        var low = key(first), high = low
        for v in values {
            let k = key(v)
            low = min(low, k)
            high = max(high, k)
        }
        let span = high - low
        let shift = max(0, (UInt64.bitWidth - span.leadingZeroBitCount) - 16)
        let bucketCount = Int(span >> UInt64(shift)) + 1
        var counts = [Int](repeating: 0, count: bucketCount)
        counts.withUnsafeMutableBufferPointer { counts in
            for v in values { counts[Int((key(v) - low) >> UInt64(shift))] += 1 }
        }
        // Each rank's bucket, and how many values lie in buckets before it.
        var wanted: [(rank: Int, bucket: Int, before: Int)] = []
        var bucket = 0, before = 0
        for rank in ranks {
            while before + counts[bucket] <= rank {
                before += counts[bucket]
                bucket += 1
            }
            wanted.append((rank, bucket, before))
        }
        var slotOfBucket = [Int8](repeating: -1, count: bucketCount)
        var buckets: [Int] = []
        for w in wanted where slotOfBucket[w.bucket] < 0 {
            slotOfBucket[w.bucket] = Int8(buckets.count)
            buckets.append(w.bucket)
        }
        var gathered: [[T]] = buckets.map { b in
            var values: [T] = []
            values.reserveCapacity(counts[b])
            return values
        }
        slotOfBucket.withUnsafeBufferPointer { slotOfBucket in
            for v in values {
                let slot = slotOfBucket[Int((key(v) - low) >> UInt64(shift))]
                if slot >= 0 { gathered[Int(slot)].append(v) }
            }
        }
        for (slot, b) in buckets.enumerated() {
            let ranksHere = wanted.filter { $0.bucket == b }
            gathered[slot].withUnsafeMutableBufferPointer { buffer in
                var lower = 0
                // Each selection narrows the next: a larger rank lies right of a smaller one once that is placed.
                for w in ranksHere {
                    result[w.rank] = nthElement(w.rank - w.before, in: buffer, lower: lower, key: key)
                    lower = w.rank - w.before + 1
                }
            }
        }
        return result
    }

    /// Hoare-style quickselect with a median-of-three pivot; after it, buffer[rank] holds the value of that rank
    /// in lower..<buffer.count, smaller-or-equal keys before it. Falls back to sorting a range that does not
    /// shrink fast.
    private static func nthElement<T>(_ rank: Int, in buffer: UnsafeMutableBufferPointer<T>, lower: Int,
                                      key: (T) -> UInt64) -> T {
        var lo = lower, hi = buffer.count - 1
        var budget = 64
        while lo < hi {
            budget -= 1
            if budget == 0 || hi - lo < 16 {
                var range = UnsafeMutableBufferPointer(rebasing: buffer[lo...hi])
                range.sort { key($0) < key($1) }
                return buffer[rank]
            }
            let mid = lo + (hi - lo) / 2
            if key(buffer[mid]) < key(buffer[lo]) { buffer.swapAt(mid, lo) }
            if key(buffer[hi]) < key(buffer[lo]) { buffer.swapAt(hi, lo) }
            if key(buffer[hi]) < key(buffer[mid]) { buffer.swapAt(hi, mid) }
            let pivot = key(buffer[mid])
            var i = lo, j = hi
            while i <= j {
                while key(buffer[i]) < pivot { i += 1 }
                while key(buffer[j]) > pivot { j -= 1 }
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
