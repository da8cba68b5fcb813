// The (stage, touchpoint, channel) codes of an import's buffered events, each distinct triple numbered once, so that
// a buffered event holds one number for the three (24 bytes an event instead of 32: 80 MB less memory to take and
// to sort at 10M events).

/// Numbers the distinct code triples of an import in the order they first come, and counts the events of each (the
/// catalog's events per code are added up from these counts at the import's end, instead of three counts an event).
struct PendingTriples {
    /// One triple's codes, 0 for none.
    struct Codes: Hashable {
        var stage: UInt32
        var touchpoint: UInt32
        var channel: UInt32
    }

    /// The codes of triple number `n`.
    private(set) var codes: [Codes] = []
    /// The events counted for triple number `n` (see `count`) since the counts were last cleared.
    private(set) var counts: [Int64] = []
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
            counts.append(0)
            numbers[triple] = number
        }
        memo[slot] = first
        memo[slot + 1] = UInt64(channel) << 32 | UInt64(number)
        return number
    }

    /// The number of the triple (see `number`), counting one event of it.
    @inline(__always)
    mutating func count(stage: UInt32, touchpoint: UInt32, channel: UInt32) -> UInt32 {
        let number = number(stage: stage, touchpoint: touchpoint, channel: channel)
        counts.withUnsafeMutableBufferPointer { $0[Int(number)] += 1 }
        return number
    }

    /// The events counted per code, indexed by `EventColumn.rawValue` (index 0 empty): only codes with events.
    func eventsPerCode() -> [[UInt32: Int64]] {
        var perCode = [[UInt32: Int64]](repeating: [:], count: EventColumn.allCases.count + 1)
        for (number, triple) in codes.enumerated() where counts[number] > 0 {
            for (column, code) in [(EventColumn.stage, triple.stage), (.touchpoint, triple.touchpoint), (.channel, triple.channel)]
            where code != 0 {
                perCode[column.rawValue][code, default: 0] += counts[number]
            }
        }
        return perCode
    }

    /// Sets every count to 0.
    mutating func clearCounts() {
        counts = [Int64](repeating: 0, count: counts.count)
    }
}
