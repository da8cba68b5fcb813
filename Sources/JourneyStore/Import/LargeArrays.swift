// Arrays of hundreds of megabytes that an import (or a new process decoding the columnar copy) fills once: made at
// their final capacity, on huge pages.
#if canImport(Glibc)
import Glibc
#endif

/// The events an import has read and not yet written, in the order read; a flush sorts them in place
/// (`ClusteredRows`). A buffer of its own rather than an array: it is reserved at its final size on huge pages,
/// appending checks no uniqueness, and the sorting thread can own it outright.
final class PendingEvents: @unchecked Sendable {
    private(set) var events: UnsafeMutableBufferPointer<PendingEvent>
    private(set) var count = 0

    init(capacity: Int) {
        events = .allocate(capacity: max(capacity, 1))
        LargeArrays.adviseHugePages(UnsafeMutableRawBufferPointer(events))
    }

    deinit { events.deallocate() }

    var isEmpty: Bool { count == 0 }

    /// The events appended so far.
    var filled: UnsafeMutableBufferPointer<PendingEvent> { UnsafeMutableBufferPointer(rebasing: events[0..<count]) }

    @inline(__always)
    func append(_ event: PendingEvent) {
        if count == events.count { grow() }
        (events.baseAddress! + count).initialize(to: event)
        count += 1
    }

    private func grow() {
        let larger = UnsafeMutableBufferPointer<PendingEvent>.allocate(capacity: events.count * 2)
        LargeArrays.adviseHugePages(UnsafeMutableRawBufferPointer(larger))
        larger.baseAddress!.initialize(from: events.baseAddress!, count: count)
        events.deallocate()
        events = larger
    }
}

enum LargeArrays {
    /// `count` zeros, on huge pages when large (and `hugePages`): for tables read at random, where 4 KB pages would
    /// also cost a translation miss on nearly every access (many memory reads each on a virtual machine). Huge pages
    /// cost more to touch first (48 MB: 0.12-0.18 s against 0.03 s on this machine), so a table read only a few
    /// times per slot is better off without.
    static func zeros<Element: FixedWidthInteger>(_ count: Int, of: Element.Type = Element.self,
                                                  hugePages: Bool = true) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            if hugePages { adviseHugePages(UnsafeMutableRawBufferPointer(buffer)) }
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
