#!/usr/bin/env python3
"""The peer run of issue 4: the benchmark's funnels on DuckDB and on ClickHouse (chDB), on the same CSV files.

Run through scripts/bench-peers, which makes the virtualenv. Each engine runs in a process of its own (its peak
memory is its own); this process prints the times and the customer counts beside JourneyQL's, read from the
results.json that journey-bench left in .bench/<set>/.

Counting rules, so differences can be read:
- JourneyQL (grammar/SEMANTICS.md §4): deepest level over all starts; events ordered by (time, file order); a step
  is filled by an event strictly after the previous step's event, so one event never fills two steps and two events
  in the same second chain only in file order.
- DuckDB: the same rule written as SQL (running maxima over window frames that end one row before the current
  row), ordered by (time, rowid), rowid being the file order. It should agree exactly.
- ClickHouse, for the three plain funnels, windowFunnel(window): its default lets events of the same second chain in
  either order (and one event fill two steps whose conditions it meets); 'strict_increase' never chains events of the
  same second. For steps that no single event can meet together, JourneyQL's count lies between the two.
- ClickHouse, for every other query: the DuckDB twin's question in ClickHouse SQL (window functions, joins, arrays),
  over the events ordered by (time, seq), seq being the file order. It should agree exactly.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

DAY = 86_400

# Every query of journey-bench's QuerySet, by its id there, each answered by hand-written SQL on the engines listed
# (all of them when "engines" is absent); the rows are compared with those journey-bench reads from JourneyQL's
# result (Children.groups). Each step: (DuckDB condition, ClickHouse condition); the window in seconds.
QUERIES = [
    {
        "id": "funnel2", "label": "2-step funnel, 30-day window",
        "steps": [("stage = 'awareness'",) * 2, ("stage = 'purchase'",) * 2],
        "prefilter": "stage IN ('awareness', 'purchase')",
        "window": 30 * DAY,
    },
    {
        "id": "funnel4", "label": "4-step funnel, 30-day window",
        "steps": [(f"stage = '{s}'",) * 2 for s in ("awareness", "consideration", "purchase", "retention")],
        "prefilter": "stage IN ('awareness', 'consideration', 'purchase', 'retention')",
        "window": 30 * DAY,
    },
    {
        "id": "filters", "label": "filter on every step, 7 days",
        "steps": [
            ("touchpoint = 'ad_click' AND channel = 'social'",) * 2,
            ("touchpoint = 'cart_add' AND device = 'mobile'",) * 2,
            ("touchpoint = 'checkout_complete' AND amount > 50",
             "touchpoint = 'checkout_complete' AND coalesce(amount, 0) > 50"),
        ],
        "prefilter": "touchpoint IN ('ad_click', 'cart_add', 'checkout_complete')",
        "window": 7 * DAY,
    },
    {
        # BY reads the chain's first event, which windowFunnel does not expose: on ClickHouse the chains are written
        # out (clickhouse_chain_ctes), as for every query below.
        "id": "breakdown", "label": "breakdown by first-step channel", "by": "channel",
        "steps": [("stage = 'awareness'",) * 2, ("stage = 'purchase'",) * 2],
        "prefilter": "stage IN ('awareness', 'purchase')",
        "window": 30 * DAY,
    },
    {
        # TIMES: every histogram bucket with its converters (the time from the chain's first event to its last).
        "id": "times", "label": "time to convert", "kind": "times",
        "steps": [("stage = 'awareness'",) * 2, ("stage = 'purchase'",) * 2],
        "prefilter": "stage IN ('awareness', 'purchase')",
        "window": 30 * DAY,
    },
    {
        # PATHS: how many converters and distinct paths, then the top 10 paths with their converters.
        "id": "paths", "label": "top-10 paths", "kind": "paths",
        "steps": [("stage = 'awareness'",) * 2, ("stage = 'purchase'",) * 2],
        "top": 10,
    },
    {
        # STAGES (issue 12): its transitions table, every (from, to) with how many times customers made it.
        "id": "stages", "label": "journey map: stage transitions", "kind": "stages",
        "order": ["awareness", "consideration", "purchase", "retention", "advocacy"],
    },
    {
        # CUSTOMERS (issue 12): the ids of the customers lost at step 1, by start; compared by how many.
        "id": "customers", "label": "customers lost at step 1", "kind": "customers",
        "steps": [("stage = 'awareness'",) * 2, ("stage = 'purchase'",) * 2],
        "prefilter": "stage IN ('awareness', 'purchase')",
        "window": 30 * DAY,
    },
    {
        # DROPOFF (issue 12): per step, the customers lost there (deepest step k, window closed) and what they did
        # after the chain's step-k event: the first NEXT events' touchpoints and the last event's, each ranked and
        # folded past LIMIT (10) as JourneyQL does; the last table with its median time since the step event.
        "id": "dropoff", "label": "drop-off: next 2 and last (3 steps)", "kind": "dropoff",
        "steps": [(f"touchpoint = '{t}'",) * 2 for t in ("cart_add", "checkout_start", "checkout_complete")],
        "window": DAY, "next": 2, "of": "touchpoint", "limit": 10,
    },
    {
        # WHY (issue 12): converters and lost customers (window closed) with each (field, value) seen in their journey
        # span; the rows JourneyQL lists (10 per direction, by its odds ratio), with the two totals. Fields: WHY's
        # default set on this store (touchpoint, channel and the properties; no customer attributes are imported),
        # less those with more than 50 values among the features seen.
        "id": "why", "label": "why: converters against the lost", "kind": "why",
        "steps": [("touchpoint = 'cart_add'",) * 2, ("touchpoint = 'checkout_complete'",) * 2],
        "window": 7 * DAY, "fields": [("touchpoint", "text"), ("channel", "text"), ("device", "text"),
                                      ("campaign", "text"), ("amount", "number")], "limit": 10, "max_values": 50,
    },
    {
        # PATHS AFTER (issue 12): every node of the tree (level, parent path, node, customers), from each customer's
        # first cart_add: the touchpoints after it, repeats collapsed, the first 3, '(end)' when fewer.
        "id": "flow", "label": "flow: 3 steps after cart_add", "kind": "flow",
        "anchor": ("touchpoint = 'cart_add'",) * 2, "anchor_label": "cart_add", "steps_after": 3,
    },
    {
        # PATHS ... LOST AT 1 (issue 12): how many customers are lost at step 1 and how many distinct paths they
        # took, then the top 10 paths, from the chain's first event to the last event inside the window.
        "id": "lostpaths", "label": "paths of the lost at step 1", "kind": "lostpaths",
        "steps": [("stage = 'awareness'",) * 2, ("stage = 'purchase'",) * 2],
        "window": 30 * DAY, "lost_at": 1, "top": 10,
    },
    {
        # VALUE (issue 13): purchases' amounts per customer, lifetime, and after each customer's first purchase.
        "id": "value", "label": "value of purchases (lifetime, after first)", "kind": "value",
        "step": "stage = 'purchase'",
    },
    {
        # COMPARE (issue 13) counts its groups as BY does, so its twin is the breakdown's SQL: the intervals and tests
        # over a handful of groups cost nothing next to the scan (journey-bench reads the comparison back into
        # per-group counts to check them).
        "id": "compare", "label": "channels compared (COMPARE)", "by": "channel",
        "steps": [("stage = 'awareness'",) * 2, ("stage = 'purchase'",) * 2],
        "prefilter": "stage IN ('awareness', 'purchase')",
        "window": 30 * DAY,
    },
    {
        # RETENTION (issue 13): the curve of repeat purchases by calendar month, per period the customers of the
        # cohorts whose period has ended and how many of them bought again in it.
        "id": "retention", "label": "retention: repeat purchase by month", "kind": "retention",
        "engines": ["duckdb", "clickhouse"],
        "of": "stage = 'purchase'", "returning": "stage = 'purchase'", "unit": "month", "periods": 6,
    },
    {
        # ATTRIBUTE (issue 13): last-touch credit per channel, with window functions; compared by (channel, count).
        "id": "attribution", "label": "last-touch attribution by channel", "kind": "attribution",
        "conversion": "stage = 'purchase'", "field": "channel", "lookback": 30 * DAY,
    },
]

# TIMES's histogram buckets (grammar/SEMANTICS.md): label and lower edge in milliseconds, lower edges inclusive.
BUCKETS = [("< 1m", 0), ("1m - 10m", 60_000), ("10m - 1h", 600_000), ("1h - 6h", 3_600_000),
           ("6h - 1d", 21_600_000), ("1d - 7d", 86_400_000), ("7d - 30d", 604_800_000), (">= 30d", 2_592_000_000)]


def peak_bytes():
    """VmHWM of this process (exec resets it, unlike ru_maxrss of a child)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def timed(run, runs):
    """The first run, then `runs` more: (first seconds, [seconds], result of the last run)."""
    started = time.perf_counter()
    result = run()
    first = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return first, times, result


def cumulative(levels, steps):
    """Customers per step from a {level: customers} histogram: those at level >= k."""
    return [sum(n for level, n in levels.items() if level >= k) for k in range(1, steps + 1)]


# DuckDB ---------------------------------------------------------------------------------------------------------

