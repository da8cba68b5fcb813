// The columnar copy kept in parts, so that an import into a large store writes only the columns of the events it
// adds: part 0 (the base) holds the events up to one version, and each later part the events one import added.
// A process reads the parts and merges them in memory, customer by customer; an import that finds the parts too
// many or too large merges them into a new base (see `ColumnarManifest.needsCompaction`).

import Foundation

/// Which parts make up the copy kept inside the store, in import order. Part 0 is written under the plain section
/// names (`base`, `property:NAME`), part k under `part.k/base`, `part.k/property:NAME`; each section's rows carry
/// the version at the end of its part. The manifest itself is section `manifest`, at the store's version.
struct ColumnarManifest: Equatable {
    struct Part: Equatable {
        var number: Int
        /// The events version before and after the part's events.
        var from: EventsVersion
        var to: EventsVersion

        var eventCount: Int { Int(to.eventCount - from.eventCount) }
    }

    var parts: [Part]

    static let section = "manifest"
    static let magic: [UInt8] = Array("JQLMAN1\n".utf8)

    /// A copy of one part, made from `version`'s events.
    init(base version: EventsVersion) {
        parts = [Part(number: 0, from: EventsVersion(eventCount: 0, nextSeq: 0), to: version)]
    }

    init(parts: [Part]) {
        self.parts = parts
    }

    var version: EventsVersion { parts[parts.count - 1].to }

    /// The section name of part `number`'s `section` (`base` or `property:NAME`).
    static func name(_ section: String, part number: Int) -> String {
        number == 0 ? section : "part.\(number)/\(section)"
    }

    /// The manifest with one more part, holding the events from this manifest's version to `version`.
    func appending(_ version: EventsVersion) -> ColumnarManifest {
        let number = (parts.map(\.number).max() ?? 0) + 1
        return ColumnarManifest(parts: parts + [Part(number: number, from: self.version, to: version)])
    }

    /// Whether an import should merge every part into a new base rather than add one: past 8 parts, or when the
    /// parts after the base hold more than an eighth as many events as it does. A process merges the parts each
    /// time it reads the copy (about a memory copy of the columns), so this bounds that cost, while an append
    /// between two merges writes only its own events.
    var needsCompaction: Bool {
        guard let base = parts.first else { return true }
        let appended = parts.dropFirst().reduce(0) { $0 + $1.eventCount }
        return parts.count > 8 || appended > base.eventCount / 8
    }

    func encode() -> [UInt8] {
        var out = ByteWriter()
        out.bytes += Self.magic
        out.varint(UInt64(parts.count))
        for part in parts {
            out.varint(UInt64(part.number))
            for value in [part.from.eventCount, part.from.nextSeq, part.to.eventCount, part.to.nextSeq] {
                out.varint(UInt64(bitPattern: value))
            }
        }
        return out.bytes
    }

    /// The manifest in `bytes`; throws when they are not one whose parts follow each other from an empty store.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> ColumnarManifest {
        var r = ByteReader(bytes)
        try r.expect(magic)
        let count = Int(try r.varint())
        guard count >= 1, count <= 1_000 else { throw r.corrupt() }
        var parts: [Part] = []
        for _ in 0..<count {
            let number = Int(try r.varint())
            var values: [Int64] = []
            for _ in 0..<4 { values.append(Int64(bitPattern: try r.varint())) }
            let part = Part(number: number, from: EventsVersion(eventCount: values[0], nextSeq: values[1]),
                            to: EventsVersion(eventCount: values[2], nextSeq: values[3]))
            let follows = parts.last.map { $0.to == part.from && $0.number < part.number }
                ?? (part.number == 0 && part.from == EventsVersion(eventCount: 0, nextSeq: 0))
            guard follows, part.to.eventCount >= part.from.eventCount, part.to.nextSeq >= part.from.nextSeq else {
                throw r.corrupt()
            }
            parts.append(part)
        }
        return ColumnarManifest(parts: parts)
    }
}

/// Where each event of a merged copy comes from: runs of consecutive events of one part, in the merged order.
struct ColumnarPartRuns: Sendable {
    struct Run: Sendable {
        var part: Int32
        var start: Int32
        var count: Int32
    }

