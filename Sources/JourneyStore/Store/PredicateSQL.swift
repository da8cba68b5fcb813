// Translation of a Predicate into an SQL boolean expression over `events_json e` (the events with their properties as JSON text), three-valued exactly as SQL is.

/// SQL text with `?` placeholders and the values that fill them, in order.
package struct SQLFragment: Sendable, Hashable {
    package var sql: String
    package var bindings: [SQLValue]

    package init(sql: String, bindings: [SQLValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }
}

/// Turns predicates into SQL over the events (view `events_json`) aliased `e`.
///
/// The result is an expression whose value is 1 (true), 0 (false) or NULL (unknown), and a reference evaluator
/// written in Swift must agree with it case by case:
/// - `.constant(b)` → `1` / `0`;
/// - `.codes(col, [])` → NULL when the column is NULL, else 0; `.codes(col, list)` → `e.col IN (...)`;
/// - `.time(op, v)` → `e.time op ?`;
/// - `.customer(op, s)` → membership in the customers whose key compares true (byte-wise), never NULL;
/// - `.property` / `.customerAttribute` → the value when its JSON type matches the literal's (number or text),
///   else NULL, compared with the literal; a missing property, NULL `props` or a missing customer row is NULL;
/// - `.like(operand, pattern)` → the operand's text (NULL when missing or not text) `GLOB` the pattern rewritten
///   as a GLOB pattern: GLOB is case-sensitive and knows no escapes other than one-character classes, so
///   the answer is exact whatever the pattern holds (LIKE itself is case-insensitive in SQLite);
/// - `.isNull(operand)` → `IS NULL` on the column, or JSON type missing-or-null for properties and attributes:
///   1 or 0, never NULL;
/// - `.not`, `.and`, `.or` → SQL's NOT, AND, OR; an empty AND is 1 and an empty OR is 0.
///
/// Before translation the predicate is put in negation normal form (`normalized`), which changes no answer in
/// three-valued logic but keeps the SQL shallow: SQLite refuses expressions deeper than 1000 and parses only
/// about a hundred nested parentheses, and queries can nest NOTs or list thousands of alternatives. What remains
/// deep is only a genuine alternation of AND and OR, which SQLite rejects beyond a few dozen levels
/// ("parser stack overflow", reported as `StoreError.sqlite`).
package enum PredicateSQL {
    /// Terms of an AND or OR written flat; longer lists are split into balanced groups.
    static let groupSize = 8

    /// The translated SQL expression and its bindings.
    package static func translate(_ predicate: Predicate) -> SQLFragment {
        var fragment = SQLFragment(sql: "")
        append(predicate, to: &fragment)
        return fragment
    }

    /// Appends the translation of `predicate` to `fragment`.
    package static func append(_ predicate: Predicate, to fragment: inout SQLFragment) {
        emit(normalized(predicate), to: &fragment)
    }

    /// The predicate with NOT pushed down to the leaves and nested ANDs and ORs flattened.
    ///
    /// Each rewrite holds in SQL's three-valued logic: NOT NOT p = p; De Morgan's laws; constant folding; NOT (x op v) = x op' v with
    /// op' the complementary comparison, because the comparison is unknown exactly when its negation is (a missing
    /// or mistyped value, a NULL literal), and the customer key and the time are never missing. `NOT (col IN ...)`
    /// stays as it is.
    package static func normalized(_ predicate: Predicate) -> Predicate {
        switch predicate {
        case .not:
            // Long chains of NOT are unwound in a loop, not by recursion.
            var inner = predicate
            var negate = false
            while case .not(let next) = inner {
                inner = next
                negate.toggle()
            }
            return negate ? negated(inner) : normalized(inner)
        case .and(let terms):
            return flattened(terms.map(normalized), and: true)
        case .or(let terms):
            return flattened(terms.map(normalized), and: false)
        default:
            return predicate
        }
    }

    /// The normal form of `NOT predicate`.
    private static func negated(_ predicate: Predicate) -> Predicate {
        switch predicate {
        case .constant(let value): .constant(!value)
        case .not(let inner): normalized(inner)
        case .and(let terms): flattened(terms.map(negated), and: false)
        case .or(let terms): flattened(terms.map(negated), and: true)
        case .time(let op, let value): .time(op.complement, value)
        case .customer(let op, let key): .customer(op.complement, key)
        case .property(let name, let op, let literal): .property(name, op.complement, literal)
        case .customerAttribute(let name, let op, let literal): .customerAttribute(name, op.complement, literal)
        // LIKE has no complementary pattern, and NOT keeps IS NULL two-valued.
        case .codes, .like, .isNull: .not(predicate)
        // Membership is never unknown: NOT is plain negation.
        case .customerIn: .not(predicate)
        }
    }

    /// An AND (or OR) of `terms` with nested ANDs (ORs) spliced in and constants folded (FALSE decides an AND and
    /// TRUE an OR whatever the other terms are, unknown included); a single term stands alone.
    private static func flattened(_ terms: [Predicate], and: Bool) -> Predicate {
        var flat: [Predicate] = []
        for term in terms {
            switch (term, and) {
            case (.and(let inner), true), (.or(let inner), false): flat += inner
            case (.constant(let value), _):
                if value != and { return .constant(value) }
            default: flat.append(term)
            }
        }
        if flat.count == 1 { return flat[0] }
        return and ? .and(flat) : .or(flat)
    }

    private static func emit(_ predicate: Predicate, to fragment: inout SQLFragment) {
        switch predicate {
        case .constant(let value):
            fragment.sql += value ? "1" : "0"

        case .codes(let column, let codes):
            if codes.isEmpty {
                fragment.sql += "(CASE WHEN e.\(column.name) IS NULL THEN NULL ELSE 0 END)"
            } else {
                fragment.sql += "e.\(column.name) IN ("
                    + Array(repeating: "?", count: codes.count).joined(separator: ",") + ")"
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
            perCustomer(
                sql: "(CASE WHEN json_type(c.attrs, ?) \(typeTest(literal)) THEN json_extract(c.attrs, ?) END) \(op.rawValue) ?",
                bindings: [.text(path), .text(path), value(literal)], withoutRow: "NULL", to: &fragment)

        case .like(let operand, let pattern):
            emitLike(operand, pattern, to: &fragment)

        case .isNull(let operand):
            emitIsNull(operand, to: &fragment)

        case .not(let inner):
            fragment.sql += "(NOT "
            emit(inner, to: &fragment)
            fragment.sql += ")"

        case .and(let terms):
            join(terms[...], with: " AND ", empty: "1", to: &fragment)

        case .or(let terms):
            join(terms[...], with: " OR ", empty: "0", to: &fragment)

        case .customerIn(let set):
            // However many customers, one bound JSON array: no value is ever spliced into the SQL text.
            fragment.sql += "e.customer IN (SELECT value FROM json_each(?))"
            fragment.bindings.append(.text(set.json))
        }
    }

    /// A condition on the customer's row (`c`), evaluated once per customer rather than once per event: two
    /// uncorrelated subqueries give the customers for which it is true and false; any other customer (unknown, or
    /// without a customers row) gets `withoutRow` for a missing row and unknown otherwise, exactly as the
    /// correlated form `(SELECT ... FROM customers c WHERE c.id = e.customer)` would answer.
    private static func perCustomer(sql body: String, bindings: [SQLValue], withoutRow: String,
                                    to fragment: inout SQLFragment) {
        fragment.sql += "(CASE WHEN e.customer IN (SELECT c.id FROM customers c WHERE (\(body)) IS TRUE) THEN 1"
            + " WHEN e.customer IN (SELECT c.id FROM customers c WHERE (\(body)) IS FALSE) THEN 0"
        fragment.bindings += bindings + bindings
        if withoutRow == "NULL" {
            fragment.sql += " END)"
        } else {
            fragment.sql += " WHEN e.customer NOT IN (SELECT c.id FROM customers c) THEN \(withoutRow) END)"
        }
    }

    private static func emitLike(_ operand: PredicateOperand, _ pattern: LikePattern, to fragment: inout SQLFragment) {
        switch operand {
        case .column(let column):
            fragment.sql += "(SELECT d.value FROM dictionary d WHERE d.col = \(column.rawValue) AND d.code = e.\(column.name)) GLOB ?"
        case .customer:
            fragment.sql += "e.customer IN (SELECT id FROM customers WHERE key GLOB ?)"
        case .property(let name):
            guard let path = jsonPath(name) else {
                fragment.sql += "NULL"
                return
            }
            fragment.sql += "(CASE WHEN json_type(e.props, ?) = 'text' THEN json_extract(e.props, ?) END) GLOB ?"
            fragment.bindings += [.text(path), .text(path)]
        case .customerAttribute(let name):
            guard let path = jsonPath(name) else {
                fragment.sql += "NULL"
                return
            }
            perCustomer(sql: "(CASE WHEN json_type(c.attrs, ?) = 'text' THEN json_extract(c.attrs, ?) END) GLOB ?",
                        bindings: [.text(path), .text(path), .text(pattern.glob)], withoutRow: "NULL", to: &fragment)
            return
        }
        fragment.bindings.append(.text(pattern.glob))
    }

    private static func emitIsNull(_ operand: PredicateOperand, to fragment: inout SQLFragment) {
        switch operand {
        case .column(let column):
            fragment.sql += "(e.\(column.name) IS NULL)"
        case .customer:
            fragment.sql += "0"
        case .property(let name):
            // A name that cannot be stored is always missing.
            guard let path = jsonPath(name) else {
                fragment.sql += "1"
                return
            }
            fragment.sql += "(coalesce(json_type(e.props, ?), 'null') = 'null')"
            fragment.bindings.append(.text(path))
        case .customerAttribute(let name):
            guard let path = jsonPath(name) else {
                fragment.sql += "1"
                return
            }
            perCustomer(sql: "(coalesce(json_type(c.attrs, ?), 'null') = 'null')", bindings: [.text(path)],
                        withoutRow: "1", to: &fragment)
        }
    }

    /// The JSON path `$."name"` that selects a top-level key, or nil when the name cannot be quoted in a path.
    package static func jsonPath(_ name: String) -> String? {
        name.utf8.contains(UInt8(ascii: "\"")) ? nil : "$.\"" + name + "\""
    }

    /// `(a OP b OP ...)`, or for long lists `((group) OP (group) ...)` recursively, so the depth grows with the
    /// logarithm of the length.
    private static func join(_ terms: ArraySlice<Predicate>, with separator: String, empty: String,
                             to fragment: inout SQLFragment) {
        guard !terms.isEmpty else {
            fragment.sql += empty
            return
        }
        fragment.sql += "("
        if terms.count <= groupSize {
            for (offset, term) in terms.enumerated() {
                if offset > 0 { fragment.sql += separator }
                emit(term, to: &fragment)
            }
        } else {
            let groupLength = (terms.count + groupSize - 1) / groupSize
            var start = terms.startIndex
            while start < terms.endIndex {
                if start > terms.startIndex { fragment.sql += separator }
                let end = min(start + groupLength, terms.endIndex)
                if end - start == 1 {
                    emit(terms[start], to: &fragment)
                } else {
                    join(terms[start..<end], with: separator, empty: empty, to: &fragment)
                }
                start = end
            }
        }
        fragment.sql += ")"
    }

    private static func typeTest(_ literal: ScalarValue) -> String {
        switch literal {
        case .number, .integer: "IN ('integer','real')"
        case .text: "= 'text'"
        }
    }

    private static func value(_ literal: ScalarValue) -> SQLValue {
        switch literal {
        case .number(let d): .real(d)
        case .integer(let i): .integer(i)
        case .text(let s): .text(s)
        }
    }
}

extension Comparison {
    /// The comparison that holds exactly when this one does not (for values of one totally ordered type).
    package var complement: Comparison {
        switch self {
        case .equal: .notEqual
        case .notEqual: .equal
        case .less: .greaterOrEqual
        case .lessOrEqual: .greater
        case .greater: .lessOrEqual
        case .greaterOrEqual: .less
        }
    }
}
