// Reading and writing the times the store and the language accept: ISO-8601 dates and datetimes, epoch numbers.

/// Converts between time text and milliseconds since the Unix epoch (UTC).
///
/// Accepted forms:
/// - `YYYY-MM-DD` (midnight UTC);
/// - `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]`, optionally followed by `Z`, `±HH:MM`, `±HHMM` or `±HH`
///   (no zone means UTC);
/// - all digits, optionally with a fraction: an epoch value, read as milliseconds when it is at least 1e11
///   (later than 1973-03-03 in ms, or later than the year 5138 in seconds) and as seconds otherwise.
///
/// Calendar fields are validated (months, days per month including leap years, hours, minutes, seconds);
/// fractions are truncated to whole milliseconds. Surrounding whitespace is not accepted.
package enum TimeParser {
    /// Milliseconds in a day.
    package static let millisecondsPerDay: Int64 = 86_400_000

    /// Parses `text`, or returns nil when it is not a time in one of the accepted forms.
    package static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// Parses `text`, or returns nil when it is not a time in one of the accepted forms.
    package static func parse(_ text: Substring) -> Int64? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// Parses UTF-8 bytes, or returns nil when they are not a time in one of the accepted forms.
    package static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let time = parseSeconds(bytes) { return time }
        var cursor = Cursor(bytes: bytes)
        if bytes.count >= 5, bytes[4] == UInt8(ascii: "-") {
            return parseCalendar(&cursor)
        }
        return parseEpoch(&cursor)
    }

    /// Formats `ms` as ISO-8601 UTC: `2024-01-31T10:00:00Z`, with `.123` only when the milliseconds are not zero.
    package static func format(_ ms: Int64) -> String {
        let (days, within) = floorDivide(ms, millisecondsPerDay)
        let (year, month, day) = civil(fromDays: days)
        let seconds = within / 1000
        var text = dateText(year: year, month: month, day: day)
        text += "T" + twoDigits(seconds / 3600) + ":" + twoDigits(seconds / 60 % 60) + ":" + twoDigits(seconds % 60)
        let fraction = within % 1000
        if fraction != 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: 3 - digits.count) + digits
        }
        return text + "Z"
    }

    /// Formats the UTC date of `ms` as `2024-01-31`.
    package static func formatDate(_ ms: Int64) -> String {
        let (year, month, day) = civil(fromDays: floorDivide(ms, millisecondsPerDay).quotient)
        return dateText(year: year, month: month, day: day)
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (negative before it).
    package static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        // Howard Hinnant's days_from_civil: years start in March so the leap day is the year's last day.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01.
    package static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Whether `year` has a 29th of February.
    package static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// How many days `month` (1–12) of `year` has.
    package static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // MARK: Parsing

    /// The common form `YYYY-MM-DDTHH:MM:SS` (`T`, `t` or a space), with or without a final `Z`/`z`, read at fixed
    /// offsets: an import spent a tenth of its parsing thread in the general path. Nil for any other text, and for
    /// out-of-range fields, which the general path then rejects with the same rules.
    @inline(__always)
    private static func parseSeconds(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count == 19 || (bytes.count == 20 && bytes[19] | 0x20 == UInt8(ascii: "z")),
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: ":"),
              bytes[16] == UInt8(ascii: ":"),
              bytes[10] | 0x20 == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " ")
        else { return nil }
        var valid = true
        @inline(__always) func number(_ at: Int, _ count: Int) -> Int64 {
            var value: Int64 = 0
            for i in at ..< at + count {
                let digit = bytes[i] &- 48
                valid = valid && digit <= 9
                value = value * 10 + Int64(digit)
            }
            return value
        }
        let year = number(0, 4), month = number(5, 2), day = number(8, 2)
        let hour = number(11, 2), minute = number(14, 2), second = number(17, 2)
        guard valid, month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        return days(year: year, month: month, day: day) * millisecondsPerDay + ((hour * 60 + minute) * 60 + second) * 1000
    }

    private static func parseCalendar(_ cursor: inout Cursor) -> Int64? {
        guard let year = cursor.digits(4), cursor.take("-"),
              let month = cursor.digits(2), cursor.take("-"),
              let day = cursor.digits(2),
              (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        let midnight = days(year: year, month: month, day: day) * millisecondsPerDay
        if cursor.atEnd { return midnight }

        guard cursor.take("T") || cursor.take("t") || cursor.take(" "),
              let hour = cursor.digits(2), cursor.take(":"), let minute = cursor.digits(2),
              hour <= 23, minute <= 59
        else { return nil }
        var second: Int64 = 0
        var millisecond: Int64 = 0
        if cursor.take(":") {
            guard let s = cursor.digits(2), s <= 59 else { return nil }
            second = s
            if cursor.take(".") {
                guard let ms = cursor.fractionMilliseconds() else { return nil }
                millisecond = ms
            }
        }
        let local = midnight + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond
        guard let offset = parseZone(&cursor), cursor.atEnd else { return nil }
        return local - offset
    }

    /// The zone's offset from UTC in milliseconds; 0 when there is no zone. Nil when malformed.
    private static func parseZone(_ cursor: inout Cursor) -> Int64? {
        if cursor.atEnd { return 0 }
        if cursor.take("Z") || cursor.take("z") { return 0 }
        let sign: Int64
        if cursor.take("+") { sign = 1 } else if cursor.take("-") { sign = -1 } else { return nil }
        guard let hours = cursor.digits(2), hours <= 23 else { return nil }
        var minutes: Int64 = 0
        if cursor.take(":") {
            guard let m = cursor.digits(2) else { return nil }
            minutes = m
        } else if !cursor.atEnd {
            guard let m = cursor.digits(2) else { return nil }
            minutes = m
        }
        guard minutes <= 59 else { return nil }
        return sign * (hours * 60 + minutes) * 60_000
    }

    private static func parseEpoch(_ cursor: inout Cursor) -> Int64? {
        let start = cursor.position
        var whole: Int64 = 0
        while let digit = cursor.digit() {
            // 18 digits always fit in Int64; more is not a plausible time.
            guard cursor.position - start <= 18 else { return nil }
            whole = whole * 10 + digit
        }
        guard cursor.position > start else { return nil }
        var fraction: Int64 = 0
        if cursor.take(".") {
            guard let ms = cursor.fractionMilliseconds() else { return nil }
            fraction = ms
        }
        guard cursor.atEnd else { return nil }
        if whole >= 100_000_000_000 { return whole }
        return whole * 1000 + fraction
    }

    // MARK: Formatting helpers

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    private static func dateText(year: Int64, month: Int64, day: Int64) -> String {
        let y = String(abs(year))
        let padded = String(repeating: "0", count: max(0, 4 - y.count)) + y
        return (year < 0 ? "-" : "") + padded + "-" + twoDigits(month) + "-" + twoDigits(day)
    }

    private static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0" + String(value) : String(value)
    }
}

/// A read position in time text.
private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    mutating func digit() -> Int64? {
        guard position < bytes.count else { return nil }
        let value = Int64(bytes[position]) - 48
        guard value >= 0, value <= 9 else { return nil }
        position += 1
        return value
    }

    /// Exactly `count` digits as a number.
    mutating func digits(_ count: Int) -> Int64? {
        var value: Int64 = 0
        for _ in 0..<count {
            guard let d = digit() else { return nil }
            value = value * 10 + d
        }
        return value
    }

    /// One or more fraction digits, truncated to milliseconds.
    mutating func fractionMilliseconds() -> Int64? {
        var value: Int64 = 0
        var count = 0
        while let d = digit() {
            if count < 3 { value = value * 10 + d }
            count += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 3) { value *= 10 }
        return value
    }
}
