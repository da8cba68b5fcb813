// Serving a ScanRequest: the one SQL query behind a journey scan, grouping its rows per customer, and EXPLAIN.

/// The SQL that serves one scan request.
public struct ScanQuery: Sendable, Hashable {
    /// `SELECT customer, time, mask FROM events_json e WHERE (filter) AND (step0 OR ...) ORDER BY customer, time, seq`.
    public var fragment: SQLFragment

    /// Builds the query for `request`. The mask sets bit i when step i's condition is true (not merely not false).
    ///
    /// With `useIndexes` false the conditions are written so that SQLite cannot serve them from the
    /// (stage, time) and (touchpoint, time) indexes and reads the table in its clustered order instead, which
    /// needs no sort; the answer is the same.
    public init(_ request: ScanRequest, useIndexes: Bool = true) {
        var fragment = SQLFragment(sql: "SELECT e.customer, e.time, ")
        if request.steps.isEmpty {
            fragment.sql += "0"
        } else {
            for (bit, step) in request.steps.enumerated() {
                // SQLite gives | and << the same precedence, so every shifted term is parenthesized.
                if bit > 0 { fragment.sql += " | (" }
                fragment.sql += "(("
                PredicateSQL.append(step, to: &fragment)
                fragment.sql += ") IS TRUE)"
                if bit > 0 { fragment.sql += " << \(bit))" }
            }
        }
        fragment.sql += " AS mask"
        for field in request.carry {
            switch field {
            case .column(let column):
                fragment.sql += ", e.\(column.name)"
            case .property(let name):
                if let path = PredicateSQL.jsonPath(name) {
                    fragment.sql += ", json_extract(e.props, ?)"
                    fragment.bindings.append(.text(path))
                } else {
                    fragment.sql += ", NULL"
                }
            }
        }
        fragment.sql += " FROM events_json e WHERE ("
        PredicateSQL.append(request.filter, to: &fragment, indexes: useIndexes)
        fragment.sql += ")"
        if !request.deliverAll {
            fragment.sql += " AND ("
            if request.steps.isEmpty { fragment.sql += "0" }
            for (index, step) in request.steps.enumerated() {
                if index > 0 { fragment.sql += " OR " }
                fragment.sql += "("
                PredicateSQL.append(step, to: &fragment, indexes: useIndexes)
                fragment.sql += ")"
            }
            fragment.sql += ")"
        }
        fragment.sql += " ORDER BY e.customer, e.time, e.seq"
        self.fragment = fragment
    }

    /// The share of events above which reading the whole table in order beats an index lookup plus a sort:
    /// an indexed row costs about six times a row of the ordered scan (measured on 1.2M events).
    public static let indexShareLimit = 0.1

    /// An upper estimate of the share of events `request` admits, from how many events carry each code
    /// (`eventsPerCode[column][code]`); conditions other than codes are taken to admit everything.
    public static func estimatedShare(of request: ScanRequest, eventsPerCode: [EventColumn: [Int64: Int]],
                                      eventCount: Int) -> Double {
        guard eventCount > 0 else { return 0 }
        func share(_ predicate: Predicate) -> Double {
            switch predicate {
            case .constant(let value): return value ? 1 : 0
            case .codes(let column, let codes):
                let events = codes.reduce(0) { $0 + (eventsPerCode[column]?[$1] ?? 0) }
                return min(1, Double(events) / Double(eventCount))
            case .and(let terms): return terms.map(share).min() ?? 1
            case .or(let terms): return min(1, terms.map(share).reduce(0, +))
            case .not, .time, .customer, .property, .customerAttribute, .like, .isNull, .customerIn: return 1
            }
        }
        let normalized = request.steps.map(PredicateSQL.normalized)
        return min(share(PredicateSQL.normalized(request.filter)), min(1, normalized.map(share).reduce(0, +)))
    }
}

extension EventStore {
    /// How many rows pass between two polls of `isCancelled` (SQLite also polls it while skipping rows).
    static let cancellationInterval = 4096

