// The fixed query set of issue 4: what is timed, its SQL twin on SQLite where one exists, and its target.
// scripts/bench-peers asks every query here again, by its id, as hand-written SQL on DuckDB and ClickHouse (chDB)
// (QUERIES in scripts/bench_peers.py) and compares their rows with those Children.groups reads from JourneyQL's
// result: a query added here needs a twin there, and a result of a new shape a reading in Children.groups.

/// A time target from issue 4, or one the benchmark assumes where the issue names none.
struct Target: Codable {
    var seconds: Double
    /// Where the figure comes from.
    var source: String
}

/// One query the benchmark runs.
struct BenchQuery {
    /// A short stable key (`funnel2`), used in results.json and by scripts/bench-peers.
    var id: String
    /// What the row is called in the table.
    var label: String
    /// The statement as an analyst would type it.
    var text: String
    /// The same question as plain SQL on the store's tables, when there is one.
    var sql: SQLTwin?
    var target: Target
    /// The feature the query needs, named when it may not exist yet ("BY", "PATHS", "TIMES"): such a query is
    /// reported as not yet supported while the parser rejects it, and lights up once the language has it.
    var feature: String?
}

enum QuerySet {
    static let day: Int64 = 86_400_000

    static let all: [BenchQuery] = [
        BenchQuery(
            id: "funnel2", label: "2-step funnel, 30-day window",
            text: "FROM awareness TO purchase WITHIN 30 days",
            sql: SQLTwin(FunnelSQL(steps: [FunnelSQL.equals("stage", "awareness"), FunnelSQL.equals("stage", "purchase")],
                                   windowMilliseconds: 30 * day,
                                   prefilter: FunnelSQL.oneOf("stage", ["awareness", "purchase"]))),
            target: Target(seconds: 0.1, source: "issue 4")),
        BenchQuery(
            id: "funnel4", label: "4-step funnel, 30-day window",
            text: "FROM awareness TO consideration TO purchase TO retention WITHIN 30 days",
            sql: SQLTwin(FunnelSQL(steps: ["awareness", "consideration", "purchase", "retention"].map { FunnelSQL.equals("stage", $0) },
                                   windowMilliseconds: 30 * day,
                                   prefilter: FunnelSQL.oneOf("stage", ["awareness", "consideration", "purchase", "retention"]))),
            target: Target(seconds: 0.2, source: "issue 4")),
        BenchQuery(
            id: "filters", label: "filter on every step, 7 days",
            text: "FROM ad_click[channel = social] TO cart_add[device = mobile] TO checkout_complete[amount > 50] WITHIN 7 days",
            sql: SQLTwin(FunnelSQL(steps: [
                                       FunnelSQL.equals("touchpoint", "ad_click") + " AND " + FunnelSQL.equals("channel", "social"),
                                       FunnelSQL.equals("touchpoint", "cart_add") + " AND " + FunnelSQL.textProperty("device", equals: "mobile"),
                                       FunnelSQL.equals("touchpoint", "checkout_complete") + " AND " + FunnelSQL.numberProperty("amount", ">", 50),
                                   ],
                                   windowMilliseconds: 7 * day,
                                   prefilter: FunnelSQL.oneOf("touchpoint", ["ad_click", "cart_add", "checkout_complete"]))),
            target: Target(seconds: 0.2, source: "assumed: a 3-step funnel, held to the 4-step target")),
        BenchQuery(
            id: "breakdown", label: "breakdown by first-step channel",
            text: "FROM awareness TO purchase WITHIN 30 days BY channel",
            sql: SQLTwin(BreakdownSQL(steps: [FunnelSQL.equals("stage", "awareness"), FunnelSQL.equals("stage", "purchase")],
                                      windowMilliseconds: 30 * day,
                                      prefilter: FunnelSQL.oneOf("stage", ["awareness", "purchase"]), key: "channel")),
            target: Target(seconds: 0.5, source: "issue 4"), feature: "BY"),
        BenchQuery(
            id: "paths", label: "top-10 paths",
            text: "PATHS FROM awareness TO purchase TOP 10",
            sql: nil, target: Target(seconds: 0.5, source: "issue 4"), feature: "PATHS"),
        BenchQuery(
            id: "times", label: "time to convert",
            text: "TIMES FROM awareness TO purchase WITHIN 30 days",
            sql: nil, target: Target(seconds: 0.5, source: "assumed: an analysis, held to the breakdown/paths target"),
            feature: "TIMES"),
        BenchQuery(
            id: "stages", label: "journey map (stages)",
            text: "STAGES",
            sql: nil, target: Target(seconds: 0.5, source: "issue 12"), feature: "STAGES"),
        BenchQuery(
            id: "customers", label: "customers lost at step 1",
            text: "CUSTOMERS FROM awareness TO purchase WITHIN 30 days LOST AT 1",
            sql: nil, target: Target(seconds: 0.5, source: "issue 12"), feature: "CUSTOMERS"),
        BenchQuery(
            id: "dropoff", label: "drop-off: next 2 and last (3 steps)",
            text: "DROPOFF FROM cart_add THEN checkout_start TO checkout_complete WITHIN 1 day NEXT 2",
            sql: nil, target: Target(seconds: 0.5, source: "issue 12"), feature: "DROPOFF"),
        BenchQuery(
            id: "why", label: "why: converters against the lost",
            text: "WHY FROM cart_add TO checkout_complete WITHIN 7 days",
            sql: nil, target: Target(seconds: 0.5, source: "issue 12"), feature: "WHY"),
        BenchQuery(
            id: "flow", label: "flow: 3 steps after cart_add",
            text: "PATHS AFTER cart_add STEPS 3",
            sql: nil, target: Target(seconds: 0.5, source: "issue 12"), feature: "PATHS AFTER"),
        BenchQuery(
            id: "lostpaths", label: "paths of the lost at step 1",
            text: "PATHS FROM awareness TO purchase WITHIN 30 days LOST AT 1",
            sql: nil, target: Target(seconds: 0.5, source: "issue 12"), feature: "PATHS LOST"),
        BenchQuery(
            id: "value", label: "value of purchases (lifetime, after first)",
            text: "VALUE amount FROM purchase",
            sql: nil, target: Target(seconds: 0.5, source: "issue 13"), feature: "VALUE"),
        // COMPARE counts its groups as BY does: the breakdown's SQL twin checks them (Children.groups reads a
        // comparison's rows back into per-group counts).
        BenchQuery(
            id: "compare", label: "channels compared (COMPARE)",
            text: "FROM awareness TO purchase WITHIN 30 days BY channel COMPARE",
            sql: SQLTwin(BreakdownSQL(steps: [FunnelSQL.equals("stage", "awareness"), FunnelSQL.equals("stage", "purchase")],
                                      windowMilliseconds: 30 * day,
                                      prefilter: FunnelSQL.oneOf("stage", ["awareness", "purchase"]), key: "channel")),
            target: Target(seconds: 0.5, source: "issue 13"), feature: "COMPARE"),
        BenchQuery(
            id: "retention", label: "retention: repeat purchase by month",
            text: "RETENTION OF purchase RETURNING purchase EVERY month PERIODS 6",
            sql: nil, target: Target(seconds: 0.5, source: "issue 13"), feature: "RETENTION"),
        BenchQuery(
            id: "attribution", label: "last-touch attribution by channel",
            text: "ATTRIBUTE purchase BY channel MODEL last_touch LOOKBACK 30 days",
            sql: nil, target: Target(seconds: 0.5, source: "issue 13"), feature: "ATTRIBUTE"),
    ]
}

/// The other targets of issue 4, all stated for 10M events.
enum Targets {
    static let importEventsPerSecond = 1_000_000.0
    static let coldSeconds = 1.0
    static let peakBytesPerEvent = 40.0
    static let storeBytesPerEvent = 60.0
}
