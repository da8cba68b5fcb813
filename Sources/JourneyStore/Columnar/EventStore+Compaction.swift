// Merging the stored parts of the columnar copy into one base, inside an import's transaction. The merge is the one
// a reading process does (`storedColumnar`: the base's columns grow in place, the other parts move in from the
// back), so the import holds the copy once, not the old copy beside a merged new one; the sections are then
// encoded and written a few at a time, never all of them at once.

import Foundation

extension EventStore {
    /// Merges the stored parts of the copy at `version` into a whole copy with the property columns `properties`
    /// (every property the store's events carry), writes it in place of the parts, and returns it. Throws when a
    /// part cannot be read or the copy cannot be written; the import's transaction then rolls back.
    func compactColumnarCopy(_ version: EventsVersion, properties: [String]) throws -> ColumnarEvents {
        guard let merged = storedColumnar(version: version) else { throw Self.damagedCopy }
        let props = try propsColumn(of: merged)
        let seqs = try seqColumn(of: merged)
        // The merged copy without its part runs: it is now a copy of one part.
        let whole = ColumnarEvents(version: version, customers: merged.customers, starts: merged.starts,
                                   times: merged.times, tripleIndex: merged.tripleIndex, triples: merged.triples)
        _ = whole.propsColumn { props }
        _ = whole.seqColumn { seqs }
        for name in properties {
            let column = try propertyColumn(name, of: merged, isCancelled: { false })
            _ = whole.propertyColumn(name) { column }
        }
        ImportTrace.mark("parts of the columnar copy read and merged")
        // Every part has been read: the first write (the base) deletes them.
        let encoders = Self.sectionEncoders(whole, properties: properties)
        let atOnce = max(1, ProcessInfo.processInfo.activeProcessorCount)
        for first in stride(from: 0, to: encoders.count, by: atOnce) {
            let sections = Self.encodeSections(encoders[first ..< min(encoders.count, first + atOnce)])
            guard writeColumnarSections(sections, version: version, keepingOtherParts: first > 0) else {
                throw StoreError.schema("the merged columnar copy could not be written")
            }
        }
        ImportTrace.mark("merged columnar copy written")
        return whole
    }
}
