// A value bound to or read from SQLite, and how it is shown to a user (EXPLAIN's bindings).
import Foundation

/// One SQLite value: the four storage classes the store uses (BLOBs are never stored).
package enum SQLValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// The value written as an SQL literal would be, for display only (values always reach SQLite bound).
    package var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let i): String(i)
        case .real(let d): formatNumber(d)
        case .text(let s): "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        }
    }
}
