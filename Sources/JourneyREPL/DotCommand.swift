// Dot-commands in the sqlite3 tradition: how a line splits into a name and arguments, and the help text.
import JourneyEngine

/// A parsed dot-command line such as `.import 'my events.csv' --customers`.
struct DotCommand {
    var name: String
    var arguments: [String]

    /// The single argument of a command that takes exactly one.
    func single(_ what: String) throws(ConsoleError) -> String {
        guard arguments.count == 1 else { throw ConsoleError("usage: \(name) \(what)") }
        return arguments[0]
    }

    /// Splits at blanks; `'...'` and `"..."` keep blanks inside one argument (a doubled quote is a quote).
    static func split(_ line: String) throws(ConsoleError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var chars = Array(line)[...]
        while let ch = chars.popFirst() {
            if let q = quote {
                if ch == q {
                    if chars.first == q { current.append(q); chars.removeFirst() } else { quote = nil }
                } else {
                    current.append(ch)
                }
            } else if ch == " " || ch == "\t" {
                if inWord { words.append(current); current = ""; inWord = false }
            } else if ch == "'" || ch == "\"" {
                quote = ch
                inWord = true
            } else {
                current.append(ch)
                inWord = true
            }
        }
        if quote != nil { throw ConsoleError("unterminated quote in '\(line)'") }
        if inWord { words.append(current) }
        if let first = words.first { words[0] = first.lowercased() }
        return words
    }

    /// Names offered by tab completion.
    static let names = [".exit", ".help", ".import", ".mode", ".open", ".output", ".once", ".param", ".quit", ".read",
                        ".schema", ".timer", ".engine", ".headers", ".nullvalue", ".expanded", ".strict", ".values", ".pager"]

    /// Commands whose argument is a file name (completed from the file system).
    static let takesFile: Set<String> = [".open", ".import", ".read", ".output", ".once"]

    static let help = """
        Statements end with ';', in the REPL, in scripts and with -c alike: a
        statement typed over several lines runs when its ';' comes. The prompt
        '   ...>' continues a statement; '  ...;>' says it is complete and waits for
        its ';'. Ctrl-C abandons the line or cancels a running query; Ctrl-D leaves.
        Example: FROM awareness TO purchase WITHIN 30 days BY channel;

        .help [TOPIC]            this text, or the language: .help FROM, WHERE,
                                 WITHIN, BY, DURING, EXCLUDING, TIMES, PATHS,
                                 EXPLAIN, DEFINE, SHOW, IMPORT, EXPECT, PARAMETERS,
                                 DROPOFF, WHY, VALUE, COMPARE, RETENTION,
                                 ATTRIBUTE
        .open [--new] FILE       use the store in FILE (--new: make an empty one)
        .import FILE... [--customers] [--skip-bad-rows] [--map name=column,...]
                                 load events (CSV, JSON Lines), or --customers
        .read FILE               run the statements and dot-commands in FILE
        .mode MODE               table, csv, json, jsonl or markdown
        .output FILE|stdout      send results to FILE, or back to the terminal
        .once FILE               send the next statement's results to FILE
        .headers on|off          column names in table, CSV and Markdown output
        .nullvalue TEXT          how a missing value is shown (default: nothing)
        .expanded on|off|auto    one record per row (auto: when a table won't fit)
        .values FIELD            the values of a field: channel, customer.segment
        .timer on|off            print the run time of each statement
        .pager on|off            long results through $JOURNEY_PAGER, $PAGER, less
        .strict on|off           warnings are errors (scripts stop there, exit 65)
        .engine auto|columnar|sqlite   which engine reads events
        .schema                  the store's stages, touchpoints, channels, fields
        .param NAME VALUE        bind $NAME (.param lists; .param unset NAME;
                                 .param clear)
        .quit, .exit             leave (also: quit, exit)

        History is kept in ~/.journey_history (JOURNEY_HISTORY=path moves it;
        empty turns it off).

        """
}

#if canImport(Glibc)
import JourneyEngine
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a whole text file; bytes that are not UTF-8 become U+FFFD so the parser can point at them.
package enum FileText {
    package static func read(_ path: String) throws(ConsoleError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConsoleError("cannot read '\(path)': \(String(cString: strerror(errno)))", exitCode: ExitStatus.badInput)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConsoleError("cannot read '\(path)': \(String(cString: strerror(errno)))", exitCode: ExitStatus.badInput)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        // A byte-order mark is not part of the first statement.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