def duckdb_funnel_sql(query):
    """Deepest level over all starts as window functions: b_i = latest start of a chain of i steps ending here."""
    steps = [duck for duck, _ in query["steps"]]
    k = len(steps)
    marks = [f"m{i}" for i in range(1, k + 1)]
    window_ms = query["window"] * 1000
    sql = "WITH ev AS (SELECT * FROM (SELECT customer_id, ts, rowid AS seq, " + ", ".join(
        f"coalesce(({cond}), false) AS m{i + 1}" for i, cond in enumerate(steps))
    sql += f" FROM events WHERE {query['prefilter']}) WHERE {' OR '.join(marks)}),\n"
    sql += "l1 AS (SELECT customer_id, ts, seq, " + "".join(m + ", " for m in marks[1:]) \
        + "CASE WHEN m1 THEN ts END AS b1 FROM ev)"
    for i in range(2, k + 1):
        carried = [f"m{j}" for j in range(i + 1, k + 1)] + [f"b{j}" for j in range(1, i)]
        sql += f",\nl{i} AS (SELECT customer_id, ts, seq, " + "".join(c + ", " for c in carried) \
            + f"CASE WHEN m{i} THEN max(b{i - 1}) OVER w END AS b{i} FROM l{i - 1}" \
            + " WINDOW w AS (PARTITION BY customer_id ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))"
    reach = ["max(CASE WHEN b1 IS NOT NULL THEN 1 ELSE 0 END) AS r1"] + [
        f"max(CASE WHEN ts - b{i} <= {window_ms} THEN 1 ELSE 0 END) AS r{i}" for i in range(2, k + 1)]
    sql += f",\nper AS (SELECT customer_id, {', '.join(reach)} FROM l{k} GROUP BY customer_id)\n"
    sql += "SELECT " + ", ".join(f"coalesce(sum(r{i}), 0)" for i in range(1, k + 1)) + " FROM per"
    return sql


def duckdb_breakdown_sql(query):
    """A 2-step funnel by a field of the chain's first step: the earliest start that reaches the customer's level."""
    (s1, _), (s2, _) = query["steps"]
    key, window_ms = query["by"], query["window"] * 1000
    return f"""
        WITH ev AS (SELECT customer_id, ts, rowid AS seq, {key}, coalesce(({s1}), false) AS m1, coalesce(({s2}), false) AS m2
                    FROM events WHERE {query['prefilter']}),
        nx AS (SELECT *, min(CASE WHEN m2 THEN ts END) OVER (PARTITION BY customer_id ORDER BY ts, seq
                 ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next2 FROM ev),
        starts AS (SELECT customer_id, ts, seq, {key}, CASE WHEN next2 - ts <= {window_ms} THEN 2 ELSE 1 END AS level
                   FROM nx WHERE m1),
        chain AS (SELECT * FROM starts QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY level DESC, ts, seq) = 1)
        SELECT coalesce({key}, '') AS {key}, count(*) AS step1, count(*) FILTER (WHERE level >= 2) AS step2
        FROM chain GROUP BY 1 ORDER BY step1 DESC, 1"""


def duckdb_times_sql(query):
    """TIMES of a 2-step journey: the chain of the earliest start that reaches the deepest level (as in the
    breakdown), its time to the first later step-2 event, counted per histogram bucket (every bucket listed)."""
    (s1, _), (s2, _) = query["steps"]
    window_ms = query["window"] * 1000
    buckets = ", ".join(f"({i}, '{label}', {lower})" for i, (label, lower) in enumerate(BUCKETS))
    return f"""
        WITH ev AS (SELECT customer_id, ts, rowid AS seq, coalesce(({s1}), false) AS m1, coalesce(({s2}), false) AS m2
                    FROM events WHERE {query['prefilter']}),
        nx AS (SELECT *, min(CASE WHEN m2 THEN ts END) OVER (PARTITION BY customer_id ORDER BY ts, seq
                 ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next2 FROM ev),
        starts AS (SELECT customer_id, ts, seq, next2, CASE WHEN next2 - ts <= {window_ms} THEN 2 ELSE 1 END AS level
                   FROM nx WHERE m1),
        chain AS (SELECT * FROM starts QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY level DESC, ts, seq) = 1),
        times AS (SELECT next2 - ts AS d FROM chain WHERE level = 2),
        buckets(i, label, lower) AS (VALUES {buckets}),
        placed AS (SELECT (SELECT max(i) FROM buckets WHERE lower <= d) AS i FROM times)
        SELECT b.label, count(p.i) FROM buckets b LEFT JOIN placed p ON p.i = b.i GROUP BY b.i, b.label ORDER BY b.i"""


def duckdb_paths_sql(query):
    """PATHS of a 2-step journey without a window: the earliest step-1 event with a later step-2 event starts the
    chain, the first such step-2 event ends it; the touchpoints of every event from start to end, in (time, file
    order), consecutive repeats collapsed; first ('(all)', converters, distinct paths), then the top paths by
    customers, then by text."""
    (s1, _), (s2, _) = query["steps"]
    return f"""
        WITH ev AS (SELECT customer_id, ts, rowid AS seq, coalesce(touchpoint, '(none)') AS tp,
                           coalesce(({s1}), false) AS m1, coalesce(({s2}), false) AS m2,
                           ts::HUGEINT * 100000000 + rowid AS pos FROM events),
        nx AS (SELECT customer_id, pos, m1, min(CASE WHEN m2 THEN pos END) OVER (PARTITION BY customer_id ORDER BY pos
                 ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS end_pos FROM ev),
        chain AS (SELECT customer_id, pos AS start_pos, end_pos FROM nx WHERE m1 AND end_pos IS NOT NULL
                  QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY pos) = 1),
        steps AS (SELECT e.customer_id, e.pos, e.tp,
                         lag(e.tp) OVER (PARTITION BY e.customer_id ORDER BY e.pos) AS before
                  FROM ev e JOIN chain c ON e.customer_id = c.customer_id AND e.pos BETWEEN c.start_pos AND c.end_pos),
        paths AS (SELECT string_agg(tp, ' > ' ORDER BY pos) AS path FROM steps
                  WHERE before IS NULL OR before != tp GROUP BY customer_id),
        counted AS (SELECT path, count(*) AS customers FROM paths GROUP BY path)
        SELECT '(all)', (SELECT count(*) FROM paths), (SELECT count(*) FROM counted)
        UNION ALL
        (SELECT path, customers, NULL FROM counted ORDER BY customers DESC, path LIMIT {query['top']})"""


def duckdb_stages_sql(query):
    """STAGES' transitions: each customer's events in a stage of the order, in (time, file order); a transition is
    two consecutive such events in different stages (repeats are one visit, events without a stage are skipped
    over); per (from, to), how many, in the order of from, then of to."""
    order = "[" + ", ".join(f"'{s}'" for s in query["order"]) + "]"
    return f"""
        WITH ev AS (SELECT customer_id, ts, rowid AS seq, stage FROM events WHERE list_contains({order}, stage)),
        st AS (SELECT stage, lag(stage) OVER (PARTITION BY customer_id ORDER BY ts, seq) AS prev FROM ev)
        SELECT prev, stage, count(*) FROM st WHERE prev IS NOT NULL AND prev != stage GROUP BY prev, stage
        ORDER BY list_position({order}, prev), list_position({order}, stage)"""


def duckdb_customers_sql(query):
    """CUSTOMERS ... WITHIN w LOST AT 1 of a two-step journey: customers with a step-1 event (their start is the
    earliest) and no step-2 event within w after a step-1 event before it, whose window closed before the latest
    event of the log; their ids by start, then id."""
    (first, _), (second, _) = query["steps"]
    window_ms = query["window"] * 1000
    return f"""
        WITH ev AS (SELECT customer_id, ts, rowid AS seq, coalesce(({first}), false) AS m1,
                           coalesce(({second}), false) AS m2 FROM events WHERE {query['prefilter']}),
        l AS (SELECT customer_id, ts, CASE WHEN m1 THEN ts END AS b1,
                     CASE WHEN m2 THEN max(CASE WHEN m1 THEN ts END) OVER w END AS b2 FROM ev
              WINDOW w AS (PARTITION BY customer_id ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
        per AS (SELECT customer_id, min(b1) AS start, max(CASE WHEN ts - b2 <= {window_ms} THEN 1 ELSE 0 END) AS r2
                FROM l GROUP BY customer_id HAVING min(b1) IS NOT NULL)
        SELECT customer_id FROM per WHERE r2 = 0 AND start + {window_ms} <= (SELECT max(ts) FROM events)
        ORDER BY start, customer_id"""


def duckdb_value_sql(query):
    """VALUE amount FROM purchase: each customer's purchases in (time, file order); the first is row 1. Customers,
    purchases, customers with two or more, the sum of amounts and the sum after each first, to the cent."""
    return f"""
        WITH ev AS (SELECT customer_id, amount,
                           row_number() OVER (PARTITION BY customer_id ORDER BY ts, rowid) AS k
                    FROM events WHERE {query['step']}),
        per AS (SELECT customer_id, count(*) AS n, sum(amount) AS total, sum(CASE WHEN k > 1 THEN amount END) AS after
                FROM ev GROUP BY customer_id)
        SELECT count(*), sum(n), count(*) FILTER (WHERE n >= 2), printf('%.2f', sum(total)),
               printf('%.2f', coalesce(sum(after), 0)) FROM per"""


