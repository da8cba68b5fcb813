// Rewriting a version 2 store, which kept every event twice (a row of the clustered events table, and the columnar
// copy made from it), into version 3, which keeps the columnar copy alone (`Schema.upgradeFromVersion3` then splits
// the customers table).

extension EventStore {
    /// Rewrites a version 2 store in one transaction: the columnar copy of its events table (from one ordered
    /// scan, with each event's property object and every property column) replaces whatever copy it kept, the
    /// events tables go, and the views read the events from the copy (`EventsTable`). The file is then compacted,
    /// since the table was about three quarters of it.
    func upgradeFromVersion2() throws {
        let events = try db.transaction {
            let counters = try readCounters()
            let version = EventsVersion(eventCount: counters.eventCount, nextSeq: counters.nextSeq)
            let names = try propertyNamesInTable()
            let events = try buildColumnarFromTable(version: version, properties: names)
            try db.execute(Self.createColumnarTable)
            guard writeColumnarSections(Self.columnarSections(events, properties: names), version: version) else {
                throw StoreError.schema("'\(path)' could not be rewritten to version 3")
            }
            try db.execute("""
                DROP VIEW IF EXISTS events_json;
                DROP TABLE IF EXISTS events_recent;
                DROP TABLE events;
                \(Schema.eventsViews)
                UPDATE meta SET value = '3' WHERE key = 'schema_version';
                """)
            return events
        }
        cachedColumnar = events
        columnarOrigin = .madeHere
        try? db.execute("VACUUM")
    }
}
