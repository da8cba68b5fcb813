// Plain values the store hands out: its catalog, raw events for slow reference paths, and its errors.

/// A name and how many events carry it.
package struct NamedCount: Sendable, Hashable {
    package var name: String
    package var count: Int
    package init(name: String, count: Int) { self.name = name; self.count = count }
}

/// A property value as stored: JSON numbers stay numbers, everything else is text.
package enum PropertyValue: Sendable, Hashable {
    case text(String)
    case number(Double)
}

/// Everything the checker and the REPL need to know about a store's contents.
package struct StoreCatalog: Sendable {
    /// Distinct values with event counts, most frequent first.
    package var stages: [NamedCount]
    package var touchpoints: [NamedCount]
    package var channels: [NamedCount]
    /// Property names seen on events, with how many events carry each.
    package var properties: [NamedCount]
    /// Attribute names seen on customers.
    package var customerAttributes: [NamedCount]
    /// The stage order (metadata `stage_order`; default awareness, consideration, purchase, retention, advocacy).
    package var stageOrder: [String]
    package var eventCount: Int
    package var customerCount: Int
    /// Earliest and latest event time (ms), nil for an empty store.
    package var timeRange: ClosedRange<Int64>?
    /// Dictionary codes: value text → code, per column.
    package var codes: [EventColumn: CodeTable]

    package init(stages: [NamedCount] = [], touchpoints: [NamedCount] = [], channels: [NamedCount] = [],
                properties: [NamedCount] = [], customerAttributes: [NamedCount] = [],
                stageOrder: [String] = StoreCatalog.defaultStageOrder, eventCount: Int = 0,
                customerCount: Int = 0, timeRange: ClosedRange<Int64>? = nil,
                codes: [EventColumn: CodeTable] = [:]) {
        self.stages = stages
        self.touchpoints = touchpoints
        self.channels = channels
        self.properties = properties
        self.customerAttributes = customerAttributes
        self.stageOrder = stageOrder
        self.eventCount = eventCount
        self.customerCount = customerCount
        self.timeRange = timeRange
        self.codes = codes
    }

    package static let defaultStageOrder = ["awareness", "consideration", "purchase", "retention", "advocacy"]

    /// The distinct values of a column.
    package func values(of column: EventColumn) -> [NamedCount] {
        switch column {
        case .stage: stages
        case .touchpoint: touchpoints
        case .channel: channels
        }
    }
}

/// One event with every field decoded: the slow, obvious form the reference evaluator and tests read.
package struct RawEvent: Sendable, Hashable {
    package var customer: String
    package var time: Int64
    /// Import order, unique and increasing across the store.
    package var seq: Int64
    package var stage: String?
    package var touchpoint: String?
    package var channel: String?
    package var properties: [String: PropertyValue]

    package init(customer: String, time: Int64, seq: Int64, stage: String?, touchpoint: String?,
                channel: String?, properties: [String: PropertyValue] = [:]) {
        self.customer = customer
        self.time = time
        self.seq = seq
        self.stage = stage
        self.touchpoint = touchpoint
        self.channel = channel
        self.properties = properties
    }
}

/// How a store file is opened.
package enum StoreAccess: Sendable, Hashable {
    /// An existing store, read and written; a missing or empty file is `StoreError.notFound`.
    case readWrite
    /// Makes a new store when the file is missing or empty (zero bytes); an existing store opens read-write.
    /// Nothing else becomes a store: any other file is refused before a byte of it is written.
    case create
    /// An existing store, only read: nothing is written to the file, its journal or its WAL index, so it
    /// works on read-only media. `.readWrite` falls back to this when the file or its folder cannot be written.
    case readOnly
}

/// A failure inside the store, with where in an input file it happened when that applies.
package enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQLite reported an error (result code and message).
    case sqlite(code: Int32, message: String)
    /// An input file could not be read as events: file, 1-based line and column, message.
    case badInput(file: String, line: Int, column: Int, message: String)
    /// A file could not be opened or is of an unknown format.
    case file(path: String, message: String)
    /// The store's schema is newer or unknown.
    case schema(String)
    /// The operation was cancelled (Ctrl-C).
    case cancelled
    /// No store at this path (the file is missing, or empty), and the caller did not ask to create one.
    case notFound(path: String)
    /// A write (an import, a definition) to a store opened read-only.
    case readOnly(path: String)
    /// Another connection kept the store's write lock for longer than a writer waits.
    case busy(path: String, waitedSeconds: Int)
    /// The store file is damaged (SQLite reports corruption, or an integrity check fails): what was found.
    case damaged(path: String, detail: String)

    /// The exit status (sysexits) a command that fails with this error leaves with: 66 for a missing store,
    /// 65 for bad input or a file that is not a store, 130 for a cancel, 70 for SQLite's own failures.
    package var exitCode: Int32 {
        switch self {
        case .notFound: 66
        case .badInput, .file, .schema, .readOnly, .damaged: 65
        case .busy: 75
        case .cancelled: 130
        case .sqlite: 70
        }
    }

    package var description: String {
        switch self {
        case .notFound(let path): "no store at '\(path)'"
        case .damaged(let path, let detail):
            "the store '\(path)' is damaged (\(detail)). `journey check \(path)` lists what is wrong; "
                + "import the original files into a new store to recover"
        case .busy(let path, let waited):
            "another process is writing to the store '\(path)' (another import, or a program holding it open for "
                + "writing); gave up after waiting \(waited) s for it to finish. Readers are not affected; try again later"
        case .readOnly(let path):
            "the store '\(path)' is open read-only (the file or its folder cannot be written): queries work, "
                + "but imports and definitions need write access"
        case .sqlite(let code, let message): "SQLite error \(code): \(message)"
        case .badInput(let file, let line, let column, let message): "\(file):\(line):\(column): \(message)"
        case .file(let path, let message): "\(path): \(message)"
        case .schema(let message): "store schema: \(message)"
        case .cancelled: "cancelled"
        }
    }
}

/// One column's dictionary: value text → code, looked up byte for byte.
///
/// Swift's `String` equality is canonical equivalence (`"é"` precomposed equals `"e"` + combining accent),
/// while SQLite and the import compare bytes; keying by UTF-8 bytes keeps two such values distinct.
package struct CodeTable: Sendable, Hashable {
    package struct Entry: Sendable, Hashable {
        package var value: String
        package var code: Int64
    }

    package private(set) var entries: [Entry] = []
    private var index: [[UInt8]: Int64] = [:]

    package init() {}

    package init(_ pairs: [(String, Int64)]) {
        for (value, code) in pairs { insert(value, code: code) }
    }

    package mutating func insert(_ value: String, code: Int64) {
        let key = Array(value.utf8)
        if index.updateValue(code, forKey: key) == nil {
            entries.append(Entry(value: value, code: code))
        } else if let i = entries.firstIndex(where: { $0.value.utf8.elementsEqual(value.utf8) }) {
            entries[i].code = code
        }
    }

    /// The code of exactly this text, byte for byte.
    package subscript(value: String) -> Int64? { index[Array(value.utf8)] }

    package var values: [String] { entries.map(\.value) }

    /// The codes of every value satisfying `predicate`, ascending.
    package func codes(where predicate: (String) -> Bool) -> [Int64] {
        entries.filter { predicate($0.value) }.map(\.code).sorted()
    }
}
