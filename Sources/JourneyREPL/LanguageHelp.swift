// `.help TOPIC` (and `help TOPIC` at the prompt): the language, a screen per statement or clause.

enum LanguageHelp {
    /// Topic names as `.help` lists them; a topic is found by any of its words, case-insensitively.
    static var topicNames: [String] { topics.map { $0.names[0] } }

    static func topic(_ name: String) -> String? {
        let key = name.uppercased().trimmingBlanks()
        return topics.first { $0.names.contains(key) }.map { $0.text + "\n" }
    }

    private static let topics: [(names: [String], text: String)] = [
        (["FROM", "TO", "THEN", "JOURNEY", "FUNNEL"], """
            FROM step TO step [TO step ...] [clauses]          a journey (funnel): customers per step
              steps: a stage or touchpoint name, ANY, stage X, touchpoint X, (a | b), step[condition], step?
              clauses, in any order: WITHIN d, WHERE cond, BY f, g, LIMIT n, FOR segment, DURING a .. b,
              SINCE t, BEFORE t, LAST d, EXCLUDING step [BETWEEN i AND j], DIRECTLY, STRICT TIME,
              TIES ANY ORDER, IN ANY ORDER, SAME field
              FROM awareness TO purchase WITHIN 30 days BY channel;
              FROM cart_add TO checkout_complete[amount > 100] WITHIN 2 hours;
            WHERE applies to every step; a step's own filter goes in brackets: awareness[channel = social].
            """),
        (["WHERE", "CONDITION", "CONDITIONS"], """
            WHERE cond        keeps only the events cond admits, for every step (SQL's three-valued logic)
              field = value, !=, <, <=, >, >=, IN (a, b), NOT IN, LIKE 'pat%', BETWEEN a AND b, IS [NOT] NULL,
              AND, OR, NOT, parentheses; fields: stage, touchpoint, channel, time, customer, any property
              (device, amount, ...), customer.x (attributes), a LET name
              FROM awareness TO purchase WHERE channel IN (social, paid_ads) AND device != mobile;
            """),
        (["WITHIN", "WINDOW"], """
            WITHIN d after the last step: every step within d of the first (inclusive)
            WITHIN d after an inner step: that step within d of the previous one
              durations: 30 days, 2 hours, 15 minutes, 1 week, 3 months, 30d, 2h, 15m, 1w, or $param
            """),
        (["BY", "LIMIT", "BREAKDOWN"], """
            BY f, g     one row set per value of f (read at the first step), customer.x, or day / week / month
                        (the start's period; periods come in time order)
            LIMIT n     the first n groups (the n largest without a period); LIMIT 0 gives no rows
            """),
        (["DURING", "SINCE", "BEFORE", "LAST", "NOW"], """
            DURING a .. b, SINCE t, BEFORE t, LAST d     when journeys start (later steps may fall after)
            SET now = 2024-06-30;      reads the store as of that instant: later events are invisible
            """),
        (["EXCLUDING", "DIRECTLY", "STRICT", "TIES", "ORDER", "SAME"], """
            EXCLUDING s [BETWEEN i AND j]   a journey with an s event between those steps does not count
            DIRECTLY                        each step is the customer's very next event
            STRICT TIME                     each step strictly later in time than the previous
            TIES ANY ORDER                  events of the same instant chain in either order
            IN ANY ORDER                    all steps, in any order, within the window
            SAME order_id                   every step has the first step's value of the field
            """),
        (["TIMES"], """
            TIMES FROM a TO b [clauses]     time to convert: min, p25, median, p75, p90, max, mean and a histogram
            """),
        (["PATHS"], """
            PATHS FROM a TO b [TOP n]       the most common touchpoint sequences of converters (repeats collapsed)
            """),
        (["EXPLAIN"], """
            EXPLAIN FROM a TO b ...                 the plan: engine, how conditions are read, how steps match
            EXPLAIN CUSTOMER id FROM a TO b ...     one customer's events, first starts and chain, why each stopped
            """),
        (["DEFINE", "LET", "SEGMENT", "DROP", "SET", "DEFINITIONS"], """
            DEFINE STAGE name AS cond;     a stage made of events (stored with the data)
            LET name = cond;               a named condition for WHERE and step filters
            SEGMENT name AS cond;          customers by their attributes; FOR name keeps them
            DROP STAGE|LET|SEGMENT name;   SET STAGES a, b, c;   SET now = t;
            """),
        (["SHOW"], """
            SHOW STAGES | TOUCHPOINTS | CHANNELS | FIELDS | SEGMENTS | DEFINITIONS;
            .values FIELD lists the values of any field (channel, device, customer.segment, ...)
            """),
        (["IMPORT"], """
            IMPORT 'events.csv' [MAP time = ts, customer = user_id];     events (CSV or JSON Lines)
            IMPORT CUSTOMERS 'customers.csv';                            customer attributes
            """),
        (["PARAMETERS", "PARAM", "$"], """
            $name stands for a value bound with --param name=value or .param name value: in conditions,
            and wherever a duration, time or count is written (WITHIN $w, SINCE $since, LIMIT $n)
            """),
    ]
}