def duckdb_retention_sql(query):
    """RETENTION OF a RETURNING b EVERY unit PERIODS n, its curve: each customer's first a in (time, file order)
    makes the cohort (its calendar unit, UTC); a b event after it (in that order) in the pth calendar unit after the
    cohort's returns in period p; a cohort counts in period p when that period ended by the log's latest event."""
    unit, n = query["unit"], query["periods"]
    return f"""
        WITH a AS (SELECT customer_id, ts, rowid AS seq,
                          row_number() OVER (PARTITION BY customer_id ORDER BY ts, rowid) AS rn
                   FROM events WHERE coalesce(({query['of']}), false)),
        f AS (SELECT customer_id, ts AS t0, seq AS s0, date_trunc('{unit}', make_timestamp(ts * 1000)) AS cohort
              FROM a WHERE rn = 1),
        b AS (SELECT customer_id, ts, rowid AS seq FROM events WHERE coalesce(({query['returning']}), false)),
        r AS (SELECT DISTINCT f.customer_id, f.cohort,
                     datediff('{unit}', f.cohort, date_trunc('{unit}', make_timestamp(b.ts * 1000))) AS p
              FROM f JOIN b ON b.customer_id = f.customer_id AND (b.ts > f.t0 OR (b.ts = f.t0 AND b.seq > f.s0))),
        sizes AS (SELECT cohort, count(*) AS size FROM f GROUP BY cohort),
        periods AS (SELECT range AS p FROM range(0, {n + 1})),
        elig AS (SELECT p, cohort, size FROM sizes, periods
                 WHERE cohort + to_{unit}s(CAST(p + 1 AS INTEGER)) <= (SELECT make_timestamp(max(ts) * 1000) FROM events)),
        back AS (SELECT cohort, p, count(*) AS n FROM r GROUP BY cohort, p)
        SELECT periods.p, coalesce(sum(elig.size), 0), coalesce(sum(back.n), 0)
        FROM periods LEFT JOIN elig ON elig.p = periods.p
             LEFT JOIN back ON back.cohort = elig.cohort AND back.p = elig.p
        GROUP BY periods.p ORDER BY periods.p"""


def duckdb_attribution_sql(query):
    """ATTRIBUTE conversion BY field MODEL last_touch LOOKBACK d: each conversion event goes to the field's value of
    the latest earlier event (time, file order) that is no conversion and has a value, when it lies within d before;
    else to (none). Per value, how many conversions."""
    field, lookback_ms = query["field"], query["lookback"] * 1000
    return f"""
        WITH ev AS (SELECT customer_id, ts, rowid AS seq, coalesce(({query['conversion']}), false) AS conv,
                           {field} AS v FROM events),
        l AS (SELECT conv, ts,
                     last_value(CASE WHEN NOT conv THEN v END IGNORE NULLS) OVER w AS touch,
                     last_value(CASE WHEN NOT conv AND v IS NOT NULL THEN ts END IGNORE NULLS) OVER w AS touch_ts
              FROM ev
              WINDOW w AS (PARTITION BY customer_id ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
        SELECT CASE WHEN touch_ts >= ts - {lookback_ms} THEN touch ELSE '(none)' END AS credited, count(*) AS conversions
        FROM l WHERE conv GROUP BY credited ORDER BY conversions DESC, credited"""


def duckdb_chain_ctes(query, carried=""):
    """The chains of a journey (grammar/SEMANTICS.md §4) as CTEs. ev: every event with its position rn among its
    customer's events in (time, file order), its step marks m1 ... mk and the `carried` columns; chain: each
    customer with a step-1 event, with their level, their chain's positions p1 ... pk (NULL past the level) and t1,
    its start's time. From every start the greedy chain fills step i with the first mi event after step i−1's
    (nx's ni, read on that event's row) when it lies inside the window; the customer's chain is the one from the
    earliest start that reaches the deepest level."""
    steps = [duck for duck, _ in query["steps"]]
    k = len(steps)
    inside = f" AND e.ts - c.t1 <= {query['window'] * 1000}" if query.get("window") else ""
    marks = ", ".join(f"coalesce(({cond}), false) AS m{i + 1}" for i, cond in enumerate(steps))
    sql = (f"ev AS (SELECT customer_id, ts, {carried + ', ' if carried else ''}{marks},"
           f" row_number() OVER (PARTITION BY customer_id ORDER BY ts, rowid) AS rn FROM events),\n")
    sql += ("        nx AS (SELECT customer_id, rn, ts, m1, "
            + ", ".join(f"min(CASE WHEN m{i} THEN rn END) OVER f AS n{i}" for i in range(2, k + 1))
            + " FROM ev\n               WINDOW f AS (PARTITION BY customer_id ORDER BY rn"
            " ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)),\n")
    sql += f"        c1 AS (SELECT customer_id, t1, p1, n2 FROM (SELECT customer_id, ts AS t1, rn AS p1, n2 FROM nx WHERE m1)),\n"
    for i in range(2, k + 1):
        earlier = ", ".join(f"c.p{j}" for j in range(1, i))
        following = f", e.n{i + 1}" if i < k else ""
        sql += (f"        c{i} AS (SELECT c.customer_id, c.t1, {earlier}, e.rn AS p{i}{following} FROM c{i - 1} c"
                f" LEFT JOIN nx e ON e.customer_id = c.customer_id AND e.rn = c.n{i}{inside}),\n")
    level = " + ".join(["1"] + [f"(p{i} IS NOT NULL)::INTEGER" for i in range(2, k + 1)])
    sql += (f"        chain AS (SELECT * FROM (SELECT customer_id, t1, {', '.join(f'p{i}' for i in range(1, k + 1))},"
            f" {level} AS level FROM c{k})\n"
            f"                  QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY level DESC, p1) = 1)")
    return sql


def duckdb_closed(query):
    """A chain's window has closed by the store's latest event (no window: always)."""
    if not query.get("window"):
        return "true"
    return f"t1 + {query['window'] * 1000} <= (SELECT max(ts) FROM events)"


def duckdb_dropoff_sql(query):
    """DROPOFF <journey> NEXT n OF column: the customers lost at step k (level k < steps, window closed); their step
    event is the chain's p_k. next: the column's values of the first n events after it, joined with ' → ' (none:
    '(nothing after)'); last: the value of the customer's last event after it and the time to it. Per table and
    step, labels ranked by customers, then bytes; past LIMIT the rest is one '(other)' row (in the last table with
    the median over the folded customers). Rows: table, step, lost, label, median ms ('' for none), customers."""
    k, n, of, limit = len(query["steps"]), query["next"], query["of"], query["limit"]
    leads = ", ".join(f"lead(v, {j}) OVER o AS next{j}" for j in range(1, n + 1))
    step_event = "CASE c.level " + " ".join(f"WHEN {i} THEN c.p{i}" for i in range(1, k)) + " END"
    return f"""
        WITH {duckdb_chain_ctes(query, f"coalesce({of}, '(none)') AS v")},
        after AS (SELECT customer_id, rn, ts, {leads},
                         last_value(v) OVER a AS last_v, last_value(ts) OVER a AS last_ts, count(*) OVER a AS events
                  FROM ev WINDOW o AS (PARTITION BY customer_id ORDER BY rn),
                                 a AS (PARTITION BY customer_id ORDER BY rn
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
        lost AS (SELECT c.level AS step,
                        CASE WHEN next1 IS NULL THEN '(nothing after)'
                             ELSE concat_ws(' → ', {', '.join(f'next{j}' for j in range(1, n + 1))}) END AS next_label,
                        CASE WHEN a.rn < a.events THEN last_v ELSE '(nothing after)' END AS last_label,
                        CASE WHEN a.rn < a.events THEN last_ts - a.ts END AS since
                 FROM chain c JOIN after a ON a.customer_id = c.customer_id AND a.rn = {step_event}
                 WHERE c.level < {k} AND {duckdb_closed(query)}),
        sizes AS (SELECT step, count(*) AS lost FROM lost GROUP BY step),
        labelled AS (SELECT 'next' AS tab, step, next_label AS label, since FROM lost
                     UNION ALL SELECT 'last', step, last_label, since FROM lost),
        ranks AS (SELECT tab, step, label,
                         row_number() OVER (PARTITION BY tab, step ORDER BY count(*) DESC, label) AS r,
                         count(*) OVER (PARTITION BY tab, step) AS labels
                  FROM labelled GROUP BY tab, step, label),
        folded AS (SELECT l.tab, l.step, CASE WHEN r.labels <= {limit} OR r.r <= {limit} THEN l.label ELSE '(other)' END
                          AS label, l.since
                   FROM labelled l JOIN ranks r ON r.tab = l.tab AND r.step = l.step AND r.label = l.label)
        SELECT f.tab, f.step, s.lost, f.label,
               CASE WHEN f.tab = 'last' THEN coalesce(printf('%.1f', median(f.since)), '') ELSE '' END AS median_ms,
               count(*) AS customers
        FROM folded f JOIN sizes s ON s.step = f.step
        GROUP BY f.tab, f.step, s.lost, f.label ORDER BY f.tab DESC, f.step, customers DESC, f.label"""


