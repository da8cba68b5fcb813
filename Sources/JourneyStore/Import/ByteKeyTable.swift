// A hash map from byte strings to integers, so the importer can look up customer ids and dictionary codes
// straight from field bytes without building a String per field.

/// An open-addressing hash table keyed by byte strings.
///
/// A lookup is one random memory access for keys of up to 8 bytes (most customer ids and codes): each slot holds
/// the key's first 8 bytes, its length, a tag from its hash and its value, so a hit needs nothing else. Longer keys
/// are compared in full against their bytes, kept back to back in one array.
///
/// It is a value type: copying it (as an import session does) is cheap until one copy is changed.
struct ByteKeyTable {
    private var keyBytes: [UInt8] = []
    /// Entry i's key is `keyBytes[keyStarts[i] ..< keyStarts[i + 1]]`.
    private var keyStarts: [Int] = [0]
    /// Three words per slot: the key's first 8 bytes (zero-padded); the hash's high 16 bits, the key length + 1
    /// (16 bits, saturating) and entry index + 1 (32 bits), 0 for an empty slot; the value. The slot count is a
    /// power of two. A key of up to 8 bytes is equal to another exactly when their prefixes and lengths are.
    private var slots: [UInt64] = Array(repeating: 0, count: 3 * 64)
    private var slotCount = 64

    /// How many keys the table holds.
    var count: Int { keyStarts.count - 1 }

    private static let entryMask: UInt64 = 0xFFFF_FFFF

    /// The value stored for `key`, or nil.
    func value(for key: UnsafeBufferPointer<UInt8>) -> Int64? {
        let hash = Self.hash(key)
        let prefix = Self.prefix(key)
        let wanted = Self.meta(hash: hash, length: key.count)
        return slots.withUnsafeBufferPointer { slots in
            let mask = slotCount - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let meta = slots[3 * slot + 1]
                if meta == 0 { return nil }
                if meta & ~Self.entryMask == wanted, slots[3 * slot] == prefix,
                   key.count <= 8 || keyEquals(entry(slots, slot), key) {
                    return Int64(bitPattern: slots[3 * slot + 2])
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Reads the slot where a lookup of `key` starts and returns a word of it: looking up a run of keys after
    /// touching them all lets the processor wait for their cache misses together instead of one after another.
    @inline(__always)
    func touch(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let slot = Int(truncatingIfNeeded: Self.hash(key)) & (slotCount - 1)
        return slots.withUnsafeBufferPointer { $0[3 * slot + 1] }
    }

    /// Stores `value` for `key`, which must not be present yet.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int64) {
        if (count + 1) * 4 > slotCount * 3 { grow() }
        keyBytes.append(contentsOf: key)
        keyStarts.append(keyBytes.count)
        place(entry: count - 1, hash: Self.hash(key), prefix: Self.prefix(key), length: key.count, value: value)
    }

    /// Stores `value` for the UTF-8 of `key`, which must not be present yet.
    mutating func insert(_ key: String, value: Int64) {
        var key = key
        key.withUTF8 { insert($0, value: value) }
    }

    /// Replaces every value `v` by `transform(v)`.
    mutating func updateValues(_ transform: (Int64) -> Int64) {
        slots.withUnsafeMutableBufferPointer { slots in
            for slot in 0..<slotCount where slots[3 * slot + 1] != 0 {
                slots[3 * slot + 2] = UInt64(bitPattern: transform(Int64(bitPattern: slots[3 * slot + 2])))
            }
        }
    }

    /// Calls `body` with each key, in the order they were inserted.
    func forEachKey(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try keyBytes.withUnsafeBufferPointer { bytes in
            for entry in 0..<count {
                try body(UnsafeBufferPointer(rebasing: bytes[keyStarts[entry] ..< keyStarts[entry + 1]]))
            }
        }
    }

    /// The value stored for the UTF-8 of `key`, or nil.
    func value(for key: String) -> Int64? {
        var key = key
        return key.withUTF8 { value(for: $0) }
    }

    /// The entry whose key sits in `slot`.
    @inline(__always)
    private func entry(_ slots: UnsafeBufferPointer<UInt64>, _ slot: Int) -> Int {
        Int(truncatingIfNeeded: slots[3 * slot + 1] & Self.entryMask) - 1
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

    private mutating func place(entry: Int, hash: UInt64, prefix: UInt64, length: Int, value: Int64) {
        let mask = slotCount - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[3 * slot + 1] != 0 { slot = (slot + 1) & mask }
        precondition(entry < Int(Self.entryMask), "ByteKeyTable holds at most 2^32 - 1 keys")
        let number = UInt64(entry + 1)
        slots[3 * slot] = prefix
        slots[3 * slot + 1] = Self.meta(hash: hash, length: length) | number
        slots[3 * slot + 2] = UInt64(bitPattern: value)
    }

    /// Makes room for `keys` keys in all, so that inserting up to that many never rehashes (an import that reads
    /// every customer knows how many there are). `hugePages`: see `LargeArrays.zeros`.
    mutating func reserveCapacity(_ keys: Int, hugePages: Bool = true) {
        var target = slotCount
        while keys * 4 > target * 3 { target *= 2 }
        guard target > slotCount else { return }
        keyStarts.reserveCapacity(keys + 1)
        rehash(slotCount: target, hugePages: hugePages)
    }

    private mutating func grow() {
        rehash(slotCount: slotCount * 2)
    }

    private mutating func rehash(slotCount newCount: Int, hugePages: Bool = true) {
        let old = slots
        let oldCount = slotCount
        slotCount = newCount
        slots = LargeArrays.zeros(3 * slotCount, hugePages: hugePages)
        let mask = slotCount - 1
        for slot in 0..<oldCount where old[3 * slot + 1] != 0 {
            // The slot keeps its words; only its position depends on the hash, whose low bits are not stored.
            let number = Int(truncatingIfNeeded: old[3 * slot + 1] & Self.entryMask)
            let start = keyStarts[number - 1]
            let hash = keyBytes.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start ..< keyStarts[number]])) }
            var target = Int(truncatingIfNeeded: hash) & mask
            while slots[3 * target + 1] != 0 { target = (target + 1) & mask }
            slots[3 * target] = old[3 * slot]
            slots[3 * target + 1] = old[3 * slot + 1]
            slots[3 * target + 2] = old[3 * slot + 2]
        }
    }

    /// The high 16 bits of the hash and the length + 1, in the slot's middle word above the entry number (never
    /// 0: the length field is at least 1).
    @inline(__always)
    private static func meta(hash: UInt64, length: Int) -> UInt64 {
        (hash >> 48) << 48 | UInt64(truncatingIfNeeded: min(length, 0xFFFE) + 1) << 32
    }

    /// The first 8 bytes of the key, zero-padded, as one word.
    @inline(__always)
    fileprivate static func prefix(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = key.baseAddress else { return 0 }
        if key.count >= 8 { return UnsafeRawPointer(base).loadUnaligned(as: UInt64.self) }
        var word: UInt64 = 0
        for i in 0..<key.count { word |= UInt64(base[i]) << (8 * UInt64(i)) }
        return word
    }

    /// A word at a time: each 8-byte block is mixed by a multiply, then the length, then a multiply-xorshift
    /// finish so the low bits (the slot) depend on every byte.
    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: key.count)
        guard let base = key.baseAddress else { return finish(h) }
        var offset = 0
        while offset + 8 <= key.count {
            let block = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
            h = (h ^ block) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            offset += 8
        }
        if offset < key.count {
            var block: UInt64 = 0
            for i in offset..<key.count { block |= UInt64(base[i]) << (8 * UInt64(i - offset)) }
            h = (h ^ block) &* 0x94D0_49BB_1331_11EB
        }
        return finish(h)
    }

    @inline(__always)
    private static func finish(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }
}

