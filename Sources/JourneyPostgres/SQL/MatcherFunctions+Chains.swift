// The installed functions that find a customer's chain beyond section 4's single pointer: the general matcher
// (optional steps, step windows, EXCLUDING), TIES ANY ORDER and IN ANY ORDER, and the matching they share. Each is the
// SQLite engine's matcher of the same name, rule for rule (MatcherFunctions.swift installs and packages them).
extension MatcherFunctions {
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

    static let stepReachSignature = "journeyql.step_reach(bigint[],integer,integer,integer,integer,integer)"
    // (returns integer[]: the first step it cannot fill, then the event of each step it filled)
    static let tiedChainSignature = "journeyql.tied_chain(bigint[],bigint[],integer,bigint,bigint,bigint)"
    static let anyOrderChainSignature = "journeyql.any_order_chain(bigint[],bigint[],integer,bigint,bigint,bigint)"

    /// How the matchers below find `step_reach`: by its schema when installed in the store's schema, else (the
    /// extension, relocatable) through the search path the extension script runs with, kept by the function
    /// (postgres_fdw's sessions search pg_catalog alone).
    static func calling(_ schema: String?) -> (prefix: String, setting: String) {
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
}
