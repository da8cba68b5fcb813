// Group keys: read per customer as cheap raw parts (codes and instants), displayed once per group, compared
// byte for byte as the store compares text, and ordered as SQLite orders values.
import JourneyStore

enum GroupKeys {
    /// A group key as it is read per customer: dictionary codes and start instants, turned into text only once
    /// per group (`displayGroups`).
    enum RawKeyPart: Hashable {
        case null
        case integer(Int64)
        case real(Double)
        case text(ByteText)
        case code(EventColumn, Int64)
        /// The start of a day or an ISO week, in milliseconds.
        case day(Int64)
        /// The start of a month, in milliseconds.
        case month(Int64)

        static func == (a: RawKeyPart, b: RawKeyPart) -> Bool {
            switch (a, b) {
            case (.null, .null): true
            case (.integer(let x), .integer(let y)): x == y
            case (.real(let x), .real(let y)): x == y
            case (.text(let x), .text(let y)): x == y
            case (.code(let c, let x), .code(let d, let y)): c == d && x == y
            case (.day(let x), .day(let y)): x == y
            case (.month(let x), .month(let y)): x == y
            default: false
            }
        }

        func hash(into hasher: inout Hasher) {
            switch self {
            case .null: hasher.combine(0)
            case .integer(let i): hasher.combine(1); hasher.combine(i)
            case .real(let d): hasher.combine(2); hasher.combine(d)
            case .text(let t): hasher.combine(3); hasher.combine(t)
            case .code(let c, let i): hasher.combine(4); hasher.combine(c); hasher.combine(i)
            case .day(let ms): hasher.combine(5); hasher.combine(ms)
            case .month(let first): hasher.combine(6); hasher.combine(first)
            }
        }
    }

    /// Text that is equal only to the same bytes (see `GroupKey`), hashed without copying them.
    struct ByteText: Hashable {
        let string: String
        init(_ string: String) { self.string = string }
        static func == (a: ByteText, b: ByteText) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }
        func hash(into hasher: inout Hasher) {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }

    /// Group keys compare text byte for byte, as the store does: Swift's `String` equality would merge
    /// canonically equivalent spellings (a precomposed `é` and `e` with a combining accent).
    struct GroupKey: Hashable {
        let cells: [Cell]

        private var bytes: [[UInt8]?] {
            cells.map { if case .text(let t) = $0 { Array(t.utf8) } else { nil } }
        }

        static func == (a: GroupKey, b: GroupKey) -> Bool {
            a.bytes == b.bytes && zip(a.cells, b.cells).allSatisfy { x, y in
                if case .text = x, case .text = y { return true }
                return x == y
            }
        }

        func hash(into hasher: inout Hasher) {
            for (cell, text) in zip(cells, bytes) {
                if let text { hasher.combine(text) } else { hasher.combine(cell) }
            }
        }
    }

    static func cell(_ value: CarriedValue) -> Cell {
        switch value {
        case .null: .null
        case .integer(let i): .number(Double(i))
        case .real(let d): .number(d)
        case .text(let t): .text(t)
        }
    }

    /// -1, 0 or 1: null before numbers before text; numbers numerically, text byte for byte.
    static func keyOrder(_ a: Cell, _ b: Cell) -> Int {
        func rank(_ c: Cell) -> Int {
            switch c {
            case .null: 0
            case .int, .number: 1
            default: 2
            }
        }
        if rank(a) != rank(b) { return rank(a) < rank(b) ? -1 : 1 }
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.text(let x), .text(let y)):
            if x.utf8.elementsEqual(y.utf8) { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        default: return 0
        }
    }

    /// Midnight UTC of the day of `ms`.
    static func startOfDay(_ ms: Int64) -> Int64 {
        let day: Int64 = 86_400_000
        return (ms >= 0 ? ms / day : (ms - day + 1) / day) * day
    }

    /// Midnight UTC of the Monday starting the ISO week of `ms`.
    static func startOfISOWeek(_ ms: Int64) -> Int64 {
        let day: Int64 = 86_400_000
        let days = ms >= 0 ? ms / day : (ms - day + 1) / day
        // 1970-01-01 was a Thursday: days since a Monday are (days + 3) mod 7.
        let sinceMonday = ((days + 3) % 7 + 7) % 7
        return (days - sinceMonday) * day
    }

    static func startMonth(_ start: Int64) -> Int64 {
        let (year, month, _) = TimeParser.civil(fromDays: startOfDay(start) / 86_400_000)
        return TimeParser.days(year: year, month: month, day: 1) * 86_400_000
    }

    static func rawKey(_ value: CarriedValue) -> RawKeyPart {
        switch value {
        case .null: .null
        case .integer(let i): .integer(i)
        case .real(let d): .real(d)
        case .text(let t): .text(ByteText(t))
        }
    }
}

