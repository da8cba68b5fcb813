// Ctrl-C as a flag: a SIGINT handler that only records the signal, read by the line reader and the running query.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

// A signal handler cannot carry context, so the flag it sets is a process-wide atomic. Storing to a
// lock-free atomic is async-signal-safe; nothing else happens in the handler.
private let interruptFlag = Atomic<Bool>(false)

/// Turns SIGINT into a flag instead of the end of the process.
///
/// libedit (with `rl_catch_signals = 1`) restores this handler and re-sends the signal when Ctrl-C is
/// pressed at a prompt; `readline()` then returns NULL, and the flag tells that apart from Ctrl-D.
/// While a statement runs, the same flag is its cancellation check.
package enum Interrupt {
    /// Installs the handler. Without `SA_RESTART`, so a blocked `read` returns and the prompt can give up.
    package static func install() {
        _ = interruptFlag.load(ordering: .relaxed)  // initialise the global before a signal can touch it
        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = { _ in interruptFlag.store(true, ordering: .relaxed) }
        #else
        action.__sigaction_u.__sa_handler = { _ in interruptFlag.store(true, ordering: .relaxed) }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// Whether Ctrl-C was pressed since the last `clear()`.
    package static var isSet: Bool { interruptFlag.load(ordering: .relaxed) }

    package static func clear() { interruptFlag.store(false, ordering: .relaxed) }

    /// Reads and clears the flag.
    package static func take() -> Bool { interruptFlag.exchange(false, ordering: .relaxed) }
}
