// A store predicate as a PostgreSQL boolean expression over `journeyql.events e` (and, when it reads customer
// attributes, `journeyql.customers c` joined on the customer), three-valued exactly as grammar/SEMANTICS.md section 2
// says and as `PredicateSQL` writes it for SQLite. Every value is a bound parameter.
import JourneyStore

/// SQL text with `$n` placeholders and the text values that fill them, in order.
package struct PostgresSQL: Sendable, Hashable {
    package var sql = ""
    package var parameters: [String?] = []

    package init() {}

    /// Binds `value` and returns its placeholder cast to `type` (`$3::bigint`).
    mutating func bind(_ value: String, as type: String) -> String {
        parameters.append(value)
        return "$\(parameters.count)::\(type)"
    }
}

/// Why a statement cannot run on PostgreSQL (yet): the construct, named as the language writes it.
package struct PostgresUnsupported: Error, Sendable, Equatable, CustomStringConvertible {
    package let construct: String

    package var description: String { "the PostgreSQL engine does not run \(construct) yet" }
}

enum PostgresPredicate {
    /// Appends the expression of `predicate` (in negation normal form, as for SQLite) to `query`.
    static func append(_ predicate: Predicate, to query: inout PostgresSQL) throws(PostgresUnsupported) {
        try emit(PredicateSQL.normalized(predicate), to: &query)
    }

    /// The behavioural segments of the statement being compiled: the token a session gave each evaluated segment
    /// (`.customerIn` of it) → the ids of its customers (PostgresSession.resolvingCustomerSets).
    @TaskLocal static var customerSets: [CustomerNumbers: [String]] = [:]

    /// Whether the predicate reads a customer attribute (the query then joins `journeyql.customers c`).
    static func readsAttributes(_ predicate: Predicate) -> Bool {
        switch predicate {
        case .customerAttribute: true
        case .like(.customerAttribute, _), .isNull(.customerAttribute): true
        case .not(let inner): readsAttributes(inner)
        case .and(let terms), .or(let terms): terms.contains(where: readsAttributes)
        default: false
        }
    }

    private static func emit(_ predicate: Predicate, to q: inout PostgresSQL) throws(PostgresUnsupported) {
        switch predicate {
        case .constant(let value):
            q.sql += value ? "TRUE" : "FALSE"
        case .codes(let column, let codes):
            if codes.isEmpty {
                q.sql += "(CASE WHEN e.\(column.name) IS NULL THEN NULL ELSE FALSE END)"
            } else {
                let list = "{" + codes.map(String.init).joined(separator: ",") + "}"
                q.sql += "e.\(column.name) = ANY(\(q.bind(list, as: "integer[]")))"
            }
        case .time(let op, let value):
            q.sql += "e.time \(op.rawValue) \(q.bind(String(value), as: "bigint"))"
        case .customer(let op, let key):
            q.sql += "e.customer \(op.rawValue) \(q.bind(key, as: "text"))"
        case .property(let name, let op, let literal):
            q.sql += typed("e.props", name, literal, &q) + " \(op.rawValue) " + value(literal, &q)
        case .customerAttribute(let name, let op, let literal):
            q.sql += typed("c.attrs", name, literal, &q) + " \(op.rawValue) " + value(literal, &q)
        case .like(let operand, let pattern):
            let text: String
            switch operand {
            case .column(let column):
                text = "(SELECT d.value FROM journeyql.dictionary d WHERE d.col = \(column.rawValue) AND d.code = e.\(column.name))"
            case .customer:
                text = "e.customer"
            case .property(let name):
                text = typed("e.props", name, .text(""), &q)
            case .customerAttribute(let name):
                text = typed("c.attrs", name, .text(""), &q)
            }
            q.sql += "\(text) LIKE \(q.bind(pattern.postgresLike, as: "text")) ESCAPE '\\'"
        case .isNull(let operand):
            switch operand {
            case .column(let column): q.sql += "(e.\(column.name) IS NULL)"
            case .customer: q.sql += "FALSE"
            case .property(let name):
                q.sql += "(coalesce(jsonb_typeof(e.props -> \(q.bind(name, as: "text"))), 'null') = 'null')"
            case .customerAttribute(let name):
                q.sql += "(coalesce(jsonb_typeof(c.attrs -> \(q.bind(name, as: "text"))), 'null') = 'null')"
            }
        case .not(let inner):
            q.sql += "(NOT "
            try emit(inner, to: &q)
            q.sql += ")"
        case .and(let terms):
            try join(terms, " AND ", empty: "TRUE", &q)
        case .or(let terms):
            try join(terms, " OR ", empty: "FALSE", &q)
        case .customerIn(let numbers):
            // A behavioural segment the session evaluated: its members' ids, one bound array.
            guard let ids = customerSets[numbers] else {
                throw PostgresUnsupported(construct: "FOR a behavioural segment (SEGMENT ... AS CUSTOMERS)")
            }
            q.sql += "e.customer = ANY(\(q.bind(PostgresArray.literal(ids), as: "text[]")))"
        }
    }

    private static func join(_ terms: [Predicate], _ separator: String, empty: String,
                             _ q: inout PostgresSQL) throws(PostgresUnsupported) {
        guard !terms.isEmpty else {
            q.sql += empty
            return
        }
        q.sql += "("
        for (i, term) in terms.enumerated() {
            if i > 0 { q.sql += separator }
            try emit(term, to: &q)
        }
        q.sql += ")"
    }

    /// The member `name` of the JSON object `object` when its type is the literal's (a number for a number, a
    /// string for text), else NULL: numbers as float8 (SQLite's REAL), exact integers beyond 2^53 as numeric, text
    /// in byte order.
    private static func typed(_ object: String, _ name: String, _ literal: ScalarValue, _ q: inout PostgresSQL) -> String {
        let key = q.bind(name, as: "text")
        switch literal {
        case .number:
            return "(CASE WHEN jsonb_typeof(\(object) -> \(key)) = 'number' THEN (\(object) ->> \(key))::float8 END)"
        case .integer:
            return "(CASE WHEN jsonb_typeof(\(object) -> \(key)) = 'number' THEN (\(object) ->> \(key))::numeric END)"
        case .text:
            return "(CASE WHEN jsonb_typeof(\(object) -> \(key)) = 'string' THEN (\(object) ->> \(key)) COLLATE \"C\" END)"
        }
    }

    private static func value(_ literal: ScalarValue, _ q: inout PostgresSQL) -> String {
        switch literal {
        case .number(let d): q.bind(d.isFinite ? "\(d)" : (d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity")), as: "float8")
        case .integer(let i): q.bind(String(i), as: "numeric")
        case .text(let s): q.bind(s, as: "text")
        }
    }
}