def duckdb_why_sql(query):
    """WHY <journey>: converters (level = steps) and the lost (below it, window closed). A converter's span is its
    events from the chain's first up to the completing event, that one not included; a lost customer's from the
    chain's first to the end of the window. A feature is a field and a value on an event of the span, counted once
    per customer (numbers as numbers); a field with more than max_values features is left out. Per feature, a
    converters and b lost of A and B; the odds ratio ((a+1)/(b+1))·((B−b+1)/(A−a+1)); the first `limit` rows above 1
    (largest first) and below 1 (smallest first), ties by a + b, more first, then by the label's bytes.
    Rows: direction, feature, a, b; first ('(all)', 'converters, lost', A, B)."""
    k, limit = len(query["steps"]), query["limit"]
    window = f"e.ts - c.t1 <= {query['window'] * 1000}" if query.get("window") else "true"
    carried = ", ".join(name for name, _ in query["fields"])

    def label(name, kind):
        if kind == "text":
            return f"'{name} = ''' || replace({name}, '''', '''''') || ''''"
        # Integral numbers without a fraction, the others as their shortest text, as JourneyQL writes them.
        return (f"'{name} = ' || CASE WHEN {name} = round({name}) AND abs({name}) < 9e15"
                f" THEN CAST(CAST({name} AS BIGINT) AS VARCHAR) ELSE CAST({name} AS VARCHAR) END")
    features = "\n                  UNION ALL ".join(
        f"SELECT DISTINCT customer_id, converted, '{name}' AS field, {label(name, kind)} AS feature"
        f" FROM span WHERE {name} IS NOT NULL" for name, kind in query["fields"])
    return f"""
        WITH {duckdb_chain_ctes(query, carried)},
        who AS (SELECT customer_id, t1, p1, p{k}, level = {k} AS converted FROM chain
                WHERE level = {k} OR {duckdb_closed(query)}),
        span AS (SELECT e.*, c.converted FROM who c JOIN ev e ON e.customer_id = c.customer_id AND e.rn >= c.p1
                 AND CASE WHEN c.converted THEN e.rn < c.p{k} ELSE {window} END),
        seen AS ({features}),
        kept AS (SELECT * FROM seen WHERE field IN (SELECT field FROM seen GROUP BY field
                                                    HAVING count(DISTINCT feature) <= {query['max_values']})),
        totals AS (SELECT count(*) FILTER (WHERE converted) AS conv, count(*) FILTER (WHERE NOT converted) AS lost
                   FROM who),
        counts AS (SELECT feature, count(*) FILTER (WHERE converted) AS a, count(*) FILTER (WHERE NOT converted) AS b
                   FROM kept GROUP BY feature),
        odds AS (SELECT feature, a, b, ((a + 1)::DOUBLE / (b + 1)) * ((lost - b + 1)::DOUBLE / (conv - a + 1)) AS ratio
                 FROM counts, totals),
        up AS (SELECT 'converts more' AS direction, feature, a, b FROM odds WHERE ratio > 1
               ORDER BY ratio DESC, a + b DESC, feature LIMIT {limit}),
        down AS (SELECT 'converts less' AS direction, feature, a, b FROM odds WHERE ratio < 1
                 ORDER BY ratio, a + b DESC, feature LIMIT {limit})
        SELECT '(all)', 'converters, lost', conv, lost FROM totals
        UNION ALL (SELECT * FROM up) UNION ALL (SELECT * FROM down)"""


def duckdb_flow_sql(query):
    """PATHS AFTER x STEPS n: each customer's anchor is their first x event; their path the touchpoints of the
    events after it, a value equal to the one before it skipped (the anchor's value is the one before the first),
    the first n of them, then '(end)' when fewer. The tree: the anchor (level 0) and every distinct prefix of 1 ... n
    values, with the customers whose path begins with it. Rows: level, parent (the anchor, then the values, joined
    by ' > '), node, customers."""
    anchor, n, name = query["anchor"][0], query["steps_after"], query["anchor_label"]
    return f"""
        WITH ev AS (SELECT customer_id, coalesce(touchpoint, '(none)') AS v, coalesce(({anchor}), false) AS m,
                           row_number() OVER w AS rn, lag(coalesce(touchpoint, '(none)')) OVER w AS before
                    FROM events WINDOW w AS (PARTITION BY customer_id ORDER BY ts, rowid)),
        anchors AS (SELECT customer_id, min(rn) AS a FROM ev WHERE m GROUP BY customer_id),
        after AS (SELECT e.customer_id, e.v, row_number() OVER (PARTITION BY e.customer_id ORDER BY e.rn) AS k
                  FROM ev e JOIN anchors x ON x.customer_id = e.customer_id AND e.rn > x.a
                  WHERE e.v IS DISTINCT FROM e.before),
        paths AS (SELECT x.customer_id, coalesce(list(f.v ORDER BY f.k) FILTER (WHERE f.v IS NOT NULL), []) AS p
                  FROM anchors x LEFT JOIN after f ON f.customer_id = x.customer_id AND f.k <= {n}
                  GROUP BY x.customer_id),
        padded AS (SELECT CASE WHEN len(p) < {n} THEN list_append(p, '(end)') ELSE p END AS p FROM paths),
        levels AS (SELECT range AS level FROM range(1, {n + 1}))
        SELECT 0 AS level, '' AS parent, '{name}' AS node, count(*) AS customers FROM anchors
        UNION ALL
        SELECT level, array_to_string(list_prepend('{name}', p[1:level - 1]), ' > '), p[level], count(*)
        FROM padded, levels WHERE len(p) >= level GROUP BY ALL
        ORDER BY level, parent, customers DESC, node"""


def duckdb_lostpaths_sql(query):
    """PATHS <journey> LOST AT k: customers whose level is k (< steps) and whose window has closed; a path is the
    touchpoints of their events from the chain's first to the last one inside the window (every later one without
    a window), consecutive repeats collapsed. Rows: ('(all)', lost, distinct paths), then the top paths by
    customers, then by bytes."""
    at, top = query["lost_at"], query["top"]
    inside = f"e.ts <= c.t1 + {query['window'] * 1000}" if query.get("window") else "true"
    return f"""
        WITH {duckdb_chain_ctes(query, "coalesce(touchpoint, '(none)') AS v")},
        lost AS (SELECT customer_id, t1, p1 FROM chain WHERE level = {at} AND {duckdb_closed(query)}),
        walk AS (SELECT e.customer_id, e.rn, e.v, lag(e.v) OVER (PARTITION BY e.customer_id ORDER BY e.rn) AS before
                 FROM lost c JOIN ev e ON e.customer_id = c.customer_id AND e.rn >= c.p1 AND {inside}),
        paths AS (SELECT string_agg(v, ' > ' ORDER BY rn) AS path FROM walk
                  WHERE before IS NULL OR before != v GROUP BY customer_id),
        counted AS (SELECT path, count(*) AS customers FROM paths GROUP BY path)
        SELECT '(all)', (SELECT count(*) FROM lost), (SELECT count(*) FROM counted)
        UNION ALL
        (SELECT path, customers, NULL FROM counted ORDER BY customers DESC, path LIMIT {top})"""


DUCKDB_SQL = {
    "funnel": duckdb_funnel_sql, "breakdown": duckdb_breakdown_sql, "times": duckdb_times_sql,
    "paths": duckdb_paths_sql, "stages": duckdb_stages_sql, "customers": duckdb_customers_sql,
    "dropoff": duckdb_dropoff_sql, "why": duckdb_why_sql, "flow": duckdb_flow_sql, "lostpaths": duckdb_lostpaths_sql,
    "value": duckdb_value_sql, "retention": duckdb_retention_sql, "attribution": duckdb_attribution_sql,
}


def rows_as_groups(kind, rows):
    """An engine's rows as the text rows journey-bench reads JourneyQL's result into (Children.groups): CUSTOMERS
    is compared by how many customers it lists; paths' rows have no third cell (it is only in their '(all)' row)."""
    if kind == "customers":
        return [[str(len(rows))]]
    if kind in ("paths", "lostpaths"):
        return [[str(cell) for cell in row if cell is not None] for row in rows]
    return [[str(cell) for cell in row] for row in rows]


