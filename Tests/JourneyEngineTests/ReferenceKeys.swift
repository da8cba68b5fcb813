// What the brute-force references of the analyses share: a BY key's value for a customer and SQLite's order of
// values, by which the engine orders its groups (ReferenceStages, ReferenceValue, ReferenceRetention).
import Foundation
import JourneyStore
@testable import JourneyEngine

extension Reference {
    /// A BY key's value for a customer: an event field from `event` (the customer's first event of the analysis),
    /// an attribute from the customer, day/week/month from that event's time.
    static func breakdownCell(_ key: BreakdownKey, event: RawEvent, customer: String,
                                customers: [String: [String: PropertyValue]]) -> Cell {
        func cell(_ p: PropertyValue?) -> Cell {
            switch p {
            case .text(let s)?: .text(s)
            case .number(let d)?: .number(d)
            case nil: .null
            }
        }
        switch key {
        case .field(.stage): return event.stage.map { .text($0) } ?? .null
        case .field(.touchpoint): return event.touchpoint.map { .text($0) } ?? .null
        case .field(.channel): return event.channel.map { .text($0) } ?? .null
        case .field(.property(let p)): return cell(event.properties[p])
        case .field(.customerAttribute(let a)): return cell(customers[customer]?[a])
        case .startDay, .startWeek, .startMonth:
            // The first stage event's UTC day, the Monday of its ISO week, or its month, by Foundation's calendar.
            var calendar = Calendar(identifier: .iso8601)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let date = Date(timeIntervalSince1970: Double(event.time) / 1000)
            let formatter = DateFormatter()
            formatter.calendar = calendar
            formatter.timeZone = calendar.timeZone
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = key == .startMonth ? "yyyy-MM" : "yyyy-MM-dd"
            let shown = key == .startWeek ? calendar.dateInterval(of: .weekOfYear, for: date)!.start : date
            return .text(formatter.string(from: shown))
        default: preconditionFailure("the reference knows BY stage, touchpoint, channel, a property or an attribute")
        }
    }

    /// SQLite's order of values: null, then numbers, then text byte for byte.
    static func keyPrecedes(_ a: Cell, _ b: Cell) -> Bool {
        func rank(_ c: Cell) -> Int {
            switch c {
            case .null: 0
            case .number, .int: 1
            default: 2
            }
        }
        if rank(a) != rank(b) { return rank(a) < rank(b) }
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.text(let x), .text(let y)): return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
        default: return false
        }
    }
}
