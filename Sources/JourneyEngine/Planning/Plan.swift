// Plans: what to read from the store, which matcher turns each customer's events into a chain, and which
// aggregation turns the chains into a result. Built by the planner from a checked statement; run by the Executor.
import JourneyStore

/// Where a breakdown key's value comes from once a customer's chain is known.
package enum BreakdownSource: Sendable, Hashable {
    /// A carried column read at the chain's first event; `decode` names the dictionary of a code.
    case carried(column: Int, decode: EventColumn?)
    /// A customer attribute, looked up per customer.
    case customerAttribute(String)
    case startDay, startWeek, startMonth

    /// A period of the start time (BY day, week or month): groups of these come in time order.
    package var isPeriod: Bool {
        switch self {
        case .startDay, .startWeek, .startMonth: true
        case .carried, .customerAttribute: false
        }
    }
}

/// Which matcher finds a customer's chain: the cheapest one that computes the journey's meaning exactly.
package enum MatcherKind: Sendable, Hashable, CustomStringConvertible {
    /// `FunnelMatcher`: section 4 alone, one forward pointer per step.
    case plain
    /// `TiedJourneyMatcher`: TIES ANY ORDER.
    case tied
    /// `AnyOrderMatcher`: IN ANY ORDER.
    case anyOrder
    /// `JourneyMatcher`: optional steps, step windows, DIRECTLY, STRICT TIME, EXCLUDING, SAME.
    case general
    /// No chain is matched: the aggregation reads every admitted event (STAGES, the journey map).
    case eventsOnly

    /// The matcher a journey's shape calls for.
    package init(_ shape: JourneyShape) {
        if shape.isPlain {
            self = .plain
        } else {
            switch shape.order {
            case .tiesAnyOrder: self = .tied
            case .anyOrder: self = .anyOrder
            case .sequence: self = .general
            }
        }
    }

    package var description: String {
        switch self {
        case .plain: "plain (one forward pointer per step: O(events x steps) per customer)"
        case .tied: "ties in any order (time groups, augmenting-path matching within a group)"
        case .anyOrder: "in any order (bipartite matching of steps to events per start)"
        case .general: "general (sweeps over (step, event): latest reachable predecessor, earliest extendable successor)"
        case .eventsOnly: "none (every admitted event goes to the aggregation)"
        }
    }
}

/// The scan and the matcher of a journey: every analysis of a journey starts from these.
package struct FunnelPlan: Sendable {
    package let funnel: CheckedFunnel
    /// The scan: the filter (WHERE, FOR, pushed-down time bounds), the step and exclusion bits, carried fields.
    package let request: ScanRequest
    package let window: Int64?
    /// The matcher's view of the journey.
    package let shape: JourneyShape
    package let matcher: MatcherKind
    package let breakdown: [BreakdownSource]
    /// The carried field of each column every admitted event is delivered with (see `Planner.planFunnel`).
    package let eventFields: [EventColumn: Int]
    /// In-progress customers are those whose window ends after this instant (SET now, else the latest event).
    package let horizon: Int64?
    /// `FOR` a behavioural segment: its journey's plan, run first; the scan then keeps only its customers.
    package var customerSet: CustomerSetPlan? = nil
    package var stepLabels: [String] { funnel.steps.map(\.label) }

    /// The plan with its behavioural segment evaluated: the scan admits only what `members` (the segment's
    /// customers) also admits, and nothing is left to run first.
    package func keeping(_ members: Predicate) -> FunnelPlan {
        let request = ScanRequest(filter: .and([self.request.filter, members]), steps: self.request.steps,
                                  deliverAll: self.request.deliverAll, carry: self.request.carry)
        return FunnelPlan(funnel: funnel, request: request, window: window, shape: shape, matcher: matcher,
                          breakdown: breakdown, eventFields: eventFields, horizon: horizon)
    }

    /// Whether a customer whose chain starts at `start` is still inside its window at the horizon.
    package func isOpen(start: Int64) -> Bool {
        guard let window, let horizon else { return false }
        return start &+ window > horizon
    }
}

/// What consumes the matched chains of a journey's customers, and the result it makes.
package enum Aggregation: Sendable, Hashable {
    /// Per-step customers, losses and times, per group: the funnel table.
    case funnel
    /// The time from the first step to the last: statistics and a histogram.
    case times
    /// The touchpoint sequences of converters between the first and the last step.
    case paths
    /// The journey map: the plan's steps are the ordered stages (StageMap.swift); a customer quiet for
    /// `inactiveAfter` milliseconds before the horizon has churned; `defaultOrder` when no SET STAGES chose the order.
    case stages(inactiveAfter: Int64, defaultOrder: Bool)
    /// One row per picked customer: id, start, deepest step, time reached (CustomerList.swift).
    case customers(CustomerListing)
    /// PATHS AFTER|BEFORE (a tree around an anchor) and PATHS with options (Flows.swift).
    case flows(FlowSpec)
    /// Per step, what the customers lost there did next (`next` events) and last, named by `of` (PainPoints.swift).
    case dropoff(next: Int, of: EventColumn)
    /// The values of `fields` seen in converters' and lost customers' journeys, compared (PainPoints.swift);
    /// from the default set, fields with too many values are left out.
    case why(fields: [EventField], defaultSet: Bool)
    /// VALUE: a numeric property summed, averaged and ranked over the step's events, per customer and after each
    /// customer's first event of the step (Value.swift).
    case value(ValueSpec)
    /// COMPARE: the funnel's groups (or, with the previous period's plan, two periods) compared step by step
    /// (GroupComparison.swift).
    case compare(CompareSpec)
    /// The retention table and curve: cohorts by the period of the first step's event, returning by the second
    /// step's (Retention.swift).
    case retention(RetentionSpec)
    /// Each conversion's credit shared among the touches before it, by each model (Attribution.swift).
    case attribution(AttributionSpec)
}

package enum Plan: Sendable {
    /// A journey's scan and matching, consumed by an aggregation.
    case query(FunnelPlan, Aggregation)
    /// EXPLAIN: the plan as text, nothing matched.
    case explain(FunnelPlan)
    /// EXPLAIN CUSTOMER id: one customer's events and chain.
    case trace(FunnelPlan, customer: String, range: SourceRange?)
    case importData(CheckedImport)
    case show(ShowTarget)
    /// A definition to store or drop, the stage order, or the session's now: nothing to read.
    case definition(CheckedDefinition)
    /// A guard on the previous result: nothing to read from the store.
    case expect(CheckedExpectation)
    /// SHOW CUSTOMER id: one customer's timeline with every property (the range is where the id was written).
    case showCustomer(String, range: SourceRange)
}