def run_duckdb(csv, runs, ingest_only=False):
    import duckdb
    con = duckdb.connect()
    # rowid follows the file order while insertion order is preserved (DuckDB's default); it is the tie-breaker.
    ingest = f"""
        CREATE TABLE events AS
        SELECT customer_id, epoch_ms(strptime(timestamp, '%Y-%m-%dT%H:%M:%SZ')) AS ts, stage, touchpoint, channel,
               device, campaign, amount
        FROM read_csv('{csv}', header = true, columns = {{
            'customer_id': 'VARCHAR', 'timestamp': 'VARCHAR', 'stage': 'VARCHAR', 'touchpoint': 'VARCHAR',
            'channel': 'VARCHAR', 'device': 'VARCHAR', 'campaign': 'VARCHAR', 'amount': 'DOUBLE'}})"""
    started = time.perf_counter()
    con.execute("SET preserve_insertion_order = true")
    con.execute(ingest)
    ingest_seconds = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    out = {"engine": "DuckDB " + duckdb.__version__, "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
           "ingest_seconds": ingest_seconds, "rows": rows, "queries": {}}
    for query in ([] if ingest_only else QUERIES):
        if "duckdb" not in query.get("engines", ["duckdb"]):
            continue
        kind = query.get("kind") or ("breakdown" if "by" in query else "funnel")
        sql = DUCKDB_SQL[kind](query)
        first, times, result = timed(lambda: con.execute(sql).fetchall(), runs)
        groups = rows_as_groups(kind, result)
        out["queries"][query["id"]] = {"first": first, "runs": times, "groups": groups, "sql": sql}
    out["peak_bytes"] = peak_bytes()
    return out


# ClickHouse (chDB) ----------------------------------------------------------------------------------------------

def clickhouse_funnel_sql(query, mode=None):
    conditions = ", ".join(ch for _, ch in query["steps"])
    params = f"{query['window']}" + (f", '{mode}'" if mode else "")
    return (f"SELECT level, count() FROM (SELECT customer_id, windowFunnel({params})(ts, {conditions}) AS level"
            f" FROM events WHERE {query['prefilter']} GROUP BY customer_id) GROUP BY level")


def clickhouse_retention_sql(query):
    """The retention curve with ClickHouse's retention(): per customer, the first a in (time, file order) makes the
    cohort; condition p + 2 is a b event after it in that order (so in the same second when the log gives it later,
    as JourneyQL counts it) in the pth calendar unit after the cohort's; per cohort sumForEach adds the flags, and a
    cohort counts in period p when that period ended by the latest event."""
    unit, n = query["unit"], query["periods"]
    start = {"day": "toStartOfDay", "week": "toMonday", "month": "toStartOfMonth"}[unit]
    add = {"day": "addDays", "week": "addWeeks", "month": "addMonths"}[unit]
    flags = ", ".join(f"({query['returning']}) AND (e.ts, e.seq) > (f.t0, f.s0)"
                      f" AND dateDiff('{unit}', f.cohort, {start}(e.ts)) = {p}" for p in range(n + 1))
    return f"""
        WITH (SELECT max(ts) FROM events) AS latest
        SELECT p, sum(if(toDateTime({add}(cohort, p + 1), 'UTC') <= latest, counts[1], 0)),
                  sum(if(toDateTime({add}(cohort, p + 1), 'UTC') <= latest, counts[p + 2], 0))
        FROM (SELECT cohort, sumForEach(r) AS counts
              FROM (SELECT e.customer_id, any(f.cohort) AS cohort, retention(e.ts = f.t0, {flags}) AS r
                    FROM events AS e
                    INNER JOIN (SELECT customer_id, min((ts, seq)) AS first, tupleElement(first, 1) AS t0,
                                       tupleElement(first, 2) AS s0, {start}(t0) AS cohort FROM events
                                WHERE {query['of']} GROUP BY customer_id) AS f ON e.customer_id = f.customer_id
                    GROUP BY e.customer_id)
              GROUP BY cohort)
        ARRAY JOIN range({n + 1}) AS p
        GROUP BY p ORDER BY p"""


# The twins below ask the DuckDB twins' questions in ClickHouse's own terms (window functions over the
# (ts, seq) order, hash joins with the smaller side on the right, arrays per customer), so they are checked against
# both DuckDB and JourneyQL. The table keeps the file order in seq (the CSV reader's _row_number) and an empty CSV
# field as '' (not NULL): '' stands for a missing value wherever a value is read. Times are whole seconds in the
# files, so ms (seconds × 1000) is JourneyQL's time.
CH_ORDER = "PARTITION BY customer_id ORDER BY ts, seq"
CH_JOIN_NULLS = "\n        SETTINGS join_use_nulls = 1"


def ch_text(column):
    """A text column with '' (an empty CSV field) read as '(none)', as JourneyQL labels a missing value."""
    return f"if({column} = '', '(none)', {column})"


def clickhouse_chain_ctes(query, carried="", start_columns=()):
    """The chains of a journey, as duckdb_chain_ctes writes them: ev has every event with its position rn, its step
    marks and the `carried` columns; nx the step events with, for each, the position of the next event of each
    step after it; c1 ... ck the greedy chain from every start, one step per join (p_i, t_i: the event and time
    filling step i, NULL when the chain stops: no later event, or one past the window); chain the chain of the
    earliest start reaching the customer's deepest level. `start_columns` are carried from the start's event.
    Needs join_use_nulls = 1 (an unmatched step is NULL, not 0)."""
    steps = [ch for _, ch in query["steps"]]
    k = len(steps)
    marks = ", ".join(f"({cond}) AS m{i + 1}" for i, cond in enumerate(steps))
    keep = "".join(f", {c}" for c in start_columns)
    keep_c = "".join(f", c.{c} AS {c}" for c in start_columns)
    sql = (f"ev AS (SELECT customer_id, ms, {carried + ', ' if carried else ''}{marks},"
           f" row_number() OVER ({CH_ORDER}) AS rn FROM events),\n")
    sql += (f"        nx AS (SELECT customer_id, rn, ms, m1{keep}, "
            + ", ".join(f"min(if(m{i}, rn, NULL)) OVER f AS n{i}" for i in range(2, k + 1))
            + f" FROM ev WHERE {' OR '.join(f'm{i}' for i in range(1, k + 1))}\n"
            "               WINDOW f AS (PARTITION BY customer_id ORDER BY rn"
            " ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)),\n")
    sql += f"        c1 AS (SELECT customer_id, ms AS t1, rn AS p1{keep}, n2 FROM nx WHERE m1),\n"
    for i in range(2, k + 1):
        inside = f"e.ms - c.t1 <= {query['window'] * 1000}" if query.get("window") else "e.rn IS NOT NULL"
        earlier = ", ".join(f"c.p{j} AS p{j}, c.t{j} AS t{j}" for j in range(1, i))
        following = f", if({inside}, e.n{i + 1}, NULL) AS n{i + 1}" if i < k else ""
        sql += (f"        c{i} AS (SELECT c.customer_id AS customer_id, {earlier}{keep_c},"
                f" if({inside}, e.rn, NULL) AS p{i}, if({inside}, e.ms, NULL) AS t{i}{following}\n"
                f"               FROM c{i - 1} AS c LEFT JOIN nx AS e ON e.customer_id = c.customer_id AND e.rn = c.n{i}),\n")
    positions = ", ".join(f"p{i}, t{i}" for i in range(1, k + 1))
    level = " + ".join(["1"] + [f"(p{i} IS NOT NULL)" for i in range(2, k + 1)])
    sql += (f"        chain AS (SELECT customer_id, {positions}{keep}, level FROM (\n"
            f"                    SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY level DESC, p1) AS pick\n"
            f"                    FROM (SELECT customer_id, {positions}{keep}, {level} AS level FROM c{k}))\n"
            f"                  WHERE pick = 1)")
    return sql


def clickhouse_closed(query):
    """A chain's window has closed by the store's latest event (no window: always)."""
    if not query.get("window"):
        return "1"
    return f"t1 + {query['window'] * 1000} <= (SELECT max(ms) FROM events)"


def clickhouse_breakdown_sql(query):
    """A journey by a field of its chain's first event (BY channel; COMPARE counts its groups the same way): per
    value, the customers at each step. An empty channel is the group ''."""
    k, key = len(query["steps"]), query["by"]
    return f"""
        WITH {clickhouse_chain_ctes(query, key, (key,))}
        SELECT {key}, {', '.join(f'countIf(level >= {i})' for i in range(1, k + 1))}
        FROM chain GROUP BY {key} ORDER BY 2 DESC, 1{CH_JOIN_NULLS}"""


def clickhouse_times_sql(query):
    """TIMES: the converters' time from the chain's start to its last step, counted in every histogram bucket."""
    k = len(query["steps"])
    labels = "[" + ", ".join(f"'{label}'" for label, _ in BUCKETS) + "]"
    lowers = "[" + ", ".join(str(lower) for _, lower in BUCKETS) + "]"
    return f"""
        WITH {clickhouse_chain_ctes(query)},
        placed AS (SELECT arrayLastIndex(lower -> lower <= assumeNotNull(t{k}) - t1, {lowers}) AS i
                   FROM chain WHERE level = {k}),
        buckets AS (SELECT arrayJoin(range(1, {len(BUCKETS) + 1})) AS i, {labels}[i] AS label)
        SELECT b.label, count(p.i) FROM buckets AS b LEFT JOIN placed AS p ON p.i = b.i
        GROUP BY b.i, b.label ORDER BY b.i{CH_JOIN_NULLS}"""


