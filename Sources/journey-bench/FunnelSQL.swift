// Funnels written by hand as plain SQL over the store's tables: an independent check of JourneyQL's counts
// and the "same query on SQLite" the benchmark times beside it.

/// Builds a SQL query that counts, per step, the customers whose funnel level reaches that step, following
/// grammar/SEMANTICS.md §4 ("deepest level over all starts") without using any of JourneyQL's planning code.
///
/// The reasoning, so the SQL can be checked by reading it: a customer reaches step k exactly when some events
/// e1 < e2 < … < ek (strictly, in (time, seq) order) match steps 1…k and ek.time − e1.time ≤ window. For an event e
/// matching step i, let b_i(e) be the latest start time of any such chain of i steps ending at e:
/// b_1(e) = e.time, and b_i(e) = max of b_{i−1} over the events strictly before e. The latest start is the best
/// one for the window, so "level ≥ i" is "some e has time(e) − b_i(e) ≤ window". Each b_i is one window function
/// (a running max over `ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING`, which keeps one event from filling two
/// steps), so a k-step funnel is k − 1 nested window passes and a GROUP BY.
struct FunnelSQL {
    /// One SQL boolean expression per step over `events_json e` (NULL counts as false).
    var steps: [String]
    /// The conversion window in milliseconds; nil means none.
    var windowMilliseconds: Int64?
    /// A condition every step implies, written so SQLite can use an index (`e.stage IN (...)`).
    var prefilter: String

    /// The query: one row, one column per step, `customers` reaching at least that step.
    var sql: String {
        let k = steps.count
        precondition(k >= 1)
        let marks = (1...k).map { "m\($0)" }
        var sql = "WITH ev AS (\n  SELECT customer, time, seq, \(marks.joined(separator: ", ")) FROM (\n"
        sql += "    SELECT e.customer, e.time, e.seq,\n"
        sql += steps.enumerated().map { "      coalesce((\($1)), 0) AS m\($0 + 1)" }.joined(separator: ",\n")
        sql += "\n    FROM events_json e WHERE \(prefilter)\n  ) WHERE \(marks.joined(separator: " OR "))\n),\n"
        // l1 carries the start times; each later layer adds b_i from the previous layer's b_{i-1}.
        sql += "l1 AS (SELECT customer, time, seq, " + (marks.dropFirst().map { $0 + ", " }.joined())
            + "CASE WHEN m1 THEN time END AS b1 FROM ev)"
        for i in stride(from: 2, through: k, by: 1) {
            let carried = (i + 1 <= k ? (i + 1...k).map { "m\($0)" } : []) + (1..<i).map { "b\($0)" }
            sql += ",\nl\(i) AS (SELECT customer, time, seq, " + carried.map { $0 + ", " }.joined()
                + "CASE WHEN m\(i) THEN max(b\(i - 1)) OVER w END AS b\(i) FROM l\(i - 1)"
                + " WINDOW w AS (PARTITION BY customer ORDER BY time, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))"
        }
        let reach = (1...k).map { i -> String in
            if i == 1 { return "max(b1 IS NOT NULL) AS r1" }
            let test = windowMilliseconds.map { "time - b\(i) <= \($0)" } ?? "b\(i) IS NOT NULL"
            return "max(coalesce(\(test), 0)) AS r\(i)"
        }
        sql += ",\nper AS (SELECT customer, \(reach.joined(separator: ", ")) FROM l\(k) GROUP BY customer)\n"
        sql += "SELECT " + (1...k).map { "coalesce(sum(r\($0)), 0)" }.joined(separator: ", ") + " FROM per"
        return sql
    }

    // MARK: Pieces of step conditions

    /// The dictionary code of a stage, touchpoint or channel name (NULL when the store has no such value).
    static func code(_ column: String, _ value: String) -> String {
        let col: Int
        switch column {
        case "stage": col = 1
        case "touchpoint": col = 2
        default: col = 3
        }
        return "(SELECT code FROM dictionary WHERE col = \(col) AND value = \(quote(value)))"
    }

