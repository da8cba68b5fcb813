// Reading a CSV file on a second core: one thread parses and validates records into batches of plain rows, the
// importing thread numbers them (customers, codes, property objects) and buffers them, in file order.
import Foundation

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

    var bytes: [UInt8] = []
    var rows: [Row] = []

    /// Rows per batch; a batch is about 1 MB.
    static let rowsPerBatch = 8192
    /// Bytes after which a batch is sent whatever its row count (wide rows), which also keeps every offset far
    /// inside Int32 (SQLite refuses a value over 1 GB anyway).
    static let bytesPerBatch = 32 << 20

    init() {
        bytes.reserveCapacity(Self.rowsPerBatch * 96)
        rows.reserveCapacity(Self.rowsPerBatch)
    }

    /// Appends `field` to `bytes`: its start and length, or (0, -1) for nil.
    mutating func add(_ field: UnsafeBufferPointer<UInt8>?) -> (Int32, Int32) {
        guard let field else { return (0, -1) }
        let start = Int32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: field)
        return (start, Int32(truncatingIfNeeded: field.count))
    }
}

/// A bounded queue of batches from the parsing thread to the importing one, which can stop the parser.
final class RowBatchChannel: @unchecked Sendable {
    enum Item {
        case batch(RowBatch)
        /// The parser finished the file: how many rows carried each property column.
        case end(propertyCounts: [Int64])
        /// The parser stopped at an error that ends the import (a bad row, an interrupt, a read error).
        case failure(any Error)
    }

    // Every access to `items` and `stopped` holds `condition`.
    private let condition = NSCondition()
    private var items: [Item] = []
    private var stopped = false
    private let capacity: Int

    init(capacity: Int = 4) { self.capacity = capacity }

    /// Adds an item, waiting while the queue is full; false when the consumer has stopped listening.
    func send(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
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