def clickhouse_ranked_paths(walk, top):
    """The paths of `walk` (customer_id, rn, v, kept: the rows of each customer's path, kept = 1 where a value is
    not a repeat), joined by ' > ' in rn order: ('(all)', customers, distinct paths), then the `top` paths by
    customers, then by bytes. One pass over `walk` (ClickHouse evaluates a WITH subquery at every use)."""
    return f"""
        paths AS (SELECT arrayStringConcat(arrayMap(x -> x.2, arraySort(groupArrayIf((rn, v), kept))), ' > ') AS path
                  FROM {walk} GROUP BY customer_id),
        counted AS (SELECT path, count() AS customers FROM paths GROUP BY path)
        SELECT row.1, row.2, row.3 FROM (
            SELECT arrayJoin(arrayConcat([('(all)', sum(customers), toNullable(count()))],
                                         arrayMap(x -> (x.1, x.2, CAST(NULL, 'Nullable(UInt64)')),
                                                  arraySlice(arraySort(x -> (-x.2, x.1), groupArray((path, customers))),
                                                             1, {top})))) AS row
            FROM counted)"""


def clickhouse_paths_sql(query):
    """PATHS: each converter's touchpoints from the chain's first event to its last step's, consecutive repeats
    collapsed (the first event always counts); ('(all)', converters, distinct paths), then the top paths."""
    k = len(query["steps"])
    return f"""
        WITH {clickhouse_chain_ctes(query, ch_text('touchpoint') + ' AS v')},
        walk AS (SELECT e.customer_id AS customer_id, e.rn AS rn, e.v AS v,
                        e.rn = c.p1 OR e.v != lagInFrame(e.v) OVER (PARTITION BY e.customer_id ORDER BY e.rn
                                                                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS kept
                 FROM ev AS e INNER JOIN (SELECT customer_id, p1, p{k} FROM chain WHERE level = {k}) AS c
                      ON e.customer_id = c.customer_id
                 WHERE e.rn >= c.p1 AND e.rn <= c.p{k}),
        {clickhouse_ranked_paths('walk', query['top']).strip()}{CH_JOIN_NULLS}"""


def clickhouse_stages_sql(query):
    """STAGES' transitions: consecutive stage events of a customer (events in no stage of the order skipped) whose
    stages differ; per (from, to), how many."""
    order = "[" + ", ".join(f"'{s}'" for s in query["order"]) + "]"
    return f"""
        SELECT prev, stage, count() FROM (
            SELECT stage, lagInFrame(toNullable(stage)) OVER (PARTITION BY customer_id ORDER BY ts, seq
                                                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS prev
            FROM events WHERE has({order}, stage))
        WHERE prev IS NOT NULL AND prev != stage GROUP BY prev, stage
        ORDER BY indexOf({order}, prev), indexOf({order}, stage)"""


def clickhouse_customers_sql(query):
    """CUSTOMERS ... LOST AT k: customers whose level is k (< steps) and whose window has closed, by start, then id."""
    return f"""
        WITH {clickhouse_chain_ctes(query)}
        SELECT customer_id FROM chain WHERE level = {query.get('lost_at', 1)} AND {clickhouse_closed(query)}
        ORDER BY t1, customer_id{CH_JOIN_NULLS}"""


def clickhouse_dropoff_sql(query):
    """DROPOFF, as duckdb_dropoff_sql: per lost customer the step event p_k; after it, the first NEXT values and the
    last one, with the time to it; per table and step the labels ranked and folded; rows (table, step, lost, label,
    median ms, customers), the median interpolated between the two middle values (quantileExactInclusive, as
    DuckDB's median). Each WITH subquery is used once: ClickHouse evaluates one at every use."""
    k, n, of, limit = len(query["steps"]), query["next"], query["of"], query["limit"]
    leads = ", ".join(f"leadInFrame(toNullable(v), {j}) OVER o AS next{j}" for j in range(1, n + 1))
    step_event = "multiIf(" + ", ".join(f"level = {i}, p{i}" for i in range(1, k)) + ", NULL)"
    nexts = "[" + ", ".join(f"a.next{j}" for j in range(1, n + 1)) + "]"
    return f"""
        WITH {clickhouse_chain_ctes(query, ch_text(of) + ' AS v')},
        lost AS (SELECT customer_id, level AS step, {step_event} AS at FROM chain
                 WHERE level < {k} AND {clickhouse_closed(query)}),
        after AS (SELECT customer_id, rn, ms, {leads}, last_value(v) OVER o AS last_v, last_value(ms) OVER o AS last_ms,
                         count() OVER o AS events
                  FROM ev WINDOW o AS (PARTITION BY customer_id ORDER BY rn
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
        found AS (SELECT l.step AS step,
                         [('next', if(a.next1 IS NULL, '(nothing after)',
                                      arrayStringConcat(arrayMap(x -> assumeNotNull(x),
                                                                 arrayFilter(x -> x IS NOT NULL, {nexts})), ' → ')),
                           CAST(NULL, 'Nullable(Int64)')),
                          ('last', if(a.rn < a.events, a.last_v, '(nothing after)'),
                           if(a.rn < a.events, toNullable(a.last_ms - a.ms), NULL))] AS both
                  FROM after AS a INNER JOIN lost AS l ON a.customer_id = l.customer_id AND a.rn = l.at),
        labelled AS (SELECT step, row.1 AS tab, row.2 AS label, count() AS n, groupArray(row.3) AS times
                     FROM found ARRAY JOIN both AS row GROUP BY step, tab, label),
        ranked AS (SELECT *, sum(n) OVER (PARTITION BY tab, step) AS lost,
                          row_number() OVER (PARTITION BY tab, step ORDER BY n DESC, label) AS r,
                          count() OVER (PARTITION BY tab, step) AS labels
                   FROM labelled)
        SELECT tab, step, lost, if(labels <= {limit} OR r <= {limit}, label, '(other)') AS shown,
               if(tab = 'last' AND notEmpty(arrayFlatten(groupArray(times))),
                  printf('%.1f', arrayReduce('quantileExactInclusive(0.5)', arrayFlatten(groupArray(times)))), '')
                   AS median_ms,
               sum(n) AS customers
        FROM ranked GROUP BY tab, step, lost, shown ORDER BY tab DESC, step, customers DESC, shown{CH_JOIN_NULLS}"""


def clickhouse_why_sql(query):
    """WHY, as duckdb_why_sql: spans, features counted once per customer (a field with more than max_values
    features left out), the same odds ratio in Float64, 10 rows per direction, and the two totals. One pipeline,
    each WITH subquery used once (ClickHouse evaluates one at every use): the totals ride along as window sums."""
    k, limit = len(query["steps"]), query["limit"]
    inside = f"e.ms - c.t1 <= {query['window'] * 1000}" if query.get("window") else "1"
    carried = ", ".join(name for name, _ in query["fields"])

    def feature(name, kind):
        if kind == "text":
            return f"if({name} = '', '', concat('{name} = ''', replaceAll({name}, '''', ''''''), ''''))"
        return (f"if({name} IS NULL, '', concat('{name} = ', if({name} = round({name}) AND abs({name}) < 9e15,"
                f" toString(toInt64({name})), toString({name}))))")
    features = ", ".join(f"('{name}', {feature(name, kind)})" for name, kind in query["fields"])
    return f"""
        WITH {clickhouse_chain_ctes(query, carried)},
        who AS (SELECT customer_id, t1, p1, p{k}, level = {k} AS converted FROM chain
                WHERE level = {k} OR {clickhouse_closed(query)}),
        span AS (SELECT e.customer_id AS customer_id, c.converted AS converted, [{features}] AS feats
                 FROM ev AS e INNER JOIN who AS c ON e.customer_id = c.customer_id
                 WHERE e.rn >= c.p1 AND if(c.converted, e.rn < c.p{k}, {inside})),
        per AS (SELECT customer_id, any(converted) AS converted, groupUniqArray(f) AS fs
                FROM span ARRAY JOIN feats AS f GROUP BY customer_id),
        totals AS (SELECT converted, fs, countIf(converted) OVER () AS conv, countIf(NOT converted) OVER () AS lost
                   FROM per),
        counts AS (SELECT f.1 AS field, f.2 AS feature, countIf(converted) AS a, countIf(NOT converted) AS b,
                          any(conv) AS conv, any(lost) AS lost
                   FROM totals ARRAY JOIN fs AS f GROUP BY field, feature),
        odds AS (SELECT feature, a, b, conv, lost, ((a + 1) / (b + 1)) * ((lost - b + 1) / (conv - a + 1)) AS ratio,
                        count() OVER (PARTITION BY field) AS values
                 FROM counts WHERE feature != '')
        SELECT row.1, row.2, row.3, row.4 FROM (
            SELECT arrayJoin(arrayConcat(
                       [('(all)', 'converters, lost', any(conv), any(lost))],
                       arrayMap(x -> ('converts more', x.1, x.2, x.3),
                                arraySlice(arraySort(x -> (-x.4, -(x.2 + x.3), x.1),
                                                     groupArrayIf((feature, a, b, ratio), ratio > 1)), 1, {limit})),
                       arrayMap(x -> ('converts less', x.1, x.2, x.3),
                                arraySlice(arraySort(x -> (x.4, -(x.2 + x.3), x.1),
                                                     groupArrayIf((feature, a, b, ratio), ratio < 1)), 1, {limit})))) AS row
            FROM odds WHERE values <= {query['max_values']}){CH_JOIN_NULLS}"""


