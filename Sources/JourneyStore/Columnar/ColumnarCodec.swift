// The columnar copy as bytes, for keeping it inside the store: variable-length integers, times as per-customer
// deltas, and code numbers in the narrowest width that holds them. About 6 bytes per event for the base columns.
import Foundation

/// Appends and reads the columnar copy's byte format. All integers are little-endian or LEB128 varints.
///
/// Base columns, version 2 (`JQLCOL2`): the header (event count, next seq, customer count, the triples), a table of
/// blocks (each block's first customer, first event and length in bytes), the blocks, then every event's triple
/// number in a fixed width. A block holds up to `blockCustomers` customers, each as its id (a delta from the
/// previous customer's in the block, the first from 0), its event count, its first time and the deltas of the
/// others; blocks decode independently, on every core. Version 1 (`JQLCOL1`, one block and no table) is still read.
enum ColumnarCodec {
    static let baseMagic: [UInt8] = Array("JQLCOL2\n".utf8)
    static let baseMagicVersion1: [UInt8] = Array("JQLCOL1\n".utf8)
    static let propertyMagic: [UInt8] = Array("JQLPRP1\n".utf8)
    static let seqMagic: [UInt8] = Array("JQLSEQ1\n".utf8)
    /// Customers per block: 820,000 customers make 13 blocks, enough to share among a few cores evenly.
    static let blockCustomers = 65_536

    // MARK: Base columns

    static func encode(_ events: ColumnarEvents, blockCustomers: Int = blockCustomers) -> [UInt8] {
        var out = ByteWriter()
        out.bytes += baseMagic
        out.varint(UInt64(events.version.eventCount))
        out.varint(UInt64(events.version.nextSeq))
        out.varint(UInt64(events.customerCount))
        out.varint(UInt64(events.triples.count))
        for triple in events.triples {
            for column in EventColumn.allCases {
                // 0 for NULL, else the code plus one, zigzagged so that any Int64 fits.
                out.varint(triple[column].map { zigzag($0) &+ 1 } ?? 0)
            }
        }
        let blocks = stride(from: 0, to: events.customerCount, by: max(1, blockCustomers)).map { first in
            first..<min(events.customerCount, first + max(1, blockCustomers))
        }
        let encoded = blocks.map { encodeBlock(events, customers: $0) }
        out.varint(UInt64(blocks.count))
        for (block, bytes) in zip(blocks, encoded) {
            out.varint(UInt64(block.lowerBound))
            out.varint(UInt64(events.starts[block.lowerBound]))
            out.varint(UInt64(bytes.count))
        }
        for bytes in encoded { out.bytes += bytes }
        out.fixedWidth(events.tripleIndex, maximum: UInt32(max(0, events.triples.count - 1)))
        return out.bytes
    }

    private static func encodeBlock(_ events: ColumnarEvents, customers: Range<Int>) -> [UInt8] {
        var out = ByteWriter()
        var previous: Int64 = 0
        for c in customers {
            let id = events.customers[c]
            out.varint(zigzag(id &- previous))
            previous = id
            let lower = Int(events.starts[c]), upper = Int(events.starts[c + 1])
            out.varint(UInt64(upper - lower))
            var last = events.times[lower]
            out.varint(zigzag(last))
            for i in lower + 1 ..< upper {
                // Times never decrease within a customer.
                out.varint(UInt64(bitPattern: events.times[i] &- last))
                last = events.times[i]
            }
        }
        return out.bytes
    }

    static func decodeBase(_ bytes: UnsafeRawBufferPointer) throws -> ColumnarEvents {
        let c = try decodeColumns(bytes)
        return ColumnarEvents(version: c.version, customers: c.customers, starts: c.starts, times: c.times,
                              tripleIndex: c.tripleIndex, triples: c.triples)
    }

    /// Where a block's customers, events and bytes lie.
    private struct Block {
        var customers: Range<Int>
        var events: Range<Int>
        var bytes: Range<Int>
    }

