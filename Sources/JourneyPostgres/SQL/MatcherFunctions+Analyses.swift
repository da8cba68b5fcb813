// The installed functions of the per-customer analyses (PATHS, PATHS AFTER|BEFORE, DROPOFF, STAGES, ATTRIBUTE, WHY)
// and VALUE's exact sum: each takes one customer's events as arrays (and a chain) and returns that customer's small
// result, the SQLite engine's aggregation step for one customer, rule for rule.
extension MatcherFunctions {
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
}
