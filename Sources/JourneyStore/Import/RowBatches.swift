// Reading a CSV file on a second core: one thread parses and validates records into batches of plain rows, the
// importing thread numbers them (customers, codes, property objects) and buffers them, in file order.
import Foundation

/// Where JSON text and field bytes are appended: an array, or a batch's `ByteBuffer`.
protocol ByteOutput {
    var count: Int { get }
    mutating func appendByte(_ byte: UInt8)
    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>)
    /// Drops the bytes from `count` on.
    mutating func truncate(to count: Int)
}

extension Array: ByteOutput where Element == UInt8 {
    mutating func appendByte(_ byte: UInt8) { append(byte) }
    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
    mutating func truncate(to count: Int) { removeSubrange(count...) }
}

/// A growable byte buffer that a batch fills on the parsing thread. Not an array: every append to one checks that
/// the array is not shared, which cost the parser about a tenth of its time.
final class ByteBuffer: ByteOutput, @unchecked Sendable {
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes appended so far; valid while the buffer lives and is not appended to.
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always)
    func appendByte(_ byte: UInt8) {
        if count == capacity { grow(toHold: count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        if count + bytes.count > capacity { grow(toHold: count + bytes.count) }
        let n = bytes.count
        // Most fields are a few bytes: two overlapping loads and stores copy them without a call to memmove.
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(base + count)
        if n > 16 {
            (base + count).update(from: source, count: n)
        } else if n >= 8 {
            let head = from.loadUnaligned(as: UInt64.self), tail = from.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            to.storeBytes(of: head, as: UInt64.self)
            to.storeBytes(of: tail, toByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            let head = from.loadUnaligned(as: UInt32.self), tail = from.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: n - 4, as: UInt32.self)
        } else if n > 0 {
            let head = source[0], middle = source[n / 2], last = source[n - 1]
            base[count] = head
            base[count + n / 2] = middle
            base[count + n - 1] = last
        }
        count += n
    }

    func truncate(to count: Int) {
        precondition(count >= 0 && count <= self.count)
        self.count = count
    }

    private func grow(toHold needed: Int) {
        var larger = capacity * 2
        while larger < needed { larger *= 2 }
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        buffer.update(from: base, count: count)
        base.deallocate()
        base = buffer
        capacity = larger
    }
}

/// Rows that passed validation, with their field bytes back to back in `bytes`.
struct RowBatch {
    /// One row: its time and the byte ranges of its fields (length -1 for a missing stage, touchpoint or
    /// channel; length 0 for no properties).
    struct Row {
        var time: Int64
        var customerStart: Int32
        var customerLength: Int32
        var stageStart: Int32
        var stageLength: Int32
        var touchpointStart: Int32
        var touchpointLength: Int32
        var channelStart: Int32
        var channelLength: Int32
        var propsStart: Int32
        var propsLength: Int32
    }

    var bytes = ByteBuffer(capacity: Self.rowsPerBatch * 96)
    var rows: [Row] = []

    /// Rows per batch; a batch is about 1 MB.
    static let rowsPerBatch = 8192
    /// Bytes after which a batch is sent whatever its row count (wide rows), which also keeps every offset far
    /// inside Int32 (SQLite refuses a value over 1 GB anyway).
    static let bytesPerBatch = 32 << 20

    init() {
        rows.reserveCapacity(Self.rowsPerBatch)
    }

    /// Adds one row. Its properties are the JSON object appended to `bytes` from `propsStart` on (nothing for
    /// none); its fields are copied after it. An empty or nil stage, touchpoint or channel is stored as NULL, as a
    /// missing column is.
    mutating func appendRow(time: Int64, propsStart: Int, customer: UnsafeBufferPointer<UInt8>,
                            stage: UnsafeBufferPointer<UInt8>?, touchpoint: UnsafeBufferPointer<UInt8>?,
                            channel: UnsafeBufferPointer<UInt8>?) {
        let propsLength = bytes.count - propsStart
        let customer = add(customer)
        let stage = add(stage), touchpoint = add(touchpoint), channel = add(channel)
        rows.append(Row(time: time, customerStart: customer.start, customerLength: customer.length,
                        stageStart: stage.start, stageLength: stage.length,
                        touchpointStart: touchpoint.start, touchpointLength: touchpoint.length,
                        channelStart: channel.start, channelLength: channel.length,
                        propsStart: Int32(truncatingIfNeeded: propsStart), propsLength: Int32(truncatingIfNeeded: propsLength)))
    }

    /// Appends `field` to `bytes`: its start and length, or (0, -1) for nil or empty.
    private mutating func add(_ field: UnsafeBufferPointer<UInt8>?) -> (start: Int32, length: Int32) {
        guard let field, !field.isEmpty else { return (0, -1) }
        let start = Int32(truncatingIfNeeded: bytes.count)
        bytes.appendBytes(field)
        return (start, Int32(truncatingIfNeeded: field.count))
    }
}

/// The channel of the events import.
typealias RowBatchChannel = BatchChannel<RowBatch>

/// A bounded queue of batches from the parsing thread to the importing one, which can stop the parser.
final class BatchChannel<Batch>: @unchecked Sendable {
    enum Item {
        case batch(Batch)
        /// The parser finished the file: how many rows carried each property column.
        case end(propertyCounts: [String: Int64])
        /// The parser stopped at an error that ends the import (a bad row, an interrupt, a read error).
        case failure(any Error)
    }

    // Every access to `items` and `stopped` holds `condition`.
    private let condition = NSCondition()
    private var items: [Item] = []
    private var stopped = false
    private let capacity: Int
    /// How often the sender found the queue full and the receiver found it empty: which side kept the other
    /// waiting (for `ImportTrace`).
    private(set) var waits = (sender: 0, receiver: 0)

    init(capacity: Int = 4) { self.capacity = capacity }

    /// Adds an item, waiting while the queue is full; false when the consumer has stopped listening.
    func send(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if items.count >= capacity, !stopped { waits.sender += 1 }
        while items.count >= capacity, !stopped { condition.wait() }
        guard !stopped else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The next item, waiting for one.
    func receive() -> Item {
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty { waits.receiver += 1 }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Tells the parser to stop at its next send.
    func stop() {
        condition.lock()
        stopped = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

extension BatchChannel where Batch == RowBatch {
    /// The parsing thread's loop: `next` reads one row of the input into the batch (or none, for a bad row it has
    /// dealt with) and returns false at the end of the input. Full batches are sent as they fill, then the last one
    /// and the end with `propertyCounts()`; an error `next` throws is sent after the rows before it, so the
    /// importer meets every earlier failure first. Returns early when the importer stops listening.
    func sendRows(_ next: (inout RowBatch) throws -> Bool, propertyCounts: () -> [String: Int64]) {
        var batch = RowBatch()
        do {
            while try next(&batch) {
                if batch.rows.count >= RowBatch.rowsPerBatch || batch.bytes.count >= RowBatch.bytesPerBatch {
                    guard send(.batch(batch)) else { return }
                    batch = RowBatch()
                }
            }
            if !batch.rows.isEmpty, !send(.batch(batch)) { return }
            _ = send(.end(propertyCounts: propertyCounts()))
        } catch {
            if !batch.rows.isEmpty, !send(.batch(batch)) { return }
            _ = send(.failure(error))
        }
    }
}

/// Runs `body` on a new thread; `join()` waits for it to return.
final class Worker: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        let done = self.done
        let thread = Thread {
            body()
            done.signal()
        }
        // Parsing needs far less than the default; the default is still safe for deep call chains.
        thread.stackSize = 8 << 20
        thread.start()
    }

    func join() { done.wait() }
}

/// Lets a value the type system cannot prove safe cross to the parsing thread, where the importing thread does
/// not touch it until the parser is done.
struct HandOff<T>: @unchecked Sendable {
    var value: T
}
