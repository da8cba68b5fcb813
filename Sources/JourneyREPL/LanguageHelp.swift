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
            FROM step TO step [TO step ...] [clauses];    a journey: customers per step
              steps: a stage or touchpoint name, ANY, stage X, touchpoint X, (a | b),
                     step[condition] (a filter of that step only), step? (optional)
              clauses, in any order: WITHIN d, WHERE cond, BY f, g, LIMIT n, FOR segment,
                     DURING a .. b, SINCE t, BEFORE t, LAST d, EXCLUDING step,
                     DIRECTLY, STRICT TIME, TIES ANY ORDER, IN ANY ORDER, SAME field
              FROM awareness TO purchase WITHIN 30 days BY channel;
              FROM cart_add TO checkout_complete[amount > 100] WITHIN 2 hours;
            WHERE applies to every step; to filter one step, use brackets after it:
              FROM awareness[channel = social] TO purchase;
            """),
        (["WHERE", "CONDITION", "CONDITIONS"], """
            WHERE cond    keeps only the events cond admits, for every step
              comparisons: = != < <= > >=, IN (a, b), NOT IN, LIKE 'pat%', IS [NOT] NULL,
                           BETWEEN a AND b; combined with AND, OR, NOT and parentheses
              fields: stage, touchpoint, channel, time, customer, any property (device,
                      amount, ...), customer.x (an attribute), or a LET name
              missing values are unknown, as in SQL: channel != email keeps no event
              without a channel
              FROM awareness TO purchase WHERE channel IN (social, app) AND device != tv;
            """),
        (["WITHIN", "WINDOW"], """
            WITHIN d after the last step: every step within d of the first (inclusive)
            WITHIN d after an inner step: that step within d of the step before it
              durations: 30 days, 2 hours, 15 minutes, 1 week, 3 months, 30d, 2h, 15m,
              1w, or a $parameter
            """),
        (["BY", "LIMIT", "BREAKDOWN"], """
            BY f, g    rows per value of f: an event field (read at the first step),
                       customer.x, or day / week / month of the start (in time order)
            LIMIT n    the first n groups (the n largest without a period); 0: no rows
            """),
        (["DURING", "SINCE", "BEFORE", "LAST", "NOW"], """
            DURING a .. b, SINCE t, BEFORE t, LAST d    when journeys start
                       (later steps may fall after the range)
            SET now = 2024-06-30;   reads the store as of that instant: later events
                       are invisible, LAST d ends there
            """),
        (["EXCLUDING", "DIRECTLY", "STRICT", "TIES", "ORDER", "SAME"], """
            EXCLUDING s [BETWEEN i AND j]  no s event may come between those steps
            DIRECTLY                       each step is the customer's very next event
            STRICT TIME                    each step strictly later than the previous
            TIES ANY ORDER                 events of one instant chain in either order
            IN ANY ORDER                   all steps, any order, within the window
            SAME order_id                  every step has the first step's value
            """),
        (["TIMES"], """
            TIMES FROM a TO b [clauses];   time to convert: min, p25, median, p75,
                                           p90, max, mean, and a histogram
            """),
        (["PATHS"], """
            PATHS FROM a TO b [TOP n];     the commonest touchpoint sequences of
                                           converters (repeats collapsed)
            PATHS AFTER|BEFORE x [STEPS n] [OF touchpoint|channel|stage]
                  [KEEP REPEATS] [MIN SHARE pct] [TOP n] [clauses];
                                           what customers did after (before)
                                           their first x: a tree, per level
            PATHS FROM a TO b [LOST [AT k] | CONVERTED] [OF f] [KEEP REPEATS]
                  [MAX LENGTH n] [MIN SHARE pct];
                                           paths of the lost or the converters
            """),
        (["DROPOFF"], """
            DROPOFF FROM a TO b [clauses] [NEXT n] [OF touchpoint|channel|stage];
                                           per step, what the customers lost there
                                           did next (n events) and last, and when
            """),
        (["WHY"], """
            WHY FROM a TO b [clauses] [USING field, ...];
                                           values that separate converters from the
                                           lost: shares, odds ratio, p (chi-square)
            """),
        (["VALUE"], """
            VALUE amount FROM purchase [WITHIN d] [clauses];
                                           a numeric property over a step's events:
                                           total, per order (avg, median, p90),
                                           per customer (frequency, repeat rate,
                                           lifetime value) and the share after
                                           each customer's first event
            """),
        (["COMPARE", "PREVIOUS", "AGAINST", "CONFIDENCE"], """
            FROM a TO b BY f [clauses] COMPARE [AGAINST value] [CONFIDENCE 90|95|99];
            FROM a TO b DURING x .. y | LAST d COMPARE PREVIOUS;
                  per step and group: the rate with a Wilson interval; against the
                  reference group (the first, or AGAINST) the difference in points
                  with Newcombe's interval, a z-test p and a verdict (higher, lower,
                  not significant); per step a chi-square test over all groups.
                  PREVIOUS: the range against the same length just before it.
              FROM awareness TO purchase BY customer.segment COMPARE;
            """),
        (["EXPLAIN"], """
            EXPLAIN FROM a TO b ...;              the plan: engine, conditions, matching
            EXPLAIN CUSTOMER id FROM a TO b ...;  one customer's events, the first
                                                  starts and chains, why each stopped
            """),
        (["DEFINE", "LET", "SEGMENT", "DROP", "SET", "DEFINITIONS"], """
            DEFINE STAGE name AS cond;     a stage made of events (kept in the store)
            LET name = cond;               a named condition for WHERE and step filters
            SEGMENT name AS cond;          customers by attributes; FOR name keeps them
            DROP STAGE|LET|SEGMENT name;   SET STAGES a, b, c;   SET now = t;
            """),
        (["SHOW"], """
            SHOW STAGES | TOUCHPOINTS | CHANNELS | FIELDS | SEGMENTS | DEFINITIONS;
            .values FIELD lists the values of any field (device, customer.segment, ...)
            """),
        (["IMPORT"], """
            IMPORT 'events.csv' [MAP time = ts, customer = user_id];   events
            IMPORT CUSTOMERS 'customers.csv';                          attributes
            (CSV or JSON Lines; journey import FILE --db STORE does the same)
            """),
        (["EXPECT"], """
            EXPECT column [AT STEP n|name | AT ROW n] [WHERE key = value] op value;
                 checks the previous result; op: = != < <= > >=, BETWEEN a AND b,
                 IS [NOT] NULL. EXPECT ROWS = n;  EXPECT RESULT = 'expected.csv';
              FROM awareness TO purchase;
              EXPECT pct_of_first AT STEP purchase BETWEEN 18 AND 25;
            A failed EXPECT is reported (file:line, value seen and expected), the
            script goes on, and journey run exits 1 at the end.
            """),
        (["PARAMETERS", "PARAM", "$"], """
            $name is a value bound with --param name=value (or .param name value):
            in conditions, and wherever a duration, time or count is written
              FROM awareness TO purchase WITHIN $window SINCE $since LIMIT $n;
            """),
        (["STAGES", "INACTIVE", "CHURN"], """
            STAGES [clauses] [INACTIVE AFTER d];   the journey map over the stage order
              per stage: reached, furthest stage, median first stay, churned (quiet
              for d before now, default 30 days); and the stage-to-stage transitions,
              forward, skipped or back, with counts and shares
              clauses: WHERE, FOR, DURING/SINCE/BEFORE/LAST (the first stage event), BY,
              LIMIT (groups).  SET STAGES a, b, c orders the stages first if needed.
              STAGES BY customer.segment INACTIVE AFTER 14 days;
            """),
        (["CUSTOMERS", "CUSTOMER", "LOST", "CONVERTED", "PROGRESS"], """
            CUSTOMERS FROM a TO b [clauses] [pick] [ORDER BY start|reached|customer
                 [DESC]] [LIMIT n];   the customers behind the numbers, one row each:
                 id, start, deepest step, time reached, status
              pick: AT k (reached step k), LOST AT k, LOST, CONVERTED, IN PROGRESS
            SEGMENT name AS CUSTOMERS FROM a TO b ... [pick];   a live segment made
                 from behaviour: FOR name keeps its customers, found again each use
            SHOW CUSTOMER id;   one customer's every event with every property
            """),
        (["RETENTION", "RETURNING", "EVERY", "PERIODS", "COHORT", "COHORTS"], """
            RETENTION OF a RETURNING b [EVERY day|week|month] [PERIODS n] [ON OR AFTER]
                 [clauses];   cohorts by the period of each customer's first a, and
                 who does b in period N = 0..n after it (calendar periods, UTC)
              ON OR AFTER: b in period N or later counts (unbounded retention)
              periods not ended by now are left out, not counted as lost
              clauses: WHERE, FOR, DURING/SINCE/BEFORE/LAST (the first a), BY (BY
              day|week|month is the period)
              RETENTION OF purchase RETURNING purchase BY month PERIODS 6;
            """),
        (["ATTRIBUTE", "MODEL", "LOOKBACK", "ATTRIBUTION"], """
            ATTRIBUTE step [BY field] MODEL m, ... LOOKBACK d [HALF LIFE d] [VALUE p]
                 [clauses];   each conversion (an event of the step) credited to the
                 touches before it within d, per credited value (channel by default)
              models: first_touch, last_touch, linear, position (40/20/40),
                 time_decay (HALF LIFE h, default 7 days), markov (removal effect)
              no touch in the lookback: the row (none); each column adds up exactly
              clauses: WHERE, FOR, DURING/SINCE/BEFORE/LAST (which conversions
                 count), LIMIT (rows, the rest in (other))
              ATTRIBUTE purchase BY channel MODEL first_touch, linear, markov
                 LOOKBACK 30 days VALUE amount;
            """),
    ]
}
