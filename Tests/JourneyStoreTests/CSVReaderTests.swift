// The hand-written CSV reader: RFC 4180 quoting, newlines in quotes, CRLF, BOM, errors and window refills.
import Testing
@testable import JourneyStore

@Suite struct CSVReaderTests {
    /// Every record of `text` as its fields.
    static func records(_ text: String) throws -> [[String]] {
        let reader = CSVReader(bytes: Array(text.utf8))
        var records: [[String]] = []
        while try reader.readRecord() {
            records.append((0..<reader.fieldCount).map(reader.string))
        }
        return records
    }

    @Test func plainRecords() throws {
        #expect(try Self.records("a,b,c\n1,2,3\n") == [["a", "b", "c"], ["1", "2", "3"]])
        #expect(try Self.records("a,b\n1,2") == [["a", "b"], ["1", "2"]])
        #expect(try Self.records(",,\n") == [["", "", ""]])
        #expect(try Self.records("") == [])
    }

    @Test func quotesAndEscapedQuotes() throws {
        #expect(try Self.records(#"a,"b ""q"" c",d"# + "\n") == [["a", #"b "q" c"#, "d"]])
        #expect(try Self.records(#""","""""",x"#) == [["", "\"\"", "x"]])
        #expect(try Self.records(#""a,b",c"#) == [["a,b", "c"]])
        // A quote inside an unquoted field is data.
        #expect(try Self.records(#"ab"c,d"#) == [[#"ab"c"#, "d"]])
    }

    @Test func newlineInsideQuotesKeepsPhysicalLines() throws {
        let reader = CSVReader(bytes: Array("h1,h2,h3\nx,\"line1\nline2\",y\nz,w,v\n".utf8))
        #expect(try reader.readRecord())
        #expect(try reader.readRecord())
        #expect(reader.string(1) == "line1\nline2")
        #expect(reader.recordLine == 2)
        #expect(reader.line(ofField: 2) == 3)
        #expect(reader.column(ofField: 2) == 8)
        #expect(try reader.readRecord())
        #expect(reader.recordLine == 4)
        #expect(reader.string(0) == "z")
        #expect(try !reader.readRecord())
    }

    @Test func crlfAndBOM() throws {
        #expect(try Self.records("a,b\r\nc,d\r\n") == [["a", "b"], ["c", "d"]])
        #expect(try Self.records("\"a\",\"b\"\r\n\"c\r\nd\",e") == [["a", "b"], ["c\r\nd", "e"]])
        #expect(try Self.records("\u{FEFF}h1,h2\n1,2\n") == [["h1", "h2"], ["1", "2"]])
        // A lone CR is data, not a line end.
        #expect(try Self.records("a\rb,c\n") == [["a\rb", "c"]])
    }

    @Test func blankLinesAreSkippedButCounted() throws {
        let reader = CSVReader(bytes: Array("a,b\n\n\r\nc,d\n\n".utf8))
        #expect(try reader.readRecord())
        #expect(try reader.readRecord())
        #expect(reader.recordLine == 4)
        #expect(reader.string(0) == "c")
        #expect(try !reader.readRecord())
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let reader = CSVReader(bytes: Array("é,ü,x\n".utf8))
        #expect(try reader.readRecord())
        #expect(reader.column(ofField: 0) == 1)
        #expect(reader.column(ofField: 1) == 3)
        #expect(reader.column(ofField: 2) == 5)
        #expect(reader.endOfRecord.column == 6)
    }