    /// The base columns as arrays of their own; `extraEvents` and `extraCustomers` reserve room to merge more
    /// events in place (see `ColumnarPartMerge`): memory a process touches for the first time is slow here.
    static func decodeColumns(_ bytes: UnsafeRawBufferPointer, extraEvents: Int = 0,
                              extraCustomers: Int = 0) throws -> ColumnarColumns {
        var r = ByteReader(bytes)
        let isVersion1 = r.starts(with: baseMagicVersion1)
        try r.expect(isVersion1 ? baseMagicVersion1 : baseMagic)
        let version = EventsVersion(eventCount: Int64(try r.varint()), nextSeq: Int64(try r.varint()))
        let customerCount = Int(try r.varint())
        let tripleCount = Int(try r.varint())
        let eventCount = Int(version.eventCount)
        guard customerCount <= eventCount, tripleCount <= eventCount + 1 else { throw r.corrupt() }
        var triples: [CodeTriple] = []
        triples.reserveCapacity(tripleCount)
        for _ in 0..<tripleCount {
            var codes: [Int64?] = []
            for _ in 0..<3 {
                let v = try r.varint()
                codes.append(v == 0 ? nil : unzigzag(v &- 1))
            }
            triples.append(CodeTriple(stage: codes[0], touchpoint: codes[1], channel: codes[2]))
        }
        let blocks = isVersion1 ? nil : try readBlockTable(&r, customerCount: customerCount, eventCount: eventCount)
        var customers = [Int64](repeating: 0, count: customerCount)
        var starts = [Int32](repeating: 0, count: customerCount + 1)
        customers.reserveCapacity(customerCount + extraCustomers)
        starts.reserveCapacity(customerCount + 1 + extraCustomers)
        var failure: StoreError?
        // Written once, straight into new memory; every slot is filled or the decoding fails.
        let times = [Int64](unsafeUninitializedCapacity: eventCount + extraEvents) { times, initialized in
            LargeArrays.adviseHugePages(UnsafeMutableRawBufferPointer(times))
            customers.withUnsafeMutableBufferPointer { customers in
                starts.withUnsafeMutableBufferPointer { starts in
                    let columns = BlockColumns(customers: customers, starts: starts, times: times)
                    if let blocks {
                        failure = decodeBlocks(blocks, from: bytes, into: columns)
                        if let last = blocks.last { r.p = last.bytes.upperBound }
                    } else {
                        // Version 1: one block, read in place.
                        let block = Block(customers: 0..<customerCount, events: 0..<eventCount, bytes: r.p..<bytes.count)
                        do {
                            r.p = try decodeBlock(block, from: bytes, into: columns, stopAtEnd: false)
                        } catch {
                            failure = error as? StoreError ?? r.corrupt()
                        }
                    }
                }
            }
            if failure != nil { for i in 0..<eventCount { times[i] = 0 } }
            initialized = eventCount
        }
        if let failure { throw failure }
        starts[customerCount] = Int32(eventCount)
        let tripleIndex = try r.fixedWidth(count: eventCount, below: tripleCount, capacity: eventCount + extraEvents)
        return ColumnarColumns(version: version, customers: customers, starts: starts, times: times,
                               tripleIndex: tripleIndex, triples: triples)
    }

    /// The table of blocks, checked to cover the customers, events and bytes that follow it without gaps.
    private static func readBlockTable(_ r: inout ByteReader, customerCount: Int, eventCount: Int) throws -> [Block] {
        let count = Int(try r.varint())
        guard count <= customerCount + 1 else { throw r.corrupt() }
        var heads: [(customer: Int, event: Int, length: Int)] = []
        for _ in 0..<count {
            heads.append((Int(try r.varint()), Int(try r.varint()), Int(try r.varint())))
        }
        var blocks: [Block] = []
        var offset = r.p
        for (k, head) in heads.enumerated() {
            let next = k + 1 < heads.count ? (heads[k + 1].customer, heads[k + 1].event) : (customerCount, eventCount)
            guard head.customer == (k == 0 ? 0 : blocks[k - 1].customers.upperBound),
                  head.event == (k == 0 ? 0 : blocks[k - 1].events.upperBound),
                  head.customer < next.0, head.event < next.1, next.0 <= customerCount, next.1 <= eventCount,
                  head.length >= 0, head.length <= r.bytes.count - offset else { throw r.corrupt() }
            blocks.append(Block(customers: head.customer..<next.0, events: head.event..<next.1,
                                bytes: offset..<(offset + head.length)))
            offset += head.length
        }
        guard (blocks.last?.customers.upperBound ?? 0) == customerCount,
              (blocks.last?.events.upperBound ?? 0) == eventCount else { throw r.corrupt() }
        return blocks
    }

