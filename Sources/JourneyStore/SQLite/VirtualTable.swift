// Read-only, eponymous virtual tables served by Swift objects: SQLite's C module interface, wrapped once here.
// The store serves its events this way (see `EventsTable`): they live only in the columnar copy.
import CSQLite

/// A constraint SQLite offers a virtual table's plan: `column op value`.
struct VirtualTableConstraint {
    enum Operator { case equal, greater, greaterOrEqual, less, lessOrEqual, other }
    var column: Int32
    var op: Operator
    var usable: Bool
}

/// A plan chosen by `VirtualTableSource.plan`: which constraints' values `Cursor.filter` receives (in this order),
/// the plan's number, whether the rows come in the ORDER BY's order, and the estimates SQLite compares plans with.
/// SQLite still checks every constraint on the rows returned, so a plan may return more rows than they allow.
struct VirtualTablePlan {
    var number: Int32 = 0
    var arguments: [Int] = []
    var orderConsumed = false
    var cost: Double
    var rows: Int64
}

/// A value for the column SQLite asks a cursor for.
struct VirtualTableResult {
    fileprivate let context: OpaquePointer

    func set(_ value: Int64) { sqlite3_result_int64(context, value) }
    func setNull() { sqlite3_result_null(context) }
}

/// The rows of one scan of a virtual table.
protocol VirtualTableCursor: AnyObject {
    /// Starts the scan for plan `plan` with the values of its constraints.
    func filter(plan: Int32, arguments: [SQLValue]) throws
    var atEnd: Bool { get }
    func next() throws
    func column(_ index: Int32, into result: VirtualTableResult) throws
    var rowid: Int64 { get }
}

/// What serves a virtual table: its columns and its plans and cursors.
protocol VirtualTableSource: AnyObject {
    /// `CREATE TABLE x(...)`: the columns.
    var declaration: String { get }
    /// The plan for these constraints and this ORDER BY (column, descending).
    func plan(constraints: [VirtualTableConstraint], orderBy: [(column: Int32, descending: Bool)]) -> VirtualTablePlan
    func openCursor() throws -> VirtualTableCursor
}

extension Database {
    /// Makes `source` answer as the eponymous table `name` on this connection, for as long as the connection lives.
    func registerVirtualTable(_ name: String, source: VirtualTableSource) throws {
        let aux = Unmanaged.passRetained(SourceBox(source)).toOpaque()
        let code = sqlite3_create_module_v2(handle, name, virtualTableModule, aux) { aux in
            if let aux { Unmanaged<SourceBox>.fromOpaque(aux).release() }
        }
        guard code == SQLITE_OK else { throw error(code) }
    }
}

private final class SourceBox {
    let source: VirtualTableSource
    init(_ source: VirtualTableSource) { self.source = source }
}

private final class CursorBox {
    let cursor: VirtualTableCursor
    init(_ cursor: VirtualTableCursor) { self.cursor = cursor }
}

/// A copy of `message` in memory SQLite owns (it frees error messages itself).
private func sqliteString(_ message: String) -> UnsafeMutablePointer<CChar>? {
    let bytes = Array(message.utf8CString)
    guard let memory = sqlite3_malloc64(UInt64(bytes.count)) else { return nil }
    let text = memory.bindMemory(to: CChar.self, capacity: bytes.count)
    bytes.withUnsafeBufferPointer { text.update(from: $0.baseAddress!, count: bytes.count) }
    return text
}

private func source(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?) -> VirtualTableSource {
    let table = UnsafeMutableRawPointer(vtab!).assumingMemoryBound(to: journey_vtab.self)
    return Unmanaged<SourceBox>.fromOpaque(table.pointee.owner).takeUnretainedValue().source
}

