// Every keyword of the grammar, once. The parser's reserved words, the words completion offers and the test that
// keeps grammar/journey.ebnf in step all read this table (they were separate lists that drifted apart).

/// How a keyword binds.
package enum KeywordRole: Sendable, Hashable {
    /// Starts or separates clauses: never a bare name or value (quote it: `'from'`).
    case reserved
    /// Starts a clause where a clause may start, and is a name elsewhere (`same`, `strict`, `last`, `ties`).
    case clause
    /// A keyword only where its statement expects it (`STAGE`, `BETWEEN`, `SHOW`'s targets, EXPECT's words).
    case contextual
}

package enum Keywords {
    /// Each keyword as the grammar spells it, with its role.
    package static let table: [(word: String, role: KeywordRole)] = [
        // Journeys and their clauses.
        ("FROM", .reserved), ("TO", .reserved), ("THEN", .reserved), ("WITHIN", .reserved), ("WHERE", .reserved),
        ("BY", .reserved), ("LIMIT", .reserved), ("TOP", .reserved), ("FOR", .reserved), ("EXCLUDING", .reserved),
        ("DURING", .reserved), ("SINCE", .reserved), ("BEFORE", .reserved), ("DIRECTLY", .reserved),
        ("ANY", .reserved), ("IN", .reserved),
        ("LAST", .clause), ("SAME", .clause), ("STRICT", .clause), ("TIES", .clause),
        ("TIME", .contextual), ("ORDER", .contextual), ("STAGE", .contextual), ("TOUCHPOINT", .contextual),
        // Conditions.
        ("AND", .reserved), ("OR", .reserved), ("NOT", .reserved),
        ("LIKE", .contextual), ("ESCAPE", .contextual), ("BETWEEN", .contextual), ("IS", .contextual),
        ("NULL", .contextual),
        // Other statements.
        ("IMPORT", .reserved), ("SHOW", .reserved), ("EXPLAIN", .reserved), ("MAP", .reserved),
        ("CUSTOMERS", .reserved),
        ("TIMES", .contextual), ("PATHS", .contextual), ("CUSTOMER", .contextual),
        ("STAGES", .contextual), ("TOUCHPOINTS", .contextual), ("CHANNELS", .contextual), ("FIELDS", .contextual),
        ("SEGMENTS", .contextual), ("DEFINITIONS", .contextual),
        ("DEFINE", .contextual), ("LET", .contextual), ("SEGMENT", .contextual), ("SET", .contextual),
        ("DROP", .contextual), ("AS", .contextual), ("NOW", .contextual),
        ("EXPECT", .contextual), ("ROWS", .contextual), ("RESULT", .contextual), ("AT", .contextual),
        ("STEP", .contextual), ("ROW", .contextual),
        // The journey map (STAGES is listed above, for SHOW STAGES and SET STAGES).
        ("INACTIVE", .contextual), ("AFTER", .contextual),
        // CUSTOMERS <journey> [pick] [ORDER BY ...], SEGMENT x AS CUSTOMERS ..., SHOW CUSTOMER id.
        ("LOST", .contextual), ("CONVERTED", .contextual), ("PROGRESS", .contextual), ("DESC", .contextual),
        // Flows (PATHS AFTER|BEFORE and the options of PATHS; LOST and CONVERTED are listed above, OF below).
        ("STEPS", .contextual), ("KEEP", .contextual),
        ("REPEATS", .contextual), ("MIN", .contextual), ("SHARE", .contextual), ("MAX", .contextual),
        ("LENGTH", .contextual),
        // DROPOFF and WHY: keywords only at a statement's start before FROM. NEXT, OF and USING start their
        // options after a journey (so `WHERE big NEXT 2` ends the condition at NEXT) and are names elsewhere.
        ("DROPOFF", .contextual), ("WHY", .contextual), ("NEXT", .clause), ("OF", .clause), ("USING", .clause),
        // VALUE property FROM step starts a statement; VALUE is listed below as a clause word (ATTRIBUTE ... VALUE p).
        // COMPARE after a journey (a clause word, so `WHERE big COMPARE` ends the condition); its options are
        // keywords only after it.
        ("COMPARE", .clause), ("PREVIOUS", .contextual), ("AGAINST", .contextual), ("CONFIDENCE", .contextual),
        // RETENTION OF a RETURNING b [EVERY day|week|month] [PERIODS n] [ON OR AFTER]: the options start after a
        // condition (`WHERE big EVERY week`), so they are clause words; OR and AFTER are listed above.
        ("RETENTION", .contextual), ("RETURNING", .clause), ("EVERY", .clause), ("PERIODS", .clause),
        ("ON", .clause),
        // ATTRIBUTE: a keyword only at a statement's start; its options end a condition (WHERE big MODEL linear)
        // and are names elsewhere; LIFE only after HALF.
        ("ATTRIBUTE", .contextual), ("MODEL", .clause), ("LOOKBACK", .clause), ("HALF", .clause),
        ("LIFE", .contextual), ("VALUE", .clause),
    ]

    /// Lower-case words that can never be a bare name or value.
    package static let reserved: Set<String> = Set(table.filter { $0.role == .reserved }.map { $0.word.lowercased() })

    /// Lower-case words that start a clause where one may start, and are names elsewhere.
    package static let clauseWords: Set<String> = Set(table.filter { $0.role == .clause }.map { $0.word.lowercased() })

    /// Every keyword, upper-case, for completion and help; then the long forms of the duration units and the
    /// periods of `BY`.
    package static let completions: [String] = table.map(\.word)
        + ["seconds", "minutes", "hours", "days", "weeks", "months", "years", "day", "week", "month"]
}
