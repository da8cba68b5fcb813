// Hand-built store catalogs for checker tests: names with counts and dictionary codes, no store behind them.
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
