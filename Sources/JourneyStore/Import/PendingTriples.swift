// The (stage, touchpoint, channel) codes of an import's buffered events, each distinct triple numbered once, so that
// a buffered event holds one number for the three (24 bytes an event instead of 32: 80 MB less memory to take and
// to sort at 10M events).

/// Numbers the distinct code triples of an import in the order they first come.
struct PendingTriples {
    /// One triple's codes, 0 for none.
    struct Codes: Hashable {
        var stage: UInt32
        var touchpoint: UInt32
        var channel: UInt32
    }

    /// The codes of triple number `n`.
    private(set) var codes: [Codes] = []
    private var numbers: [Codes: UInt32] = [:]
    /// The numbers of recently seen triples, direct-mapped: two words a slot, the codes packed (stage and
    /// touchpoint, then channel above the number). Events have few distinct triples, so nearly every lookup hits
    /// here instead of hashing into `numbers`. A slot whose first word is all ones is empty: no code is 2^32 - 1
    /// (`EventImporter.code` stops below that).
    private var memo = [UInt64](repeating: .max, count: 2 * Self.memoSlots)
    private static let memoSlots = 256

    /// The number of the triple `(stage, touchpoint, channel)`, numbering it when new.
    @inline(__always)
    mutating func number(stage: UInt32, touchpoint: UInt32, channel: UInt32) -> UInt32 {
        let first = UInt64(stage) | UInt64(touchpoint) << 32
        let mixed = (first ^ UInt64(channel) &* 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
        let slot = 2 * Int(truncatingIfNeeded: mixed >> 56)
        let remembered = memo.withUnsafeBufferPointer { memo in
            memo[slot] == first && memo[slot + 1] >> 32 == UInt64(channel) ? UInt32(truncatingIfNeeded: memo[slot + 1]) : nil
        }
        if let remembered { return remembered }
        let triple = Codes(stage: stage, touchpoint: touchpoint, channel: channel)
        let number: UInt32
        if let known = numbers[triple] {
            number = known
        } else {
            number = UInt32(codes.count)
            codes.append(triple)
            numbers[triple] = number
        }
        memo[slot] = first
        memo[slot + 1] = UInt64(channel) << 32 | UInt64(number)
        return number
    }
}
