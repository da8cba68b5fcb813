// What every import call shares, whatever it reads: options, row counting, progress, interrupts, skipped rows.

/// The bookkeeping of one import call across all its files.
final class ImportSession {
    /// Rows between two progress reports.
    static let progressInterval = 100_000
    /// Rows between two checks of the interrupt flag.
    static let interruptInterval = 4096

    let db: Database
    let options: ImportOptions
    let progress: ((ImportProgress) -> Void)?
    /// The size of all files of the call.
    let totalBytes: Int64
    /// Bytes of the files already finished.
    var bytesBefore: Int64 = 0
    /// Counted for every row on the reading thread, so without the run-time exclusivity check.
    @exclusivity(unchecked) private(set) var rowsSeen = 0
    private(set) var skipped: [SkippedRow] = []

    init(db: Database, files: [String], options: ImportOptions, progress: ((ImportProgress) -> Void)?) {
        self.db = db
        self.options = options
        self.progress = progress
        totalBytes = files.reduce(0) { $0 + (ByteSource.size(of: $1) ?? 0) }
    }

    /// The format of `file`: the options' format, else the one its extension names.
    func format(of file: String) throws -> ImportFormat {
        if let format = options.format { return format }
        guard let format = ImportFormat(path: file) else {
            throw StoreError.file(path: file, message: "unknown format: name the file .csv, .jsonl, .ndjson or .json, or give the format")
        }
        return format
    }

    /// Counts a row read from `file` (imported or not), reports progress and honours an interrupt.
    func countRow(file: String, bytesRead: Int64) throws {
        rowsSeen += 1
        if rowsSeen % Self.interruptInterval == 0, db.interruptFlag.isRaised { throw StoreError.cancelled }
        if rowsSeen % Self.progressInterval == 0 { report(file: file, bytesRead: bytesRead) }
    }

    /// Reports progress now; `bytesRead` counts the current file only.
    func report(file: String, bytesRead: Int64) {
        progress?(ImportProgress(file: file, rows: rowsSeen, bytesRead: bytesBefore + bytesRead, totalBytes: totalBytes))
    }

    /// Records a bad row: skipped when the options allow it, else the error that aborts the import.
    func reject(_ failure: RowFailure, file: String) throws {
        guard options.skipBadRows else {
            throw StoreError.badInput(file: file, line: failure.line, column: failure.column, message: failure.message)
        }
        skipped.append(SkippedRow(file: file, line: failure.line, column: failure.column, message: failure.message))
    }
}
