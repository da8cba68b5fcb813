// Which input column feeds which event field: recognition by common names, overridden by an explicit mapping.

/// An event field an input column can feed; every other column is a property (or a customer attribute).
package enum ImportField: String, Sendable, CaseIterable, Hashable {
    case customer, time, stage, touchpoint, channel

    /// Column names recognised for the field (compared case-insensitively), most preferred first.
    package var aliases: [String] {
        switch self {
        case .customer: ["customer_id", "user_id", "customer", "customerid", "userid", "distinct_id"]
        case .time: ["timestamp", "ts", "time", "event_time", "datetime"]
        case .touchpoint: ["event", "event_name", "touchpoint", "event_type"]
        case .stage: ["stage"]
        case .channel: ["channel"]
        }
    }

    /// The dictionary column the field is stored in, for the three text fields.
    var column: EventColumn? {
        switch self {
        case .stage: .stage
        case .touchpoint: .touchpoint
        case .channel: .channel
        case .customer, .time: nil
        }
    }
}

/// Decides the role of each input column name for a set of fields.
struct ColumnRoles {
    /// Lowercased column name → (field, preference; lower is better). Mapped columns have preference -1.
    private var candidates: [String: (field: ImportField, preference: Int)] = [:]
    /// Fields whose mapping names no column (`""`): never read.
    private(set) var disabled: Set<ImportField> = []
    /// Fields the mapping names explicitly, with the column it names.
    private(set) var mapped: [ImportField: String] = [:]
    let fields: [ImportField]

    /// Prepares recognition of `fields`, applying `mapping` (field → column name). Mapping keys for fields outside
    /// `fields` but known are ignored (one mapping may serve an events and a customers import); unknown keys are errors.
    init(fields: [ImportField], mapping: [String: String], file: String) throws {
        self.fields = fields
        for (key, column) in mapping {
            guard let field = ImportField(rawValue: key.lowercased()) else {
                let known = ImportField.allCases.map(\.rawValue).joined(separator: ", ")
                throw StoreError.file(path: file, message: "unknown field '\(key)' in the column mapping (fields are \(known))")
            }
            guard fields.contains(field) else { continue }
            if column.isEmpty { disabled.insert(field) } else { mapped[field] = column }
        }
        for field in fields where mapped[field] == nil && !disabled.contains(field) {
            for (preference, alias) in field.aliases.enumerated() where candidates[alias] == nil {
                candidates[alias] = (field, preference)
            }
        }
        for (field, column) in mapped.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            if let other = candidates[column.lowercased()], other.preference == -1 {
                throw StoreError.file(path: file, message: "the mapping reads both \(other.field.rawValue) and \(field.rawValue) from column '\(column)'")
            }
            candidates[column.lowercased()] = (field, -1)
        }
    }

    /// The field a column name is a candidate for, with its preference.
    func candidate(_ name: String) -> (field: ImportField, preference: Int)? {
        candidates[name.lowercased()]
    }

    /// Assigns fields to the columns of a header: for each field the most preferred candidate column wins.
    /// Returns field → column index.
    func assign(_ names: [String]) -> [ImportField: Int] {
        var best: [ImportField: (index: Int, preference: Int)] = [:]
        for (index, name) in names.enumerated() {
            guard let (field, preference) = candidate(name) else { continue }
            if let current = best[field], current.preference <= preference { continue }
            best[field] = (index, preference)
        }
        return best.mapValues(\.index)
    }

    /// The last assignment made, reused while lines keep the same member names (as JSON Lines files usually do).
    struct Memo {
        var names: [String] = []
        var assigned: [ImportField: Int] = [:]
    }

    /// `assign(names)`, answered from `memo` when the names are those of the previous call.
    func assign(_ names: [String], memo: inout Memo) -> [ImportField: Int] {
        if names != memo.names { memo = Memo(names: names, assigned: assign(names)) }
        return memo.assigned
    }

    /// Checks a header: mapped columns exist, required fields are present. Returns field → column index.
    func resolveHeader(_ names: [String], required: [ImportField], file: String) throws -> [ImportField: Int] {
        let listing = names.map { "'\($0)'" }.joined(separator: ", ")
        for (field, column) in mapped.sorted(by: { $0.key.rawValue < $1.key.rawValue })
        where !names.contains(where: { $0.lowercased() == column.lowercased() }) {
            throw StoreError.badInput(file: file, line: 1, column: 1,
                                      message: "the mapping reads \(field.rawValue) from column '\(column)', which does not exist (the columns are \(listing))")
        }
        let assigned = assign(names)
        for field in required where assigned[field] == nil {
            let looked = mapped[field].map { "'\($0)'" } ?? field.aliases.joined(separator: ", ")
            throw StoreError.badInput(file: file, line: 1, column: 1,
                                      message: "no \(field.rawValue) column (looked for \(looked)); the columns are \(listing); name one with a mapping such as \(field.rawValue) = <column>")
        }
        return assigned
    }
}
