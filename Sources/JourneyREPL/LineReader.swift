// Where the REPL's lines come from: a line editor on a terminal, plain reads from a pipe or a file.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one attempt to read a line produced.
package enum LineInput: Sendable, Equatable {
    /// A line, without its line terminator.
    case line(String)
    /// Ctrl-C at the prompt: drop what was typed so far and prompt again.
    case interrupted
    /// Ctrl-D, end of a pipe, a closed or unreadable stdin: nothing more will come.
    case endOfInput
}

/// A source of input lines. Once it returns `.endOfInput` it keeps returning it.
package protocol LineReader: AnyObject {
    /// Reads one line, showing `prompt` first when the reader is interactive.
    func readLine(prompt: String) -> LineInput
    /// Records a complete entry (a whole statement, possibly typed over several lines) in the history.
    func addHistory(_ entry: String)
    /// Whether a person is typing: prompts, a banner and history apply, and errors do not end the session.
    var isInteractive: Bool { get }
}

/// Lines from a file descriptor with no prompts and no history: pipes, `/dev/null`, CI.
///
/// Bytes that are not UTF-8 become U+FFFD rather than an error; a final line without a newline is still a
/// line; a read error (stdin closed) is the end of input, so a loop over this reader always terminates.
package final class PlainLineReader: LineReader {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// Where in `buffer` the next line starts (consumed bytes are dropped in bulk, not one line at a time).
    private var start = 0
    private var finished = false

    package init(descriptor: Int32 = 0) {
        self.descriptor = descriptor
    }

    package var isInteractive: Bool { false }

    package func addHistory(_ entry: String) {}

    package func readLine(prompt: String) -> LineInput {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return .line(line)
            }
            if finished {
                guard start < buffer.count else { return .endOfInput }
                let line = String(decoding: buffer[start...], as: UTF8.self)
                start = buffer.count
                return .line(line)
            }
            fill()
        }
    }

    /// Reads the next chunk; end of file and errors other than EINTR both end the input.
    private func fill() {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = 64 * 1024
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var n = 0
        repeat {
            n = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + old, chunk)
            }
        } while n < 0 && errno == EINTR
        buffer.removeSubrange((old + max(0, n))...)
        if n <= 0 { finished = true }
    }
}

/// Lines of text already in memory (a script file), for running it through the same loop as stdin.
package final class TextLineReader: LineReader {
    private var lines: [String]
    private var next = 0

    package init(_ text: String) {
        // Split on bytes: as Characters, "\r\n" is one grapheme and would not match "\n".
        var lines = Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if text.utf8.last == UInt8(ascii: "\n") { lines.removeLast() }
        self.lines = lines.map { bytes in
            let body = bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes
            return String(decoding: body, as: UTF8.self)
        }
    }

    package var isInteractive: Bool { false }

    package func addHistory(_ entry: String) {}

    package func readLine(prompt: String) -> LineInput {
        guard next < lines.count else { return .endOfInput }
        defer { next += 1 }
        return .line(lines[next])
    }
}
