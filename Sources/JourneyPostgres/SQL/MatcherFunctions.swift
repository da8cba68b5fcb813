// The matcher installed in the database: PL/pgSQL functions over one customer's events, called once per customer by
// a `GROUP BY customer` (FunnelSQL's function form). Made with the store's tables; also packaged as the PostgreSQL
// extension `journeyql` (`journey pg-extension DIR`), which is what postgres_fdw needs to send the call to the
// servers holding the partitions (it ships only built-in functions and those of extensions it is told about).
import JourneyStore
#if canImport(Glibc)
import Glibc
#endif

/// The functions and their packaging.
package enum MatcherFunctions {
    /// The signature PostgreSQL knows the funnel function by.
    static let funnelSignature =
        "journeyql.funnel_chain(bigint[],bigint[],integer,bigint,bigint,bigint,boolean,boolean,jsonb[])"

    /// `journeyql.funnel_chain(times, masks, steps, window, lower, upper, strict)`: the chain of grammar/SEMANTICS.md
    /// section 4 for one customer whose events matching some step are given in (time, seq) order, each with its step
    /// mask (bit k: step k+1). Returns the times of the chain's events, from the earliest start that reaches the
    /// deepest level (an empty array when no start lies in [lower, upper)). The window is inclusive, measured from the
    /// start. It is FunnelMatcher (Sources/JourneyEngine/Execution/FunnelMatcher.swift), line for line: one forward
    /// pointer per step serves every start, since a later start never fills a step earlier. With `strict` (STRICT
    /// TIME) each step's event must also be later in time than the previous step's: filling each step as early as
    /// that allows is still the deepest chain from a start, and later starts still never fill a step earlier. With
    /// `directly` (DIRECTLY) the arrays hold every admitted event, and each step must be the very next one: a start's
    /// chain is then forced, and followed event by event. With `same` (SAME f: each event's value of f, SQL NULL where
    /// it has none) every step's event must carry the start's value (jsonb equality: numbers by value, text byte for
    /// byte), and a start without one fills no later step; the earliest such event is still the best from a start, but
    /// a later start may find earlier ones (another value), so each start scans afresh.
    static func funnelChain(schema: String?) -> String {
        """
        CREATE FUNCTION \(schema.map { $0 + "." } ?? "")funnel_chain(times bigint[], masks bigint[], steps integer, win bigint,
                                               lower_bound bigint, upper_bound bigint, strict boolean,
                                               directly boolean, same jsonb[])
        RETURNS bigint[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          pointers integer[] := array_fill(1, ARRAY[steps]);
          chain integer[] := array_fill(0, ARRAY[steps]);
          best integer[] := '{}';
          best_level integer := 0;
          s integer; lvl integer; j integer; bit bigint; exhausted boolean;
          result bigint[] := '{}';
        BEGIN
          FOR s IN 1..n LOOP
            CONTINUE WHEN masks[s] & 1 = 0;
            CONTINUE WHEN lower_bound IS NOT NULL AND times[s] < lower_bound;
            CONTINUE WHEN upper_bound IS NOT NULL AND times[s] >= upper_bound;
            chain[1] := s; lvl := 1; exhausted := false;
            WHILE lvl < steps LOOP
              bit := 1::bigint << lvl;
              IF directly THEN
                j := chain[lvl] + 1;
                EXIT WHEN j > n OR masks[j] & bit = 0 OR (strict AND times[j] <= times[chain[lvl]]);
                EXIT WHEN same IS NOT NULL AND (same[s] IS NULL OR same[j] IS NULL OR same[j] <> same[s]);
              ELSIF same IS NOT NULL THEN
                EXIT WHEN same[s] IS NULL;
                j := chain[lvl] + 1;
                WHILE j <= n AND (masks[j] & bit = 0 OR (strict AND times[j] <= times[chain[lvl]])
                                  OR same[j] IS NULL OR same[j] <> same[s]) LOOP
                  j := j + 1;
                END LOOP;
                EXIT WHEN j > n;
              ELSE
                j := greatest(pointers[lvl + 1], chain[lvl] + 1);
                WHILE j <= n AND (masks[j] & bit = 0 OR (strict AND times[j] <= times[chain[lvl]])) LOOP
                  j := j + 1;
                END LOOP;
                pointers[lvl + 1] := j;
                IF j > n THEN exhausted := true; EXIT; END IF;
              END IF;
              EXIT WHEN win IS NOT NULL AND times[j] - times[s] > win;
              lvl := lvl + 1; chain[lvl] := j;
            END LOOP;
            IF lvl > best_level THEN
              best_level := lvl; best := chain[1:lvl];
              EXIT WHEN lvl = steps;
            END IF;
            EXIT WHEN exhausted AND lvl <= best_level;
          END LOOP;
          FOR s IN 1..best_level LOOP result := result || times[best[s]]; END LOOP;
          RETURN result;
        END
        $body$;
        """
    }

    /// The signature PostgreSQL knows the general matcher by.
    static let journeySignature =
        "journeyql.journey_chain(bigint[],bigint[],jsonb[],integer,boolean[],bigint[],bigint,bigint,bigint,boolean,boolean,bigint[],integer[],integer[])"

    /// `journeyql.journey_chain(...)`: the general matcher of grammar/SEMANTICS.md section 4a (optional steps, a
    /// step's own WITHIN, EXCLUDING, with STRICT TIME, DIRECTLY and SAME) for one customer, given as for
    /// `funnel_chain` with the exclusions' bits in the masks too. It is JourneyMatcher
    /// (Sources/JourneyEngine/Execution/JourneyMatcher.swift) phase for phase, in time linear in the events:
    /// 1. forward, `latest[k][j]`: the latest start from which a valid chain fills step k at event j (the largest
    ///    over j's window of predecessors, a monotone queue per SAME class); the level is the deepest step some
    ///    event reaches within the journey window of that start;
    /// 2. backward, `ends[k][j]`: the earliest last event of a completion from step k at j to the level;
    /// 3. the first start whose earliest completion lies within its window, and its lexicographically earliest
    ///    chain (filling an optional step before skipping it).
    /// Where JourneyMatcher folds the predecessor steps that share exclusions into one sweep, this runs one sweep
    /// per pair of steps (k, k′) that may be consecutive: O(m²·n) instead of O(m·g·n), the same answer.
    /// Arguments: `optional[k]` and `gaps[k]` per step (1-based), `excl_bits[e]` the mask bit of exclusion e, which
    /// voids a pair (k, k′) with `excl_from[e]` ≤ k and k′ ≤ `excl_to[e]` (0-based steps). Returns the start's
    /// index in the arrays, then the times of the chain's steps (NULL for a skipped optional step), then their
    /// indices (0 for a skipped step): 1 + 2·level elements; an empty array when no start lies in [lower, upper).
    static func journeyChain(schema: String?) -> String {
        """
        CREATE FUNCTION \(schema.map { $0 + "." } ?? "")journey_chain(times bigint[], masks bigint[], same jsonb[], steps integer,
                                                optional boolean[], gaps bigint[], win bigint, lower_bound bigint,
                                                upper_bound bigint, strict boolean, directly boolean,
                                                excl_bits bigint[], excl_from integer[], excl_to integer[])
        RETURNS bigint[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          never constant integer := 2147483647;
          exclusions integer := coalesce(array_length(excl_bits, 1), 0);
          cls integer[]; ncls integer := 1;
          offs integer[]; heads integer[]; tails integer[]; slots integer[];
          latest integer[]; ends integer[]; run_start integer[];
          level integer := 0; last integer;
          k integer; k0 integer; k2 integer; j integer; i integer; c integer; e integer; v integer;
          bit bigint; excluded bigint; gap bigint; reached boolean := false; blocked boolean; filled boolean;
          pushed integer; gap_at integer; excl_at integer; group_at integer; bound integer; edge integer;
          head integer; tail integer; s integer := 0; cur integer; nxt integer;
          positions integer[]; result bigint[];
        BEGIN
          IF n = 0 THEN RETURN '{}'; END IF;
          -- SAME classes: equal values (jsonb equality) share a class, 0, 1, ...; an event without a value has -1.
          IF same IS NULL THEN
            cls := array_fill(0, ARRAY[n]);
          ELSE
            SELECT array_agg(q.cl ORDER BY q.ord) INTO cls FROM (
              SELECT u.ord, CASE WHEN u.val IS NULL THEN -1
                                 ELSE (dense_rank() OVER (PARTITION BY u.val IS NULL ORDER BY u.val))::integer - 1 END AS cl
              FROM unnest(same) WITH ORDINALITY AS u(val, ord)) q;
            SELECT greatest(1, max(q.cl) + 1) INTO ncls FROM unnest(cls) AS q(cl);
          END IF;
          -- One queue segment per class in `slots` (0-based positions offs[c+1] .. offs[c+2]-1 for class c).
          offs := array_fill(0, ARRAY[ncls + 1]);
          FOR j IN 1..n LOOP
            IF cls[j] >= 0 THEN offs[cls[j] + 2] := offs[cls[j] + 2] + 1; END IF;
          END LOOP;
          FOR c IN 1..ncls LOOP offs[c + 1] := offs[c + 1] + offs[c]; END LOOP;
          heads := array_fill(0, ARRAY[ncls]); tails := array_fill(0, ARRAY[ncls]);
          slots := array_fill(0, ARRAY[n]);
          -- run_start[k+1]: the last required step at or below step k; step k+1's predecessors are run_start[k+1]..k.
          run_start := array_fill(0, ARRAY[steps]);
          FOR k IN 1..steps - 1 LOOP
            run_start[k + 1] := CASE WHEN optional[k + 1] THEN run_start[k] ELSE k END;
          END LOOP;

          -- 1. Forward: latest[k*n + j], the latest start of a valid chain filling step k at j (0: none).
          latest := array_fill(0, ARRAY[steps * n]);
          FOR j IN 1..n LOOP
            IF masks[j] & 1 <> 0 AND (lower_bound IS NULL OR times[j] >= lower_bound)
               AND (upper_bound IS NULL OR times[j] < upper_bound) THEN
              latest[j] := j; reached := true;
            END IF;
          END LOOP;
          IF NOT reached THEN RETURN '{}'; END IF;
          level := 1;
          FOR k IN 1..steps - 1 LOOP
            bit := 1::bigint << k;
            gap := gaps[k + 1];
            FOR k0 IN run_start[k]..k - 1 LOOP
              excluded := 0;
              FOR e IN 1..exclusions LOOP
                IF excl_from[e] <= k0 AND k <= excl_to[e] THEN excluded := excluded | excl_bits[e]; END IF;
              END LOOP;
              IF directly THEN
                -- The only predecessor of j is j - 1 (nothing lies between them: no exclusion applies).
                FOR j IN 2..n LOOP
                  CONTINUE WHEN masks[j] & bit = 0;
                  i := j - 1; v := latest[k0 * n + i];
                  CONTINUE WHEN v = 0 OR cls[j] < 0 OR cls[i] <> cls[j];
                  CONTINUE WHEN strict AND times[i] >= times[j];
                  CONTINUE WHEN gap IS NOT NULL AND times[j] - times[i] > gap;
                  IF v > latest[k * n + j] THEN latest[k * n + j] := v; END IF;
                END LOOP;
              ELSE
                FOR c IN 1..ncls LOOP heads[c] := offs[c]; tails[c] := offs[c]; END LOOP;
                -- Each bound of j's window only moves forward: the order (pushed), the gap, the last excluded event.
                pushed := 1; gap_at := 1; excl_at := 1; group_at := 1;
                FOR j IN 1..n LOOP
                  IF j > 1 AND times[j] <> times[j - 1] THEN group_at := j; END IF;
                  bound := CASE WHEN strict THEN group_at ELSE j END;
                  WHILE pushed < bound LOOP
                    c := cls[pushed]; v := latest[k0 * n + pushed];
                    IF v > 0 AND c >= 0 THEN
                      head := heads[c + 1]; tail := tails[c + 1];
                      WHILE tail > head AND latest[k0 * n + slots[tail]] <= v LOOP tail := tail - 1; END LOOP;
                      slots[tail + 1] := pushed; tails[c + 1] := tail + 1;
                    END IF;
                    pushed := pushed + 1;
                  END LOOP;
                  c := cls[j];
                  IF masks[j] & bit <> 0 AND c >= 0 THEN
                    edge := excl_at;
                    IF gap IS NOT NULL THEN
                      WHILE times[j] - times[gap_at] > gap LOOP gap_at := gap_at + 1; END LOOP;
                      edge := greatest(edge, gap_at);
                    END IF;
                    head := heads[c + 1]; tail := tails[c + 1];
                    WHILE head < tail AND slots[head + 1] < edge LOOP head := head + 1; END LOOP;
                    heads[c + 1] := head;
                    IF head < tail THEN
                      v := latest[k0 * n + slots[head + 1]];
                      IF v > latest[k * n + j] THEN latest[k * n + j] := v; END IF;
                    END IF;
                  END IF;
                  -- An excluded event may itself be the predecessor; only events strictly between void a pair.
                  IF masks[j] & excluded <> 0 THEN excl_at := j; END IF;
                END LOOP;
              END IF;
            END LOOP;
            -- A chain already past the window from its latest start leads nowhere within it either.
            reached := false;
            FOR j IN 1..n LOOP
              v := latest[k * n + j];
              CONTINUE WHEN v = 0;
              IF win IS NOT NULL AND times[j] - times[v] > win THEN latest[k * n + j] := 0; ELSE reached := true; END IF;
            END LOOP;
            IF reached THEN level := k + 1; END IF;
            EXIT WHEN NOT optional[k + 1] AND NOT reached;
            EXIT WHEN level = steps;
          END LOOP;

          -- 2. Backward: ends[k*n + j], the earliest last event of a completion from step k at j to the level.
          last := level - 1;
          ends := array_fill(never, ARRAY[level * n]);
          bit := 1::bigint << last;
          FOR j IN 1..n LOOP
            IF masks[j] & bit <> 0 THEN ends[last * n + j] := j; END IF;
          END LOOP;
          FOR k IN REVERSE last - 1..0 LOOP
            bit := 1::bigint << k;
            -- The successors of step k: k+1 up to the first required step above it, or the level's last.
            k2 := k + 1;
            LOOP
              gap := gaps[k2 + 1];
              excluded := 0;
              FOR e IN 1..exclusions LOOP
                IF excl_from[e] <= k AND k2 <= excl_to[e] THEN excluded := excluded | excl_bits[e]; END IF;
              END LOOP;
              IF directly THEN
                FOR j IN 1..n - 1 LOOP
                  CONTINUE WHEN masks[j] & bit = 0;
                  i := j + 1; v := ends[k2 * n + i];
                  CONTINUE WHEN v = never OR cls[j] < 0 OR cls[i] <> cls[j];
                  CONTINUE WHEN strict AND times[j] >= times[i];
                  CONTINUE WHEN gap IS NOT NULL AND times[i] - times[j] > gap;
                  IF v < ends[k * n + j] THEN ends[k * n + j] := v; END IF;
                END LOOP;
              ELSE
                FOR c IN 1..ncls LOOP heads[c] := offs[c]; tails[c] := offs[c]; END LOOP;
                pushed := n; gap_at := n; excl_at := n; group_at := n;
                FOR j IN REVERSE n..1 LOOP
                  IF j < n AND times[j] <> times[j + 1] THEN group_at := j; END IF;
                  bound := CASE WHEN strict THEN group_at ELSE j END;
                  WHILE pushed > bound LOOP
                    c := cls[pushed]; v := ends[k2 * n + pushed];
                    IF v <> never AND c >= 0 THEN
                      head := heads[c + 1]; tail := tails[c + 1];
                      WHILE tail > head AND ends[k2 * n + slots[tail]] >= v LOOP tail := tail - 1; END LOOP;
                      slots[tail + 1] := pushed; tails[c + 1] := tail + 1;
                    END IF;
                    pushed := pushed - 1;
                  END LOOP;
                  c := cls[j];
                  IF masks[j] & bit <> 0 AND c >= 0 THEN
                    edge := excl_at;
                    IF gap IS NOT NULL THEN
                      WHILE times[gap_at] - times[j] > gap LOOP gap_at := gap_at - 1; END LOOP;
                      edge := least(edge, gap_at);
                    END IF;
                    head := heads[c + 1]; tail := tails[c + 1];
                    WHILE head < tail AND slots[head + 1] > edge LOOP head := head + 1; END LOOP;
                    heads[c + 1] := head;
                    IF head < tail THEN
                      v := ends[k2 * n + slots[head + 1]];
                      IF v < ends[k * n + j] THEN ends[k * n + j] := v; END IF;
                    END IF;
                  END IF;
                  IF masks[j] & excluded <> 0 THEN excl_at := j; END IF;
                END LOOP;
              END IF;
              EXIT WHEN k2 = last OR NOT optional[k2 + 1];
              k2 := k2 + 1;
            END LOOP;
          END LOOP;

          -- 3. The first start that completes the level within its window, and its earliest chain.
          FOR j IN 1..n LOOP
            IF masks[j] & 1 <> 0 AND (lower_bound IS NULL OR times[j] >= lower_bound)
               AND (upper_bound IS NULL OR times[j] < upper_bound) AND ends[j] <> never
               AND (win IS NULL OR times[ends[j]] - times[j] <= win) THEN
              s := j; EXIT;
            END IF;
          END LOOP;
          IF s = 0 THEN RAISE EXCEPTION 'journey_chain: no start completes level %', level; END IF;
          positions := ARRAY[s]; cur := s; k := 0;
          WHILE k < last LOOP
            k2 := k + 1; filled := false;
            LOOP
              -- The earliest event after cur that may fill step k2 and still complete within the window.
              bit := 1::bigint << k2; gap := gaps[k2 + 1]; nxt := 0;
              excluded := 0;
              FOR e IN 1..exclusions LOOP
                IF excl_from[e] <= k AND k2 <= excl_to[e] THEN excluded := excluded | excl_bits[e]; END IF;
              END LOOP;
              i := cur + 1; blocked := false;
              IF directly THEN
                blocked := i > n OR (strict AND times[i] <= times[cur]) OR (gap IS NOT NULL AND times[i] - times[cur] > gap);
                IF NOT blocked AND masks[i] & bit <> 0 AND cls[i] >= 0 AND cls[i] = cls[cur] AND ends[k2 * n + i] <> never
                   AND (win IS NULL OR times[ends[k2 * n + i]] - times[s] <= win) THEN
                  nxt := i;
                END IF;
              ELSE
                IF strict THEN
                  -- Events of cur's own millisecond cannot follow it, but an excluded one still lies in between.
                  WHILE i <= n AND times[i] = times[cur] LOOP
                    IF masks[i] & excluded <> 0 THEN blocked := true; EXIT; END IF;
                    i := i + 1;
                  END LOOP;
                END IF;
                WHILE NOT blocked AND i <= n LOOP
                  EXIT WHEN gap IS NOT NULL AND times[i] - times[cur] > gap;
                  IF masks[i] & bit <> 0 AND cls[i] >= 0 AND cls[i] = cls[cur] AND ends[k2 * n + i] <> never
                     AND (win IS NULL OR times[ends[k2 * n + i]] - times[s] <= win) THEN
                    nxt := i; EXIT;
                  END IF;
                  EXIT WHEN masks[i] & excluded <> 0;
                  i := i + 1;
                END LOOP;
              END IF;
              IF nxt > 0 THEN
                WHILE cardinality(positions) < k2 LOOP positions := positions || 0; END LOOP;
                positions := positions || nxt; cur := nxt; k := k2; filled := true;
                EXIT;
              END IF;
              EXIT WHEN k2 = last OR NOT optional[k2 + 1];
              k2 := k2 + 1;
            END LOOP;
            IF NOT filled THEN RAISE EXCEPTION 'journey_chain: step % of a completing chain has no successor', k2 + 1; END IF;
          END LOOP;
          result := ARRAY[s::bigint];
          FOREACH v IN ARRAY positions LOOP
            result := result || CASE WHEN v > 0 THEN times[v] END;
          END LOOP;
          FOREACH v IN ARRAY positions LOOP
            result := result || v::bigint;
          END LOOP;
          RETURN result;
        END
        $body$;
        """
    }

    /// The signatures of the path functions.
    static let chainPathSignature =
        "journeyql.chain_path(bigint[],bigint[],integer[],integer,boolean,integer,bigint,bigint,boolean,integer)"
    static let flowPathSignature =
        "journeyql.flow_path(bigint[],bigint[],integer[],bigint,bigint,boolean,integer,boolean)"

    /// `journeyql.chain_path(chain, times, vals, steps, lost, lost_at, win, horizon, keep, max_length)`: the path
    /// of PATHS between steps (grammar/SEMANTICS.md, "Paths" and "Flows") for one customer, from journey_chain's
    /// result over all their admitted events: the values (`vals`, codes of the OF column; NULL is -1, "(none)") of
    /// the events from the chain's first event to its last filled step's (a converter), or, with `lost`, to the last
    /// event inside the window of a customer lost (at `lost_at`) whose window has closed; consecutive repeats
    /// collapsed unless `keep`; longer than `max_length`, its first values and -4 ("…"). NULL for a customer the
    /// paths do not count. Flows.BetweenAggregation and PathFinder.PathAggregation, line for line.
    static func chainPath(schema: String?) -> String {
        """
        CREATE FUNCTION \(schema.map { $0 + "." } ?? "")chain_path(chain bigint[], times bigint[], vals integer[], steps integer,
                                             lost boolean, lost_at integer, win bigint, horizon bigint,
                                             keep boolean, max_length integer)
        RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          level integer; first integer := 2147483647; last integer := 0; p bigint; i integer; v integer;
          previous integer; started boolean := false; path integer[] := '{}'; most integer;
        BEGIN
          IF chain IS NULL OR cardinality(chain) = 0 THEN RETURN NULL; END IF;
          level := (cardinality(chain) - 1) / 2;
          FOR i IN 1..level LOOP
            p := chain[1 + level + i];
            IF p > 0 THEN first := least(first, p::integer); last := greatest(last, p::integer); END IF;
          END LOOP;
          IF last = 0 THEN RETURN NULL; END IF;
          IF lost THEN
            IF level >= steps OR (lost_at IS NOT NULL AND level <> lost_at) THEN RETURN NULL; END IF;
            IF win IS NOT NULL AND horizon IS NOT NULL AND times[first] + win > horizon THEN RETURN NULL; END IF;
            -- The lost customer's path runs on to the last admitted event inside the window.
            IF win IS NULL THEN
              last := n;
            ELSE
              last := first;
              WHILE last < n AND times[last + 1] - times[first] <= win LOOP last := last + 1; END LOOP;
            END IF;
          ELSIF level < steps THEN
            RETURN NULL;
          END IF;
          most := CASE WHEN max_length IS NULL THEN 2147483647 ELSE max_length + 1 END;
          FOR i IN first..last LOOP
            EXIT WHEN cardinality(path) >= most;
            v := coalesce(vals[i], -1);
            IF keep OR NOT started OR v <> previous THEN path := path || v; END IF;
            previous := v; started := true;
          END LOOP;
          IF max_length IS NOT NULL AND cardinality(path) > max_length THEN path := path[1:max_length] || -4; END IF;
          RETURN path;
        END
        $body$;
        """
    }

    /// `journeyql.flow_path(times, masks, vals, lower, upper, forward, steps, keep)`: PATHS AFTER|BEFORE for one
    /// customer: the anchor is the first event of step 1 (bit 1) in [lower, upper); returns its index, then the
    /// values (as chain_path's) of the `steps` events after it (or before it, nearest first), repeats collapsed
    /// unless `keep` (the anchor's own value counting as the one before), ending in -2 "(end)" (or -3 "(start)")
    /// when shorter. NULL without an anchor. Flows.TreeAggregation, line for line.
    static func flowPath(schema: String?) -> String {
        """
        CREATE FUNCTION \(schema.map { $0 + "." } ?? "")flow_path(times bigint[], masks bigint[], vals integer[], lower_bound bigint,
                                            upper_bound bigint, forward boolean, steps integer, keep boolean)
        RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          a integer := 0; i integer; v integer; previous integer; path integer[] := '{}';
        BEGIN
          FOR i IN 1..n LOOP
            IF masks[i] & 1 <> 0 AND (lower_bound IS NULL OR times[i] >= lower_bound)
               AND (upper_bound IS NULL OR times[i] < upper_bound) THEN
              a := i; EXIT;
            END IF;
          END LOOP;
          IF a = 0 THEN RETURN NULL; END IF;
          previous := coalesce(vals[a], -1);
          i := CASE WHEN forward THEN a + 1 ELSE a - 1 END;
          WHILE i >= 1 AND i <= n AND cardinality(path) < steps LOOP
            v := coalesce(vals[i], -1);
            IF keep OR v <> previous THEN path := path || v; END IF;
            previous := v;
            i := i + CASE WHEN forward THEN 1 ELSE -1 END;
          END LOOP;
          IF cardinality(path) < steps THEN path := path || CASE WHEN forward THEN -2 ELSE -3 END; END IF;
          RETURN a || path;
        END
        $body$;
        """
    }

    static let dropoffPointSignature =
        "journeyql.dropoff_point(bigint[],bigint[],integer[],integer,integer,bigint,bigint)"

    /// `journeyql.dropoff_point(chain, times, vals, steps, next, win, horizon)`: DROPOFF for one customer
    /// (grammar/SEMANTICS.md, "Drop-off"), from journey_chain's result over all their admitted events: NULL when no
    /// chain starts; else the start's index, the level and whether the customer is lost (level below the last
    /// step, window closed at the horizon), and for the lost: the OF value (`vals`; NULL is -1) of their last
    /// event after the step event and the time to it (-2 and 0 with nothing after), then the values of the first
    /// `next` events after it. PainPoints.DropoffAggregation, line for line.
    static func dropoffPoint(schema: String?) -> String {
        """
        CREATE FUNCTION \(schema.map { $0 + "." } ?? "")dropoff_point(chain bigint[], times bigint[], vals integer[], steps integer,
                                                next integer, win bigint, horizon bigint)
        RETURNS bigint[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          level integer; start integer; anchor integer := 0; p bigint; i integer; result bigint[];
        BEGIN
          IF chain IS NULL OR cardinality(chain) = 0 THEN RETURN NULL; END IF;
          level := (cardinality(chain) - 1) / 2;
          start := chain[1];
          IF level >= steps OR (win IS NOT NULL AND horizon IS NOT NULL AND times[start] + win > horizon) THEN
            RETURN ARRAY[start, level, 0];
          END IF;
          -- The step event: the latest event of the chain.
          FOR i IN 1..level LOOP
            p := chain[1 + level + i];
            IF p > anchor THEN anchor := p; END IF;
          END LOOP;
          IF anchor < n THEN
            result := ARRAY[start, level, 1, coalesce(vals[n], -1), times[n] - times[anchor]];
          ELSE
            result := ARRAY[start, level, 1, -2, 0];
          END IF;
          FOR i IN anchor + 1..least(n, anchor + next) LOOP
            result := result || coalesce(vals[i], -1)::bigint;
          END LOOP;
          RETURN result;
        END
        $body$;
        """
    }

    static let stageWalkSignature =
        "journeyql.stage_walk(bigint[],bigint[],integer,bigint,bigint,bigint,bigint)"

    /// `journeyql.stage_walk(times, masks, stages, lower, upper, horizon, inactive)`: STAGES for one customer
    /// (grammar/SEMANTICS.md, "The journey map") over all their admitted events, bit k of a mask saying the event is
    /// in stage k (its stage is the latest such k). NULL when the customer is not in the map (no stage event, or the
    /// first outside [lower, upper)); else: the first stage event's index, the stages reached (a bit set), the
    /// furthest, the stage they churned at (-1 unless the last admitted event is `inactive` or more before
    /// `horizon`), the number of first stays, then each as (stage, length), then every transition as
    /// from · stages + to. StageMap.Tally.add, line for line.
    static func stageWalk(schema: String?) -> String {
        """
        CREATE FUNCTION \(schema.map { $0 + "." } ?? "")stage_walk(times bigint[], masks bigint[], stages integer, lower_bound bigint,
                                             upper_bound bigint, horizon bigint, inactive bigint)
        RETURNS bigint[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          first integer := 0; i integer; b integer; s integer; furthest integer := -1;
          reached bigint := 0; previous integer := -1; staying integer := -1; entered bigint := 0;
          stays bigint[] := '{}'; moves bigint[] := '{}';
        BEGIN
          FOR i IN 1..n LOOP
            IF masks[i] <> 0 THEN first := i; EXIT; END IF;
          END LOOP;
          IF first = 0 OR (lower_bound IS NOT NULL AND times[first] < lower_bound)
             OR (upper_bound IS NOT NULL AND times[first] >= upper_bound) THEN
            RETURN NULL;
          END IF;
          FOR i IN first..n LOOP
            CONTINUE WHEN masks[i] = 0;
            FOR b IN REVERSE stages - 1..0 LOOP
              IF masks[i] & (1::bigint << b) <> 0 THEN s := b; EXIT; END IF;
            END LOOP;
            IF staying >= 0 AND staying <> s THEN
              stays := stays || staying::bigint || (times[i] - entered);
              staying := -1;
            END IF;
            IF reached & (1::bigint << s) = 0 THEN
              reached := reached | (1::bigint << s);
              furthest := greatest(furthest, s);
              staying := s; entered := times[i];
            END IF;
            IF previous >= 0 AND previous <> s THEN moves := moves || (previous * stages + s)::bigint; END IF;
            previous := s;
          END LOOP;
          RETURN ARRAY[first, reached, furthest,
                       CASE WHEN horizon IS NOT NULL AND horizon - times[n] >= inactive THEN previous ELSE -1 END,
                       cardinality(stays) / 2] || stays || moves;
        END
        $body$;
        """
    }

    static let attributionWalkSignature =
        "journeyql.attribution_walk(bigint[],bigint[],text[],bigint[],bigint,bigint,bigint,bigint,integer[],boolean)"

    /// `journeyql.attribution_walk(times, masks, keys, amounts, lower, upper, lookback, half_life, models, valued)`:
    /// ATTRIBUTE for one customer (grammar/SEMANTICS.md, "Attribution") over all their admitted events: bit 1 of a
    /// mask marks a conversion-step event (never a touch; counted when its time lies in [lower, upper)); `keys` the
    /// credited value of each event (NULL: no touch), `amounts` each conversion's units (hundredths; NULL: missing,
    /// counted 0). `models` by code: 0 first_touch, 1 last_touch, 2 linear, 3 position, 4 time_decay, 5 markov.
    /// Returns jsonb: the counts (n conversions, u units, nt/ut without a touch, mv missing values, cc converting,
    /// p Markov paths), `c`: [model position, key, raw credit] per credited touch, `t`: [from, to] per Markov
    /// transition (`^` the start, `$c` conversion, `$n` null). Attribution.Aggregation.add, line for line.
    static func attributionWalk(schema: String?) -> String {
        """
        CREATE FUNCTION \(schema.map { $0 + "." } ?? "")attribution_walk(times bigint[], masks bigint[], keys text[], amounts bigint[],
                                                   lower_bound bigint, upper_bound bigint, lookback bigint,
                                                   half_life bigint, models integer[], valued boolean)
        RETURNS jsonb LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          tt bigint[] := '{}'; tk text[] := '{}'; first integer := 1; cnt integer := 0; k integer;
          i integer; j integer; idx integer; m integer; lo integer; last integer;
          conv integer := 0; units bigint := 0; nt integer := 0; ut bigint := 0; mv integer := 0; paths integer := 0;
          converted boolean := false; markov boolean := 5 = ANY(models);
          amount bigint; total float8; latest bigint; previous text; x float8; weights float8[];
          credits jsonb[] := '{}'; pairs jsonb[] := '{}';
        BEGIN
          FOR i IN 1..n LOOP
            IF masks[i] & 1 = 0 THEN
              IF keys[i] IS NOT NULL THEN tt := tt || times[i]; tk := tk || keys[i]; cnt := cnt + 1; END IF;
              CONTINUE;
            END IF;
            -- Every event of the conversion step is a conversion, never a touch; those outside the range do not count.
            CONTINUE WHEN (lower_bound IS NOT NULL AND times[i] < lower_bound)
                       OR (upper_bound IS NOT NULL AND times[i] >= upper_bound);
            amount := 100;
            IF valued THEN
              IF amounts[i] IS NULL THEN amount := 0; mv := mv + 1; ELSE amount := amounts[i]; END IF;
            END IF;
            converted := true; conv := conv + 1; units := units + amount;
            WHILE first <= cnt AND tt[first] < times[i] - lookback LOOP first := first + 1; END LOOP;
            IF first > cnt THEN nt := nt + 1; ut := ut + amount; CONTINUE; END IF;
            k := cnt - first + 1;
            FOR idx IN 1..array_length(models, 1) LOOP
              m := models[idx];
              IF m = 0 THEN
                credits := credits || jsonb_build_array(idx - 1, tk[first], amount::float8);
              ELSIF m = 1 THEN
                credits := credits || jsonb_build_array(idx - 1, tk[cnt], amount::float8);
              ELSIF m = 2 OR (m = 3 AND k <= 2) THEN
                FOR j IN first..cnt LOOP
                  credits := credits || jsonb_build_array(idx - 1, tk[j], amount::float8 / k::float8);
                END LOOP;
              ELSIF m = 3 THEN
                credits := credits || jsonb_build_array(idx - 1, tk[first], amount::float8 * 0.4::float8);
                credits := credits || jsonb_build_array(idx - 1, tk[cnt], amount::float8 * 0.4::float8);
                FOR j IN first + 1..cnt - 1 LOOP
                  credits := credits || jsonb_build_array(idx - 1, tk[j], amount::float8 * 0.2::float8 / (k - 2)::float8);
                END LOOP;
              ELSIF m = 4 THEN
                -- Weights relative to the latest touch (weight 1), so no weight underflows to a zero total.
                -- A weight below the smallest double is 0 (PostgreSQL's power() would call that an underflow error).
                latest := tt[cnt]; total := 0; weights := '{}';
                FOR j IN first..cnt LOOP
                  x := (latest - tt[j])::float8 / half_life::float8;
                  weights := weights || CASE WHEN x >= 1075 THEN 0::float8 ELSE power(2::float8, -x) END;
                  total := total + weights[j - first + 1];
                END LOOP;
                FOR j IN first..cnt LOOP
                  credits := credits || jsonb_build_array(idx - 1, tk[j], amount::float8 * weights[j - first + 1] / total);
                END LOOP;
              END IF;
            END LOOP;
            IF markov THEN
              paths := paths + 1; previous := '^';
              FOR j IN first..cnt LOOP pairs := pairs || jsonb_build_array(previous, tk[j]); previous := tk[j]; END LOOP;
              pairs := pairs || jsonb_build_array(previous, '$c');
            END IF;
          END LOOP;
          -- A customer none of whose conversions count: one path to null, from their last touch in the range back
          -- over the lookback.
          IF markov AND NOT converted THEN
            last := 0;
            FOR j IN REVERSE cnt..1 LOOP
              IF (lower_bound IS NULL OR tt[j] >= lower_bound) AND (upper_bound IS NULL OR tt[j] < upper_bound) THEN
                last := j; EXIT;
              END IF;
            END LOOP;
            IF last > 0 THEN
              lo := last;
              WHILE lo > 1 AND tt[lo - 1] >= tt[last] - lookback LOOP lo := lo - 1; END LOOP;
              paths := paths + 1; previous := '^';
              FOR j IN lo..last LOOP pairs := pairs || jsonb_build_array(previous, tk[j]); previous := tk[j]; END LOOP;
              pairs := pairs || jsonb_build_array(previous, '$n');
            END IF;
          END IF;
          RETURN jsonb_build_object('n', conv, 'u', units, 'nt', nt, 'ut', ut, 'mv', mv,
                                    'cc', CASE WHEN converted THEN 1 ELSE 0 END, 'p', paths,
                                    'c', to_jsonb(credits), 't', to_jsonb(pairs));
        END
        $body$;
        """
    }

    static let whyFeaturesSignature =
        "journeyql.why_features(bigint[],bigint[],text[],integer[],integer,bigint,bigint)"

    /// `journeyql.why_features(chain, times, keys, attribute_columns, steps, win, horizon)`: WHY for one customer
    /// (grammar/SEMANTICS.md, "Why") from journey_chain's result over all their admitted events. `keys` is n × F:
    /// each event's value key of each field (NULL: none); the columns listed in `attribute_columns` (1-based) hold
    /// the customer's attributes, the same on every row. NULL for a customer who did not start or is in progress;
    /// else `c` (converted) or `l` (lost), then the distinct features `f|key` (f the 0-based field) of the journey
    /// span (a converter's events from the chain's first up to, not including, the one completing it; a lost
    /// customer's up to the end of the window), and of the attributes whatever the span.
    /// PainPoints.WhyAggregation.add, line for line.
    static func whyFeatures(schema: String?) -> String {
        """
        CREATE FUNCTION \(schema.map { $0 + "." } ?? "")why_features(chain bigint[], times bigint[], keys text[],
                                               attribute_columns integer[], steps integer, win bigint, horizon bigint)
        RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          fields integer := coalesce(array_length(keys, 2), 0);
          level integer; first integer := 2147483647; latest integer := 0; p bigint; i integer; f integer;
          start_time bigint; converted boolean; stop integer; found text[] := '{}';
        BEGIN
          IF chain IS NULL OR cardinality(chain) = 0 THEN RETURN NULL; END IF;
          level := (cardinality(chain) - 1) / 2;
          FOR i IN 1..level LOOP
            p := chain[1 + level + i];
            IF p > 0 THEN first := least(first, p::integer); latest := greatest(latest, p::integer); END IF;
          END LOOP;
          start_time := times[chain[1]];
          converted := level = steps;
          -- In progress: neither converted nor lost.
          IF NOT converted AND win IS NOT NULL AND horizon IS NOT NULL AND start_time + win > horizon THEN RETURN NULL; END IF;
          stop := n + 1;
          IF converted THEN
            stop := latest;
          ELSIF win IS NOT NULL THEN
            stop := first;
            WHILE stop <= n AND times[stop] - start_time <= win LOOP stop := stop + 1; END LOOP;
          END IF;
          FOR i IN first..stop - 1 LOOP
            FOR f IN 1..fields LOOP
              CONTINUE WHEN f = ANY(attribute_columns) OR keys[i][f] IS NULL;
              found := found || ((f - 1)::text || '|' || keys[i][f]);
            END LOOP;
          END LOOP;
          FOREACH f IN ARRAY attribute_columns LOOP
            IF keys[1][f] IS NOT NULL THEN found := found || ((f - 1)::text || '|' || keys[1][f]); END IF;
          END LOOP;
          RETURN ARRAY[CASE WHEN converted THEN 'c' ELSE 'l' END] || ARRAY(SELECT DISTINCT u FROM unnest(found) AS u);
        END
        $body$;
        """
    }

    static let stepReachSignature = "journeyql.step_reach(bigint[],integer,integer,integer,integer,integer)"
    // (returns integer[]: the first step it cannot fill, then the event of each step it filled)
    static let tiedChainSignature = "journeyql.tied_chain(bigint[],bigint[],integer,bigint,bigint,bigint)"
    static let anyOrderChainSignature = "journeyql.any_order_chain(bigint[],bigint[],integer,bigint,bigint,bigint)"

    /// How the matchers below find `step_reach`: by its schema when installed in the store's schema, else (the
    /// extension, relocatable) through the search path the extension script runs with, kept by the function
    /// (postgres_fdw's sessions search pg_catalog alone).
    private static func calling(_ schema: String?) -> (prefix: String, setting: String) {
        schema.map { ($0 + ".", "") } ?? ("", "SET search_path FROM CURRENT")
    }

    /// `journeyql.step_reach(masks, lo, hi, from_step, pin, steps)`: how far steps from_step, from_step + 1, ... (0-based,
    /// below `steps`) can be filled by distinct events lo..hi (1-based, but not `pin`), each step matching bit k of
    /// its event's mask. Returns the first step that cannot, then the event holding each step filled. Kuhn's
    /// augmenting paths, one search per step scanning the events in order, an explicit stack for the recursion:
    /// the longest prefix of steps in a maximum matching, and exactly EventAssignment.augment's assignment.
    static func stepReach(schema: String?) -> String {
        """
        CREATE FUNCTION \(schema.map { $0 + "." } ?? "")step_reach(masks bigint[], lo integer, hi integer, from_step integer,
                                             pin integer, steps integer)
        RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          size integer := greatest(0, hi - lo + 1);
          held integer[];
          owner integer[] := array_fill(-1, ARRAY[greatest(size, 1)]);
          visited boolean[];
          st_step integer[] := array_fill(0, ARRAY[steps + 1]);
          st_pos integer[] := array_fill(0, ARRAY[steps + 1]);
          st_event integer[] := array_fill(0, ARRAY[steps + 1]);
          k integer := from_step; depth integer; cur integer; idx integer; d integer; ok boolean; pushed boolean;
        BEGIN
          WHILE k < steps LOOP
            visited := array_fill(false, ARRAY[greatest(size, 1)]);
            depth := 1; st_step[1] := k; st_pos[1] := 0; ok := false;
            WHILE depth > 0 LOOP
              cur := st_step[depth]; pushed := false;
              WHILE st_pos[depth] < size LOOP
                st_pos[depth] := st_pos[depth] + 1; idx := st_pos[depth];
                CONTINUE WHEN lo + idx - 1 = pin OR visited[idx] OR masks[lo + idx - 1] & (1::bigint << cur) = 0;
                visited[idx] := true; st_event[depth] := idx;
                IF owner[idx] = -1 THEN
                  -- An augmenting path: each step on the stack takes the event it reached.
                  FOR d IN 1..depth LOOP owner[st_event[d]] := st_step[d]; END LOOP;
                  ok := true; EXIT;
                END IF;
                depth := depth + 1; st_step[depth] := owner[idx]; st_pos[depth] := 0; pushed := true; EXIT;
              END LOOP;
              EXIT WHEN ok;
              IF NOT pushed THEN depth := depth - 1; END IF;
            END LOOP;
            EXIT WHEN NOT ok;
            k := k + 1;
          END LOOP;
          held := array_fill(0, ARRAY[greatest(k - from_step, 1)]);
          FOR idx IN 1..size LOOP
            IF owner[idx] >= from_step THEN held[owner[idx] - from_step + 1] := lo + idx - 1; END IF;
          END LOOP;
          RETURN ARRAY[k] || held[1:k - from_step];
        END
        $body$;
        """
    }

    /// `journeyql.tied_chain(times, masks, steps, win, lower, upper)`: TIES ANY ORDER (grammar/SEMANTICS.md) for one
    /// customer whose events matching some step are given in (time, seq) order: the chain's events are distinct and
    /// their times never decrease. TiedJourneyMatcher's rules: events of one millisecond form a group; from a
    /// start, each step lands in the earliest group that can still take it (its start's group as far as a matching
    /// reaches with the start on step 1, then the earliest later group holding the next step, within the window);
    /// one forward pointer per step and the last group entered at each step serve every start group; the chosen
    /// start is the first whose own chain reaches the deepest level. Returns journey_chain's shape: the start's
    /// index, each step's time, then the event of each step (as EventAssignment assigns them within a group).
    static func tiedChain(schema: String?) -> String {
        let (prefix, setting) = calling(schema)
        return """
        CREATE FUNCTION \(prefix)tied_chain(times bigint[], masks bigint[], steps integer, win bigint,
                                             lower_bound bigint, upper_bound bigint)
        RETURNS bigint[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE \(setting) AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          pointers integer[] := array_fill(1, ARRAY[steps]);
          entered_last integer[] := array_fill(0, ARRAY[steps]);
          entered_reach integer[] := array_fill(0, ARRAY[steps]);
          g integer := 1; stop integer; i integer; j integer; k integer; k2 integer; first integer; glast integer;
          last integer; prefix integer; level integer; best_group integer := 0; best_level integer := 0;
          bit bigint; lim bigint; exhausted boolean; found boolean; chain_times bigint[]; held integer[]; positions integer[];
        BEGIN
          WHILE g <= n LOOP
            stop := g;
            WHILE stop < n AND times[stop + 1] = times[g] LOOP stop := stop + 1; END LOOP;
            found := false;
            FOR i IN g..stop LOOP
              IF masks[i] & 1 <> 0 THEN found := true; EXIT; END IF;
            END LOOP;
            IF found AND (lower_bound IS NULL OR times[g] >= lower_bound) AND (upper_bound IS NULL OR times[g] < upper_bound) THEN
              -- The most steps a start of this group fills in it (step 1 by the start itself).
              prefix := 0;
              FOR i IN g..stop LOOP
                IF masks[i] & 1 <> 0 THEN prefix := greatest(prefix, (\(prefix)step_reach(masks, g, stop, 1, i, steps))[1]); END IF;
              END LOOP;
              -- The walk through later groups, by the shared pointers.
              k := prefix; last := stop; exhausted := false;
              lim := CASE WHEN win IS NULL THEN NULL ELSE times[g] + win END;
              WHILE k < steps LOOP
                bit := 1::bigint << k;
                j := greatest(pointers[k + 1], last + 1);
                WHILE j <= n AND masks[j] & bit = 0 LOOP j := j + 1; END LOOP;
                pointers[k + 1] := j;
                IF j > n THEN exhausted := true; EXIT; END IF;
                EXIT WHEN lim IS NOT NULL AND times[j] > lim;
                IF j > entered_last[k + 1] THEN
                  first := j;
                  WHILE first > last + 1 AND times[first - 1] = times[j] LOOP first := first - 1; END LOOP;
                  glast := j;
                  WHILE glast < n AND times[glast + 1] = times[j] LOOP glast := glast + 1; END LOOP;
                  entered_last[k + 1] := glast;
                  entered_reach[k + 1] := (\(prefix)step_reach(masks, first, glast, k, 0, steps))[1];
                END IF;
                last := entered_last[k + 1];
                k := entered_reach[k + 1];
              END LOOP;
              level := k;
              IF level > best_level THEN
                best_level := level; best_group := g;
                EXIT WHEN level = steps;
              END IF;
              -- No later start finds the next step either once the events ran out.
              EXIT WHEN exhausted AND level <= best_level;
            END IF;
            g := stop + 1;
          END LOOP;
          IF best_level = 0 THEN RETURN '{}'; END IF;
          -- The first start of that group whose own chain reaches the level, and its chain's times.
          g := best_group;
          stop := g;
          WHILE stop < n AND times[stop + 1] = times[g] LOOP stop := stop + 1; END LOOP;
          lim := CASE WHEN win IS NULL THEN NULL ELSE times[g] + win END;
          FOR i IN g..stop LOOP
            CONTINUE WHEN masks[i] & 1 = 0;
            held := \(prefix)step_reach(masks, g, stop, 1, i, steps);
            k := held[1];
            chain_times := array_fill(times[g], ARRAY[k]);
            positions := ARRAY[i] || held[2:];
            last := stop;
            WHILE k < steps LOOP
              bit := 1::bigint << k;
              j := last + 1;
              WHILE j <= n AND masks[j] & bit = 0 LOOP j := j + 1; END LOOP;
              EXIT WHEN j > n OR (lim IS NOT NULL AND times[j] > lim);
              first := j;
              WHILE first > last + 1 AND times[first - 1] = times[j] LOOP first := first - 1; END LOOP;
              glast := j;
              WHILE glast < n AND times[glast + 1] = times[j] LOOP glast := glast + 1; END LOOP;
              held := \(prefix)step_reach(masks, first, glast, k, 0, steps);
              k2 := held[1];
              chain_times := chain_times || array_fill(times[j], ARRAY[k2 - k]);
              positions := positions || held[2:];
              k := k2; last := glast;
            END LOOP;
            IF k = best_level THEN
              RETURN ARRAY[i::bigint] || chain_times || positions::bigint[];
            END IF;
          END LOOP;
          RAISE EXCEPTION 'tied_chain: no start of the deepest group reaches its level';
        END
        $body$;
        """
    }

    /// `journeyql.any_order_chain(times, masks, steps, win, lower, upper)`: IN ANY ORDER (grammar/SEMANTICS.md) for
    /// one customer whose events matching some step are given in (time, seq) order. From each start (an event that
    /// fills some step, in [lower, upper)), the events from it to the end of its window: the level is the longest
    /// prefix of steps a matching of them covers, provided the start matches one of those steps; the chosen start is
    /// the earliest reaching the deepest level, and step k's time the first event by whose time steps 1..k can all
    /// be done (AnyOrderMatcher's answer; here each start's window is matched afresh: O(n · w · m²) for windows of w
    /// events, where the SQLite engine slides one matching). Returns journey_chain's shape, the positions being the
    /// start, then for each step k ≥ 2 the event by whose time steps 1..k could all be done (AnyOrderMatcher's).
    static func anyOrderChain(schema: String?) -> String {
        let (prefix, setting) = calling(schema)
        return """
        CREATE FUNCTION \(prefix)any_order_chain(times bigint[], masks bigint[], steps integer, win bigint,
                                                  lower_bound bigint, upper_bound bigint)
        RETURNS bigint[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE \(setting) AS $body$
        DECLARE
          n integer := coalesce(array_length(times, 1), 0);
          all_steps bigint := CASE WHEN steps = 64 THEN -1 ELSE (1::bigint << steps) - 1 END;
          e integer; stop integer; reach integer; level integer; best integer := 0; best_start integer := 0;
          k integer; cur integer; chain_times bigint[]; positions bigint[];
        BEGIN
          FOR e IN 1..n LOOP
            CONTINUE WHEN masks[e] & all_steps = 0;
            CONTINUE WHEN (lower_bound IS NOT NULL AND times[e] < lower_bound) OR (upper_bound IS NOT NULL AND times[e] >= upper_bound);
            stop := e;
            WHILE stop < n AND (win IS NULL OR times[stop + 1] - times[e] <= win) LOOP stop := stop + 1; END LOOP;
            reach := (\(prefix)step_reach(masks, e, stop, 0, 0, steps))[1];
            -- The start must be one of the chain's events: it needs a step among the first `reach`.
            level := CASE WHEN reach > 0 AND masks[e] & (CASE WHEN reach = 64 THEN -1 ELSE (1::bigint << reach) - 1 END) <> 0
                          THEN reach ELSE 0 END;
            IF level > best THEN
              best := level; best_start := e;
              EXIT WHEN level = steps;
            END IF;
          END LOOP;
          IF best = 0 THEN RETURN '{}'; END IF;
          e := best_start;
          chain_times := ARRAY[times[e]];
          positions := ARRAY[e::bigint];
          k := 2; cur := e;
          WHILE k <= best LOOP
            IF (\(prefix)step_reach(masks, e, cur, 0, 0, k))[1] = k THEN
              chain_times := chain_times || times[cur]; positions := positions || cur::bigint; k := k + 1;
            ELSE
              cur := cur + 1;
            END IF;
          END LOOP;
          RETURN ARRAY[e::bigint] || chain_times || positions;
        END
        $body$;
        """
    }

    static let fsumSignature = "journeyql.fsum(double precision)"

    /// `journeyql.fsum(float8)`: the sum rounded once, whatever the order of the rows (ExactSum, line for line:
    /// Shewchuk's partials as the state, Python's math.fsum rounding at the end); NULL over no values. Parallel:
    /// two states combine by adding one's partials to the other.
    static func fsum(schema: String?) -> String {
        let prefix = schema.map { $0 + "." } ?? ""
        return """
        CREATE OR REPLACE FUNCTION \(prefix)fsum_add(partials float8[], value float8)
        RETURNS float8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          x float8 := value; y float8; t float8; hi float8; lo float8; j integer; kept float8[] := '{}';
        BEGIN
          IF value IS NULL THEN RETURN partials; END IF;
          FOR j IN 1..coalesce(array_length(partials, 1), 0) LOOP
            y := partials[j];
            IF abs(x) < abs(y) THEN t := x; x := y; y := t; END IF;
            hi := x + y; lo := y - (hi - x);
            IF lo <> 0 THEN kept := kept || lo; END IF;
            x := hi;
          END LOOP;
          RETURN kept || x;
        END
        $body$;
        CREATE OR REPLACE FUNCTION \(prefix)fsum_combine(a float8[], b float8[])
        RETURNS float8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          p float8; x float8; y float8; t float8; hi float8; lo float8; j integer; result float8[] := a; kept float8[];
        BEGIN
          -- fsum_add of each of b's partials, written out: a function called by name here would be looked up in the
          -- caller's search path (postgres_fdw's is pg_catalog alone).
          FOREACH p IN ARRAY coalesce(b, '{}') LOOP
            x := p; kept := '{}';
            FOR j IN 1..coalesce(array_length(result, 1), 0) LOOP
              y := result[j];
              IF abs(x) < abs(y) THEN t := x; x := y; y := t; END IF;
              hi := x + y; lo := y - (hi - x);
              IF lo <> 0 THEN kept := kept || lo; END IF;
              x := hi;
            END LOOP;
            result := kept || x;
          END LOOP;
          RETURN result;
        END
        $body$;
        CREATE OR REPLACE FUNCTION \(prefix)fsum_final(partials float8[])
        RETURNS float8 LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $body$
        DECLARE
          k integer := coalesce(array_length(partials, 1), 0); hi float8; lo float8 := 0; x float8; y float8; yr float8;
        BEGIN
          IF k = 0 THEN RETURN NULL; END IF;
          hi := partials[k];
          WHILE k > 1 LOOP
            x := hi; k := k - 1; y := partials[k];
            hi := x + y; yr := hi - x; lo := y - yr;
            EXIT WHEN lo <> 0;
          END LOOP;
          IF k > 1 AND ((lo < 0 AND partials[k - 1] < 0) OR (lo > 0 AND partials[k - 1] > 0)) THEN
            y := lo * 2; x := hi + y; yr := x - hi;
            IF y = yr THEN hi := x; END IF;
          END IF;
          RETURN hi;
        END
        $body$;
        CREATE OR REPLACE AGGREGATE \(prefix)fsum(float8) (SFUNC = \(prefix)fsum_add, STYPE = float8[],
          FINALFUNC = \(prefix)fsum_final, COMBINEFUNC = \(prefix)fsum_combine, INITCOND = '{}', PARALLEL = SAFE);
        """
    }

    /// The functions by signature, with their definitions.
    private static func definitions(schema: String?) -> [(signature: String, text: String)] {
        [(funnelSignature, funnelChain(schema: schema)), (journeySignature, journeyChain(schema: schema)),
         (chainPathSignature, chainPath(schema: schema)), (flowPathSignature, flowPath(schema: schema)),
         (dropoffPointSignature, dropoffPoint(schema: schema)), (stageWalkSignature, stageWalk(schema: schema)),
         (attributionWalkSignature, attributionWalk(schema: schema)), (fsumSignature, fsum(schema: schema)),
         (whyFeaturesSignature, whyFeatures(schema: schema)), (stepReachSignature, stepReach(schema: schema)),
         (tiedChainSignature, tiedChain(schema: schema)), (anyOrderChainSignature, anyOrderChain(schema: schema))]
    }

    /// The version of the functions' definitions, kept in `journeyql.meta` (`functions_version`) where the store's
    /// own copies were installed, and as the extension's version: raise it whenever a definition changes.
    static let version = "1.1"

    /// Creates the functions in the store's schema unless they exist (from an earlier import, or from the
    /// extension, which owns them then). Copies an earlier version installed are made again, in one transaction
    /// (dropped first: a function's result type cannot be replaced); the extension's are left to `ALTER EXTENSION
    /// journeyql UPDATE`.
    static func install(on connection: PostgresConnection) throws {
        let installed = try connection.execute("SELECT value FROM journeyql.meta WHERE key = 'functions_version'")
            .rows.first?.first.flatMap { $0 }
        let replace = installed != version
        try connection.execute("BEGIN")
        do {
            for (signature, text) in definitions(schema: "journeyql") {
                if exists(signature, on: connection) {
                    guard replace, !ownedByExtension(signature, on: connection) else { continue }
                    try connection.execute((signature == fsumSignature ? "DROP AGGREGATE " : "DROP FUNCTION ") + signature)
                }
                try connection.executeScript(text)
            }
            try connection.execute("""
                INSERT INTO journeyql.meta(key, value) VALUES ('functions_version', $1)
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                """, parameters: [version])
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Whether the database has this version's functions: every one exists, and they were installed at this
    /// version (the store's copies, by `functions_version`) or belong to the extension at this version.
    static func current(on connection: PostgresConnection) -> Bool {
        guard signatures.allSatisfy({ exists($0, on: connection) }) else { return false }
        if ownedByExtension(funnelSignature, on: connection) {
            return (try? connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'journeyql'"))?
                .rows.first?.first == version
        }
        return (try? connection.execute("SELECT value FROM journeyql.meta WHERE key = 'functions_version'"))?
            .rows.first?.first == version
    }

    /// Whether the function belongs to an extension (the `journeyql` extension's, on a sharded store).
    private static func ownedByExtension(_ signature: String, on connection: PostgresConnection) -> Bool {
        (try? connection.execute("""
            SELECT EXISTS (SELECT 1 FROM pg_depend WHERE objid = to_regprocedure($1) AND deptype = 'e')
            """, parameters: [signature]))?.rows.first?.first == "t"
    }

    /// Whether the database has a function (a store made before it existed, or by a user who may not create
    /// functions, has not: the windows form serves it).
    static func exists(_ signature: String, on connection: PostgresConnection) -> Bool {
        (try? connection.execute("SELECT to_regprocedure($1) IS NOT NULL", parameters: [signature]))?
            .rows.first?.first == "t"
    }

    /// The extension's control file: relocatable, so `CREATE EXTENSION journeyql SCHEMA journeyql` puts the
    /// functions beside the store's tables without making the schema a member of the extension.
    package static let controlFile = """
        # JourneyQL's matcher functions, for postgres_fdw to ship to the servers holding partitions of journeyql.events.
        comment = 'JourneyQL journey matchers'
        default_version = '\(version)'
        relocatable = true
        trusted = true

        """

    /// Writes `journeyql.control`, `journeyql--1.1.sql` and the update from 1.0 (`ALTER EXTENSION journeyql
    /// UPDATE`) into `folder` (the server's `$(pg_config --sharedir)/extension`); returns their paths.
    package static func writeExtension(to folder: String) throws -> [String] {
        var written: [String] = []
        for (name, text) in [("journeyql.control", controlFile), ("journeyql--1.1.sql", extensionScript),
                             ("journeyql--1.0--1.1.sql", updateScript)] {
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            guard let file = fopen(path, "w") else {
                throw StoreError.file(path: path, message: String(cString: strerror(errno)))
            }
            let ok = fputs(text, file) >= 0
            fclose(file)
            guard ok else { throw StoreError.file(path: path, message: "could not write") }
            written.append(path)
        }
        return written
    }

    /// The extension's script (`journeyql--1.1.sql`). A relocatable extension's objects go to the schema CREATE
    /// EXTENSION names, through the search path: the names are left unqualified.
    package static var extensionScript: String {
        "-- JourneyQL's matcher functions (journey pg-extension). Install: CREATE EXTENSION journeyql SCHEMA journeyql;\n"
            + "\\echo Use \"CREATE EXTENSION journeyql\" to load this file. \\quit\n"
            + definitions(schema: nil).map { $0.text + "\n" }.joined()
    }

    /// From 1.0 (funnel_chain alone) to 1.1: adds the others.
    package static var updateScript: String {
        "-- JourneyQL's matcher functions, 1.0 to 1.1: ALTER EXTENSION journeyql UPDATE;\n"
            + "\\echo Use \"ALTER EXTENSION journeyql UPDATE\" to load this file. \\quit\n"
            + definitions(schema: nil).dropFirst().map { $0.text + "\n" }.joined()
    }

    /// Every function's signature: the session uses the function form only where all of them exist.
    static var signatures: [String] { definitions(schema: nil).map(\.signature) }
}
