// The columnar copy of an import into an empty store, made on the second core while the importing thread writes
// the rows: the copy needs nothing SQLite has not been given already, so it need not wait for the table.

/// Builds the copy (base columns, every property column, and their encoded sections) on its own thread.
final class ImportCopyMaker: @unchecked Sendable {
    /// The copy and the sections to store, by section name.
    struct Made {
        var events: ColumnarEvents
        var properties: [String]
        var sections: [(name: String, bytes: [UInt8])]
    }

    // Written by the worker before it finishes; read only after `join()`.
    private var result: Result<Made, any Error> = .failure(StoreError.cancelled)
    private var worker: Worker?

    /// Starts making the copy of `rows` (all the store's events, in clustered order), whose property objects are
    /// the keys of `objects` in insertion order, numbered from `firstPropsID`.
    init(rows: [PendingEvent], version: EventsVersion, properties: [String], objects: ByteKeyTable, firstPropsID: Int64) {
        let input = HandOff(value: (rows, objects))
        worker = Worker { [self] in
            result = Result {
                try Self.make(rows: input.value.0, version: version, properties: properties,
                              objects: input.value.1, firstPropsID: firstPropsID)
            }
        }
    }

    /// Waits for the copy.
    func wait() throws -> Made {
        worker?.join()
        worker = nil
        return try result.get()
    }

    private static func make(rows: [PendingEvent], version: EventsVersion, properties: [String], objects: ByteKeyTable,
                             firstPropsID: Int64) throws -> Made {
        var builder = ColumnarBuilder(expectedCount: rows.count, keepsPropsIDs: !properties.isEmpty)
        for event in rows {
            // The builder takes -1 for NULL; a pending event's codes are 0 for none.
            builder.append(customer: Int64(event.customer), time: event.time,
                           stage: event.stage == 0 ? -1 : Int64(event.stage),
                           touchpoint: event.touchpoint == 0 ? -1 : Int64(event.touchpoint),
                           channel: event.channel == 0 ? -1 : Int64(event.channel), props: event.props)
        }
        let events = try builder.finish(version: version)
        var sections: [(name: String, bytes: [UInt8])] = [("base", ColumnarCodec.encode(events))]
        if !properties.isEmpty {
            // A connection of its own, in memory, for SQLite's JSON functions on the objects that need them.
            let json = try Database(path: ":memory:")
            let columns = try PropertyReader.columns(properties, propsIDs: builder.propsIDs, objectCount: objects.count,
                                                     largestID: Int(firstPropsID) + objects.count, db: json) { add in
                var id = firstPropsID
                try objects.forEachKey { key in
                    try add(id, key)
                    id += 1
                }
            }
            for name in properties {
                guard let column = columns[name] else { continue }
                _ = events.propertyColumn(name) { column }
                sections.append(("property:" + name, ColumnarCodec.encode(column)))
            }
        }
        return Made(events: events, properties: properties, sections: sections)
    }
}