    var runs: [Run] = []

    @inline(__always)
    mutating func add(part: Int, start: Int, count: Int) {
        guard count > 0 else { return }
        if let last = runs.last, last.part == Int32(part), Int(last.start + last.count) == start {
            runs[runs.count - 1].count += Int32(count)
        } else {
            runs.append(Run(part: Int32(part), start: Int32(start), count: Int32(count)))
        }
    }
}

/// A copy's base columns as arrays of its own, so that they can grow in place (see `ColumnarCodec.decodeColumns`).
struct ColumnarColumns {
    var version: EventsVersion
    var customers: [Int64]
    var starts: [Int32]
    var times: [Int64]
    var tripleIndex: [UInt32]
    var triples: [CodeTriple]
}

enum ColumnarPartMerge {
    /// The base and the later parts' events as one copy of `version`: customers ascending; a customer's events in
    /// time order, and on equal times in part order (a later part's events were imported later, so this is
    /// (time, seq) order). The base's arrays grow in place (decode them with room for the others' events and new
    /// customers), merged from the back: copying ten million events into new memory would cost a new process
    /// more than the merge. Also the runs that say where each merged event came from, for the property columns.
    static func merge(base: consuming ColumnarColumns, others: [ColumnarEvents],
                      version: EventsVersion) throws -> ColumnarEvents {
        var b = base
        let baseEvents = b.times.count, baseCustomers = b.customers.count
        let total = baseEvents + others.reduce(0) { $0 + $1.eventCount }
        guard total < Int(Int32.max) else { throw StoreError.schema("the columnar engine holds at most \(Int32.max) events") }
        // Triples: the base's numbers stay; the others' are renumbered into the same table.
        let remaps = renumber(into: &b.triples, others.map(\.triples))
        // The other parts' customers, ascending and distinct, and how many the base lacks.
        let delta = distinctUnion(others.map(\.customers))
        let newCustomers = delta.count - commonCount(delta, b.customers)
        let totalCustomers = baseCustomers + newCustomers
        b.times.append(contentsOf: repeatElement(0, count: total - baseEvents))
        b.tripleIndex.append(contentsOf: repeatElement(0, count: total - baseEvents))
        b.customers.append(contentsOf: repeatElement(0, count: newCustomers))
        b.starts.append(contentsOf: repeatElement(0, count: newCustomers))
        b.starts[totalCustomers] = Int32(total)

        var reversedRuns: [ColumnarPartRuns.Run] = []
        var w = total                  // merged events before w are not written yet
        var wc = totalCustomers - 1    // the next customer slot to write, from the back
        var bc = baseCustomers - 1     // the base's last customer not yet moved
        var baseEnd = baseEvents       // the base's events of customers 0...bc end here (its old starts[bc + 1])
        var d = delta.count - 1
        var positions = others.map { $0.customerCount - 1 }  // each other part's last customer not yet merged
        var merged: [(part: Int, start: Int, count: Int)] = []
        var scratchTimes: [Int64] = [], scratchTriples: [UInt32] = []
        while bc >= 0 || d >= 0 {
            let nextDelta = d >= 0 ? delta[d] : Int64.min
            if bc >= 0, b.customers[bc] > nextDelta {
                // The base's customers after the next delta customer move back as one block.
                var lo = 0, hi = bc
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if b.customers[mid] > nextDelta { hi = mid } else { lo = mid + 1 }
                }
                let first = Int(b.starts[lo]), count = baseEnd - first
                let shift = w - baseEnd
                if shift > 0 {
                    // The regions overlap: memmove.
                    b.times.withUnsafeMutableBufferPointer { t in
                        _ = memmove(t.baseAddress! + first + shift, t.baseAddress! + first, count * MemoryLayout<Int64>.stride)
                    }
                    b.tripleIndex.withUnsafeMutableBufferPointer { x in
                        _ = memmove(x.baseAddress! + first + shift, x.baseAddress! + first, count * MemoryLayout<UInt32>.stride)
                    }
                }
                // Slots only move back, so walking down never reads a slot already written.
                let slotShift = wc - bc
                var c = bc
                while c >= lo {
                    b.customers[c + slotShift] = b.customers[c]
                    b.starts[c + slotShift] = b.starts[c] + Int32(shift)
                    c -= 1
                }
                reversedRuns.append(ColumnarPartRuns.Run(part: 0, start: Int32(first), count: Int32(count)))
                w -= count
                wc -= bc - lo + 1
                baseEnd = first
                bc = lo - 1
                continue
            }
            // One customer of the other parts (and maybe of the base): its events merged by time into scratch.
            let customer = nextDelta
            merged.removeAll(keepingCapacity: true)
            var sources: [(part: Int, range: Range<Int>)] = []
            if bc >= 0, b.customers[bc] == customer {
                sources.append((0, Int(b.starts[bc])..<baseEnd))
                baseEnd = Int(b.starts[bc])
                bc -= 1
            }
            for (i, part) in others.enumerated() where positions[i] >= 0 && part.customers[positions[i]] == customer {
                let c = positions[i]
                sources.append((i + 1, Int(part.starts[c])..<Int(part.starts[c + 1])))
                positions[i] -= 1
            }
            scratchTimes.removeAll(keepingCapacity: true)
            scratchTriples.removeAll(keepingCapacity: true)
            var at = sources.map(\.range.lowerBound)
            while true {
                var best = -1
                var bestTime = Int64.max
                for s in sources.indices where at[s] < sources[s].range.upperBound {
                    let t = sources[s].part == 0 ? b.times[at[s]] : others[sources[s].part - 1].times[at[s]]
                    if best < 0 || t < bestTime { best = s; bestTime = t }  // sources are in part order: ties to the earlier
                }
                guard best >= 0 else { break }
                let part = sources[best].part, i = at[best]
                if part == 0 {
                    scratchTimes.append(b.times[i])
                    scratchTriples.append(b.tripleIndex[i])
                } else {
                    let other = others[part - 1]
                    scratchTimes.append(other.times[i])
                    scratchTriples.append(remaps[part - 1][Int(other.tripleIndex[i])])
                }
                if let last = merged.last, last.part == part, last.start + last.count == i {
                    merged[merged.count - 1].count += 1
                } else {
                    merged.append((part, i, 1))
                }
                at[best] += 1
            }
            let count = scratchTimes.count
            for k in 0..<count {
                b.times[w - count + k] = scratchTimes[k]
                b.tripleIndex[w - count + k] = scratchTriples[k]
            }
            for run in merged.reversed() {
                reversedRuns.append(ColumnarPartRuns.Run(part: Int32(run.part), start: Int32(run.start), count: Int32(run.count)))
            }
            w -= count
            b.customers[wc] = customer
            b.starts[wc] = Int32(w)
            wc -= 1
            d -= 1
        }
        precondition(w == 0 && wc == -1, "the parts' events did not fill the merged copy")
        // In merged order, adjacent runs of one part joined, in place (there can be a run per customer and part).
        reversedRuns.reverse()
        var kept = 0
        for k in reversedRuns.indices where reversedRuns[k].count > 0 {
            let run = reversedRuns[k]
            if kept > 0, reversedRuns[kept - 1].part == run.part,
               reversedRuns[kept - 1].start + reversedRuns[kept - 1].count == run.start {
                reversedRuns[kept - 1].count += run.count
            } else {
                reversedRuns[kept] = run
                kept += 1
            }
        }
        reversedRuns.removeLast(reversedRuns.count - kept)
        var runs = ColumnarPartRuns()
        runs.runs = reversedRuns
        return ColumnarEvents(version: version, customers: b.customers, starts: b.starts, times: b.times,
                              tripleIndex: b.tripleIndex, triples: b.triples, partRuns: runs)
    }

    /// For each list, the number of each of its entries in `table`, which gains the entries it lacks: the
    /// first part's numbers stay, the others' are renumbered into the same table.
    private static func renumber<T: Hashable>(into table: inout [T], _ lists: [[T]]) -> [[UInt32]] {
        var numbers: [T: UInt32] = [:]
        for (i, entry) in table.enumerated() where numbers[entry] == nil { numbers[entry] = UInt32(i) }
        return lists.map { list in
            list.map { entry in
                if let known = numbers[entry] { return known }
                let number = UInt32(table.count)
                table.append(entry)
                numbers[entry] = number
                return number
            }
        }
    }

    /// The values of ascending lists of distinct values, ascending and distinct: merged two by two (a part of 16M
    /// events has millions of customers, and most are in every part; hashing them all took seconds).
    static func distinctUnion(_ lists: [[Int64]]) -> [Int64] {
        var round = lists
        while round.count > 1 {
            var next: [[Int64]] = []
            for i in stride(from: 0, to: round.count, by: 2) {
                next.append(i + 1 < round.count ? mergeDistinct(round[i], round[i + 1]) : round[i])
            }
            round = next
        }
        return round.first ?? []
    }

    private static func mergeDistinct(_ a: [Int64], _ b: [Int64]) -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(max(a.count, b.count))
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                out.append(a[i]); i += 1
            } else if i == a.count || b[j] < a[i] {
                out.append(b[j]); j += 1
            } else {
                out.append(a[i]); i += 1; j += 1
            }
        }
        return out
    }

    /// How many values two ascending lists of distinct values share.
    private static func commonCount(_ a: [Int64], _ b: [Int64]) -> Int {
        var i = 0, j = 0, common = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { i += 1 } else if b[j] < a[i] { j += 1 } else { common += 1; i += 1; j += 1 }
        }
        return common
    }

    /// Property columns of each part (nil: the part has no such property, every value missing) merged along
    /// `runs`, the base's column growing in place from the back (decode it with room for `eventCount`): its value
    /// numbers stay, the others' are renumbered into the same table.
    static func mergeProperty(base: consuming PropertyColumn?, others: [PropertyColumn?], runs: ColumnarPartRuns,
                              eventCount: Int) -> PropertyColumn {
        let hasBase = base != nil
        var column = base ?? PropertyColumn(valueIndex: [], values: [.missing])
        let baseEvents = runs.runs.reduce(0) { $0 + ($1.part == 0 ? Int($1.count) : 0) }
        // The numbers four bytes each while they merge (a renumbered part may need them), narrowed at the end.
        var numbers = column.valueIndex.wide
        column.valueIndex = ValueNumbers(storage: .one([]))  // not shared: the base's array grows in place
        if !hasBase {
            numbers = [UInt32](repeating: 0, count: eventCount)
        } else {
            precondition(numbers.count == baseEvents)
            numbers.append(contentsOf: repeatElement(0, count: eventCount - baseEvents))
        }
        let present = others.compactMap { $0 }
        var renumbered = renumber(into: &column.values, present.map(\.values)).makeIterator()
        let remaps: [[UInt32]?] = others.map { $0 == nil ? nil : renumbered.next() }
        var w = eventCount
        numbers.withUnsafeMutableBufferPointer { out in
            for run in runs.runs.reversed() {
                let count = Int(run.count), start = Int(run.start)
                w -= count
                if run.part == 0 {
                    if hasBase, w != start {
                        _ = memmove(out.baseAddress! + w, out.baseAddress! + start, count * MemoryLayout<UInt32>.stride)
                    }
                } else if let other = others[Int(run.part) - 1], let remap = remaps[Int(run.part) - 1] {
                    other.valueIndex.withNarrowBuffer { from in
                        for k in 0..<count { out[w + k] = remap[Int(from[start + k])] }
                    }
                } else {
                    for k in 0..<count { out[w + k] = 0 }  // 0 is always .missing
                }
            }
        }
        precondition(w == 0)
        return PropertyColumn(valueIndex: numbers, values: column.values)
    }

    /// A column of plain values of each part merged along `runs` into a new array.
    static func mergeValues<T>(_ parts: [[T]], runs: ColumnarPartRuns, eventCount: Int) -> [T] {
        var out: [T] = []
        out.reserveCapacity(eventCount)
        for run in runs.runs {
            let start = Int(run.start)
            out.append(contentsOf: parts[Int(run.part)][start ..< start + Int(run.count)])
        }
        precondition(out.count == eventCount)
        return out
    }
}
