// A hash map from byte strings to integers, so the importer can look up customer ids and dictionary codes
// straight from field bytes without building a String per field.

/// An open-addressing hash table keyed by byte strings. Keys live back to back in one array.
///
/// It is a value type: copying it (as an import session does) is cheap until one copy is changed.
struct ByteKeyTable {
    private var keyBytes: [UInt8] = []
    /// Entry i's key is `keyBytes[keyStarts[i] ..< keyStarts[i + 1]]`.
    private var keyStarts: [Int] = [0]
    private var values: [Int64] = []
    /// Per slot: 0 when empty, else the key hash's high 32 bits (a tag that rules out most mismatches without
    /// touching the key) above entry index + 1. The count is a power of two.
    private var slots: [UInt64] = Array(repeating: 0, count: 64)

    /// How many keys the table holds.
    var count: Int { values.count }

    /// The value stored for `key`, or nil.
    func value(for key: UnsafeBufferPointer<UInt8>) -> Int64? {
        let hash = Self.hash(key)
        let tag = hash >> 32
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let content = slots[slot]
                if content == 0 { return nil }
                if content >> 32 == tag {
                    let entry = Int(truncatingIfNeeded: content & 0xFFFF_FFFF) - 1
                    if keyEquals(entry, key) { return values[entry] }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Stores `value` for `key`, which must not be present yet.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int64) {
        if (values.count + 1) * 4 > slots.count * 3 { grow() }
        keyBytes.append(contentsOf: key)
        keyStarts.append(keyBytes.count)
        values.append(value)
        place(entry: values.count - 1, hash: Self.hash(key))
    }

    /// Stores `value` for the UTF-8 of `key`, which must not be present yet.
    mutating func insert(_ key: String, value: Int64) {
        var key = key
        key.withUTF8 { insert($0, value: value) }
    }

    /// The value stored for the UTF-8 of `key`, or nil.
    func value(for key: String) -> Int64? {
        var key = key
        return key.withUTF8 { value(for: $0) }
    }

    private func keyEquals(_ entry: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = keyStarts[entry]
        let length = keyStarts[entry + 1] - start
        guard length == key.count else { return false }
        return keyBytes.withUnsafeBufferPointer { stored in
            guard let a = stored.baseAddress, let b = key.baseAddress else { return length == 0 }
            return memcmpBytes(a + start, b, length)
        }
    }

    private mutating func place(entry: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = (hash >> 32) << 32 | UInt64(entry + 1)
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for entry in 0..<values.count {
            let start = keyStarts[entry]
            let hash = keyBytes.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start ..< keyStarts[entry + 1]])) }
            place(entry: entry, hash: hash)
        }
    }

    /// FNV-1a, then a multiply-xorshift finish so the low bits (the slot) depend on every byte.
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }
}

/// Byte-wise equality of two memory ranges of `count` bytes.
@inline(__always)
private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