    /// `e.column = <code of value>`.
    static func equals(_ column: String, _ value: String) -> String {
        "e.\(column) = \(code(column, value))"
    }

    /// `e.column IN (<codes of values>)`: served by the (column, time) index.
    static func oneOf(_ column: String, _ values: [String]) -> String {
        let col = column == "stage" ? 1 : column == "touchpoint" ? 2 : 3
        return "e.\(column) IN (SELECT code FROM dictionary WHERE col = \(col) AND value IN ("
            + values.map(quote).joined(separator: ", ") + "))"
    }

    /// A text property equal to `value`: true only when the property is text (a number never equals text).
    static func textProperty(_ name: String, equals value: String) -> String {
        "json_extract(e.props, '$.\(name)') = \(quote(value))"
    }

    /// A numeric property compared with a number: true only when the property is a number.
    static func numberProperty(_ name: String, _ op: String, _ value: Double) -> String {
        "(json_type(e.props, '$.\(name)') IN ('integer', 'real') AND json_extract(e.props, '$.\(name)') \(op) \(value))"
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacing("'", with: "''") + "'"
    }
}

/// A 2-step funnel broken down by a field of the chain's first step (grammar/SEMANTICS.md §4a, Breakdowns), as SQL.
///
/// With two steps the chain is easy to name in SQL: from a start s, step 2 is the first matching event after s, so
/// s reaches level 2 when that event's time is within the window; the customer's level is the best over its starts,
/// and its chain starts at the earliest start reaching that level. Groups are the dictionary value of `key` on that
/// start ('' when the event has none), with customers per step.
struct BreakdownSQL {
    var steps: [String]
    var windowMilliseconds: Int64
    var prefilter: String
    /// A dictionary column: stage, touchpoint or channel.
    var key: String

    var sql: String {
        precondition(steps.count == 2, "the SQL twin of a breakdown covers 2-step funnels")
        let col = key == "stage" ? 1 : key == "touchpoint" ? 2 : 3
        return """
            WITH ev AS (
              SELECT customer, time, seq, \(key), m1, m2 FROM (
                SELECT e.customer, e.time, e.seq, e.\(key),
                  coalesce((\(steps[0])), 0) AS m1,
                  coalesce((\(steps[1])), 0) AS m2
                FROM events_json e WHERE \(prefilter)
              ) WHERE m1 OR m2
            ),
            nx AS (SELECT customer, time, seq, \(key), m1,
                     min(CASE WHEN m2 THEN time END) OVER (PARTITION BY customer ORDER BY time, seq
                       ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next2 FROM ev),
            starts AS (SELECT customer, time, seq, \(key),
                         CASE WHEN next2 - time <= \(windowMilliseconds) THEN 2 ELSE 1 END AS level FROM nx WHERE m1),
            best AS (SELECT customer, max(level) AS level FROM starts GROUP BY customer),
            chain AS (SELECT s.customer, s.level, s.\(key),
                        row_number() OVER (PARTITION BY s.customer ORDER BY s.time, s.seq) AS rn
                      FROM starts s JOIN best b ON b.customer = s.customer AND b.level = s.level)
            SELECT coalesce(d.value, '') AS \(key), count(*) AS step1, sum(chain.level >= 2) AS step2
            FROM chain LEFT JOIN dictionary d ON d.col = \(col) AND d.code = chain.\(key)
            WHERE rn = 1 GROUP BY 1 ORDER BY step1 DESC, 1
            """
    }
}

/// A query's twin in plain SQL: its text, and how to read its rows.
struct SQLTwin {
    var text: String
    /// Leading columns of each row that name a group (0 for a plain funnel); the rest are customers per step.
    var keyColumns: Int

    init(_ funnel: FunnelSQL) { text = funnel.sql; keyColumns = 0 }
    init(_ breakdown: BreakdownSQL) { text = breakdown.sql; keyColumns = 1 }
}
