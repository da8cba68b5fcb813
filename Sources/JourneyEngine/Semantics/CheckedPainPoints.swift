// The checked pain-point statements: a resolved journey and the options DROPOFF and WHY add to it.
import JourneyStore

/// `DROPOFF`: for each step, what the customers lost there did next and last.
package struct CheckedDropoff: Sendable, Hashable {
    package let funnel: CheckedFunnel
    /// How many events after the step's event make a "next" row (NEXT n, default 1).
    package let next: Int
    /// The column the rows name (OF, default touchpoint).
    package let of: EventColumn

    package init(funnel: CheckedFunnel, next: Int = 1, of: EventColumn = .touchpoint) {
        self.funnel = funnel
        self.next = next
        self.of = of
    }

    func resolved(setNow: Int64?, clock: Int64) -> CheckedDropoff {
        CheckedDropoff(funnel: funnel.resolved(setNow: setNow, clock: clock), next: next, of: of)
    }
}

/// `WHY`: the values that separate the journey's converters from its lost customers.
package struct CheckedWhy: Sendable, Hashable {
    package let funnel: CheckedFunnel
    /// The fields whose values are compared, in display order (USING, or the default set); no `time`, `customer`.
    package let fields: [EventField]
    /// Whether `fields` is the default set (no USING): then fields with too many values are left out.
    package let isDefaultSet: Bool

    package init(funnel: CheckedFunnel, fields: [EventField], isDefaultSet: Bool = false) {
        self.funnel = funnel
        self.fields = fields
        self.isDefaultSet = isDefaultSet
    }

    func resolved(setNow: Int64?, clock: Int64) -> CheckedWhy {
        CheckedWhy(funnel: funnel.resolved(setNow: setNow, clock: clock), fields: fields, isDefaultSet: isDefaultSet)
    }
}
