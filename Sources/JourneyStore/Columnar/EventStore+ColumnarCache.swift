// Keeping the columnar copy inside the store, which since store version 3 is where the events are kept: a new
// process reads a few compact blobs, so its first query costs a fraction of a second.
//
// Each blob row carries the events version it holds; a row of any other version is ignored (and replaced when the
// copy is next written), so a copy can never answer for events it has not seen. Imports and upgrades write the copy
// inside their transaction, and fail when they cannot. The one write outside them is a cache fill: a property
// column made from the events' property objects (`propertyColumn`), skipped when the store cannot be written
// (read-only, busy), in which case the column stays in memory only.

import Foundation

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
        // The chunks' rows and sizes first (from the rows' headers, without reading the data); then each chunk is
        // copied from the pages straight into one buffer. One read transaction (a savepoint, which also nests in an
        // import's) keeps the rows found and the bytes read of the same commit.
        try db.execute("SAVEPOINT read_columnar_section")
        defer { try? db.execute("RELEASE read_columnar_section") }
        let statement = try db.prepare("SELECT rowid, version, length(data) FROM columnar WHERE name >= ? AND name < ? ORDER BY name")
        try statement.bind([.text(section + "#"), .text(section + "$")])
        let wanted = Self.versionText(version)
        var chunks: [(rowid: Int64, count: Int)] = []
        while try statement.step() {
            guard statement.text(1) == wanted else { return nil }
            chunks.append((statement.int64(0), Int(statement.int64(2))))
        }
        guard !chunks.isEmpty else { return nil }
        let total = chunks.reduce(0) { $0 + $1.count }
        return try [UInt8](unsafeUninitializedCapacity: total) { buffer, filled in
            LargeArrays.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            for chunk in chunks {
                try db.readBlob(table: "columnar", column: "data", rowid: chunk.rowid,
                                into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[filled..<(filled + chunk.count)]))
                filled += chunk.count
            }
        }
    }

    /// Stores a section in its own transaction (or savepoint, inside an import's), replacing any older copy; rows
    /// of other versions go too. Failures are swallowed, and answered false: imports and upgrades fail on false; a
    /// cache fill (a property column made on first use) just stays in memory.
    @discardableResult
    func writeColumnarSection(_ section: String, bytes: [UInt8], version: EventsVersion) -> Bool {
        writeColumnarSections([(section, bytes)], version: version)
    }

    /// Stores sections in one transaction (or savepoint), replacing older copies of them; rows of other versions
    /// go first, in one statement. One statement per section used to delete by `version != ? OR name range`,
    /// which scans the whole table: a store with 10,000 property columns spent seconds on it.
    ///
    /// `keepingOtherParts` writes one more part of the copy (its sections already named for it, the new manifest
    /// among them): the other parts, of other versions, stay.
    @discardableResult
    func writeColumnarSections(_ sections: [(name: String, bytes: [UInt8])], version: EventsVersion,
                               keepingOtherParts: Bool = false) -> Bool {
        guard !isReadOnly else { return false }  // the copy is kept in memory only
        let wanted = Self.versionText(version)
        // A cache fill never waits for another writer (an import running in another process): it is skipped.
        try? db.execute("PRAGMA busy_timeout = 0")
        defer { try? db.execute("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)") }
        do {
            try db.transaction {
                try db.execute(Self.createColumnarTable)
                if !keepingOtherParts {
                    let other = try db.prepare("DELETE FROM columnar WHERE version != ?")
                    try other.bind([.text(wanted)])
                    try other.run()
                }
                if sections.contains(where: { $0.name == "base" }) {
                    // A whole copy replaces the parts (the last of which has this version too).
                    try db.execute("DELETE FROM columnar WHERE (name >= 'part.' AND name < 'part/') OR (name >= 'manifest#' AND name < 'manifest$')")
                }
                let stale = try db.prepare("DELETE FROM columnar WHERE name >= ? AND name < ?")
                let insert = try db.prepare("INSERT INTO columnar(name, version, data) VALUES (?, ?, ?)")
                for (section, bytes) in sections {
                    stale.reset()
                    try stale.bind([.text(section + "#"), .text(section + "$")])
                    try stale.run()
                    try Self.insertSection(section, bytes: bytes, version: wanted, with: insert)
                }
            }
            // Our own commit does not change data_version, so the other caches stay valid.
        } catch {
            return false
        }
        return true
    }

    /// Inserts a section's rows (`name#000000`, `name#000001`, ...: at most `columnarChunkBytes` each) with
    /// `insert` (INSERT INTO columnar(name, version, data) VALUES (?, ?, ?)).
    private static func insertSection(_ section: String, bytes: [UInt8], version: String, with insert: Statement) throws {
        try bytes.withUnsafeBytes { all in
            var start = 0, chunk = 0
            repeat {
                let end = min(all.count, start + columnarChunkBytes)
                insert.reset()
                // SQLite reads the section's bytes in place until the bindings are cleared, within this closure.
                defer { insert.clearBindings() }
                let digits = String(chunk)
                try insert.bind(section + "#" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits, at: 1)
                try insert.bind(version, at: 2)
                try insert.bindBlobInPlace(UnsafeRawBufferPointer(rebasing: all[start..<end]), at: 3)
                try insert.run()
                start = end
                chunk += 1
            } while start < all.count
        }
    }

    private func hasColumnarTable() throws -> Bool {
        let statement = try db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'columnar'")
        return try statement.step()
    }

    /// The stored copy of the base columns, if it is current and intact: one base, or the parts its manifest
    /// lists, merged (see `ColumnarParts`).
    func storedColumnar(version: EventsVersion) -> ColumnarEvents? {
        if let bytes = try? readColumnarSection("base", version: version) {
            guard let events = try? bytes.withUnsafeBytes({ try ColumnarCodec.decodeBase($0) }),
                  events.version == version else { return nil }
            return events
        }
        guard let manifest = storedManifest(version: version), manifest.parts.count > 1 else { return nil }
        var others: [ColumnarEvents] = []
        for part in manifest.parts.dropFirst() {
            guard let bytes = try? readColumnarSection(ColumnarManifest.name("base", part: part.number), version: part.to),
                  let events = try? bytes.withUnsafeBytes({ try ColumnarCodec.decodeBase($0) }),
                  events.eventCount == part.eventCount else { return nil }
            others.append(events)
        }
        let base = manifest.parts[0]
        let extraEvents = Int(version.eventCount - base.to.eventCount)
        guard let bytes = try? readColumnarSection("base", version: base.to),
              let columns = try? bytes.withUnsafeBytes({
                  try ColumnarCodec.decodeColumns($0, extraEvents: extraEvents, extraCustomers: others.reduce(0) { $0 + $1.customerCount })
              }),
              columns.times.count == base.eventCount else { return nil }
        return try? ColumnarPartMerge.merge(base: columns, others: others, version: version)
    }

    /// The manifest of the stored parts, when it is at `version`.
    func storedManifest(version: EventsVersion) -> ColumnarManifest? {
        guard let bytes = try? readColumnarSection(ColumnarManifest.section, version: version),
              let manifest = try? bytes.withUnsafeBytes({ try ColumnarManifest.decode($0) }),
              manifest.version == version else { return nil }
        return manifest
    }

    /// The stored parts of the copy at `version` when an import may add one more: the parts' manifest, or for one
    /// stored base, a manifest of it alone provided every property the store's events carry is stored beside it
    /// (a part then stores every property its events carry, so a part without a property's section has no value
    /// of it). Reads the section names only, not the columns.
    private func storedParts(version: EventsVersion) throws -> ColumnarManifest? {
        guard try hasColumnarTable() else { return nil }
        if let manifest = storedManifest(version: version) { return manifest }
        let statement = try db.prepare("SELECT DISTINCT substr(name, 1, instr(name, '#') - 1) FROM columnar WHERE version = ?")
        try statement.bind([.text(Self.versionText(version))])
        var sections: Set<String> = []
        while try statement.step() { sections.insert(statement.text(0) ?? "") }
        guard sections.contains("base") else { return nil }
        for name in try propertyNamesInTable() where !sections.contains("property:" + name) { return nil }
        return ColumnarManifest(base: version)
    }

    /// Property `name` for every event of `events`: from the stored copy, else made from the events' property
    /// objects (`propsColumn`) and, for a copy of one part, stored for the next process.
    ///
    /// For a copy merged from parts, each part's column is read and merged the same way; a part without the
    /// section has no value of the property (an import stores a column for every property its events carry).
    func propertyColumn(_ name: String, of events: ColumnarEvents, isCancelled: () -> Bool) throws -> PropertyColumn {
        let section = "property:" + name
        if let runs = events.partRuns {
            if let manifest = storedManifest(version: events.version),
               let column = storedPropertyColumn(section, parts: manifest, runs: runs, eventCount: events.eventCount) {
                return column
            }
            return try derivedPropertyColumns([name], of: events, isCancelled: isCancelled)[name]!
        }
        if let bytes = try readColumnarSection(section, version: events.version) {
            // A stored column that does not decode is damage, not a column to make again.
            return try bytes.withUnsafeBytes { try ColumnarCodec.decodeProperty($0, eventCount: events.eventCount) }
        }
        let column = try derivedPropertyColumns([name], of: events, isCancelled: isCancelled)[name]!
        writeColumnarSection(section, bytes: ColumnarCodec.encode(column), version: events.version)
        return column
    }

    /// Properties `names` of every event of `events`, read from the events' property objects, each object once
    /// (see `PropertyReader`: values are exactly what `json_type` and `json_extract` give the SQL scan).
    func derivedPropertyColumns(_ names: Set<String>, of events: ColumnarEvents,
                                isCancelled: () -> Bool) throws -> [String: PropertyColumn] {
        let props = try propsColumn(of: events)
        return try PropertyReader.columns(names.sorted(), propsIDs: props.propsIDs, db: db, isCancelled: isCancelled)
    }

    /// Which property object each event of `events` has (see `ColumnarEvents.propsColumn`): section `props` of the
    /// copy, or of each part, merged. Every import stores it: a copy without it is damaged.
    func propsColumn(of events: ColumnarEvents) throws -> PropertyColumn {
        try events.propsColumn {
            if let runs = events.partRuns {
                guard let manifest = storedManifest(version: events.version),
                      let column = storedPropertyColumn(Self.propsSection, parts: manifest, runs: runs,
                                                        eventCount: events.eventCount, required: true) else {
                    throw Self.damagedCopy
                }
                return column
            }
            if events.eventCount == 0 { return PropertyColumn(propsIDs: []) }
            guard let bytes = try readColumnarSection(Self.propsSection, version: events.version) else { throw Self.damagedCopy }
            return try bytes.withUnsafeBytes { try ColumnarCodec.decodeProperty($0, eventCount: events.eventCount) }
        }
    }

    /// The section holding each event's property object id.
    static let propsSection = "props"
    /// The section holding each event's import sequence number.
    static let seqSection = "seq"

    /// Each event's import sequence number (see `ColumnarEvents.seqColumn`): section `seq` of the copy, or of each
    /// part, merged. Every import stores it: a copy without it is damaged.
    func seqColumn(of events: ColumnarEvents) throws -> [Int64] {
        try events.seqColumn {
            if events.eventCount == 0 { return [] }
            guard let runs = events.partRuns else {
                guard let bytes = try readColumnarSection(Self.seqSection, version: events.version) else { throw Self.damagedCopy }
                return try bytes.withUnsafeBytes { try ColumnarCodec.decodeSeqs($0, eventCount: events.eventCount) }
            }
            guard let manifest = storedManifest(version: events.version) else { throw Self.damagedCopy }
            let parts = try manifest.parts.map { part in
                guard let bytes = try readColumnarSection(ColumnarManifest.name(Self.seqSection, part: part.number), version: part.to)
                else { throw Self.damagedCopy }
                return try bytes.withUnsafeBytes { try ColumnarCodec.decodeSeqs($0, eventCount: part.eventCount) }
            }
            return ColumnarPartMerge.mergeValues(parts, runs: runs, eventCount: events.eventCount)
        }
    }

    static let damagedCopy = StoreError.schema("the store's events (its columnar copy) are damaged or missing")

    /// Property section `section` of every part, merged along `runs`; nil when a stored section cannot be read.
    /// With `required`, a part without the section makes the answer nil.
    private func storedPropertyColumn(_ section: String, parts manifest: ColumnarManifest, runs: ColumnarPartRuns,
                                      eventCount: Int, required: Bool = false) -> PropertyColumn? {
        var columns: [PropertyColumn?] = []
        for part in manifest.parts {
            let name = ColumnarManifest.name(section, part: part.number)
            guard let bytes = try? readColumnarSection(name, version: part.to) else {
                if required { return nil }
                columns.append(nil)
                continue
            }
            let extra = part.number == 0 ? eventCount - part.eventCount : 0
            guard let column = try? bytes.withUnsafeBytes({
                try ColumnarCodec.decodeProperty($0, eventCount: part.eventCount, extraEvents: extra)
            }) else { return nil }
            columns.append(column)
        }
        let base = columns.removeFirst()
        return ColumnarPartMerge.mergeProperty(base: base, others: columns, runs: runs, eventCount: eventCount)
    }

    /// The stored parts of the copy at `version`, for an import that adds one more whatever their number.
    func columnarParts(_ version: EventsVersion) -> ColumnarManifest? {
        try? storedParts(version: version)
    }

    /// The copy of `version` with every property column the store has (and those named `extraProperties`), from
    /// memory or the stored copy; nil when any part is missing. For an import whose events cannot be added as a
    /// part (`columnarParts` is nil): it merges them into this copy. Called inside the import's transaction, before
    /// its counts are written, so table `fields` still names the properties of `version`.
    func columnarBase(_ version: EventsVersion, extraProperties: Set<String> = []) -> ImportCopyMaker.Base? {
        let events: ColumnarEvents
        if let cached = cachedColumnar, cached.version == version {
            events = cached
        } else if let stored = storedColumnar(version: version) {
            events = stored
        } else {
            return nil
        }
        guard let names = try? propertyNamesInTable(), let props = try? propsColumn(of: events),
              let seqs = try? seqColumn(of: events) else { return nil }
        var columns: [String: PropertyColumn] = [:]
        for name in Set(names).union(extraProperties) {
            guard let column = try? events.propertyColumn(name, load: { try propertyColumn(name, of: events, isCancelled: { false }) })
            else { return nil }
            columns[name] = column
        }
        return ImportCopyMaker.Base(events: events, props: props, seqs: seqs, columns: columns)
    }

    /// Writes the copy an import made (see `ImportCopyMaker`) inside the import's transaction, once its counters
    /// are written, so that one commit (and one sync) stores both; `adoptColumnarCopy` keeps it in memory once the
    /// import has committed. False when the copy is not of the events the store now has, or lacks a property the
    /// store's events carry, or could not be written whole.
    func storeImportCopy(_ made: ImportCopyMaker.Made) -> Bool {
        guard let counters = try? readCounters() else { return false }
        let version = EventsVersion(eventCount: counters.eventCount, nextSeq: counters.nextSeq)
        if let manifest = made.appendsTo {
            guard manifest.version == version else { return false }
            return writeColumnarSections(made.sections, version: manifest.version, keepingOtherParts: true)
        }
        guard version == made.events.version,
              let names = try? propertyNamesInTable(), Set(names).isSubset(of: made.properties) else { return false }
        return writeColumnarSections(made.sections, version: made.events.version)
    }

    /// After an import committed, keeps in memory the whole copy it wrote (nil: it added a part, which alone is
    /// not the store's copy; the next query reads the parts from the store, merged).
    func adoptColumnarCopy(_ made: ImportCopyMaker.Made?) {
        guard let made, made.appendsTo == nil else {
            cachedColumnar = nil
            return
        }
        cachedColumnar = made.events
        columnarOrigin = .madeHere
    }

    /// The names of the properties the store's events carry, read from table `fields`, not the catalog: inside an
    /// import's transaction, a catalog would outlive the transaction in the cache.
    func propertyNamesInTable() throws -> [String] {
        var names: [String] = []
        let fields = try db.prepare("SELECT name FROM fields WHERE kind = ? AND count > 0")
        try fields.bind(Schema.propertyKind, at: 1)
        while try fields.step() { names.append(fields.text(0) ?? "") }
        return names
    }

    /// The encoded sections of `events`: its base columns and the property columns `properties`, which must be
    /// on it already.
    /// `encodeProps` and `encodeSeqs` encode those sections instead of the copy's columns (see `sectionEncoders`).
    static func columnarSections(_ events: ColumnarEvents, properties: [String],
                                 encodeProps: (@Sendable () -> [UInt8])? = nil,
                                 encodeSeqs: (@Sendable () -> [UInt8])? = nil) -> [(name: String, bytes: [UInt8])] {
        encodeSections(sectionEncoders(events, properties: properties, encodeProps: encodeProps, encodeSeqs: encodeSeqs))
    }

    /// A section's name and what encodes it.
    typealias SectionEncoder = (name: String, encode: @Sendable () -> [UInt8])

    /// Each section of `events` (its base columns, and the property columns `properties`, which must be on it
    /// already) with what encodes it. The property object ids and the sequence numbers come from `events` too
    /// unless `encodeProps` and `encodeSeqs` encode them from elsewhere (an import's buffered rows: columns of them
    /// on the copy would be 4 and 8 bytes an event, for sections of about 4 and 2).
    static func sectionEncoders(_ events: ColumnarEvents, properties: [String],
                                encodeProps: (@Sendable () -> [UInt8])? = nil,
                                encodeSeqs: (@Sendable () -> [UInt8])? = nil) -> [SectionEncoder] {
        let props = encodeProps ?? { [events] in
            ColumnarCodec.encode(events.propsColumn { preconditionFailure("property object ids not on the copy") })
        }
        let seqs = encodeSeqs ?? { [events] in
            ColumnarCodec.encode(seqs: events.seqColumn { preconditionFailure("sequence numbers not on the copy") })
        }
        var encoders: [SectionEncoder] = [("base", { ColumnarCodec.encode(events) }),
                                          (propsSection, props),
                                          (seqSection, seqs)]
        for name in properties {
            let column = events.propertyColumn(name) { preconditionFailure("\(name) not on the copy") }
            encoders.append(("property:" + name, { ColumnarCodec.encode(column) }))
        }
        return encoders
    }

    /// The sections `encoders` make, encoded on every core (they are independent: at 10M events, 0.5 s of an import
    /// on one).
    static func encodeSections(_ encoders: some Collection<SectionEncoder>) -> [(name: String, bytes: [UInt8])] {
        let list = Array(encoders)
        let encoded = ConcurrentResults<[UInt8]>(count: list.count)
        DispatchQueue.concurrentPerform(iterations: list.count) { i in encoded.set(i, list[i].encode()) }
        return zip(list.map(\.name), encoded.values).map { ($0, $1!) }
    }
}
