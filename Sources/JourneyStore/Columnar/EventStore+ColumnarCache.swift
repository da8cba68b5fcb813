// Keeping the columnar copy inside the store, so that a new process reads a few compact blobs instead of
// decoding every row of the events table: the first query of a process then costs a fraction of a second.
//
// Each blob row carries the events version it was made from; a row of any other version is ignored (and replaced
// when the copy is next written), so a copy can never answer for events it has not seen. Writing it is a cache
// fill: it never changes what a query answers, and when the store cannot be written (read-only, busy) the copy
// simply stays in memory.

extension EventStore {
    /// Blob rows are at most this long (SQLite's own limit is 1 GB).
    static let columnarChunkBytes = 64 << 20

    static let createColumnarTable = """
        CREATE TABLE IF NOT EXISTS columnar(
            name TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            data BLOB NOT NULL
        )
        """

    static func versionText(_ version: EventsVersion) -> String {
        "\(version.eventCount):\(version.nextSeq)"
    }

    /// The section's bytes when the store holds a copy of `version`, else nil.
    func readColumnarSection(_ section: String, version: EventsVersion) throws -> [UInt8]? {
        guard try hasColumnarTable() else { return nil }
        let statement = try db.prepare("SELECT version, data FROM columnar WHERE name >= ? AND name < ? ORDER BY name")
        try statement.bind([.text(section + "#"), .text(section + "$")])
        var bytes: [UInt8] = []
        var chunks = 0
        let wanted = Self.versionText(version)
        while try statement.step() {
            guard statement.text(0) == wanted else { return nil }
            statement.withBlob(1) { bytes.append(contentsOf: $0) }
            chunks += 1
        }
        return chunks == 0 ? nil : bytes
    }

    /// Stores a section in its own transaction (or savepoint, inside an import's), replacing any older copy; rows
    /// of other versions go too. Failures are swallowed, and answered false: the copy is a cache.
    @discardableResult
    func writeColumnarSection(_ section: String, bytes: [UInt8], version: EventsVersion) -> Bool {
        writeColumnarSections([(section, bytes)], version: version)
    }

    /// Stores sections in one transaction (or savepoint), replacing older copies of them; rows of other versions
    /// go first, in one statement. One statement per section used to delete by `version != ? OR name range`,
    /// which scans the whole table: a store with 10,000 property columns spent seconds on it.
    @discardableResult
    func writeColumnarSections(_ sections: [(name: String, bytes: [UInt8])], version: EventsVersion) -> Bool {
        guard !isReadOnly else { return false }  // the copy is kept in memory only
        let wanted = Self.versionText(version)
        // A cache fill never waits for another writer (an import running in another process): it is skipped.
        try? db.execute("PRAGMA busy_timeout = 0")
        defer { try? db.execute("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)") }
        do {
            try db.transaction {
                try db.execute(Self.createColumnarTable)
                let other = try db.prepare("DELETE FROM columnar WHERE version != ?")
                try other.bind([.text(wanted)])
                try other.run()
                let stale = try db.prepare("DELETE FROM columnar WHERE name >= ? AND name < ?")
                let insert = try db.prepare("INSERT INTO columnar(name, version, data) VALUES (?, ?, ?)")
                for (section, bytes) in sections {
                    stale.reset()
                    try stale.bind([.text(section + "#"), .text(section + "$")])
                    try stale.run()
                    try bytes.withUnsafeBytes { all in
                        var start = 0, chunk = 0
                        repeat {
                            let end = min(all.count, start + Self.columnarChunkBytes)
                            insert.reset()
                            let digits = String(chunk)
                            try insert.bind(section + "#" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits, at: 1)
                            try insert.bind(wanted, at: 2)
                            try insert.bindBlob(UnsafeRawBufferPointer(rebasing: all[start..<end]), at: 3)
                            try insert.run()
                            start = end
                            chunk += 1
                        } while start < all.count
                    }
                }
            }
            // Our own commit does not change data_version, so the other caches stay valid.
        } catch {
            return false
        }
        return true
    }

    private func hasColumnarTable() throws -> Bool {
        let statement = try db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'columnar'")
        return try statement.step()
    }

    /// The stored copy of the base columns, if it is current and intact.
    func storedColumnar(version: EventsVersion) -> ColumnarEvents? {
        guard let bytes = try? readColumnarSection("base", version: version) else { return nil }
        guard let events = try? bytes.withUnsafeBytes({ try ColumnarCodec.decodeBase($0) }),
              events.version == version else { return nil }
        return events
    }

