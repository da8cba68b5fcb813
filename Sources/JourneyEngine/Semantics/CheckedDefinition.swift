// The checker's output for definition statements: what to store, drop or set, already validated.
import JourneyStore

/// A change to the definitions stored with the data, or to the session.
package enum CheckedDefinition: Sendable, Hashable {
    /// Store a definition (replacing one of the same kind and name when `replaces`).
    case define(Definitions.Entry, replaces: Bool)
    /// Remove a definition (definitions that refer to it are kept, and fail until it is defined again).
    case drop(DefinitionKind, String)
    /// `SET STAGES`: the stage order, stored as metadata `stage_order`.
    case setStageOrder([String])
    /// `SET now`: the session's "now" (nil clears it); not stored.
    case setNow(Int64?)
}
