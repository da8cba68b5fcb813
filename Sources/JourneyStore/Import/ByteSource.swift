// A sliding window over a file's bytes, refilled in large reads, that the CSV and JSON Lines readers parse in place.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes `[0, count)` of `base` are the unconsumed part of the input read so far.
///
/// Readers parse directly in the window; when a record runs past its end they call `refill(keepingFrom:)`,
/// which moves the unfinished record to the front and reads more, growing the window for records larger than it.
final class ByteSource {
    // `@exclusivity(unchecked)`: a source belongs to one reader on one thread, and these are read for every byte
    // range the reader hands out; the run-time check would cost more than the read.
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Valid bytes in the window.
    @exclusivity(unchecked) private(set) var count = 0
    /// True once the input has no more bytes beyond the window.
    @exclusivity(unchecked) private(set) var isExhausted = false
    /// Bytes taken from the input so far.
    @exclusivity(unchecked) private(set) var bytesRead: Int64 = 0

    private let path: String
    private var descriptor: Int32 = -1

    /// Opens `path` for reading.
    init(path: String, chunkSize: Int = 1 << 20) throws {
        self.path = path
        capacity = chunkSize
        base = .allocate(capacity: chunkSize)
        descriptor = open(path, O_RDONLY)
        if descriptor < 0 {
            // Every property is set, so deinit runs after this throw and frees the window.
            throw StoreError.file(path: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
    }

    /// Serves `bytes` from memory (tests, and input that is not a file).
    init(bytes: [UInt8], name: String = "<memory>") {
        path = name
        capacity = max(bytes.count, 1)
        base = .allocate(capacity: capacity)
        bytes.withUnsafeBufferPointer { source in
            if let address = source.baseAddress { base.update(from: address, count: source.count) }
        }
        count = bytes.count
        bytesRead = Int64(bytes.count)
        isExhausted = true
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        base.deallocate()
    }

    /// The size of the file in bytes, or nil when it cannot be told.
    static func size(of path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Drops the bytes before `keep`, moves the rest to the front and reads more input after them.
    ///
    /// Returns false when the input is exhausted and nothing new arrived. Offsets into the window shift down by `keep`.
    func refill(keepingFrom keep: Int) throws -> Bool {
        if keep > 0 {
            let remaining = count - keep
            if remaining > 0 { base.update(from: base + keep, count: remaining) }
            count = remaining
        }
        guard !isExhausted else { return false }
        if count == capacity {
            // One record fills the whole window: double it.
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            larger.update(from: base, count: count)
            base.deallocate()
            base = larger
            capacity *= 2
        }
        while true {
            let got = read(descriptor, base + count, capacity - count)
            if got > 0 {
                count += got
                bytesRead += Int64(got)
                return true
            }
            if got == 0 {
                isExhausted = true
                return false
            }
            if errno != EINTR {
                throw StoreError.file(path: path, message: "cannot read: \(String(cString: strerror(errno)))")
            }
        }
    }
}
