// The functions installed in the database: PL/pgSQL over one customer's events, called once per customer by a
// `GROUP BY customer`. This file holds section 4's matcher, their installation, versions and packaging; the other
// matchers are in MatcherFunctions+Chains.swift, the analyses' in MatcherFunctions+Analyses.swift. Made with the
// store's tables; also packaged as the PostgreSQL extension `journeyql` (`journey pg-extension DIR`), which is what
// postgres_fdw needs to send the call to the servers holding the partitions (it ships only built-in functions and
// those of extensions it is told about).
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