    @Test func characterAfterClosingQuoteIsAnErrorAndReadingGoesOn() throws {
        let reader = CSVReader(bytes: Array("a,\"b\"x,c\nd,e,f\n".utf8))
        #expect(throws: CSVError(line: 1, column: 6, message: "unexpected character after a closing quote (a quote inside a quoted field is written \"\")")) {
            try reader.readRecord()
        }
        #expect(try reader.readRecord())
        #expect((0..<reader.fieldCount).map(reader.string) == ["d", "e", "f"])
        #expect(reader.recordLine == 2)
    }

    @Test func unterminatedQuoteNamesWhereItOpened() throws {
        let reader = CSVReader(bytes: Array("h\na,\"bc\nd\n".utf8))
        #expect(try reader.readRecord())
        do {
            _ = try reader.readRecord()
            Issue.record("expected an error")
        } catch let error as CSVError {
            #expect(error.line == 2)
            #expect(error.column == 3)
            #expect(error.message.hasPrefix("unterminated quoted field"))
        }
        #expect(try !reader.readRecord())
    }

    /// Records split across tiny refill windows must come out exactly as when read in one piece.
    @Test func smallWindowsGiveTheSameRecords() throws {
        var text = "\u{FEFF}id,note,n\r\n"
        for i in 0..<300 {
            let note = i % 3 == 0 ? "\"multi\nline \"\"\(i)\"\"\"" : (i % 3 == 1 ? "plain\(i)" : "\"a,b\"")
            text += "r\(i),\(note),\(i)" + (i % 2 == 0 ? "\r\n" : "\n")
        }
        let directory = try TemporaryDirectory()
        let path = try directory.file("small.csv", text)
        let whole = try Self.records(text)
        for chunk in [1, 2, 3, 7, 64] {
            let reader = try CSVReader(source: ByteSource(path: path, chunkSize: chunk))
            var records: [[String]] = []
            while try reader.readRecord() { records.append((0..<reader.fieldCount).map(reader.string)) }
            #expect(records == whole, "chunk size \(chunk)")
        }
        #expect(whole.count == 301)
        #expect(whole[1] == ["r0", "multi\nline \"0\"", "0"])
        #expect(whole[3] == ["r2", "a,b", "2"])
    }

    /// Unquoted fields are scanned a word at a time: fields of every length from 0 to 40 bytes, at every alignment,
    /// with multi-byte characters, CRLF and LF, split at any window size, read back as the fields written.
    @Test func unquotedFieldsOfEveryLengthAndAlignment() throws {
        var random = SplitMix64(seed: 5)
        let alphabet = Array("abcxyz0129 ;é\t".unicodeScalars).map(String.init)
        var text = ""
        var expected: [[String]] = []
        for _ in 0..<400 {
            var fields = (0..<(1 + random.below(6))).map { _ in
                (0..<random.below(41)).map { _ in alphabet[random.below(alphabet.count)] }.joined()
            }
            // A record of one empty field is an empty line, which the reader skips.
            if fields == [""] { fields = ["x"] }
            expected.append(fields)
            text += fields.joined(separator: ",") + (random.below(2) == 0 ? "\r\n" : "\n")
        }
        #expect(try Self.records(text) == expected)
        let directory = try TemporaryDirectory()
        let path = try directory.file("words.csv", text)
        for chunk in [1, 5, 8, 9, 13, 4096] {
            let reader = try CSVReader(source: ByteSource(path: path, chunkSize: chunk))
            var records: [[String]] = []
            while try reader.readRecord() { records.append((0..<reader.fieldCount).map(reader.string)) }
            #expect(records == expected, "chunk size \(chunk)")
        }
    }

    /// Each record's bytes are looked at a word at a time for NUL and for bytes above ASCII: a NUL anywhere in a
    /// record of 1 to 23 bytes (in a whole word or in the tail) is refused where it stands, and the next record is
    /// read; `recordIsASCII` says whether the record had a byte of 0x80 or more, wherever it was.
    @Test func nulAndNonASCIIAreFoundAtEveryOffset() throws {
        for length in 1...23 {
            for offset in 0..<length {
                var bytes = Array(repeating: UInt8(ascii: "a"), count: length)
                bytes[offset] = 0
                let reader = CSVReader(bytes: bytes + Array("\nok\n".utf8))
                #expect(throws: CSVError(line: 1, column: offset + 1, message: "a NUL byte (0x00) in a field: text cannot hold NUL")) {
                    try reader.readRecord()
                }
                #expect(try reader.readRecord())
                #expect(reader.string(0) == "ok")

                bytes[offset] = 0xC3
                let accented = CSVReader(bytes: bytes + [0xA9] + Array("\nok\n".utf8))
                #expect(try accented.readRecord())
                #expect(!accented.recordIsASCII, "length \(length), offset \(offset)")
                #expect(try accented.readRecord())
                #expect(accented.recordIsASCII)
            }
        }
    }

    /// A row's raw property key (`CSVEventLayout.RawProperties`) gives back, as JSON, exactly the object
    /// `appendObject` writes for the row, and the same slots present: a row of empty fields and 2,000 random rows of four columns whose values
    /// are empty, numbers, near-numbers, text needing escapes, non-ASCII, and 127 to 20,000 bytes long (lengths of
    /// one, two and three bytes).
    @Test func rawPropertyKeysGiveTheRowsJSONObject() throws {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["", "", "0", "-12.50", "007", "1.", "mobile", "a \"quoted\" word", "tab\there", "line\nbreak",
                      "back\\slash", "ünï", "\u{1}ctl"]
        let properties = try CSVEventLayout.propertyColumns(["device", "amount", "note", "plan"], excluding: [],
                                                            file: "t.csv", columnOf: { $0 + 1 })
        func value() -> String {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: return String(repeating: "x", count: [127, 128, 300, 16_383, 16_384, 20_000].randomElement(using: &rng)!)
            default: return pieces.randomElement(using: &rng)!
            }
        }
        func quoted(_ field: String) -> String { "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var rows: [[String]] = [["", "", "", ""]]
        for _ in 0..<2_000 { rows.append((0..<4).map { _ in value() }) }
        let reader = CSVReader(bytes: Array(rows.map { $0.map(quoted).joined(separator: ",") + "\n" }.joined().utf8))
        var present: [Int] = [], rawPresent: [Int] = []
        var json: [UInt8] = []
        for row in rows {
            #expect(try reader.readRecord())
            var expected: [UInt8] = []
            try reader.appendObject(properties, to: &expected, present: &present)
            var raw = ByteBuffer(capacity: 64)
            try reader.appendRawProperties(properties, to: &raw, present: &rawPresent)
            #expect(rawPresent == present)
            #expect(raw.count == 0 ? present.isEmpty : !present.isEmpty, "an empty key for a row with no properties only")
            CSVEventLayout.RawProperties.json(raw.bytes, properties: properties, into: &json)
            #expect(json == expected, "row \(row)")
        }
    }
}
