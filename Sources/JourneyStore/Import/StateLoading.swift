// What the customers import's writing thread hands the reading one while it loads the import state: the state,
// then every stored customer's key in chunks (see CustomerImporter).
import Foundation

/// Stored customers' keys and numbers, a chunk of the table scan.
struct KeyChunk {
    var ids: [Int64] = []
    var bytes: [UInt8] = []
    /// Key i is `bytes[ends[i - 1] ..< ends[i]]` (from 0 for the first).
    var ends: [Int] = []

    init(reserving keys: Int) {
        ids.reserveCapacity(keys)
        ends.reserveCapacity(keys)
        bytes.reserveCapacity(keys * 16)
    }
}

/// The import state on its way from the thread that loads it to the reading thread, which may ask before it is
/// all there: first the state without the stored customers (unless it had them already), then their keys in
/// chunks as the table is read, then the end.
final class StateLoading: @unchecked Sendable {
    // Every access to the properties below holds `condition`.
    private let condition = NSCondition()
    private var state: ImportState?
    private var chunks: [KeyChunk] = []
    private var complete = false
    private var cancelled = false

    func provide(_ state: consuming ImportState) {
        condition.lock()
        self.state = consume state
        condition.broadcast()
        condition.unlock()
    }

    /// Adds a chunk of keys; there is no bound, as all of them take less memory than the table they fill.
    func add(_ chunk: KeyChunk) {
        condition.lock()
        chunks.append(chunk)
        condition.broadcast()
        condition.unlock()
    }

    /// Every key has been added.
    func finish() {
        condition.lock()
        complete = true
        condition.broadcast()
        condition.unlock()
    }

    /// Ends any wait in `take`: the import stopped before the state was loaded.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// What has arrived since the last call; when `waiting`, waits until something has (or the import stopped).
    func take(waiting: Bool) -> (state: ImportState?, chunks: [KeyChunk], complete: Bool, cancelled: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while waiting, state == nil, chunks.isEmpty, !complete, !cancelled { condition.wait() }
        defer { chunks.removeAll() }
        return (state.take(), chunks, complete, cancelled)
    }
}
