// A prepared SQLite statement: binding parameters, stepping through rows, reading columns.
import CSQLite

/// A compiled statement. It keeps its connection alive and is finalized when released.
///
/// Parameter and column indexes follow SQLite: parameters are 1-based, columns 0-based.
package final class Statement {
    /// The connection the statement belongs to.
    package let database: Database
    let handle: OpaquePointer

    init(database: Database, handle: OpaquePointer) {
        self.database = database
        self.handle = handle
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// The statement's SQL text as prepared.
    package var sql: String { String(cString: sqlite3_sql(handle)) }

    /// How many `?` parameters the statement has.
    package var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    // MARK: Binding

    /// Binds an integer to the 1-based parameter `index`.
    package func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds a floating-point number to the 1-based parameter `index`.
    package func bind(_ value: Double, at index: Int32) throws {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds text to the 1-based parameter `index` (SQLite copies it).
    package func bind(_ value: String, at index: Int32) throws {
        var value = value
        try value.withUTF8 { utf8 in try bindText(utf8: utf8, at: index) }
    }

    /// Binds UTF-8 bytes as text to the 1-based parameter `index` (SQLite copies them).
    /// The importer uses this to hand over field bytes without building a `String`.
    package func bindText(utf8 bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws {
        try bindText(bytes, at: index, destructor: journey_sqlite_transient())
    }

    /// Binds UTF-8 bytes as text that SQLite reads in place instead of copying: the bytes must stay valid and
    /// unchanged until the statement has run and its bindings are cleared or replaced (`clearBindings`). For a
    /// statement that binds hundreds of values per run, copying them cost as much as a quarter of SQLite's work.
    package func bindTextInPlace(utf8 bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws {
        try bindText(bytes, at: index, destructor: journey_sqlite_static())
    }

    /// `destructor` is optional because SQLITE_STATIC is a null function pointer.
    private func bindText(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int32, destructor: sqlite3_destructor_type?) throws {
        // A NULL pointer would bind SQL NULL, so empty text points at a static empty string instead.
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            try check(sqlite3_bind_text(handle, index, "", 0, journey_sqlite_transient()))
            return
        }
        let pointer = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
        try check(sqlite3_bind_text(handle, index, pointer, Int32(bytes.count), destructor))
    }

    /// Binds bytes as a blob that SQLite reads in place, under the rules of `bindTextInPlace`. A columnar section
    /// is tens of megabytes: a copy is that much more memory for the kernel to hand out and zero.
    package func bindBlobInPlace(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        try check(sqlite3_bind_blob64(handle, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                      sqlite3_uint64(bytes.count), journey_sqlite_static()))
    }

    /// Binds SQL NULL to the 1-based parameter `index`.
    package func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Binds any `SQLValue` to the 1-based parameter `index`.
    package func bind(_ value: SQLValue, at index: Int32) throws {
        switch value {
        case .null: try bindNull(at: index)
        case .integer(let i): try bind(i, at: index)
        case .real(let d): try bind(d, at: index)
        case .text(let s): try bind(s, at: index)
        }
    }

    /// Binds `values` to parameters 1, 2, ... in order.
    package func bind(_ values: [SQLValue]) throws {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Sets every parameter back to NULL.
    package func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    // MARK: Stepping

    /// Advances to the next row: true when a row is available, false when the statement is done.
    @discardableResult
    package func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(code)
        }
    }

    /// Runs a statement that returns no rows, then resets it so it can run again.
    package func run() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    package func reset() {
        // The error from reset repeats the one `step` already reported, so it is not rethrown here.
        sqlite3_reset(handle)
    }

    // MARK: Columns

    /// How many columns a result row has.
    package var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// The name of the 0-based column `index`.
    package func columnName(_ index: Int32) -> String {
        String(cString: sqlite3_column_name(handle, index))
    }

    /// Whether the 0-based column `index` of the current row is NULL.
    package func isNull(_ index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// The 0-based column `index` of the current row as an integer (NULL reads as 0).
    package func int64(_ index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// The 0-based column `index` of the current row as a floating-point number (NULL reads as 0).
    package func double(_ index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    /// Calls `body` with the UTF-8 bytes of the 0-based column `index` as text (nil when NULL), valid only during
    /// the call: no `String` is built.
    package func withText<T>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        guard let pointer = sqlite3_column_text(handle, index) else { return try body(nil) }
        return try body(UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, index))))
    }

    /// The 0-based column `index` of the current row as text, nil when NULL.
    package func text(_ index: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// Calls `body` with the bytes of the 0-based column `index` of the current row as a blob (empty for NULL);
    /// they are valid only during the call.
    package func withBlob<T>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    /// The 0-based column `index` of the current row as whichever storage class it has.
    package func value(_ index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .integer(int64(index))
        case SQLITE_FLOAT: .real(double(index))
        default: .text(text(index) ?? "")
        }
    }

    private func check(_ code: Int32) throws {
        if code != SQLITE_OK { throw database.error(code) }
    }
}
