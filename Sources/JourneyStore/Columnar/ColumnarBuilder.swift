// Assembling a columnar copy from events delivered in the clustered (customer, time, seq) order: by a scan of
// a version 2 store's events table (when it is upgraded), or by an import from its sorted rows.

/// Collects events in clustered order into the columns of a `ColumnarEvents`, numbering the distinct code
/// triples as they come, and optionally each event's property object id (for the property columns).
struct ColumnarBuilder {
    private(set) var customers: [Int64] = []
    private var starts: [Int32] = []
    private(set) var times: [Int64] = []
    private var tripleIndex: [UInt32] = []
    private var triples: [CodeTriple] = []
    private var packedIndex: [UInt64: UInt32] = [:]
    private var otherIndex: [CodeTriple: UInt32] = [:]
    private var lastKey: UInt64 = .max
    private var lastIndex: UInt32 = 0
    /// This builder's triple number for an import's triple number (`PendingTriples`), `UInt32.max` until seen.
    private var pendingIndex: [UInt32] = []
    /// Each event's property object id (0 for none), when `keepsPropsIDs`.
    private(set) var propsIDs: [UInt32] = []
    let keepsPropsIDs: Bool

    init(expectedCount: Int, keepsPropsIDs: Bool) {
        self.keepsPropsIDs = keepsPropsIDs
        times.reserveCapacity(expectedCount)
        tripleIndex.reserveCapacity(expectedCount)
        if keepsPropsIDs { propsIDs.reserveCapacity(expectedCount) }
    }

    var eventCount: Int { times.count }

    /// Adds the next event. Codes are the stored ones, -1 for NULL.
    @inline(__always)
    mutating func append(customer: Int64, time: Int64, stage: Int64, touchpoint: Int64, channel: Int64, props: UInt32) {
        if customers.last != customer {
            customers.append(customer)
            starts.append(Int32(truncatingIfNeeded: times.count))
        }
        times.append(time)
        tripleIndex.append(index(stage &+ 1, touchpoint &+ 1, channel &+ 1))
        if keepsPropsIDs { propsIDs.append(props) }
    }

    /// Adds the next event of an import, whose codes (0 for none) are those of triple `number` of `triples`: each
    /// import triple is looked up once, then by its number.
    @inline(__always)
    mutating func append(customer: Int64, time: Int64, triple number: UInt32, of triples: [PendingTriples.Codes],
                         props: UInt32) {
        if customers.last != customer {
            customers.append(customer)
            starts.append(Int32(truncatingIfNeeded: times.count))
        }
        times.append(time)
        if pendingIndex.count != triples.count { pendingIndex = [UInt32](repeating: .max, count: triples.count) }
        var index = pendingIndex[Int(number)]
        if index == .max {
            let codes = triples[Int(number)]
            // `index` takes each code plus one, 0 for NULL.
            func plusOne(_ code: UInt32) -> Int64 { code == 0 ? 0 : Int64(code) + 1 }
            index = self.index(plusOne(codes.stage), plusOne(codes.touchpoint), plusOne(codes.channel))
            pendingIndex[Int(number)] = index
        }
        tripleIndex.append(index)
        if keepsPropsIDs { propsIDs.append(props) }
    }

    /// The number of the triple of codes plus one (0 for NULL).
    @inline(__always)
    private mutating func index(_ s: Int64, _ t: Int64, _ c: Int64) -> UInt32 {
        // Codes are small positive numbers: three of them (plus one for NULL) pack into one key.
        if s >= 0, t >= 0, c >= 0, s < 1 << 21, t < 1 << 21, c < 1 << 21 {
            let key = UInt64(s) | UInt64(t) << 21 | UInt64(c) << 42
            if key == lastKey { return lastIndex }
            let index: UInt32
            if let known = packedIndex[key] {
                index = known
            } else {
                index = UInt32(triples.count)
                triples.append(Self.triple(s, t, c))
                packedIndex[key] = index
            }
            lastKey = key
            lastIndex = index
            return index
        }
        let triple = Self.triple(s, t, c)
        if let known = otherIndex[triple] { return known }
        let index = UInt32(triples.count)
        triples.append(triple)
        otherIndex[triple] = index
        return index
    }

    private static func triple(_ s: Int64, _ t: Int64, _ c: Int64) -> CodeTriple {
        CodeTriple(stage: s == 0 ? nil : s &- 1, touchpoint: t == 0 ? nil : t &- 1, channel: c == 0 ? nil : c &- 1)
    }

    /// The copy of `version`.
    func finish(version: EventsVersion) throws -> ColumnarEvents {
        guard times.count < Int(Int32.max) else {
            throw StoreError.schema("the columnar engine holds at most \(Int32.max) events")
        }
        return ColumnarEvents(version: version, customers: customers, starts: starts + [Int32(times.count)], times: times,
                              tripleIndex: tripleIndex, triples: triples)
    }
}
