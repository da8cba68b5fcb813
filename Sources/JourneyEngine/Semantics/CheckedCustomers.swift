// The checker's output for the customers behind a journey's numbers: a customer list, a behavioural segment used
// by FOR, SHOW CUSTOMER.
import JourneyStore

/// Which customers of a journey are kept, by their level L (deepest step, 0 when they never started), the number
/// of steps m and whether their window is still open at the horizon (grammar/SEMANTICS.md, "Customers").
package enum CustomerPick: Sendable, Hashable, CustomStringConvertible {
    /// Every customer who started (L ≥ 1).
    case started
    /// `AT k`: L ≥ k.
    case atLeast(Int)
    /// `LOST AT k`: L = k < m and the window closed.
    case lostAt(Int)
    /// `LOST`: 1 ≤ L < m and the window closed.
    case lost
    /// `CONVERTED`: L = m.
    case converted
    /// `IN PROGRESS`: 1 ≤ L < m and the window still open.
    case inProgress

    /// Whether a customer of level `level` (of `stepCount` steps, window `open` or closed) is kept.
    package func keeps(level: Int, stepCount m: Int, open: Bool) -> Bool {
        guard level >= 1 else { return false }
        switch self {
        case .started: return true
        case .atLeast(let k): return level >= k
        case .lostAt(let k): return level == k && level < m && !open
        case .lost: return level < m && !open
        case .converted: return level == m
        case .inProgress: return level < m && open
        }
    }

    package var description: String {
        switch self {
        case .started: "started"
        case .atLeast(let k): "at step \(k) or beyond"
        case .lostAt(let k): "lost at step \(k)"
        case .lost: "lost"
        case .converted: "converted"
        case .inProgress: "in progress"
        }
    }
}

/// `CUSTOMERS <journey> [pick] [ORDER BY key [DESC]]`; the journey's LIMIT counts customers.
package struct CheckedCustomers: Sendable, Hashable {
    package let funnel: CheckedFunnel
    package let pick: CustomerPick
    package let order: CustomerOrderKey
    package let descending: Bool

    /// The list with "now" fixed (see `CheckedFunnel.resolved(setNow:clock:)`).
    package func resolved(setNow: Int64?, clock: Int64) -> CheckedCustomers {
        CheckedCustomers(funnel: funnel.resolved(setNow: setNow, clock: clock), pick: pick, order: order,
                         descending: descending)
    }
}

/// A behavioural segment as `FOR name` uses it: the customers its journey and pick give when the statement runs.
/// A class so that a journey can hold the segment's own journey (which may use another segment in turn).
package final class CheckedCustomerSet: Sendable, Hashable {
    package let name: String
    package let customers: CheckedCustomers

    package init(name: String, customers: CheckedCustomers) {
        self.name = name
        self.customers = customers
    }

    package static func == (a: CheckedCustomerSet, b: CheckedCustomerSet) -> Bool {
        a.name == b.name && a.customers == b.customers
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(customers)
    }

    package func resolved(setNow: Int64?, clock: Int64) -> CheckedCustomerSet {
        CheckedCustomerSet(name: name, customers: customers.resolved(setNow: setNow, clock: clock))
    }
}
