// Long results at the prompt go through a pager (psql's rule): $JOURNEY_PAGER, else $PAGER, else `less -FRSX`
// when it is installed; `.pager off` or an empty JOURNEY_PAGER turns it off.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum Pager {
    /// The pager command, or nil when none is set or found.
    static func command() -> String? {
        if let chosen = Terminal.environment("JOURNEY_PAGER") ?? Terminal.environment("PAGER") {
            return chosen.trimmingBlanks().isEmpty ? nil : chosen
        }
        let path = Terminal.environment("PATH") ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where access(folder + "/less", X_OK) == 0 {
            return "less -FRSX"  // quit at once when it fits, keep colours, cut long lines, leave the screen
        }
        return nil
    }

    /// The terminal's height in lines on `descriptor`, nil when unknown.
    static func height(of descriptor: Int32) -> Int? {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        return Terminal.environment("LINES").flatMap { Int($0) }
    }

    /// Shows `text` through the pager; false when it could not be started (the caller writes it plainly).
    static func show(_ text: String, command: String) -> Bool {
        guard let pipe = popen(command, "w") else { return false }
        // A reader that quits early (q in less) closes the pipe: writing must then fail quietly, not kill us.
        let previous = signal(SIGPIPE, SIG_IGN)
        _ = text.withCString { fputs($0, pipe) }
        let status = pclose(pipe)
        signal(SIGPIPE, previous)
        Interrupt.clear()  // Ctrl-C inside the pager was the pager's
        return status != -1 && status != 127 << 8  // 127: the shell found no such command
    }
}
