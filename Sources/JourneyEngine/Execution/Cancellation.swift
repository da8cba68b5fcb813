// One way to stop a statement, whatever it does: a query polls the token between customers and inside long
// ones; an import is interrupted through its store, by a watcher thread that polls the same token.
import JourneyStore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Says whether the statement running should stop: set by `cancel()`, or by what `polling` reads (the REPL's
/// Ctrl-C flag, a deadline).
package final class CancellationToken: @unchecked Sendable {
    private let cancelled = Atomic<Bool>(false)
    /// Read from the statement's thread and the import watcher's: the caller vouches that this is safe.
    private let poll: (() -> Bool)?

    /// A token that is cancelled only by `cancel()`.
    package init() {
        poll = nil
    }

    /// A token that is also cancelled while `polling` returns true.
    package init(polling: @escaping () -> Bool) {
        poll = polling
    }

    /// A token that is never cancelled.
    package static var never: CancellationToken { CancellationToken() }

    package func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    package var isCancelled: Bool {
        cancelled.load(ordering: .relaxed) || (poll?() ?? false)
    }

    /// Runs `body` while a watcher thread turns this token's cancellation into `handle.interrupt()`: SQLite's
    /// interrupt reaches only a statement that is running when it comes, so the watcher keeps asking while the token
    /// says so. The watcher is joined before this returns, so no interrupt reaches a later statement.
    package func interrupting<T>(_ handle: InterruptHandle, _ body: () throws -> T) rethrows -> T {
        try interrupting(with: { handle.interrupt() }, body)
    }

    /// Runs `body` while a watcher thread calls `interrupt` every 20 ms for as long as this token is cancelled
    /// (another engine's way to stop what runs: the PostgreSQL engine sends the server a cancel request).
    package func interrupting<T>(with interrupt: @escaping @Sendable () -> Void, _ body: () throws -> T) rethrows -> T {
        let watcher = Watcher(token: self, interrupt: interrupt)
        defer { watcher.stop() }
        return try body()
    }

    private final class Watcher: @unchecked Sendable {
        private let done = Atomic<Bool>(false)
        private let token: CancellationToken
        private let interrupt: @Sendable () -> Void
        private var thread: pthread_t?

        init(token: CancellationToken, interrupt: @escaping @Sendable () -> Void) {
            self.token = token
            self.interrupt = interrupt
            let context = Unmanaged.passRetained(self).toOpaque()
            var tid = pthread_t()
            let started = pthread_create(&tid, nil, { context in
                let watcher = Unmanaged<Watcher>.fromOpaque(context!).takeRetainedValue()
                watcher.watch()
                return nil
            }, context)
            if started == 0 {
                thread = tid
            } else {
                Unmanaged<Watcher>.fromOpaque(context).release()
            }
        }

        private func watch() {
            while !done.load(ordering: .relaxed) {
                if token.isCancelled { interrupt() }
                usleep(20_000)
            }
        }

        func stop() {
            done.store(true, ordering: .relaxed)
            if let thread { pthread_join(thread, nil) }
            thread = nil
        }
    }
}
