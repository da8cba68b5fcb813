// Fresh memory for the columnar copy in 2 MB pages: a new process fills about 200 MB of it for 10M events, and on
// this kind of virtual machine faulting that in 4 KB pages took a third of the process's time.
#if canImport(Glibc)
import Glibc
#endif

enum HugePages {
    /// Asks the kernel to back the 2 MB-aligned inside of `buffer` with huge pages (transparent huge pages in
    /// `madvise` mode, Linux's default). Call before the memory is first written; a hint only, ignored elsewhere.
    static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        let huge = 2 << 20
        guard let base = buffer.baseAddress, buffer.count >= 2 * huge else { return }
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, MADV_HUGEPAGE)
        #endif
    }

    static func advise<T>(_ buffer: UnsafeMutableBufferPointer<T>) {
        advise(UnsafeMutableRawBufferPointer(buffer))
    }
}
