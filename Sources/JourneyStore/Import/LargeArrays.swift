// Arrays of hundreds of megabytes that an import fills once: made at their final capacity, on huge pages.
#if canImport(Glibc)
import Glibc
#endif

enum LargeArrays {
    /// An empty array with room for `capacity` elements, whose memory the kernel is asked to back with 2 MB pages.
    ///
    /// Touching fresh memory costs a page fault per 4 KB page, and on a virtual machine a fault is expensive:
    /// filling 512 MB took 0.25 s in 4 KB faults and 0.03 s in 2 MB ones here. Reserving the final capacity also
    /// saves the copies (and the faults of every larger buffer) that growing by doubling costs. Memory that is
    /// reserved but never written is not committed.
    static func reserved<Element>(_ capacity: Int, of: Element.Type = Element.self) -> [Element] {
        [Element](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            initialized = 0
        }
    }

    /// `count` zeros, on huge pages when large: for tables read at random, where 4 KB pages would also cost a
    /// translation miss on nearly every access (many memory reads each on a virtual machine).
    static func zeros<Element: FixedWidthInteger>(_ count: Int, of: Element.Type = Element.self) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            buffer.initialize(repeating: 0)
            initialized = count
        }
    }

    /// Asks for huge pages over the 2 MB-aligned part of `buffer` (a hint: ignored where unsupported).
    static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        let hugePage = 2 << 20
        guard let base = buffer.baseAddress, buffer.count >= 2 * hugePage else { return }
        let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(hugePage - 1)
        guard end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(address, end - start, MADV_HUGEPAGE)
        #endif
    }
}