    /// The columns the blocks fill, each block its own slots.
    private struct BlockColumns: @unchecked Sendable {
        let customers: UnsafeMutableBufferPointer<Int64>
        let starts: UnsafeMutableBufferPointer<Int32>
        let times: UnsafeMutableBufferPointer<Int64>
    }

    /// Every block, in contiguous groups, one group per core; the first failure, if any.
    private static func decodeBlocks(_ blocks: [Block], from bytes: UnsafeRawBufferPointer,
                                     into columns: BlockColumns) -> StoreError? {
        let groups = min(blocks.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        guard groups > 1 else {
            do {
                for block in blocks { _ = try decodeBlock(block, from: bytes, into: columns, stopAtEnd: true) }
                return nil
            } catch {
                return error as? StoreError ?? .schema("the store's columnar copy is damaged")
            }
        }
        let input = UncheckedBytes(bytes: bytes)
        let failures = ConcurrentResults<StoreError>(count: groups)
        DispatchQueue.concurrentPerform(iterations: groups) { g in
            let lower = blocks.count * g / groups, upper = blocks.count * (g + 1) / groups
            do {
                for block in blocks[lower..<upper] { _ = try decodeBlock(block, from: input.bytes, into: columns, stopAtEnd: true) }
            } catch {
                failures.set(g, error as? StoreError ?? .schema("the store's columnar copy is damaged"))
            }
        }
        return failures.values.lazy.compactMap { $0 }.first
    }

    /// One block's customers into their slots; the byte after it. With `stopAtEnd`, the block must end exactly at
    /// its last byte.
    @discardableResult
    private static func decodeBlock(_ block: Block, from bytes: UnsafeRawBufferPointer, into columns: BlockColumns,
                                    stopAtEnd: Bool) throws -> Int {
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[..<block.bytes.upperBound]))
        r.p = block.bytes.lowerBound
        var previous: Int64 = 0
        var filled = block.events.lowerBound
        for c in block.customers {
            previous = previous &+ unzigzag(try r.varint())
            columns.customers[c] = previous
            let count = Int(try r.varint())
            guard count > 0, count <= block.events.upperBound - filled else { throw r.corrupt() }
            columns.starts[c] = Int32(filled)
            var last = unzigzag(try r.varint())
            columns.times[filled] = last
            for i in filled + 1 ..< filled + count {
                last = last &+ Int64(bitPattern: try r.varint())
                columns.times[i] = last
            }
            filled += count
        }
        guard filled == block.events.upperBound, !stopAtEnd || r.p == block.bytes.upperBound else { throw r.corrupt() }
        return r.p
    }

    // MARK: Property columns

    static func encode(_ column: PropertyColumn) -> [UInt8] {
        var out = ByteWriter()
        out.bytes += propertyMagic
        out.varint(UInt64(column.valueIndex.count))
        out.varint(UInt64(column.values.count))
        for value in column.values {
            switch value {
            case .missing: out.bytes.append(0)
            case .integer(let i): out.bytes.append(1); out.varint(zigzag(i))
            case .real(let d): out.bytes.append(2); out.fixed64(d.bitPattern)
            case .text(let s): out.bytes.append(3); out.text(s)
            case .boolean(let b): out.bytes.append(b ? 5 : 4)
            case .json(let s): out.bytes.append(6); out.text(s)
            }
        }
        out.fixedWidth(column.valueIndex, maximum: UInt32(max(0, column.values.count - 1)))
        return out.bytes
    }

    static func decodeProperty(_ bytes: UnsafeRawBufferPointer, eventCount: Int, extraEvents: Int = 0) throws -> PropertyColumn {
        var r = ByteReader(bytes)
        try r.expect(propertyMagic)
        guard Int(try r.varint()) == eventCount else { throw r.corrupt() }
        let valueCount = Int(try r.varint())
        guard valueCount >= 1, valueCount <= eventCount + 1 else { throw r.corrupt() }
        var values: [StoredValue] = []
        values.reserveCapacity(valueCount)
        for _ in 0..<valueCount {
            switch try r.byte() {
            case 0: values.append(.missing)
            case 1: values.append(.integer(unzigzag(try r.varint())))
            case 2: values.append(.real(Double(bitPattern: try r.fixed64())))
            case 3: values.append(.text(try r.text()))
            case 4: values.append(.boolean(false))
            case 5: values.append(.boolean(true))
            case 6: values.append(.json(try r.text()))
            default: throw r.corrupt()
            }
        }
        if extraEvents > 0 {
            // Room to grow in place for a merge of parts (`ColumnarPartMerge.mergeProperty`): four bytes each.
            let valueIndex = try r.fixedWidth(count: eventCount, below: valueCount, capacity: eventCount + extraEvents)
            return PropertyColumn(valueIndex: ValueNumbers(storage: .four(valueIndex)), values: values)
        }
        return PropertyColumn(valueIndex: try r.numbers(count: eventCount, below: valueCount), values: values)
    }

    // MARK: Import sequence numbers

    /// Each event's import sequence number, as the difference from the previous event's (zigzag varints): about a
    /// byte an event for a log written customer by customer, three for one written in time order.
    static func encode(seqs: some Collection<Int64>) -> [UInt8] {
        var out = ByteWriter()
        out.bytes += seqMagic
        out.varint(UInt64(seqs.count))
        out.bytes.reserveCapacity(out.bytes.count + seqs.count * 2)
        var last: Int64 = 0
        for seq in seqs {
            out.varint(zigzag(seq &- last))
            last = seq
        }
        return out.bytes
    }

    static func decodeSeqs(_ bytes: UnsafeRawBufferPointer, eventCount: Int) throws -> [Int64] {
        var r = ByteReader(bytes)
        try r.expect(seqMagic)
        guard Int(try r.varint()) == eventCount else { throw r.corrupt() }
        var seqs = [Int64]()
        seqs.reserveCapacity(eventCount)
        var last: Int64 = 0
        for _ in 0..<eventCount {
            last = last &+ unzigzag(try r.varint())
            seqs.append(last)
        }
        guard r.p == bytes.count else { throw r.corrupt() }
        return seqs
    }

    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
    static func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func fixed64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func text(_ s: String) {
        varint(UInt64(s.utf8.count))
        bytes += s.utf8
    }

    /// A width byte (1, 2 or 4), then every value in that many bytes.
    /// (Stored straight into the array's memory, little-endian: an append per byte cost a tenth of encoding an
    /// import's sections.)
    mutating func fixedWidth(_ values: some Collection<UInt32>, maximum: UInt32) {
        let width = maximum <= 0xFF ? 1 : (maximum <= 0xFFFF ? 2 : 4)
        bytes.append(UInt8(width))
        var offset = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: values.count * width))
        bytes.withUnsafeMutableBytes { out in
            switch width {
            case 1:
                for v in values { out[offset] = UInt8(truncatingIfNeeded: v); offset += 1 }
            case 2:
                for v in values {
                    out.storeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: offset, as: UInt16.self)
                    offset += 2
                }
            default:
                for v in values { out.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self); offset += 4 }
            }
        }
    }
}

struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var p = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func corrupt() -> StoreError {
        StoreError.schema("the store's events (its columnar copy) are damaged at byte \(p)")
    }

    func starts(with magic: [UInt8]) -> Bool {
        bytes.count - p >= magic.count && magic.indices.allSatisfy { bytes[p + $0] == magic[$0] }
    }

    mutating func expect(_ magic: [UInt8]) throws {
        guard bytes.count - p >= magic.count, magic.indices.allSatisfy({ bytes[p + $0] == magic[$0] }) else { throw corrupt() }
        p += magic.count
    }

    mutating func byte() throws -> UInt8 {
        guard p < bytes.count else { throw corrupt() }
        defer { p += 1 }
        return bytes[p]
    }

    @inline(__always)
    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while p < bytes.count {
            let b = bytes[p]
            p += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { break }
        }
        throw corrupt()
    }

    mutating func fixed64() throws -> UInt64 {
        guard bytes.count - p >= 8 else { throw corrupt() }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[p + k]) << UInt64(8 * k) }
        p += 8
        return v
    }

    mutating func text() throws -> String {
        let length = Int(try varint())
        guard length >= 0, bytes.count - p >= length else { throw corrupt() }
        defer { p += length }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[p ..< p + length]), as: UTF8.self)
    }

    /// `count` values written by `ByteWriter.fixedWidth`, each checked to be below `limit` (a damaged copy must
    /// not index out of bounds later).
    /// `capacity` (at least `count`) reserves room for values appended later without moving these.
    mutating func fixedWidth(count: Int, below limit: Int, capacity: Int = 0) throws -> [UInt32] {
        let width = Int(try byte())
        guard [1, 2, 4].contains(width), bytes.count - p >= count * width else { throw corrupt() }
        let base = p
        var largest: UInt32 = 0
        // Written once, straight into new memory (no zero-filling pass first).
        let values = [UInt32](unsafeUninitializedCapacity: max(count, capacity)) { out, initialized in
            LargeArrays.adviseHugePages(UnsafeMutableRawBufferPointer(out))
            switch width {
            case 1: for i in 0..<count { out[i] = UInt32(bytes[base + i]); largest = max(largest, out[i]) }
            case 2:
                for i in 0..<count {
                    out[i] = UInt32(bytes[base + 2 * i]) | UInt32(bytes[base + 2 * i + 1]) << 8
                    largest = max(largest, out[i])
                }
            default:
                for i in 0..<count {
                    let o = base + 4 * i
                    out[i] = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                    largest = max(largest, out[i])
                }
            }
            initialized = count
        }
        guard count == 0 || Int(largest) < limit else { throw corrupt() }
        p += count * width
        return values
    }

    /// `count` numbers written by `ByteWriter.fixedWidth`, kept in the width they were written in (a copy: they
    /// are little-endian, as the processors this builds for), each checked to be below `limit`.
    mutating func numbers(count: Int, below limit: Int) throws -> ValueNumbers {
        let width = Int(try byte())
        guard [1, 2, 4].contains(width), bytes.count - p >= count * width else { throw corrupt() }
        let source = UnsafeRawBufferPointer(rebasing: bytes[p ..< p + count * width])
        func copy<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws -> [T] {
            var largest: T = 0
            let values = [T](unsafeUninitializedCapacity: count) { out, initialized in
                LargeArrays.adviseHugePages(UnsafeMutableRawBufferPointer(out))
                if count > 0 { UnsafeMutableRawBufferPointer(out).copyMemory(from: source) }
                #if _endian(big)
                for i in 0..<count { out[i] = T(littleEndian: out[i]) }
                #endif
                for i in 0..<count { largest = max(largest, out[i]) }
                initialized = count
            }
            guard count == 0 || Int(largest) < limit else { throw corrupt() }
            return values
        }
        let numbers: ValueNumbers
        switch width {
        case 1: numbers = ValueNumbers(storage: .one(try copy(UInt8.self)))
        case 2: numbers = ValueNumbers(storage: .two(try copy(UInt16.self)))
        default: numbers = ValueNumbers(storage: .four(try copy(UInt32.self)))
        }
        p += count * width
        return numbers
    }
}

/// Bytes read by several threads at once (read-only).
private struct UncheckedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
}
