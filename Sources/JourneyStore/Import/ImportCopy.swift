// The columnar copy after an import's batch of rows (which is how the store keeps its events): from the rows alone
// for an empty store, as one more part, or by merging them into the copy of the store as it was. Made on a thread of
// its own, which starts as soon as the rows are sorted while the importing thread writes the new customers.

import Foundation

/// Builds the copy (base columns, every property column, and their encoded sections) on its own thread.
final class ImportCopyMaker: @unchecked Sendable {
    /// The copy and the sections to store, by section name.
    struct Made {
        /// The whole store's copy, or with `appendsTo` only the import's events.
        var events: ColumnarEvents
        var properties: [String]
        var sections: [(name: String, bytes: [UInt8])]
        /// For a part: the stored copy's manifest with this part added (its last); nil for a whole copy.
        var appendsTo: ColumnarManifest?
    }

    /// What the import's copy is made from.
    enum Start {
        /// An empty store: the import's events are the whole copy.
        case empty
        /// The store's copy, to merge the import's events into: a new base. Only for a stored base that lacks a
        /// property's column (a part needs every one beside it); otherwise the events become a part, and the parts
        /// are merged in place (`EventStore.compactColumnarCopy`).
        case whole(Base)
        /// The stored copy's parts: the import's events become one more part, written on its own.
        case parts(ColumnarManifest)
    }

    /// The copy of the store before the import, with every property column it had.
    struct Base {
        var events: ColumnarEvents
        /// Each event's property object (`ColumnarEvents.propsColumn`).
        var props: PropertyColumn
        /// Each event's import sequence number.
        var seqs: [Int64]
        var columns: [String: PropertyColumn]
    }

    // Written by the worker before it finishes; read only after `join()`.
    private var result: Result<Made, any Error> = .failure(StoreError.cancelled)
    private var worker: Worker?

    /// Starts making the copy of the store as `start` describes it plus `sorted` (the import's events, once in
    /// clustered order), whose property objects are the keys of `objects` in insertion order, numbered from
    /// `firstPropsID`. For `.parts`, only the import's events: a part whose own version counts its events.
    /// `firstSeq` is the sequence number of the import's event at offset 0 (`PendingEvent.offset`); `triples` are
    /// the codes of the rows' triple numbers.
    init(from start: Start, rows sorted: ClusteredRows, version: EventsVersion, firstSeq: Int64, properties: [String],
         objects: ByteKeyTable, firstPropsID: Int64, triples: [PendingTriples.Codes]) {
        let input = HandOff(value: (start, sorted, objects))
        worker = Worker { [self] in
            result = Result {
                let (start, sorted, objects) = input.value
                sorted.waitForAll()
                let rows = UnsafeBufferPointer(sorted.rows)
                switch start {
                case .whole(let base):
                    return try Self.merge(base, rows: rows, version: version, firstSeq: firstSeq, properties: properties,
                                          objects: objects, firstPropsID: firstPropsID, triples: triples)
                case .empty:
                    return try Self.make(rows: rows, version: version, firstSeq: firstSeq, properties: properties,
                                         objects: objects, firstPropsID: firstPropsID, triples: triples)
                case .parts(let manifest):
                    let appended = manifest.appending(version)
                    let part = appended.parts[appended.parts.count - 1]
                    var made = try Self.make(rows: rows, version: EventsVersion(eventCount: Int64(rows.count), nextSeq: version.nextSeq),
                                             firstSeq: firstSeq, properties: properties, objects: objects,
                                             firstPropsID: firstPropsID, triples: triples)
                    made.sections = made.sections.map { (ColumnarManifest.name($0.name, part: part.number), $0.bytes) }
                        + [(ColumnarManifest.section, appended.encode())]
                    made.appendsTo = appended
                    return made
                }
            }
            ImportTrace.mark("making the columnar copy (other thread)")
        }
    }

    /// Waits for the copy.
    func wait() throws -> Made {
        worker?.join()
        worker = nil
        return try result.get()
    }

    private static func make(rows: UnsafeBufferPointer<PendingEvent>, version: EventsVersion, firstSeq: Int64,
                             properties: [String], objects: ByteKeyTable, firstPropsID: Int64,
                             triples: [PendingTriples.Codes]) throws -> Made {
        // The base columns and the property columns are independent: made on both cores (the importing thread is
        // waiting for this copy). At 10M events, 0.33 s and 0.5 s.
        let input = HandOff(value: (rows, objects))
        let base = ConcurrentResults<Result<ColumnarEvents, any Error>>(count: 1)
        let columns = ConcurrentResults<Result<[String: PropertyColumn], any Error>>(count: 1)
        DispatchQueue.concurrentPerform(iterations: 2) { task in
            let (rows, objects) = input.value
            if task == 1 {
                columns.set(0, Result { try newColumns(properties, rows: rows, objects: objects, firstPropsID: firstPropsID) })
                return
            }
            base.set(0, Result {
                var builder = ColumnarBuilder(expectedCount: rows.count, keepsPropsIDs: false)
                for event in rows {
                    builder.append(customer: Int64(event.customer), time: event.time, triple: event.triple, of: triples,
                                   props: event.props)
                }
                // No property object ids or sequence numbers on the copy: their sections are encoded from the rows
                // (below), and a query that needs them loads them from the store.
                return try builder.finish(version: version)
            })
        }
        // concurrentPerform has run both tasks: both slots are set.
        let events = try base.values[0]!.get()
        for (name, column) in try columns.values[0]!.get() { _ = events.propertyColumn(name) { column } }
        ImportTrace.mark("copy: columns (other thread)")
        // The rows outlive the encoding: `columnarSections` returns once every section is encoded.
        let sorted = HandOff(value: rows)
        let sections = EventStore.columnarSections(events, properties: properties, encodeProps: {
            ColumnarCodec.encode(PropertyColumn(propsIDs: sorted.value.lazy.map(\.props)))
        }, encodeSeqs: {
            ColumnarCodec.encode(seqs: sorted.value.lazy.map { firstSeq + Int64($0.offset) })
        })
        return Made(events: events, properties: properties, sections: sections, appendsTo: nil)
    }