/// Byte-wise equality of two memory ranges of `count` bytes.
@inline(__always)
private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// The values of recently looked-up keys of up to 16 bytes, in a small direct-mapped cache in front of a
/// `ByteKeyTable` whose values never change (an import's dictionary codes): a hit compares the key's bytes, loaded
/// as two words, with the entry's, instead of hashing the key and comparing it byte by byte. Dictionary columns
/// hold few distinct values, so nearly every lookup hits.
struct ShortKeyMemo {
    /// Three words per entry: the key's first 8 bytes and its last 8 (overlapping for 8 to 16 bytes; zero-padded
    /// below 8), then its length above the value's 32 bits. Length 0 marks an empty entry: no key here is empty.
    private var entries = [UInt64](repeating: 0, count: 3 * Self.entryCount)
    private static let entryCount = 64

    /// The value remembered for `key` (1 to 16 bytes), or nil.
    @inline(__always)
    func value(for key: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard let (first, last) = Self.words(key) else { return nil }
        let slot = Self.slot(first, last, key.count)
        return entries.withUnsafeBufferPointer { entries in
            guard entries[3 * slot] == first, entries[3 * slot + 1] == last,
                  entries[3 * slot + 2] >> 32 == UInt64(key.count) else { return nil }
            return UInt32(truncatingIfNeeded: entries[3 * slot + 2])
        }
    }

    /// Remembers `value` for `key`, in place of whatever shared its entry; keys over 16 bytes are not kept.
    mutating func remember(_ key: UnsafeBufferPointer<UInt8>, value: UInt32) {
        guard let (first, last) = Self.words(key) else { return }
        let slot = Self.slot(first, last, key.count)
        entries[3 * slot] = first
        entries[3 * slot + 1] = last
        entries[3 * slot + 2] = UInt64(key.count) << 32 | UInt64(value)
    }

    /// The key as two words, which with its length determine it; nil when it is empty or over 16 bytes.
    @inline(__always)
    private static func words(_ key: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard let base = key.baseAddress, key.count > 0, key.count <= 16 else { return nil }
        let last = key.count >= 8 ? UnsafeRawPointer(base).loadUnaligned(fromByteOffset: key.count - 8, as: UInt64.self) : 0
        return (ByteKeyTable.prefix(key), last)
    }

    @inline(__always)
    private static func slot(_ first: UInt64, _ last: UInt64, _ count: Int) -> Int {
        let mixed = (first ^ (last &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(count)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: mixed >> 58)
    }
}