    /// Calls `body` once per customer with an admitted event that matches some step, in ascending customer number.
    ///
    /// The arrays handed to `body` are reused for the next customer; copy them if they must outlive the call.
    public func scanCustomers(_ request: ScanRequest, isCancelled: () -> Bool,
                              _ body: (CustomerEvents) throws -> Void) throws {
        guard !request.steps.isEmpty else { return }
        let query = try scanQuery(request)
        let statement = try db.prepare(query.fragment.sql)
        try statement.bind(query.fragment.bindings)
        try db.withCancellation(isCancelled) {
            var current = CustomerEvents(customer: 0, carried: Array(repeating: [], count: request.carry.count))
            current.times.reserveCapacity(256)
            current.masks.reserveCapacity(256)
            var rows = 0
            while try statement.step() {
                rows += 1
                if rows % Self.cancellationInterval == 0, isCancelled() { throw StoreError.cancelled }
                let customer = statement.int64(0)
                if customer != current.customer {
                    if !current.times.isEmpty { try body(current) }
                    current.customer = customer
                    current.times.removeAll(keepingCapacity: true)
                    current.masks.removeAll(keepingCapacity: true)
                    for f in current.carried.indices { current.carried[f].removeAll(keepingCapacity: true) }
                }
                current.times.append(statement.int64(1))
                current.masks.append(UInt64(bitPattern: statement.int64(2)))
                for f in current.carried.indices {
                    let column = Int32(3 + f)
                    let value: CarriedValue
                    switch statement.value(column) {
                    case .null: value = .null
                    case .integer(let i): value = .integer(i)
                    case .real(let d): value = .real(d)
                    case .text(let t): value = .text(t)
                    }
                    current.carried[f].append(value)
                }
            }
            if !current.times.isEmpty { try body(current) }
        }
    }

    /// One customer attribute for every customer that has it, typed as stored (for breakdowns by `customer.x`).
    public func customerAttributeValues(_ name: String) throws -> [Int64: CarriedValue] {
        guard let path = PredicateSQL.jsonPath(name) else { return [:] }
        let statement = try db.prepare("SELECT id, json_extract(attrs, ?) FROM customers WHERE json_type(attrs, ?) IS NOT NULL")
        try statement.bind([.text(path), .text(path)])
        var values: [Int64: CarriedValue] = [:]
        while try statement.step() {
            switch statement.value(1) {
            case .null: break
            case .integer(let i): values[statement.int64(0)] = .integer(i)
            case .real(let d): values[statement.int64(0)] = .real(d)
            case .text(let t): values[statement.int64(0)] = .text(t)
            }
        }
        return values
    }

    /// The SQL, its bindings as literals, and SQLite's query plan for `request`.
    public func explain(_ request: ScanRequest) throws -> ScanExplanation {
        let query = try scanQuery(request)
        let statement = try db.prepare("EXPLAIN QUERY PLAN " + query.fragment.sql)
        try statement.bind(query.fragment.bindings)
        // Rows are (id, parent, notused, detail); a node is indented one level deeper than its parent.
        var depth: [Int64: Int] = [0: -1]
        var plan: [String] = []
        while try statement.step() {
            let id = statement.int64(0)
            let level = (depth[statement.int64(1)] ?? -1) + 1
            depth[id] = level
            plan.append(String(repeating: "  ", count: level) + (statement.text(3) ?? ""))
        }
        return ScanExplanation(sql: query.fragment.sql, bindings: query.fragment.bindings.map(\.description), plan: plan)
    }

    /// The query for `request`, allowing index lookups only when the steps are rare enough to pay for the sort.
    func scanQuery(_ request: ScanRequest) throws -> ScanQuery {
        var eventsPerCode: [EventColumn: [Int64: Int]] = [:]
        let dictionary = try db.prepare("SELECT col, code, events FROM dictionary")
        while try dictionary.step() {
            guard let column = EventColumn(rawValue: Int(dictionary.int64(0))) else { continue }
            eventsPerCode[column, default: [:]][dictionary.int64(1)] = Int(dictionary.int64(2))
        }
        let share = ScanQuery.estimatedShare(of: request, eventsPerCode: eventsPerCode,
                                             eventCount: Int(try readCounters().eventCount))
        return ScanQuery(request, useIndexes: share < ScanQuery.indexShareLimit)
    }
}