def clickhouse_flow_sql(query):
    """PATHS AFTER, as duckdb_flow_sql: the first anchor event, the values after it with repeats collapsed (the
    anchor's counting as the one before), the first n, then '(end)' when fewer; the anchor's row and every node of
    the tree with its customers, in one pass over each customer's events as an array."""
    anchor, n, name = query["anchor"][1], query["steps_after"], query["anchor_label"]
    return f"""
        WITH ev AS (SELECT customer_id, v, m, rn, lagInFrame(v) OVER w AS before
                    FROM (SELECT customer_id, {ch_text('touchpoint')} AS v, ({anchor}) AS m,
                                 row_number() OVER ({CH_ORDER}) AS rn FROM events)
                    WINDOW w AS (PARTITION BY customer_id ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
        per AS (SELECT minIf(rn, m) AS a, arraySort(groupArray((rn, v, before))) AS evs FROM ev
                GROUP BY customer_id HAVING countIf(m) > 0),
        paths AS (SELECT arraySlice(arrayMap(x -> x.2, arrayFilter(x -> x.1 > a AND x.2 != x.3, evs)), 1, {n}) AS found,
                         if(length(found) < {n}, arrayPushBack(found, '(end)'), found) AS p
                  FROM per)
        SELECT level, if(level = 0, '', arrayStringConcat(arrayConcat(['{name}'], arraySlice(p, 1, level - 1)), ' > '))
                   AS parent,
               if(level = 0, '{name}', p[level]) AS node, count() AS customers
        FROM paths ARRAY JOIN range(0, {n + 1}) AS level WHERE length(p) >= level GROUP BY level, parent, node"""


def clickhouse_lostpaths_sql(query):
    """PATHS ... LOST AT k, as duckdb_lostpaths_sql: the lost customers' touchpoints from the chain's first event to
    the last inside the window, repeats collapsed; ('(all)', lost, distinct paths), then the top paths."""
    inside = f"e.ms <= c.t1 + {query['window'] * 1000}" if query.get("window") else "1"
    return f"""
        WITH {clickhouse_chain_ctes(query, ch_text('touchpoint') + ' AS v')},
        lost AS (SELECT customer_id, t1, p1 FROM chain WHERE level = {query['lost_at']} AND {clickhouse_closed(query)}),
        walk AS (SELECT e.customer_id AS customer_id, e.rn AS rn, e.v AS v,
                        e.rn = c.p1 OR e.v != lagInFrame(e.v) OVER (PARTITION BY e.customer_id ORDER BY e.rn
                                                                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS kept
                 FROM ev AS e INNER JOIN lost AS c ON e.customer_id = c.customer_id
                 WHERE e.rn >= c.p1 AND {inside}),
        {clickhouse_ranked_paths('walk', query['top']).strip()}{CH_JOIN_NULLS}"""


def clickhouse_value_sql(query):
    """VALUE amount FROM step, as duckdb_value_sql: per customer their step events in (ts, seq) order; customers,
    events, customers with two or more, the sum of amounts and the sum after each first, to the cent."""
    return f"""
        SELECT count(), sum(n), countIf(n >= 2), printf('%.2f', sum(total)), printf('%.2f', sum(after))
        FROM (SELECT customer_id, count() AS n, sum(amount) AS total, sumIf(amount, k > 1) AS after
              FROM (SELECT customer_id, amount, row_number() OVER ({CH_ORDER}) AS k FROM events WHERE {query['step']})
              GROUP BY customer_id)"""


def clickhouse_attribution_sql(query):
    """ATTRIBUTE ... MODEL last_touch, as duckdb_attribution_sql: each conversion to the value of the latest earlier
    event (ts, seq) that is no conversion and has one, when it lies within the lookback; else '(none)'."""
    field, lookback_ms = query["field"], query["lookback"] * 1000
    return f"""
        SELECT if(touch_ms >= ms - {lookback_ms}, touch, '(none)') AS credited, count() AS conversions
        FROM (SELECT conv, ms,
                     last_value(if(NOT conv AND v != '', toNullable(v), NULL)) OVER w AS touch,
                     last_value(if(NOT conv AND v != '', toNullable(ms), NULL)) OVER w AS touch_ms
              FROM (SELECT customer_id, ts, seq, ms, ({query['conversion']}) AS conv, {field} AS v FROM events)
              WINDOW w AS ({CH_ORDER} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
        WHERE conv GROUP BY credited ORDER BY conversions DESC, credited"""


CLICKHOUSE_SQL = {
    "breakdown": clickhouse_breakdown_sql, "times": clickhouse_times_sql, "paths": clickhouse_paths_sql,
    "stages": clickhouse_stages_sql, "customers": clickhouse_customers_sql, "dropoff": clickhouse_dropoff_sql,
    "why": clickhouse_why_sql, "flow": clickhouse_flow_sql, "lostpaths": clickhouse_lostpaths_sql,
    "value": clickhouse_value_sql, "retention": clickhouse_retention_sql, "attribution": clickhouse_attribution_sql,
}


def run_clickhouse(csv, runs, ingest_only=False):
    import chdb
    conn = chdb.connect(":memory:")
    cur = conn.cursor()

    def rows(sql):
        cur.execute(sql)
        return cur.fetchall()

    started = time.perf_counter()
    # seq is the file order, the tie-breaker of events in the same second (JourneyQL's import order, DuckDB's
    # rowid): the CSV reader's _row_number, which numbers the rows as the file has them even when parsing runs in
    # parallel (checked against the file on the 100k set, with chunks small enough to parse in parallel). ms is
    # the time as JourneyQL and DuckDB hold it, for windows and durations in milliseconds.
    rows("""CREATE TABLE events (customer_id String, ts DateTime('UTC'), seq UInt64, stage LowCardinality(String),
                touchpoint LowCardinality(String), channel LowCardinality(String), device LowCardinality(String),
                campaign LowCardinality(String), amount Nullable(Float64), ms Int64 ALIAS toInt64(toUnixTimestamp(ts)) * 1000)
            ENGINE = MergeTree ORDER BY (customer_id, ts, seq)""")
    rows(f"""INSERT INTO events SELECT customer_id, parseDateTimeBestEffort(timestamp, 'UTC'), _row_number, stage,
                touchpoint, channel, device, campaign, amount
            FROM file('{csv}', 'CSVWithNames', 'customer_id String, timestamp String, stage String, touchpoint String,
                channel String, device String, campaign String, amount Nullable(Float64)')""")
    ingest_seconds = time.perf_counter() - started
    out = {"engine": "ClickHouse " + rows("SELECT version()")[0][0] + " (chDB)",
           "threads": rows("SELECT getSetting('max_threads')")[0][0],
           "ingest_seconds": ingest_seconds, "rows": rows("SELECT count() FROM events")[0][0], "queries": {}}
    for query in ([] if ingest_only else QUERIES):
        if "clickhouse" not in query.get("engines", ["clickhouse"]):
            continue
        kind = query.get("kind") or ("breakdown" if "by" in query else "funnel")
        if kind != "funnel":
            sql = CLICKHOUSE_SQL[kind](query)
            first, times, result = timed(lambda: rows(sql), runs)
            out["queries"][query["id"]] = {"first": first, "runs": times, "sql": sql,
                                           "groups": rows_as_groups(kind, result)}
            continue
        sql = clickhouse_funnel_sql(query)
        first, times, result = timed(lambda: rows(sql), runs)
        strict = rows(clickhouse_funnel_sql(query, "strict_increase"))
        k = len(query["steps"])
        out["queries"][query["id"]] = {
            "first": first, "runs": times, "sql": sql,
            "groups": [[str(n) for n in cumulative({int(level): int(n) for level, n in result}, k)]],
            "groups_strict_increase": [[str(n) for n in cumulative({int(level): int(n) for level, n in strict}, k)]],
        }
    out["peak_bytes"] = peak_bytes()
    return out


# The report -----------------------------------------------------------------------------------------------------

def seconds(s):
    if s is None:
        return "—"
    return f"{s:.3f} s" if s < 1 else f"{s:.2f} s" if s < 10 else f"{s:.1f} s"


def groups_text(groups, steps, shown=12):
    """`82,000 → 17,894`, or per group `social 48,096 → 10,452; ...`; past `shown` groups, how many more."""
    if not groups:
        return "—"
    parts = []
    for group in groups[:shown]:
        keys = [k or "(none)" for k in group[:len(group) - steps]]
        counts = " → ".join(f"{int(n):,}" if n.lstrip("-").isdigit() else n for n in group[len(group) - steps:])
        parts.append((",".join(keys) + " " if keys else "") + counts)
    if len(groups) > shown:
        parts.append(f"… {len(groups) - shown:,} more")
    return "; ".join(parts)


def same_groups(a, b):
    return a is not None and b is not None and sorted(a) == sorted(b)


