// The process's terminal facts and raw output: whether a stream is a TTY, and unbuffered writes to a descriptor.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Facts about the standard streams, read once where they are needed.
package enum Terminal {
    package static var stdinIsTTY: Bool { isatty(0) == 1 }
    package static var stdoutIsTTY: Bool { isatty(1) == 1 }
    package static var stderrIsTTY: Bool { isatty(2) == 1 }

    /// Points any closed standard descriptor at /dev/null, so a file opened later (the store) can never
    /// become descriptor 0, 1 or 2 and be read as input or written over by messages.
    package static func guardStandardDescriptors() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if opened >= 0, opened != fd {
                dup2(opened, fd)
                close(opened)
            }
        }
    }

    /// The width in columns of the terminal on `descriptor`, read at each call (the window may be resized);
    /// `$COLUMNS` when the size cannot be asked, nil when neither is known.
    package static func width(of descriptor: Int32) -> Int? {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return environment("COLUMNS").flatMap { Int($0) }
    }

    /// The value of an environment variable, if set.
    package static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}

/// Where text goes: a file descriptor written without buffering, so stdout and stderr interleave in order.
package final class TextSink {
    package let descriptor: Int32
    private let ownsDescriptor: Bool
    /// The descriptor is a terminal: renderers may decorate for eyes (a funnel's bars).
    package let isTerminal: Bool

    package static func standardOutput() -> TextSink { TextSink(descriptor: 1, owns: false) }
    package static func standardError() -> TextSink { TextSink(descriptor: 2, owns: false) }

    private init(descriptor: Int32, owns: Bool) {
        self.descriptor = descriptor
        self.ownsDescriptor = owns
        self.isTerminal = isatty(descriptor) == 1
    }

    /// Opens (creating or truncating) a file for writing.
    package static func file(_ path: String) throws(ConsoleError) -> TextSink {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ConsoleError("cannot open '\(path)' for writing: \(String(cString: strerror(errno)))")
        }
        return TextSink(descriptor: fd, owns: true)
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    package func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // a closed pipe or a full disk: nothing sensible left to do with the text
                }
                offset += n
            }
        }
    }
}

/// A failure of the front end itself (a bad dot-command, an unreadable file), as a message for stderr.
package struct ConsoleError: Error, Sendable, CustomStringConvertible {
    package var message: String
    /// sysexits code when this ends a script: 65 for bad input, 64 for misuse, 66 for a missing file.
    package var exitCode: Int32
    package init(_ message: String, exitCode: Int32 = 65) {
        self.message = message
        self.exitCode = exitCode
    }
    package var description: String { message }
}

/// The C `write` and `read`, under names that methods called `write` and `read` do not shadow.
func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

func systemRead(_ fd: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, bytes, count)
}