/// Reads a journey's BY keys for a customer from its chain's first event, and displays them once per group.
package struct GroupKeyReader {
    let breakdown: [BreakdownSource]
    /// Customer attribute values per attribute name, for `BY customer.x`.
    let attributes: [String: [Int64: CarriedValue]]
    let decoders: [EventColumn: [Int64: String]]

    init(_ plan: FunnelPlan, catalog: StoreCatalog, attributes: [String: [Int64: CarriedValue]]) {
        breakdown = plan.breakdown
        self.attributes = attributes
        decoders = Dictionary(uniqueKeysWithValues: EventColumn.allCases.map { column in
            (column, Dictionary((catalog.codes[column] ?? CodeTable()).entries.map { ($0.code, $0.value) },
                                uniquingKeysWith: { a, _ in a }))
        })
    }

    var isEmpty: Bool { breakdown.isEmpty }

    /// The raw key of a customer whose chain starts at event `first`.
    func key(_ customer: ScannedCustomer, first: Int) -> [GroupKeys.RawKeyPart] {
        let start = customer.times[first]
        return breakdown.map { source -> GroupKeys.RawKeyPart in
            switch source {
            case .carried(let field, let decode):
                let value = customer.value(field, at: first)
                if let decode, case .integer(let code) = value { return .code(decode, code) }
                return GroupKeys.rawKey(value)
            case .customerAttribute(let name): return GroupKeys.rawKey(attributes[name]?[customer.customer] ?? .null)
            case .startDay: return .day(GroupKeys.startOfDay(start))
            case .startWeek: return .day(GroupKeys.startOfISOWeek(start))
            case .startMonth: return .month(GroupKeys.startMonth(start))
            }
        }
    }

    /// A raw key as result cells.
    func cells(_ raw: [GroupKeys.RawKeyPart]) -> [Cell] {
        raw.map { part -> Cell in
            switch part {
            case .null: return .null
            case .integer(let i): return .number(Double(i))
            case .real(let d): return .number(d)
            case .text(let t): return .text(t.string)
            case .code(let column, let code): return decoders[column]?[code].map { .text($0) } ?? .null
            case .day(let ms): return .text(TimeParser.formatDate(ms))
            case .month(let first): return .text(String(TimeParser.formatDate(first).prefix(7)))
            }
        }
    }

    /// Orders groups: periods (BY day, week, month) in time order, a trend read left to right; within a period,
    /// and without one, larger `size` first; ties by key in SQLite's order: null, then numbers, then text byte
    /// for byte.
    func precedes(_ a: [Cell], size sizeA: Int, _ b: [Cell], size sizeB: Int) -> Bool {
        GroupKeyReader.precedes(breakdown: breakdown, a, size: sizeA, b, size: sizeB)
    }

    /// `precedes` for groups counted elsewhere (the PostgreSQL engine groups in the database).
    package static func precedes(breakdown: [BreakdownSource], _ a: [Cell], size sizeA: Int, _ b: [Cell],
                                 size sizeB: Int) -> Bool {
        for i in breakdown.indices where breakdown[i].isPeriod {
            let order = GroupKeys.keyOrder(a[i], b[i])
            if order != 0 { return order < 0 }
        }
        if sizeA != sizeB { return sizeA > sizeB }
        for (x, y) in zip(a, b) {
            let order = GroupKeys.keyOrder(x, y)
            if order != 0 { return order < 0 }
        }
        return false
    }

    /// Per-core tallies by raw key merged per decoded key (two raw keys can decode to one group), the ungrouped
    /// tally added when there is one, ordered by `precedes` and cut to `limit`. With no BY and nothing counted,
    /// one empty group (`empty`) stands for the whole journey unless LIMIT is 0.
    func orderedGroups<Tally>(_ byKey: [[GroupKeys.RawKeyPart]: Tally], ungrouped: Tally?, limit: Int?,
                              size: (Tally) -> Int, add: (inout Tally, Tally) -> Void,
                              empty: () -> Tally) -> [(key: [Cell], tally: Tally)] {
        var merged: [GroupKeys.GroupKey: Tally] = [:]
        for (raw, tally) in byKey {
            let key = GroupKeys.GroupKey(cells: cells(raw))
            if merged[key] == nil { merged[key] = tally } else { add(&merged[key]!, tally) }
        }
        if let ungrouped { merged[GroupKeys.GroupKey(cells: [])] = ungrouped }
        var groups = merged.map { (key: $0.key.cells, tally: $0.value) }
        groups.sort { precedes($0.key, size: size($0.tally), $1.key, size: size($1.tally)) }
        if let limit, groups.count > limit { groups.removeLast(groups.count - limit) }
        if groups.isEmpty && breakdown.isEmpty && limit != 0 { groups = [(key: [], tally: empty())] }
        return groups
    }
}
