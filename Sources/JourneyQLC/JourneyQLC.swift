// The C interface (include/journeyql.h) over the public Swift API only: a handle is an Interpreter on one store,
// each call blocks its C thread until the statements have run, and results leave as JSON.
import Dispatch
import Foundation
import JourneyQL
import Synchronization

/// A C string this library owns: made with strdup, freed when the last reference goes. Never written after it is
/// made, so it may be read from any thread.
final class CString: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<CChar>

    init(_ text: String) {
        pointer = strdup(text)!
    }

    deinit { free(pointer) }
}

/// What a `jql_handle *` points at: an interpreter and the JSON of its last run.
final class CHandle: Sendable {
    let interpreter: Interpreter
    /// The last run's JSON; its pointer stays valid until the next run replaces it or the handle is closed.
    private let json = Mutex<CString?>(nil)
    /// Held by a run from start to end, so runs on one handle take turns and the JSON read after a run is its own.
    let turn = Mutex(())

    init(interpreter: Interpreter) {
        self.interpreter = interpreter
    }

    func store(json text: String) {
        let copy = CString(text)
        json.withLock { $0 = copy }
    }

    var currentJSON: UnsafePointer<CChar>? {
        json.withLock { $0.map { UnsafePointer($0.pointer) } }
    }
}

/// This thread's last error and status, as jql_last_error and jql_last_status report them.
private enum LastError {
    final class Slot {
        var message = strdup("")!
        var status: Int32 = 0
        deinit { free(message) }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in Unmanaged<Slot>.fromOpaque(pointer!).release() }
        return key
    }()

    static var slot: Slot {
        if let pointer = pthread_getspecific(key) { return Unmanaged<Slot>.fromOpaque(pointer).takeUnretainedValue() }
        let slot = Slot()
        pthread_setspecific(key, Unmanaged.passRetained(slot).toOpaque())
        return slot
    }

    static func set(_ status: Int32, _ message: String) {
        let slot = slot
        free(slot.message)
        slot.message = strdup(message)
        slot.status = status
    }
}

/// Runs `body` to its end on a task and waits for it on this (C) thread.
private func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws(JourneyError) -> T) -> Result<T, JourneyError> {
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<T, JourneyError>?>(nil)
    Task.detached {
        let result: Result<T, JourneyError>
        do throws(JourneyError) {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return outcome.withLock { $0! }
}

private func handle(_ pointer: OpaquePointer?) -> CHandle? {
    pointer.map { Unmanaged<CHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

/// The version as a C string, made once and kept.
private let versionText = CString(journeyQLVersion)

@_cdecl("jql_version")
public func jql_version() -> UnsafePointer<CChar> {
    UnsafePointer(versionText.pointer)
}

@_cdecl("jql_open")
public func jql_open(_ path: UnsafePointer<CChar>?, _ mode: Int32) -> OpaquePointer? {
    guard let path else {
        LastError.set(70, "jql_open: the path is NULL")
        return nil
    }
    let access: Store.Access
    switch mode {
    case 0: access = .readOnly
    case 1: access = .readWrite
    case 2: access = .create
    default:
        LastError.set(70, "jql_open: mode \(mode) is none of JQL_READ_ONLY, JQL_READ_WRITE, JQL_CREATE")
        return nil
    }
    do {
        let interpreter = try Store(path: String(cString: path), access: access).makeInterpreter()
        LastError.set(0, "")
        return OpaquePointer(Unmanaged.passRetained(CHandle(interpreter: interpreter)).toOpaque())
    } catch {
        LastError.set(error.exitStatus, error.message)
        return nil
    }
}

@_cdecl("jql_run")
public func jql_run(_ pointer: OpaquePointer?, _ statements: UnsafePointer<CChar>?) -> Int32 {
    guard let handle = handle(pointer), let statements else {
        LastError.set(70, "jql_run: the handle or the statements are NULL")
        return 70
    }
    let text = String(cString: statements)
    let interpreter = handle.interpreter
    return handle.turn.withLock { _ in
        switch blocking({ () async throws(JourneyError) in try await interpreter.run(text) }) {
        case .success(let outputs):
            handle.store(json: JSONOutput.document(outputs))
            LastError.set(0, "")
            return 0
        case .failure(let error):
            handle.store(json: JSONOutput.document(error))
            LastError.set(error.exitStatus, error.message)
            return error.exitStatus
        }
    }
}

@_cdecl("jql_result_json")
public func jql_result_json(_ pointer: OpaquePointer?) -> UnsafePointer<CChar>? {
    handle(pointer)?.currentJSON
}

@_cdecl("jql_interrupt")
public func jql_interrupt(_ pointer: OpaquePointer?) {
    handle(pointer)?.interpreter.interrupt()
}

@_cdecl("jql_last_error")
public func jql_last_error() -> UnsafePointer<CChar> {
    UnsafePointer(LastError.slot.message)
}

@_cdecl("jql_last_status")
public func jql_last_status() -> Int32 {
    LastError.slot.status
}

@_cdecl("jql_close")
public func jql_close(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    let handle = Unmanaged<CHandle>.fromOpaque(UnsafeRawPointer(pointer))
    // A run still in progress on another thread ends first.
    handle.takeUnretainedValue().turn.withLock { _ in }
    handle.release()
}
