// Translation of a Predicate into an SQL boolean expression over `events e`, three-valued exactly as SQL is.

/// SQL text with `?` placeholders and the values that fill them, in order.
public struct SQLFragment: Sendable, Hashable {
    public var sql: String
    public var bindings: [SQLValue]

    public init(sql: String, bindings: [SQLValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }
}

/// Turns predicates into SQL over the events table aliased `e`.
///
/// The result is an expression whose value is 1 (true), 0 (false) or NULL (unknown), and a reference evaluator
/// written in Swift must agree with it case by case:
/// - `.constant(b)` → `1` / `0`;
/// - `.codes(col, [])` → NULL when the column is NULL, else 0; `.codes(col, list)` → `e.col IN (...)`;
/// - `.time(op, v)` → `e.time op ?`;
/// - `.customer(op, s)` → membership in the customers whose key compares true (byte-wise), never NULL;
/// - `.property` / `.customerAttribute` → the value when its JSON type matches the literal's (number or text),
///   else NULL, compared with the literal; a missing property, NULL `props` or a missing customer row is NULL;
/// - `.not`, `.and`, `.or` → SQL's NOT, AND, OR; an empty AND is 1 and an empty OR is 0.
public enum PredicateSQL {
    /// The translated SQL expression and its bindings.
    public static func translate(_ predicate: Predicate) -> SQLFragment {
        var fragment = SQLFragment(sql: "")
        append(predicate, to: &fragment)
        return fragment
    }

    /// Appends the translation of `predicate` to `fragment`.
    public static func append(_ predicate: Predicate, to fragment: inout SQLFragment) {
        switch predicate {
        case .constant(let value):
            fragment.sql += value ? "1" : "0"

        case .codes(let column, let codes):
            if codes.isEmpty {
                fragment.sql += "(CASE WHEN e.\(column.name) IS NULL THEN NULL ELSE 0 END)"
            } else {
                fragment.sql += "e.\(column.name) IN (" + Array(repeating: "?", count: codes.count).joined(separator: ",") + ")"
                fragment.bindings += codes.map(SQLValue.integer)
            }

        case .time(let op, let value):
            fragment.sql += "e.time \(op.rawValue) ?"
            fragment.bindings.append(.integer(value))

        case .customer(let op, let key):
            fragment.sql += "e.customer IN (SELECT id FROM customers WHERE key \(op.rawValue) ?)"
            fragment.bindings.append(.text(key))

        case .property(let name, let op, let literal):
            guard let path = jsonPath(name) else {
                // Such a name can never be stored (the importer rejects it), so the property is always missing.
                fragment.sql += "NULL"
                return
            }
            fragment.sql += "(CASE WHEN json_type(e.props, ?) \(typeTest(literal)) THEN json_extract(e.props, ?) END) \(op.rawValue) ?"
            fragment.bindings += [.text(path), .text(path), value(literal)]

        case .customerAttribute(let name, let op, let literal):
            guard let path = jsonPath(name) else {
                fragment.sql += "NULL"
                return
            }
            fragment.sql += "(SELECT CASE WHEN json_type(c.attrs, ?) \(typeTest(literal)) THEN json_extract(c.attrs, ?) END"
                + " FROM customers c WHERE c.id = e.customer) \(op.rawValue) ?"
            fragment.bindings += [.text(path), .text(path), value(literal)]

        case .not(let inner):
            fragment.sql += "(NOT "
            append(inner, to: &fragment)
            fragment.sql += ")"

        case .and(let terms):
            join(terms, with: " AND ", empty: "1", to: &fragment)

        case .or(let terms):
            join(terms, with: " OR ", empty: "0", to: &fragment)
        }
    }

    /// The JSON path `$."name"` that selects a top-level key, or nil when the name cannot be quoted in a path.
    public static func jsonPath(_ name: String) -> String? {
        name.contains("\"") ? nil : "$.\"" + name + "\""
    }

    private static func join(_ terms: [Predicate], with separator: String, empty: String, to fragment: inout SQLFragment) {
        guard !terms.isEmpty else {
            fragment.sql += empty
            return
        }
        fragment.sql += "("
        for (index, term) in terms.enumerated() {
            if index > 0 { fragment.sql += separator }
            append(term, to: &fragment)
        }
        fragment.sql += ")"
    }

    private static func typeTest(_ literal: ScalarValue) -> String {
        switch literal {
        case .number: "IN ('integer','real')"
        case .text: "= 'text'"
        }
    }

    private static func value(_ literal: ScalarValue) -> SQLValue {
        switch literal {
        case .number(let d): .real(d)
        case .text(let s): .text(s)
        }
    }
}
