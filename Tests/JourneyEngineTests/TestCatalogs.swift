// Hand-built store catalogs for checker tests: names with counts and dictionary codes, no store behind them.
@testable import JourneyEngine
import JourneyStore

enum TestCatalog {
    /// Names with descending counts, so the first is the most frequent.
    static func named(_ names: [String]) -> [NamedCount] {
        names.enumerated().map { NamedCount(name: $1, count: 100 - $0) }
    }

    /// Codes 1, 2, 3, ... in the order given.
    static func codes(_ names: [String]) -> CodeTable {
        CodeTable(names.enumerated().map { ($1, Int64($0 + 1)) })
    }

    static func make(stages: [String], touchpoints: [String], channels: [String], properties: [String],
                     attributes: [String]) -> StoreCatalog {
        StoreCatalog(stages: named(stages), touchpoints: named(touchpoints), channels: named(channels),
                     properties: named(properties), customerAttributes: named(attributes),
                     eventCount: 1000, customerCount: 40, timeRange: 0...1,
                     codes: [.stage: codes(stages), .touchpoint: codes(touchpoints), .channel: codes(channels)])
    }
}

/// The order clauses as the tests' journeys and shapes spell them: flags that read and write `OrderMode`.
extension CheckedFunnel {
    var directly: Bool {
        get { order.rules.contains(.directly) }
        set { setRule(.directly, newValue) }
    }
    var strictTime: Bool {
        get { order.rules.contains(.strictTime) }
        set { setRule(.strictTime, newValue) }
    }
    var tiesAnyOrder: Bool { order == .tiesAnyOrder }
    var anyOrder: Bool { order == .anyOrder }

    private mutating func setRule(_ rule: SequenceRules, _ on: Bool) {
        var rules = order.rules
        if on { rules.insert(rule) } else { rules.remove(rule) }
        order = .sequence(rules)
    }
}

extension JourneyShape {
    init(stepCount: Int, optional: [Bool], gapWindows: [Int64?], window: Int64?, directly: Bool, strictTime: Bool,
         exclusions: [Exclusion], sameColumn: Int?, startBounds: TimeBounds?) {
        var rules: SequenceRules = []
        if directly { rules.insert(.directly) }
        if strictTime { rules.insert(.strictTime) }
        self.init(stepCount: stepCount, optional: optional, gapWindows: gapWindows, window: window,
                  order: .sequence(rules), exclusions: exclusions, sameColumn: sameColumn, startBounds: startBounds)
    }
}