def table(header, rows, left=(0,)):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        return "  " + "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                                for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(header), "  " + "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def engine_process(engine, csv, runs):
    """Runs one engine in a new process; its JSON on stdout, or an error text."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--engine", engine, "--csv", csv, "--runs", str(runs)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None, (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]
    result = json.loads(proc.stdout)
    result["wall_seconds"] = time.perf_counter() - started
    return result, None


def import_pairs(name, csv, engines, pairs):
    """Our import and each engine's ingest of the same CSV, alternated `pairs` times in this run, so that a machine
    whose speed drifts (a shared VM's does, by a third) weighs on both alike. Ours is `journey import` into a fresh
    store, timed as a whole process (start-up and the durable commit included); a peer's is its CREATE TABLE and
    INSERT ... SELECT from the file in a process of its own, timed inside that process. Prints each run, the medians
    and the ratio; returns False when a run failed."""
    journey = os.path.abspath(".build/release/journey")
    if not os.access(journey, os.X_OK):
        print(f"  import pairs: {journey} is missing: run scripts/bench first (it builds the release binary)")
        return False
    times = {"JourneyQL": []}
    labels = {}
    scratch = tempfile.mkdtemp(prefix="journey-import-pairs-")
    try:
        for round_ in range(pairs):
            store = os.path.join(scratch, f"store{round_}.db")
            started = time.perf_counter()
            proc = subprocess.run([journey, "import", csv, "--db", store], capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if proc.returncode != 0:
                print(f"  import pairs: journey import failed: {proc.stderr.strip()}")
                return False
            times["JourneyQL"].append(elapsed)
            for suffix in ("", "-wal", "-shm", "-journal"):
                if os.path.exists(store + suffix):
                    os.remove(store + suffix)
            for engine in engines:
                proc = subprocess.run([sys.executable, __file__, "--engine", engine, "--csv", csv, "--ingest-only"],
                                      capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"  import pairs: {engine} failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
                    return False
                result = json.loads(proc.stdout)
                labels[engine] = result["engine"]
                times.setdefault(engine, []).append(result["ingest_seconds"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    events = sum(1 for _ in open(csv, "rb")) - 1
    ours = statistics.median(times["JourneyQL"])
    print(f"  import of {csv}, {events:,} rows, alternated {pairs} times in this run (median; each run in order):")
    print(f"    {'JourneyQL (journey import, whole process)':<44} {seconds(ours)} = {events / ours:,.0f} rows/s   "
          + ", ".join(seconds(t) for t in times["JourneyQL"]))
    for engine in engines:
        theirs = statistics.median(times[engine])
        print(f"    {labels[engine] + ' ingest':<44} {seconds(theirs)} = {events / theirs:,.0f} rows/s   "
              + ", ".join(seconds(t) for t in times[engine])
              + f"   JourneyQL's rate ÷ theirs: {theirs / ours:.2f}×")
    print()
    return True


def report(name, directory, runs, engines, pairs=0):
    csv = os.path.join(directory, name, "events.csv")
    if not os.path.exists(csv):
        print(f"== {name}: {csv} is missing: run scripts/bench --events {name} first ==")
        return True
    ours = {}
    results_path = os.path.join(directory, name, "results.json")
    if os.path.exists(results_path):
        with open(results_path) as f:
            ours = json.load(f)
    by_id = {q["id"]: q for q in ours.get("queries", [])}

    peers = {}
    for engine in engines:
        print(f"  {name}: {engine} ...", file=sys.stderr, flush=True)
        result, error = engine_process(engine, csv, runs)
        peers[engine] = result if result else {"error": error}

    print(f"== {name}: {csv} ({os.path.getsize(csv) / 1e6:.1f} MB) ==")
    for engine, result in peers.items():
        if "error" in result:
            print(f"  {engine}: FAILED: {result['error']}")
        else:
            print(f"  {result['engine']}: {result['threads']} threads, {result['rows']:,} rows; ingest from CSV "
                  f"{seconds(result['ingest_seconds'])} = {result['rows'] / result['ingest_seconds']:,.0f} rows/s; "
                  f"peak memory {result['peak_bytes'] / 1e6:.0f} MB")
    if "importRun" in ours and ours["importRun"]:
        imp = ours["importRun"]
        print(f"  JourneyQL: import {seconds(imp['wallSeconds'])} = {imp['events'] / imp['wallSeconds']:,.0f} events/s "
              f"(from results.json)")
    print(f"  warm = best of {runs} runs after a first run, in one process")
    print()
    if pairs > 0 and not import_pairs(name, csv, engines, pairs):
        return False

    ok = [e for e in engines if "error" not in peers[e]]
    header = ["query", "JourneyQL", "SQL on SQLite"] + [peers[e]["engine"].split(" (")[0] for e in ok] \
        + [f"{peers[e]['engine'].split()[0]}÷ours" for e in ok]
    rows = []
    for query in QUERIES:
        mine = by_id.get(query["id"], {})
        warm = min(mine["warm"]["runs"]) if mine.get("warm") else None
        sqlite = min(mine["sql"]["runs"]) if mine.get("sql") else None
        peer_times = []
        for e in ok:
            q = peers[e]["queries"].get(query["id"])
            peer_times.append(min(q["runs"] or [q["first"]]) if q else None)
        rows.append([query["label"], seconds(warm), seconds(sqlite)] + [seconds(t) for t in peer_times]
                    + [f"{t / warm:.2f}×" if warm and t else "—" for t in peer_times])
    print(table(header, rows))
    print()

    mismatch = False
    print("  customers per step:")
    for query in QUERIES:
        mine = by_id.get(query["id"], {})
        reference = mine.get("warm", {}).get("groups")
        # TIMES and PATHS compare (bucket or path, customers) rows.
        # VALUE compares one row of counts and sums (shown as they are).
        steps = 0 if query.get("kind") == "value" else 1 if query.get("kind") else len(query["steps"])
        print(f"    {query['label']}")
        print(f"      {'JourneyQL':<33} {groups_text(reference, steps)}")
        if mine.get("sql"):
            print(f"      {'SQL on SQLite':<33} " + ("the same: agree" if mine["sql"].get("agrees")
                                                      else groups_text(mine["sql"]["groups"], steps) + "   *** DIFFERS ***"))
        for engine in ok:
            q = peers[engine]["queries"].get(query["id"])
            if not q:
                print(f"      {peers[engine]['engine'].split()[0]:<33} (no equivalent query)")
                continue
            variants = [("", q["groups"])]
            if "groups_strict_increase" in q:
                variants = [(" windowFunnel default", q["groups"]),
                            (" 'strict_increase'", q["groups_strict_increase"])]
            for suffix, groups in variants:
                if reference is None:
                    verdict = ""
                elif same_groups(groups, reference):
                    verdict = "   agree"
                    groups = reference  # in JourneyQL's order, so the lines read alike
                else:
                    # Every twin but windowFunnel's asks exactly JourneyQL's question.
                    exact = "groups_strict_increase" not in q
                    mismatch = mismatch or exact
                    verdict = "   differs"
                    if len(groups) == 1 and len(reference) == 1 and all(
                            c.isdigit() for c in groups[0] + reference[0]):
                        verdict += ": " + ", ".join(f"{int(c) - int(r):+,}" for c, r in zip(groups[0], reference[0]))
                    if exact:
                        name = peers[engine]["engine"].split()[0]
                        verdict += f"   *** {name} runs the same rule: this is a MISMATCH ***"
                print(f"      {(peers[engine]['engine'].split()[0] + suffix):<33} {groups_text(groups, steps)}{verdict}")
    print()
    if ok and "clickhouse" in ok:
        print("  (For the plain funnels ClickHouse runs windowFunnel: its default lets events of the same second chain "
              "in either order,\n   'strict_increase' never chains them; JourneyQL chains them in file order, so there "
              "it should lie between the two:\n   see grammar/SEMANTICS.md §4. ClickHouse's other queries follow "
              "JourneyQL's rule and must agree.)")
    return not mismatch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", default="1m", help="1m, 10m, both or 100k (default 1m)")
    parser.add_argument("--runs", type=int, default=3, help="timed warm runs per query (default 3)")
    parser.add_argument("--dir", default=".bench", help="where journey-bench keeps the data sets")
    parser.add_argument("--engines", default="duckdb,clickhouse", help="comma-separated: duckdb, clickhouse")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--import-pairs", type=int, default=0, metavar="N",
                        help="also run `journey import` and each engine's ingest of the same CSV alternately N times "
                             "and compare the medians (default 0: the import figure comes from results.json)")
    parser.add_argument("--import-only", action="store_true",
                        help="only the alternated import runs of --import-pairs (3 when not given), no queries")
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--ingest-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.engine:
        run = {"duckdb": run_duckdb, "clickhouse": run_clickhouse}[args.engine]
        print(json.dumps(run(os.path.abspath(args.csv), args.runs, ingest_only=args.ingest_only)))
        return 0

    names = ["1m", "10m"] if args.events == "both" else [args.events]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    ok = True
    if args.import_only:
        for name in names:
            csv = os.path.join(args.dir, name, "events.csv")
            if not os.path.exists(csv):
                print(f"== {name}: {csv} is missing: run scripts/bench --events {name} first ==")
                ok = False
                continue
            print(f"== {name}: {csv} ({os.path.getsize(csv) / 1e6:.1f} MB) ==")
            ok = import_pairs(name, os.path.abspath(csv), engines, args.import_pairs or 3) and ok
        return 0 if ok else 1
    for name in names:
        ok = report(name, args.dir, args.runs, engines, args.import_pairs) and ok
        print()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
