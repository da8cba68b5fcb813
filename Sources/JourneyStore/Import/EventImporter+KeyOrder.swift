// The order of byte-string keys as memcmp gives it, for numbering an import's new customers in the order of
// SQLite's key index (`EventImporter.numberCustomersByKey`). Hand-written: no package on the mirror sorts byte
// strings by radix.

extension EventImporter {
    /// The indices `0..<count` in the order of their keys as memcmp orders them (no two keys equal): sorted by a
    /// radix sort on each key's first 8 bytes, big-endian (a byte that every key has alike is skipped), then each
    /// run of keys sharing those bytes (only keys longer than 8 bytes can) by the rest. The comparison sort it
    /// replaces took 0.1 s of the 820,000 new customers' 0.2 s, with the other core idle.
    static func keyOrder(count: Int, key: (Int) -> UnsafeBufferPointer<UInt8>) -> [Int] {
        struct Entry { var word: UInt64; var index: UInt32 }
        var entries = [Entry](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                var word: UInt64 = 0
                var shift: UInt64 = 56
                for byte in key(i).prefix(8) {
                    word |= UInt64(byte) << shift
                    shift &-= 8
                }
                buffer[i] = Entry(word: word, index: UInt32(i))
            }
            initialized = count
        }
        var histograms = [Int](repeating: 0, count: 8 * 256)
        for entry in entries {
            for digit in 0..<8 { histograms[digit << 8 | Int(truncatingIfNeeded: entry.word >> UInt64(8 * digit)) & 0xFF] += 1 }
        }
        var scratch = [Entry](repeating: Entry(word: 0, index: 0), count: count)
        for digit in 0..<8 {
            let histogram = histograms[(digit << 8) ..< ((digit + 1) << 8)]
            if histogram.contains(count) { continue }
            var next = [Int](repeating: 0, count: 256)
            var total = 0
            for value in 0..<256 {
                next[value] = total
                total += histogram[histogram.startIndex + value]
            }
            let shift = UInt64(8 * digit)
            entries.withUnsafeBufferPointer { from in
                scratch.withUnsafeMutableBufferPointer { to in
                    for entry in from {
                        let value = Int(truncatingIfNeeded: entry.word >> shift) & 0xFF
                        to[next[value]] = entry
                        next[value] += 1
                    }
                }
            }
            swap(&entries, &scratch)
        }
        var start = 0
        while start < count {
            var end = start + 1
            while end < count, entries[end].word == entries[start].word { end += 1 }
            if end - start > 1 {
                entries[start..<end].sort { key(Int($0.index)).lexicographicallyPrecedes(key(Int($1.index))) }
            }
            start = end
        }
        return entries.map { Int($0.index) }
    }
}
