// What the interpreter may ask of an event source: conditions compiled against the store's dictionaries,
// and the per-customer event stream a matcher consumes. Nothing here knows about SQL.
import Foundation

/// The dictionary-encoded text columns of an event.
package enum EventColumn: Int, Sendable, CaseIterable, Hashable {
    case stage = 1
    case touchpoint = 2
    case channel = 3

    package var name: String {
        switch self {
        case .stage: "stage"
        case .touchpoint: "touchpoint"
        case .channel: "channel"
        }
    }
}

/// A comparison operator, as written in the language.
package enum Comparison: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    /// Applies the operator to two values of one ordered type.
    @inlinable
    package func holds<T: Comparable>(_ lhs: T, _ rhs: T) -> Bool {
        switch self {
        case .equal: lhs == rhs
        case .notEqual: lhs != rhs
        case .less: lhs < rhs
        case .lessOrEqual: lhs <= rhs
        case .greater: lhs > rhs
        case .greaterOrEqual: lhs >= rhs
        }
    }
}

/// A literal a property is compared with. The literal's type decides the comparison:
/// a number compares only with numeric values, text only with text values; anything else is unknown.
package enum ScalarValue: Sendable, Hashable, CustomStringConvertible {
    case text(String)
    case number(Double)
    /// An integer a Double cannot hold exactly (beyond ±2^53); compared exactly, like any number.
    case integer(Int64)

    package var description: String {
        switch self {
        case .text(let s): quoteText(s)
        case .number(let d): formatNumber(d)
        case .integer(let i): String(i)
        }
    }
}

/// Quotes text the way the language writes it: `'it''s'`.
package func quoteText(_ s: String) -> String {
    var out = "'"
    for c in s {
        if c == "'" { out += "''" } else { out.append(c) }
    }
    return out + "'"
}

/// Formats a number the way the language writes it: integers without a fraction.
package func formatNumber(_ d: Double) -> String {
    if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
    return String(d)
}

/// A condition over one event, compiled against the store's dictionaries.
///
/// Evaluation is three-valued, exactly as SQL's: a missing field or a type mismatch makes a comparison
/// unknown; NOT unknown is unknown; an event is admitted only when the whole condition is true.
package indirect enum Predicate: Sendable, Hashable {
    case constant(Bool)
    /// The column's code is one of these. A missing (NULL) column is unknown; an empty set is false otherwise.
    case codes(EventColumn, [Int64])
    /// The event time (milliseconds since the epoch, UTC) compared with a constant.
    case time(Comparison, Int64)
    /// The customer's id (text, compared byte-wise) compared with a constant.
    case customer(Comparison, String)
    /// An event property compared with a literal (see `ScalarValue` for the typing rule).
    case property(String, Comparison, ScalarValue)
    /// A customer attribute compared with a literal (same typing rule).
    case customerAttribute(String, Comparison, ScalarValue)
    /// The operand's text matches the pattern (case-sensitive). A missing value, or a number, is unknown.
    case like(PredicateOperand, LikePattern)
    /// The operand has no value. Never unknown: true or false.
    case isNull(PredicateOperand)
    case not(Predicate)
    case and([Predicate])
    case or([Predicate])
    /// The event's customer is one of these store customer numbers (a behavioural segment, computed by running a
    /// journey). Never unknown. In SQL the set is one bound parameter; the columnar copy tests membership.
    case customerIn(CustomerNumbers)
}

/// A per-event value a scan hands along with each event (for `SAME f` and breakdowns by a first-step field).
package enum CarriedField: Sendable, Hashable {
    /// The dictionary code of a text column (nil when the event has none).
    case column(EventColumn)
    /// A property's value, typed as stored.
    case property(String)
}

/// A carried value: a dictionary code, a stored number or text, or nothing.
package enum CarriedValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// Equality as SQL compares stored values: numbers numerically (an integer equals the same real), text byte
    /// for byte, a number never equals text, and null equals nothing.
    package func sameValue(as other: CarriedValue) -> Bool {
        switch (self, other) {
        case (.integer(let a), .integer(let b)): a == b
        case (.integer(let a), .real(let b)), (.real(let b), .integer(let a)): Double(a) == b
        case (.real(let a), .real(let b)): a == b
        case (.text(let a), .text(let b)): a.utf8.elementsEqual(b.utf8)
        default: false
        }
    }
}

/// What a LIKE or IS NULL test reads.
package enum PredicateOperand: Sendable, Hashable {
    /// A dictionary column (stage, touchpoint, channel); missing when NULL.
    case column(EventColumn)
    /// The customer's id; never missing.
    case customer
    /// An event property; missing when absent (or JSON null).
    case property(String)
    /// A customer attribute; missing when absent, or when the customer has no attributes.
    case customerAttribute(String)
}

