// TimeParser: the accepted forms, calendar validation, zones, epoch units, and formatting.
import Testing
@testable import JourneyStore

@Suite struct TimeParserTests {
    /// 2024-01-31T10:00:00Z.
    static let tenAM: Int64 = 1_706_695_200_000

    @Test(arguments: [
        ("2024-01-31", 1_706_659_200_000),
        ("2024-01-31T10:00:00Z", tenAM),
        ("2024-01-31T10:00:00z", tenAM),
        ("2024-01-31t10:00:00", tenAM),
        ("2024-01-31 10:00", tenAM),
        ("2024-01-31T10:00", tenAM),
        ("2024-01-31T10:00:00.123Z", tenAM + 123),
        ("2024-01-31T10:00:00.1Z", tenAM + 100),
        ("2024-01-31T10:00:00.123999999", tenAM + 123),
        ("2024-01-31T12:00:00+02:00", tenAM),
        ("2024-01-31T12:00:00+0200", tenAM),
        ("2024-01-31T12:00:00+02", tenAM),
        ("2024-01-31T05:30:00-04:30", tenAM),
        ("2024-01-31 12:00+02:00", tenAM),
        ("1970-01-01", 0),
        ("2024-02-29", 1_709_164_800_000),
        ("2000-02-29T00:00:00Z", 951_782_400_000),
        ("1969-12-31T23:59:59Z", -1000),
        ("1706695200", tenAM),
        ("1706695200000", tenAM),
        ("1706695200.5", tenAM + 500),
        ("1706695200.12345", tenAM + 123),
        ("1706695200123.9", tenAM + 123),
        ("99999999999", 99_999_999_999_000),
        ("100000000000", 100_000_000_000),
        ("0", 0),
    ] as [(String, Int64)])
    func accepts(_ text: String, _ expected: Int64) {
        #expect(TimeParser.parse(text) == expected)
        #expect(TimeParser.parse(Substring(text)) == expected)
    }

    @Test(arguments: [
        "", "abc", "2024-13-01", "2024-00-10", "2024-04-31", "2023-02-29", "1900-02-29", "2024-01-32",
        "2024-01-00", "2024-1-31", "24-01-31", " 2024-01-31", "2024-01-31 ", "2024-01-31Z", "2024-01-31T",
        "2024-01-31T10", "2024-01-31T24:00", "2024-01-31T10:60", "2024-01-31T10:00:60", "2024-01-31T10:00:00.",
        "2024-01-31T10:00:00.Z", "2024-01-31T10:00:00+2", "2024-01-31T10:00:00+24:00", "2024-01-31T10:00:00+02:60",
        "2024-01-31T10:00:00+02:0", "2024-01-31T10:00:00 Z", "2024-01-31T10:00:00ZZ", "2024/01/31",
        "-5", "+5", "1.", ".5", "1e9", "12a", "1234567890123456789", "2024-01-31T1:00",
        // The fixed-width form (read at fixed offsets) with one thing wrong.
        "2024-01-31T10:00:0aZ", "2024-01-31T10:00:00X", "2024-01-31X10:00:00Z", "2024-02-30T10:00:00Z",
        "2023-02-29 00:00:00", "2024-13-31T10:00:00Z", "2024-01-31T24:00:00Z", "2024-01-31T10:60:00Z",
        "2024-01-31T10:00:60", "2024-01-31T10-00-00Z", "2024:01:31T10:00:00Z", "2024-01-31T10:00:/0Z",
    ])
    func rejects(_ text: String) {
        #expect(TimeParser.parse(text) == nil)
    }

    @Test func formatsISO8601() {
        #expect(TimeParser.format(Self.tenAM) == "2024-01-31T10:00:00Z")
        #expect(TimeParser.format(Self.tenAM + 123) == "2024-01-31T10:00:00.123Z")
        #expect(TimeParser.format(Self.tenAM + 5) == "2024-01-31T10:00:00.005Z")
        #expect(TimeParser.format(0) == "1970-01-01T00:00:00Z")
        #expect(TimeParser.format(-1) == "1969-12-31T23:59:59.999Z")
        #expect(TimeParser.formatDate(Self.tenAM) == "2024-01-31")
        #expect(TimeParser.formatDate(-1) == "1969-12-31")
        #expect(TimeParser.format(951_782_400_000) == "2000-02-29T00:00:00Z")
    }

    @Test func formatThenParseIsIdentity() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            // Roughly years 1900 to 2100.
            let ms = Int64(rng.below(6_311_390_400_000)) - 2_208_988_800_000
            #expect(TimeParser.parse(TimeParser.format(ms)) == ms)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[Z]` is read by a fixed-offset fast path; the same instant spelled with a fraction
    /// and an offset goes through the general one, and both must agree.
    @Test func fixedWidthFormAgreesWithGeneralForm() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<5000 {
            let ms = (Int64(rng.below(6_311_390_400_000)) - 2_208_988_800_000) / 1000 * 1000
            let text = TimeParser.format(ms)
            #expect(text.count == 20)
            let seconds = String(text.dropLast())
            #expect(TimeParser.parse(text) == ms)
            #expect(TimeParser.parse(seconds) == ms)
            #expect(TimeParser.parse(String(seconds.map { $0 == "T" ? " " : $0 })) == ms)
            #expect(TimeParser.parse(seconds + ".000+00:00") == ms)
        }
    }

    @Test func calendarArithmeticAgreesBothWays() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let (y, m, d) = TimeParser.civil(fromDays: days)
            #expect(TimeParser.days(year: y, month: m, day: d) == days)
            #expect(d >= 1 && d <= TimeParser.daysInMonth(year: y, month: m))
        }
        #expect(TimeParser.isLeapYear(2000) && TimeParser.isLeapYear(2024))
        #expect(!TimeParser.isLeapYear(1900) && !TimeParser.isLeapYear(2023))
    }
}