    /// The property columns `properties` of `rows`, each object read once.
    private static func newColumns(_ properties: [String], rows: UnsafeBufferPointer<PendingEvent>, objects: ByteKeyTable,
                                   firstPropsID: Int64) throws -> [String: PropertyColumn] {
        guard !properties.isEmpty else { return [:] }
        // A connection of its own, in memory, for SQLite's JSON functions on the objects that need them.
        let json = try Database(path: ":memory:")
        return try PropertyReader.columns(properties, propsIDs: rows.map(\.props), objectCount: objects.count,
                                          largestID: Int(firstPropsID) + objects.count, db: json) { add in
            var id = firstPropsID
            try objects.forEachKey { key in
                try add(id, key)
                id += 1
            }
        }
    }

    /// The store's copy with `rows` merged in: customer by customer, and within a customer by time, the old
    /// events first on equal times (their import numbers are smaller). Property values are renumbered into
    /// one table per column, the old values first.
    private static func merge(_ base: Base, rows: UnsafeBufferPointer<PendingEvent>, version: EventsVersion, firstSeq: Int64,
                              properties: [String], objects: ByteKeyTable, firstPropsID: Int64,
                              triples: [PendingTriples.Codes]) throws -> Made {
        let old = base.events
        let total = old.eventCount + rows.count
        var builder = ColumnarBuilder(expectedCount: total, keepsPropsIDs: false)
        // Where each merged event comes from: an old event's index, or -(new row + 1).
        var source: [Int32] = []
        source.reserveCapacity(total)
        func appendOld(_ customer: Int64, _ event: Int) {
            let triple = old.triples[Int(old.tripleIndex[event])]
            builder.append(customer: customer, time: old.times[event], stage: triple.stage ?? -1,
                           touchpoint: triple.touchpoint ?? -1, channel: triple.channel ?? -1, props: 0)
            source.append(Int32(event))
        }
        func appendNew(_ row: Int) {
            let event = rows[row]
            builder.append(customer: Int64(event.customer), time: event.time, triple: event.triple, of: triples, props: 0)
            source.append(-Int32(row + 1))
        }
        var c = 0, row = 0
        while c < old.customerCount || row < rows.count {
            let oldCustomer = c < old.customerCount ? old.customers[c] : Int64.max
            let newCustomer = row < rows.count ? Int64(rows[row].customer) : Int64.max
            if oldCustomer < newCustomer {
                for event in Int(old.starts[c])..<Int(old.starts[c + 1]) { appendOld(oldCustomer, event) }
                c += 1
            } else if newCustomer < oldCustomer {
                while row < rows.count, Int64(rows[row].customer) == newCustomer { appendNew(row); row += 1 }
            } else {
                var event = Int(old.starts[c])
                let end = Int(old.starts[c + 1])
                while event < end || (row < rows.count && Int64(rows[row].customer) == newCustomer) {
                    let takesOld = event < end
                        && !(row < rows.count && Int64(rows[row].customer) == newCustomer && rows[row].time < old.times[event])
                    if takesOld { appendOld(oldCustomer, event); event += 1 } else { appendNew(row); row += 1 }
                }
                c += 1
            }
        }
        let events = try builder.finish(version: version)
        let added = try newColumns(properties, rows: rows, objects: objects, firstPropsID: firstPropsID)
        // Property object ids are the store's own: the new events' ids are new, and no renumbering is needed.
        let oldProps = base.props.propsIDs
        _ = events.propsColumn {
            PropertyColumn(propsIDs: source.map { from in from >= 0 ? oldProps[Int(from)] : rows[Int(-from - 1)].props })
        }
        _ = events.seqColumn {
            source.map { from in from >= 0 ? base.seqs[Int(from)] : firstSeq + Int64(rows[Int(-from - 1)].offset) }
        }
        for name in properties {
            let oldColumn = base.columns[name] ?? PropertyColumn(valueIndex: [UInt32](repeating: 0, count: old.eventCount),
                                                                  values: [.missing])
            let newColumn = added[name] ?? PropertyColumn(valueIndex: [UInt32](repeating: 0, count: rows.count),
                                                          values: [.missing])
            var values = oldColumn.values
            var known: [StoredValue: UInt32] = [:]
            for (index, value) in values.enumerated() where known[value] == nil { known[value] = UInt32(index) }
            let renumbered: [UInt32] = newColumn.values.map { value in
                if let index = known[value] { return index }
                let index = UInt32(values.count)
                values.append(value)
                known[value] = index
                return index
            }
            let valueIndex = source.map { from in
                from >= 0 ? oldColumn.valueIndex[Int(from)] : renumbered[Int(newColumn.valueIndex[Int(-from - 1)])]
            }
            let column = PropertyColumn(valueIndex: valueIndex, values: values)
            _ = events.propertyColumn(name) { column }
        }
        return Made(events: events, properties: properties,
                    sections: EventStore.columnarSections(events, properties: properties), appendsTo: nil)
    }
}
