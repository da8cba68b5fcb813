// Serving a ScanRequest: the one SQL query behind a journey scan, grouping its rows per customer, and EXPLAIN.

/// The SQL that serves one scan request.
package struct ScanQuery: Sendable, Hashable {
    /// `SELECT customer, time, mask FROM events_json e WHERE (filter) AND (step0 OR ...) ORDER BY customer, time, seq`.
    package var fragment: SQLFragment

    /// Builds the query for `request`. The mask sets bit i when step i's condition is true (not merely not false).
    /// The events come in their order from `EventsTable`, so the ORDER BY needs no sort.
    package init(_ request: ScanRequest) {
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
        PredicateSQL.append(request.filter, to: &fragment)
        fragment.sql += ")"
        if !request.deliverAll {
            fragment.sql += " AND ("
            if request.steps.isEmpty { fragment.sql += "0" }
            for (index, step) in request.steps.enumerated() {
                if index > 0 { fragment.sql += " OR " }
                fragment.sql += "("
                PredicateSQL.append(step, to: &fragment)
                fragment.sql += ")"
            }
            fragment.sql += ")"
        }
        fragment.sql += " ORDER BY e.customer, e.time, e.seq"
        self.fragment = fragment
    }
}

extension EventStore {
    /// How many rows pass between two polls of `isCancelled` (SQLite also polls it while skipping rows).
    static let cancellationInterval = 4096

    /// Calls `body` once per customer with an admitted event that matches some step, in ascending customer number.
    ///
    /// The arrays handed to `body` are reused for the next customer; copy them if they must outlive the call.
    package func scanCustomers(_ request: ScanRequest, isCancelled: () -> Bool,
                              _ body: (CustomerEvents) throws -> Void) throws {
        guard !request.steps.isEmpty else { return }
        let query = ScanQuery(request)
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
    package func customerAttributeValues(_ name: String) throws -> [Int64: CarriedValue] {
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
    package func explain(_ request: ScanRequest) throws -> ScanExplanation {
        let query = ScanQuery(request)
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
}