    /// Property `name` for every event of `events`: from the stored copy when it is current, else read from the
    /// events table and stored for the next process.
    func propertyColumn(_ name: String, of events: ColumnarEvents, isCancelled: () -> Bool) throws -> PropertyColumn {
        let section = "property:" + name
        if let bytes = try? readColumnarSection(section, version: events.version),
           let column = try? bytes.withUnsafeBytes({ try ColumnarCodec.decodeProperty($0, eventCount: events.eventCount) }) {
            return column
        }
        let column = try loadPropertyColumns([name], expectedCount: events.eventCount, isCancelled: isCancelled)[name]!
        writeColumnarSection(section, bytes: ColumnarCodec.encode(column), version: events.version)
        return column
    }

    /// Builds the columnar copy of the whole store (base columns and every property) and keeps it inside the store
    /// and in memory, so that the first query of any later process finds it. Imports end with this.
    public func refreshColumnarCopy(isCancelled: () -> Bool = { false }) throws {
        let version = try eventsVersion()
        let names = try catalog().properties.map(\.name)
        let events = try buildColumnar(version: version, isCancelled: isCancelled, properties: names)
        keepColumnarCopy(events, sections: Self.columnarSections(events, properties: names))
    }

    /// The copy of `version` with every property column the store has, from memory or the stored copy; nil when
    /// any part is missing. Called inside an import's transaction, before the import's counts are written, so
    /// table `fields` still names the properties of `version`.
    func columnarBase(_ version: EventsVersion) -> ImportCopyMaker.Base? {
        let events: ColumnarEvents
        if let cached = cachedColumnar, cached.version == version {
            events = cached
        } else if let stored = storedColumnar(version: version) {
            events = stored
        } else {
            return nil
        }
        guard let names = try? propertyNamesInTable() else { return nil }
        var columns: [String: PropertyColumn] = [:]
        for name in names {
            guard let bytes = try? readColumnarSection("property:" + name, version: version),
                  let column = try? bytes.withUnsafeBytes({ try ColumnarCodec.decodeProperty($0, eventCount: events.eventCount) })
            else { return nil }
            columns[name] = column
        }
        return ImportCopyMaker.Base(events: events, columns: columns)
    }

    /// Keeps the copy an import made of the whole store (see `ImportCopyMaker`) in memory and inside the store;
    /// false (nothing kept) when the store is no longer at its version or has other properties.
    /// Writes the copy an import made (see `ImportCopyMaker`) inside the import's transaction, once its counts are
    /// written, so that one commit (and one sync) stores both; `adoptColumnarCopy` keeps it in memory once the
    /// import has committed. False when the copy is not of the events and properties the store now has, or could
    /// not be written whole.
    func storeImportCopy(_ made: ImportCopyMaker.Made) -> Bool {
        guard let counters = try? readCounters(),
              EventsVersion(eventCount: counters.eventCount, nextSeq: counters.nextSeq) == made.events.version,
              let names = try? propertyNamesInTable(), Set(names) == Set(made.properties) else { return false }
        return writeColumnarSections(made.sections, version: made.events.version)
    }

    /// Keeps in memory the copy `storeImportCopy` wrote, after the import committed.
    func adoptColumnarCopy(_ events: ColumnarEvents) {
        cachedColumnar = events
        columnarOrigin = .eventsTable
    }

    /// The names of the properties the store's events carry, read from table `fields`, not the catalog: inside an
    /// import's transaction, a catalog would outlive the transaction in the cache.
    private func propertyNamesInTable() throws -> [String] {
        var names: [String] = []
        let fields = try db.prepare("SELECT name FROM fields WHERE kind = ? AND count > 0")
        try fields.bind(Schema.propertyKind, at: 1)
        while try fields.step() { names.append(fields.text(0) ?? "") }
        return names
    }

    /// The encoded sections of `events`: its base columns and the property columns `properties`, which must be
    /// on it already.
    static func columnarSections(_ events: ColumnarEvents, properties: [String]) -> [(name: String, bytes: [UInt8])] {
        [("base", ColumnarCodec.encode(events))] + properties.map { name in
            ("property:" + name, ColumnarCodec.encode(events.propertyColumn(name) { preconditionFailure("\(name) not on the copy") }))
        }
    }

    /// Writes `sections` of `events` into the store and keeps `events` in memory.
    private func keepColumnarCopy(_ events: ColumnarEvents, sections: [(name: String, bytes: [UInt8])]) {
        writeColumnarSections(sections, version: events.version)
        adoptColumnarCopy(events)
    }
}
