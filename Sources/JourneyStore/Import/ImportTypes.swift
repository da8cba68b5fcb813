// What an import is asked to do and what it reports back: options, progress, and the final report.

/// An input file format.
package enum ImportFormat: String, Sendable, CaseIterable {
    /// RFC 4180 CSV with a header row.
    case csv
    /// JSON Lines: one JSON object per line.
    case jsonl

    /// The format a file name's extension implies (`.csv`; `.jsonl`, `.ndjson`, `.json`), or nil.
    package init?(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") {
            self = .csv
        } else if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") {
            self = .jsonl
        } else {
            return nil
        }
    }
}

/// How to read input files.
package struct ImportOptions: Sendable, Hashable {
    /// The format of every file; nil chooses by each file's extension.
    package var format: ImportFormat?
    /// Field → input column name, overriding recognition by name: e.g. `["time": "ts", "customer": "uid"]`.
    /// Fields are `customer`, `time`, `stage`, `touchpoint` and `channel` (case-insensitive); an empty
    /// column name means the field is read from no column. A CSV header must have every mapped column; in JSON
    /// Lines, where members vary by line, a missing mapped customer or time fails the line and a missing mapped
    /// stage, touchpoint or channel is NULL.
    package var mapping: [String: String]
    /// Skip malformed rows (listing them in the report) instead of failing the whole import.
    package var skipBadRows: Bool
    /// How long an import waits for another connection's write (another import) before it gives up.
    package var writerWaitSeconds = 300
    /// Events held in memory (24 bytes each) before they are sorted into the store's order and stored; 16M by
    /// default. An import larger than this stores each batch as one more part of the columnar copy (see
    /// `EventImporter.flush`). Lower it to bound an import's memory.
    package var batchEvents = EventImporter.flushThreshold
    /// Events per part of the sort into clustered order (see `ClusteredRows`); tests lower it so that small
    /// imports are sorted in many parts too.
    var sortPartEvents = ClusteredRows.partEvents

    package init(format: ImportFormat? = nil, mapping: [String: String] = [:], skipBadRows: Bool = false) {
        self.format = format
        self.mapping = mapping
        self.skipBadRows = skipBadRows
    }
}

/// How far an import has got; reported about every 100,000 rows and once at the end of each file.
package struct ImportProgress: Sendable, Hashable {
    /// The file being read.
    package var file: String
    /// Rows read so far across all files of the call (imported and skipped).
    package var rows: Int
    /// Bytes read so far across all files of the call.
    package var bytesRead: Int64
    /// The size of all files of the call.
    package var totalBytes: Int64

    /// What the import is doing.
    package var phase: Phase
    /// Events stored so far, of `rows` (phase `writing`).
    package var written: Int

    package enum Phase: Sendable, Hashable {
        /// Reading rows (a large import holds them in memory; a very large one writes a sorted batch now and then).
        case reading
        /// A batch of rows (all of them, for most imports) is being sorted into the store's order, made into
        /// columns and stored; `written` of `rows` are stored already.
        case writing
        /// Another connection holds the store's write lock (another import): waiting for it, reported once.
        case waitingForWriter
    }

    package init(file: String, rows: Int, bytesRead: Int64, totalBytes: Int64, phase: Phase = .reading, written: Int = 0) {
        self.file = file
        self.rows = rows
        self.bytesRead = bytesRead
        self.totalBytes = totalBytes
        self.phase = phase
        self.written = written
    }

    /// The fraction of the phase done, 0 to 1 (1 when there is nothing to do): of the bytes to read, or of the
    /// rows to write.
    package var fraction: Double {
        switch phase {
        case .reading: totalBytes > 0 ? min(1, Double(bytesRead) / Double(totalBytes)) : 1
        case .writing: rows > 0 ? min(1, Double(written) / Double(rows)) : 1
        case .waitingForWriter: 1
        }
    }
}

/// A row left out by `ImportOptions.skipBadRows`, with where it is and what is wrong.
package struct SkippedRow: Sendable, Hashable, CustomStringConvertible {
    package var file: String
    /// 1-based physical line where the row (or the faulty field) starts.
    package var line: Int
    /// 1-based character position of the faulty field in that line.
    package var column: Int
    package var message: String

    package init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    package var description: String { "\(file):\(line):\(column): \(message)" }
}

/// What an import did.
package struct ImportReport: Sendable, Hashable {
    /// The files read, in order.
    package var files: [String]
    /// Events (for an events import) or customer rows (for a customers import) stored.
    package var imported: Int
    /// Rows left out because `skipBadRows` was set.
    package var skipped: [SkippedRow]
    /// Customers the store had not seen before.
    package var newCustomers: Int
    /// In a customers import: rows for a customer an earlier row of the same file already gave (the last wins).
    package var repeatedCustomers = 0
    /// Wall-clock duration of the whole call.
    package var seconds: Double

    package init(files: [String], imported: Int, skipped: [SkippedRow], newCustomers: Int, seconds: Double) {
        self.files = files
        self.imported = imported
        self.skipped = skipped
        self.newCustomers = newCustomers
        self.seconds = seconds
    }

    /// Rows per second, counting imported and skipped rows.
    package var rowsPerSecond: Double {
        seconds > 0 ? Double(imported + skipped.count) / seconds : 0
    }
}