private func cursor(_ cursor: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> VirtualTableCursor {
    let raw = UnsafeMutableRawPointer(cursor!).assumingMemoryBound(to: journey_vtab_cursor.self)
    return Unmanaged<CursorBox>.fromOpaque(raw.pointee.state).takeUnretainedValue().cursor
}

/// Reports `error` as the table's message and answers SQLITE_ERROR.
private func fail(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?, _ error: any Error) -> Int32 {
    guard let vtab else { return SQLITE_ERROR }
    sqlite3_free(vtab.pointee.zErrMsg)
    let message = (error as? StoreError).map { "\($0)" } ?? "\(error)"
    vtab.pointee.zErrMsg = sqliteString(message)
    if case StoreError.cancelled = error { return SQLITE_INTERRUPT }
    return SQLITE_ERROR
}

/// The one module every virtual table of the package uses; each registration passes its own source.
nonisolated(unsafe) private let virtualTableModule: UnsafeMutablePointer<sqlite3_module> = {
    let module = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
    module.initialize(to: sqlite3_module())
    // No xCreate: the table is eponymous only (it has no row in the schema and cannot be created or dropped).
    module.pointee.xConnect = { db, aux, _, _, vtab, errorMessage in
        let box = Unmanaged<SourceBox>.fromOpaque(aux!).takeUnretainedValue()
        let declared = sqlite3_declare_vtab(db, box.source.declaration)
        guard declared == SQLITE_OK else { return declared }
        guard let memory = sqlite3_malloc64(UInt64(MemoryLayout<journey_vtab>.stride)) else { return SQLITE_NOMEM }
        let table = memory.bindMemory(to: journey_vtab.self, capacity: 1)
        table.initialize(to: journey_vtab(base: sqlite3_vtab(), owner: aux))
        vtab!.pointee = UnsafeMutableRawPointer(table).assumingMemoryBound(to: sqlite3_vtab.self)
        return SQLITE_OK
    }
    module.pointee.xDisconnect = { vtab in
        sqlite3_free(vtab)
        return SQLITE_OK
    }
    module.pointee.xBestIndex = { vtab, info in
        guard let info else { return SQLITE_ERROR }
        var constraints: [VirtualTableConstraint] = []
        for i in 0..<Int(info.pointee.nConstraint) {
            let c = info.pointee.aConstraint[i]
            let op: VirtualTableConstraint.Operator = switch Int32(c.op) {
            case SQLITE_INDEX_CONSTRAINT_EQ: .equal
            case SQLITE_INDEX_CONSTRAINT_GT: .greater
            case SQLITE_INDEX_CONSTRAINT_GE: .greaterOrEqual
            case SQLITE_INDEX_CONSTRAINT_LT: .less
            case SQLITE_INDEX_CONSTRAINT_LE: .lessOrEqual
            default: .other
            }
            constraints.append(VirtualTableConstraint(column: c.iColumn, op: op, usable: c.usable != 0))
        }
        var orderBy: [(column: Int32, descending: Bool)] = []
        for i in 0..<Int(info.pointee.nOrderBy) {
            let term = info.pointee.aOrderBy[i]
            orderBy.append((term.iColumn, term.desc != 0))
        }
        let plan = source(vtab).plan(constraints: constraints, orderBy: orderBy)
        for (position, constraint) in plan.arguments.enumerated() {
            info.pointee.aConstraintUsage[constraint].argvIndex = Int32(position + 1)
            info.pointee.aConstraintUsage[constraint].omit = 0
        }
        info.pointee.idxNum = plan.number
        info.pointee.orderByConsumed = plan.orderConsumed ? 1 : 0
        info.pointee.estimatedCost = plan.cost
        info.pointee.estimatedRows = plan.rows
        return SQLITE_OK
    }
    module.pointee.xOpen = { vtab, cursorOut in
        do {
            let opened = try source(vtab).openCursor()
            guard let memory = sqlite3_malloc64(UInt64(MemoryLayout<journey_vtab_cursor>.stride)) else { return SQLITE_NOMEM }
            let raw = memory.bindMemory(to: journey_vtab_cursor.self, capacity: 1)
            raw.initialize(to: journey_vtab_cursor(base: sqlite3_vtab_cursor(),
                                                   state: Unmanaged.passRetained(CursorBox(opened)).toOpaque()))
            cursorOut!.pointee = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        } catch {
            return fail(vtab, error)
        }
    }
    module.pointee.xClose = { cursor in
        let raw = UnsafeMutableRawPointer(cursor!).assumingMemoryBound(to: journey_vtab_cursor.self)
        Unmanaged<CursorBox>.fromOpaque(raw.pointee.state).release()
        sqlite3_free(cursor)
        return SQLITE_OK
    }
    module.pointee.xFilter = { cursorPointer, number, _, argc, argv in
        var arguments: [SQLValue] = []
        for i in 0..<Int(argc) {
            let value = argv![i]
            switch sqlite3_value_type(value) {
            case SQLITE_INTEGER: arguments.append(.integer(sqlite3_value_int64(value)))
            case SQLITE_FLOAT: arguments.append(.real(sqlite3_value_double(value)))
            case SQLITE_TEXT: arguments.append(.text(String(cString: sqlite3_value_text(value))))
            default: arguments.append(.null)
            }
        }
        do {
            try cursor(cursorPointer).filter(plan: number, arguments: arguments)
            return SQLITE_OK
        } catch {
            return fail(cursorPointer?.pointee.pVtab, error)
        }
    }
    module.pointee.xNext = { cursorPointer in
        do {
            try cursor(cursorPointer).next()
            return SQLITE_OK
        } catch {
            return fail(cursorPointer?.pointee.pVtab, error)
        }
    }
    module.pointee.xEof = { cursorPointer in cursor(cursorPointer).atEnd ? 1 : 0 }
    module.pointee.xColumn = { cursorPointer, context, index in
        do {
            try cursor(cursorPointer).column(index, into: VirtualTableResult(context: context!))
            return SQLITE_OK
        } catch {
            return fail(cursorPointer?.pointee.pVtab, error)
        }
    }
    module.pointee.xRowid = { cursorPointer, rowid in
        rowid!.pointee = cursor(cursorPointer).rowid
        return SQLITE_OK
    }
    return module
}()
