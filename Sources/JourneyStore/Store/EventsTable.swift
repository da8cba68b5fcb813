// The events as SQL sees them: the eponymous virtual table `journey_events`, served from the columnar copy, which
// is where a store keeps its events (schema version 3). Views `events` and `events_json` read it.

/// Table `journey_events(customer, time, seq, stage, touchpoint, channel, props)`: one row per event, in
/// (customer, time, import order) order, with the numbers a row of the old events table held.
///
/// - `seq` is the event's import sequence number: events are numbered in the order they were imported, across all
///   imports of the store.
/// - `stage`, `touchpoint`, `channel` are dictionary codes (NULL for none); `props` is the id of the event's
///   property object in table `props` (NULL for none).
///
/// Plans: a scan in the table's order (ORDER BY customer, time, seq needs no sort), narrowed by constraints on
/// `customer` (=, <, <=, >, >=) to the customers they allow.
final class EventsTable: VirtualTableSource {
    static let name = "journey_events"

    private weak var store: EventStore?

    init(store: EventStore) {
        self.store = store
    }

    let declaration = """
        CREATE TABLE x(customer INTEGER, time INTEGER, seq INTEGER, stage INTEGER, touchpoint INTEGER, \
        channel INTEGER, props INTEGER)
        """

    /// Plan numbers: bit 0 an equality on the customer, bits 1-2 a lower bound (1 >=, 2 >), bits 3-4 an upper
    /// bound (1 <=, 2 <); the values come in that order.
    func plan(constraints: [VirtualTableConstraint], orderBy: [(column: Int32, descending: Bool)]) -> VirtualTablePlan {
        let total = Double(max(1, store?.cachedColumnar?.eventCount ?? 1_000_000))
        var plan = VirtualTablePlan(cost: total, rows: Int64(total))
        var equal: Int?, lower: (Int, Int32)?, upper: (Int, Int32)?
        for (i, c) in constraints.enumerated() where c.usable && c.column == 0 {
            switch c.op {
            case .equal: equal = equal ?? i
            case .greaterOrEqual: lower = lower ?? (i, 1)
            case .greater: lower = lower ?? (i, 2)
            case .lessOrEqual: upper = upper ?? (i, 1)
            case .less: upper = upper ?? (i, 2)
            case .other: break
            }
        }
        if let equal {
            plan.number = 1
            plan.arguments = [equal]
            plan.cost = 20
            plan.rows = 20
        } else {
            if let lower {
                plan.number |= lower.1 << 1
                plan.arguments.append(lower.0)
            }
            if let upper {
                plan.number |= upper.1 << 3
                plan.arguments.append(upper.0)
            }
            if !plan.arguments.isEmpty {
                plan.cost = total / Double(2 * plan.arguments.count)
                plan.rows = Int64(plan.cost)
            }
        }
        // The rows come ordered by customer, time, seq: any ascending prefix of those is consumed.
        plan.orderConsumed = orderBy.count <= 3
            && orderBy.enumerated().allSatisfy { $0.element.column == Int32($0.offset) && !$0.element.descending }
        return plan
    }

    func openCursor() throws -> VirtualTableCursor {
        guard let store else { throw StoreError.schema("the store is closed") }
        return Cursor(store: store)
    }

    final class Cursor: VirtualTableCursor {
        private let store: EventStore
        private var events: ColumnarEvents?
        private var props: PropertyColumn?
        private var seqs: [Int64]?
        private var position = 0
        private var end = 0
        /// The customer (index) of the event at `position`.
        private var customer = 0

        init(store: EventStore) {
            self.store = store
        }

        func filter(plan: Int32, arguments: [SQLValue]) throws {
            let events = try store.columnarEvents()
            if self.events !== events {
                props = nil
                seqs = nil
            }
            self.events = events
            // The customers the plan allows, as a range of customer indexes: a superset is enough (SQLite checks).
            var lo = 0, hi = events.customerCount
            var values = arguments.makeIterator()
            if plan & 1 != 0, let value = values.next() {
                if let bound = Self.lowerBound(value, strict: false) { lo = max(lo, Self.firstIndex(events, atLeast: bound)) }
                if let bound = Self.upperBound(value, strict: false) { hi = min(hi, Self.firstIndex(events, above: bound)) }
            }
            let lowerKind = (plan >> 1) & 3, upperKind = (plan >> 3) & 3
            if lowerKind != 0, let value = values.next(), let bound = Self.lowerBound(value, strict: lowerKind == 2) {
                lo = max(lo, Self.firstIndex(events, atLeast: bound))
            }
            if upperKind != 0, let value = values.next(), let bound = Self.upperBound(value, strict: upperKind == 2) {
                hi = min(hi, Self.firstIndex(events, above: bound))
            }
            if lo >= hi {
                position = 0
                end = 0
                return
            }
            customer = lo
            position = Int(events.starts[lo])
            end = Int(events.starts[hi])
            skipEmptyCustomers()
        }

        /// The smallest customer number a value allows as a lower bound (nil: no bound that narrows safely).
        private static func lowerBound(_ value: SQLValue, strict: Bool) -> Int64? {
            switch value {
            case .integer(let i): return strict ? (i == .max ? nil : i + 1) : i
            case .real(let d) where d.isFinite && abs(d) < 9e18: return Int64(d.rounded(.down))
            default: return nil
            }
        }

        private static func upperBound(_ value: SQLValue, strict: Bool) -> Int64? {
            switch value {
            case .integer(let i): return strict ? (i == .min ? nil : i - 1) : i
            case .real(let d) where d.isFinite && abs(d) < 9e18: return Int64(d.rounded(.up))
            default: return nil
            }
        }

        private static func firstIndex(_ events: ColumnarEvents, atLeast id: Int64) -> Int {
            var lo = 0, hi = events.customerCount
            while lo < hi {
                let mid = (lo + hi) / 2
                if events.customers[mid] < id { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }

        private static func firstIndex(_ events: ColumnarEvents, above id: Int64) -> Int {
            var lo = 0, hi = events.customerCount
            while lo < hi {
                let mid = (lo + hi) / 2
                if events.customers[mid] <= id { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }

        @inline(__always)
        private func skipEmptyCustomers() {
            guard let events, position < end else { return }
            while Int(events.starts[customer + 1]) <= position { customer += 1 }
        }

        var atEnd: Bool { position >= end }

        func next() throws {
            position += 1
            skipEmptyCustomers()
        }

        var rowid: Int64 { Int64(position) + 1 }

        func column(_ index: Int32, into result: VirtualTableResult) throws {
            guard let events else { return result.setNull() }
            switch index {
            case 0: result.set(events.customers[customer])
            case 1: result.set(events.times[position])
            case 2:
                if seqs == nil { seqs = try store.seqColumn(of: events) }
                result.set(seqs![position])
            case 3, 4, 5:
                let triple = events.triples[Int(events.tripleIndex[position])]
                let code = index == 3 ? triple.stage : (index == 4 ? triple.touchpoint : triple.channel)
                if let code { result.set(code) } else { result.setNull() }
            default:
                if props == nil { props = try store.propsColumn(of: events) }
                if case .integer(let id) = props!.values[Int(props!.valueIndex[position])] {
                    result.set(id)
                } else {
                    result.setNull()
                }
            }
        }
    }
}