/// A request for the events one journey query can use.
package struct ScanRequest: Sendable, Hashable {
    /// Admits an event to the query at all (the WHERE clause, time bounds).
    package var filter: Predicate
    /// Condition i sets bit i of an event's mask (the steps, then any exclusions). At most 64.
    package var steps: [Predicate]
    /// Deliver every admitted event, not only those that set some bit (DIRECTLY needs each customer's next event).
    package var deliverAll: Bool
    /// Values to hand along with each event, one column per field.
    package var carry: [CarriedField]
    /// Customers with no admitted event that can fill step 1 (bit 0) add nothing to the result: a source may skip
    /// them without reading their events (the columnar copy does, by each customer's summary of its triples).
    package var onlyStarters: Bool

    package init(filter: Predicate, steps: [Predicate], deliverAll: Bool = false, carry: [CarriedField] = [],
                onlyStarters: Bool = false) {
        precondition(steps.count <= 64, "at most 64 steps")
        self.filter = filter
        self.steps = steps
        self.deliverAll = deliverAll
        self.carry = carry
        self.onlyStarters = onlyStarters
    }
}

/// One customer's admitted events in (time, import order) order, as parallel columns.
/// Only events whose mask is non-zero are delivered, unless the request asks for every admitted event.
package struct CustomerEvents: Sendable {
    /// The store's internal customer number.
    package var customer: Int64
    /// Event times, milliseconds since the epoch (UTC), non-decreasing.
    package var times: [Int64]
    /// Bit i set when the event matches step i.
    package var masks: [UInt64]
    /// carried[f][i]: the value of the request's carried field f on event i.
    package var carried: [[CarriedValue]]

    package init(customer: Int64, times: [Int64] = [], masks: [UInt64] = [], carried: [[CarriedValue]] = []) {
        self.customer = customer
        self.times = times
        self.masks = masks
        self.carried = carried
    }
}

/// A source of per-customer event streams. The SQLite store is one; a columnar in-memory cache can be another.
package protocol EventSource: AnyObject {
    /// Calls `body` once per customer that has at least one delivered event (see `ScanRequest.deliverAll`),
    /// in ascending customer number order. `isCancelled` is polled; when it returns true the scan stops
    /// and throws `StoreError.cancelled`.
    func scanCustomers(_ request: ScanRequest, isCancelled: () -> Bool,
                       _ body: (CustomerEvents) throws -> Void) throws

    /// How the request is served: the SQL text (with `?` placeholders), its bindings rendered for display,
    /// and the query plan the engine chose.
    func explain(_ request: ScanRequest) throws -> ScanExplanation

    /// The request split into `partitions` disjoint customer ranges that may be scanned at the same time, from
    /// different threads; nil when the source can only scan in one pass (the default).
    func partitionedScan(_ request: ScanRequest, partitions: Int,
                         isCancelled: () -> Bool) throws -> (any PartitionedScan)?
}

extension EventSource {
    package func partitionedScan(_ request: ScanRequest, partitions: Int,
                                isCancelled: () -> Bool) throws -> (any PartitionedScan)? {
        nil
    }
}

/// A scan split by customer ranges: partition k delivers its customers in ascending order, as `scanCustomers`
/// would, and together the partitions deliver every customer exactly once.
package protocol PartitionedScan: AnyObject, Sendable {
    var partitionCount: Int { get }
    /// The same scan, as an object for one scan thread's own use (see `ColumnarScan.threadCopy`).
    func threadCopy() -> any PartitionedScan
    func scan(partition: Int, isCancelled: () -> Bool, _ body: (CustomerEvents) throws -> Void) throws
    /// The same customers as raw columns (customer number, times, masks, and each event's number for
    /// `columnCode`), valid only during each call; for requests that carry nothing but dictionary columns. Builds
    /// no arrays per customer.
    func scanColumns(partition: Int, isCancelled: () -> Bool,
                     _ body: (CustomerColumns) throws -> Void) throws
    /// The code of a dictionary column on the event numbered `event` by `scanColumns` (nil when NULL).
    func columnCode(_ column: EventColumn, event: Int32) -> Int64?
    /// Carried field `field` (an index into the request's `carry`) on the event numbered `event` by `scanColumns`:
    /// a dictionary column's code as `.integer`, a property's value.
    func carriedValue(_ field: Int, event: Int32) -> CarriedValue
    /// A small whole number standing for carried field `field`'s value on that event, nil when it has none: a
    /// dictionary column's code, or a property's index into `carriedDistinctValues(field)`.
    func carriedCode(_ field: Int, event: Int32) -> Int?
    /// A carried property's distinct values, indexed by `carriedCode` (nil for a dictionary column).
    func carriedDistinctValues(_ field: Int) -> [CarriedValue]?
}

/// One customer's delivered events as raw columns (see `PartitionedScan.scanColumns`).
package struct CustomerColumns {
    package var customer: Int64
    package var times: UnsafeBufferPointer<Int64>
    package var masks: UnsafeBufferPointer<UInt64>
    package var events: UnsafeBufferPointer<Int32>

    package init(customer: Int64, times: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt64>,
                events: UnsafeBufferPointer<Int32>) {
        self.customer = customer
        self.times = times
        self.masks = masks
        self.events = events
    }
}

/// What EXPLAIN shows of a scan.
package struct ScanExplanation: Sendable {
    package var sql: String
    package var bindings: [String]
    package var plan: [String]

    package init(sql: String, bindings: [String], plan: [String]) {
        self.sql = sql
        self.bindings = bindings
        self.plan = plan
    }
}
