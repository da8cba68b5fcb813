// How a journey's steps may be ordered: one value from the checker to the matcher, instead of four flags.

/// Rules that tighten the default order of a journey's steps.
package struct SequenceRules: OptionSet, Sendable, Hashable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `DIRECTLY`: each filled step is the immediate successor of the previous one among admitted events.
    package static let directly = SequenceRules(rawValue: 1)
    /// `STRICT TIME`: each filled step strictly later in time than the previous one.
    package static let strictTime = SequenceRules(rawValue: 2)
}

/// The order in which a journey's steps must happen (grammar/SEMANTICS.md sections 4 and 4a).
package enum OrderMode: Sendable, Hashable, CustomStringConvertible {
    /// Each step after the previous step's event in (time, import order), with `rules` on top.
    case sequence(SequenceRules)
    /// `TIES ANY ORDER`: distinct events with non-decreasing times; events of the same instant chain either way.
    case tiesAnyOrder
    /// `IN ANY ORDER`: distinct events in any order, all within the window of the earliest.
    case anyOrder

    /// The default: steps in (time, import order), nothing more.
    package static let inOrder = OrderMode.sequence([])

    /// The rules of a sequence; none for the other modes.
    package var rules: SequenceRules {
        if case .sequence(let rules) = self { rules } else { [] }
    }

    package var description: String {
        switch self {
        case .sequence(let rules):
            var words: [String] = []
            if rules.contains(.directly) { words.append("DIRECTLY") }
            if rules.contains(.strictTime) { words.append("STRICT TIME") }
            return words.isEmpty ? "in order" : words.joined(separator: ", ")
        case .tiesAnyOrder: return "TIES ANY ORDER"
        case .anyOrder: return "IN ANY ORDER"
        }
    }
}
