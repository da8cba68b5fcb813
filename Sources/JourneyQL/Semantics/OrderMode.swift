// How a journey's steps may be ordered: one value from the checker to the matcher, instead of four flags.

/// Rules that tighten the default order of a journey's steps.
public struct SequenceRules: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `DIRECTLY`: each filled step is the immediate successor of the previous one among admitted events.
    public static let directly = SequenceRules(rawValue: 1)
    /// `STRICT TIME`: each filled step strictly later in time than the previous one.
    public static let strictTime = SequenceRules(rawValue: 2)
}

/// The order in which a journey's steps must happen (grammar/SEMANTICS.md sections 4 and 4a).
public enum OrderMode: Sendable, Hashable, CustomStringConvertible {
    /// Each step after the previous step's event in (time, import order), with `rules` on top.
    case sequence(SequenceRules)
    /// `TIES ANY ORDER`: distinct events with non-decreasing times; events of the same instant chain either way.
    case tiesAnyOrder
    /// `IN ANY ORDER`: distinct events in any order, all within the window of the earliest.
    case anyOrder

    /// The default: steps in (time, import order), nothing more.
    public static let inOrder = OrderMode.sequence([])

    /// The rules of a sequence; none for the other modes.
    public var rules: SequenceRules {
        if case .sequence(let rules) = self { rules } else { [] }
    }

    public var description: String {
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
