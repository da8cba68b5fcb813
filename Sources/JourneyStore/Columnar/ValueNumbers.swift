// The value numbers of a property column (one per event), each in the narrowest width that holds the column's
// largest: one byte for a property of up to 256 distinct values, two for up to 65,536, else four. Most properties
// (a device, a campaign, an amount in cents) fit one or two bytes, so a column costs a new process a quarter or
// half of the memory it must fault in and the kernel must zero, and the stored form decodes by a copy.

/// Each event's number into a property column's table of distinct values (`PropertyColumn.values`).
package struct ValueNumbers: RandomAccessCollection, Sendable, Equatable {
    enum Storage: Sendable {
        case one([UInt8])
        case two([UInt16])
        case four([UInt32])
    }

    var storage: Storage

    /// `numbers` in the narrowest width that holds `maximum` (by default their largest), which must be at least
    /// their largest.
    package init(_ numbers: [UInt32], maximum: UInt32? = nil) {
        let top = maximum ?? numbers.max() ?? 0
        if top <= UInt32(UInt8.max) {
            storage = .one(numbers.map { UInt8(truncatingIfNeeded: $0) })
        } else if top <= UInt32(UInt16.max) {
            storage = .two(numbers.map { UInt16(truncatingIfNeeded: $0) })
        } else {
            storage = .four(numbers)
        }
    }

    init(storage: Storage) {
        self.storage = storage
    }

    package var startIndex: Int { 0 }

    package var endIndex: Int {
        switch storage {
        case .one(let a): a.count
        case .two(let a): a.count
        case .four(let a): a.count
        }
    }

    package subscript(position: Int) -> UInt32 {
        switch storage {
        case .one(let a): UInt32(a[position])
        case .two(let a): UInt32(a[position])
        case .four(let a): a[position]
        }
    }

    /// Bytes per number: 1, 2 or 4.
    var width: Int {
        switch storage {
        case .one: 1
        case .two: 2
        case .four: 4
        }
    }

    var byteCount: Int { count * width }

    /// The numbers four bytes each (no copy when they already are).
    var wide: [UInt32] {
        if case .four(let a) = storage { return a }
        return Array(self)
    }

    package static func == (a: ValueNumbers, b: ValueNumbers) -> Bool { a.elementsEqual(b) }

    /// Calls `body` with the numbers' memory, for a loop that reads them per event.
    func withNarrowBuffer<T>(_ body: (NarrowNumbers) throws -> T) rethrows -> T {
        switch storage {
        case .one(let a): try a.withUnsafeBytes { try body(NarrowNumbers(base: $0.baseAddress, width: 1)) }
        case .two(let a): try a.withUnsafeBytes { try body(NarrowNumbers(base: $0.baseAddress, width: 2)) }
        case .four(let a): try a.withUnsafeBytes { try body(NarrowNumbers(base: $0.baseAddress, width: 4)) }
        }
    }
}

/// A property column's numbers as raw memory (valid inside `ValueNumbers.withNarrowBuffer`).
struct NarrowNumbers {
    let base: UnsafeRawPointer?
    let width: Int

    @inline(__always)
    subscript(position: Int) -> UInt32 {
        switch width {
        case 1: UInt32(base.unsafelyUnwrapped.load(fromByteOffset: position, as: UInt8.self))
        case 2: UInt32(base.unsafelyUnwrapped.load(fromByteOffset: position &* 2, as: UInt16.self))
        default: base.unsafelyUnwrapped.load(fromByteOffset: position &* 4, as: UInt32.self)
        }
    }
}
