// The interpreter as an embeddable value: a store, the statements run against it, typed results out.
import JourneyStore
#if canImport(Glibc)
import Glibc
#endif

/// The version of the interpreter, the library and the `journey` command: semantic versioning of the public API
/// (api/JourneyQL.api) from 0.2.0.
package let engineVersion = "0.3.0"

/// What running statements produces, in order.
package enum SessionEvent: Sendable {
    /// A statement's result.
    case result(QueryResult)
    /// A warning or note from the checker, already drawn with its caret display.
    case diagnostic(Diagnostic, rendered: String)
    /// A plain message (an import's summary, a definition stored).
    case message(String)
    /// What an EXPECT found: when it failed, `rendered` is its `expect.failed` error drawn with the caret display;
    /// when it held, one line (`ok: customers at step 2 is 421 (between 400 and 450)`).
    case expectation(ExpectationOutcome, rendered: String)
}

/// Whether some text is a complete statement list, for the REPL's continuation prompt.
package enum Completeness: Sendable, Equatable {
    /// Nothing but blanks and comments.
    case empty
    /// Every statement is complete: run it.
    case complete
    /// The text stops in the middle of a statement: keep reading lines.
    case incomplete
}

/// An interpreter over one store. Create as many as you like; they share nothing.
package final class Session {
    package private(set) var storePath: String
    package private(set) var store: EventStore
    /// Values for `$name` parameters.
    package var parameters: [String: String] = [:]
    /// `SET now = ...`: fixes "now" for `LAST` and for in-progress customers; nil means the clock (and, for
    /// in-progress customers, the store's latest event).
    package var now: Int64?
    /// Which engine reads events (see `Engine`).
    package var engine: Engine = .auto
    /// Warnings are errors: a statement that draws one does not run, and a script stops there (exit 65).
    /// For scripts in CI and cron, where a typo must not pass as a zero.
    package var strict = false
    /// The results of the last statement that gave any (TIMES gives two): what EXPECT checks. A statement that
    /// fails leaves none, so an EXPECT after it cannot pass on an older result.
    package internal(set) var previousResults: [QueryResult] = []

    /// The current time in milliseconds since the epoch.
    package static func wallClock() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
    /// Called during long imports; front ends draw it.
    package var importProgress: ((ImportProgress) -> Void)?

    /// Opens the store at `storePath`. A missing file is `StoreError.notFound` unless `access` is `.create`:
    /// a mistyped path never leaves an empty store behind.
    package init(storePath: String, access: StoreAccess = .readWrite) throws {
        self.storePath = storePath
        self.store = try EventStore(path: storePath, access: access)
    }

    /// Forgets what earlier statements left on the session (`SET now`, the results EXPECT checks, parameters), as
    /// if it had just been opened; definitions stay, since they live in the store.
    package func forgetState() {
        now = nil
        previousResults = []
        parameters = [:]
    }

    /// Switches to another store.
    package func open(storePath: String, access: StoreAccess = .readWrite) throws {
        let newStore = try EventStore(path: storePath, access: access)
        self.store = newStore
        self.storePath = storePath
    }

    /// The store's catalog (cached by the store; an empty one if it cannot be read).
    package func catalog() -> StoreCatalog {
        (try? store.catalog()) ?? StoreCatalog()
    }

    package func importEvents(_ files: [String], options: ImportOptions) throws -> ImportReport {
        try store.importEvents(files, options: options, progress: importProgress)
    }

    package func importCustomers(_ file: String, options: ImportOptions) throws -> ImportReport {
        try store.importCustomers(file, options: options, progress: importProgress)
    }

    /// Whether `text` is complete enough to run (the REPL's Enter).
    package static func completeness(of text: String) -> Completeness {
        let parsed = Parser.parse(SourceText(text))
        if parsed.isIncomplete { return .incomplete }
        if parsed.statements.isEmpty, !parsed.hasErrors { return .empty }
        return .complete
    }

    /// Completion candidates for a word being typed.
    package func completions(prefix: String) -> [String] {
        Session.completions(prefix: prefix, catalog: catalog(), definitions: (try? definitions()) ?? Definitions())
    }

    /// Every keyword and name starting with `prefix` (any case).
    package static func completions(prefix: String, catalog: StoreCatalog, definitions: Definitions) -> [String] {
        var names = Parser.keywords + Checker.builtinFields
        names += catalog.stages.map(\.name) + catalog.touchpoints.map(\.name) + catalog.channels.map(\.name)
        names += catalog.properties.map(\.name) + catalog.customerAttributes.map { "customer." + $0.name }
        names += definitions.entries.map(\.name)
        let lower = prefix.lowercased()
        var seen = Set<String>()
        return names.filter { $0.lowercased().hasPrefix(lower) && seen.insert($0).inserted }
    }

    /// Completion candidates that know where the word stands: after a comparison (`channel =`, `device !=`,
    /// inside `customer.segment IN (...)`) the store's values of that field; after FROM, TO, THEN, EXCLUDING,
    /// `(` or `|` of a step, only steps; after WHERE, AND, OR, NOT, `[`, BY (and its commas) and SAME, only
    /// fields; elsewhere every keyword and name (`completions(prefix:)`).
    package func completions(prefix: String, before: String) -> [String] {
        let store = self.store
        return Session.completions(prefix: prefix, before: before, catalog: catalog(),
                                   definitions: (try? definitions()) ?? Definitions(), previousResults: previousResults,
                                   knownValues: { Session.knownValues($0, store: store) })
    }

    /// The candidates of `completions(prefix:before:)` from what any engine's session knows: the catalog, the
    /// definitions, the last results (for EXPECT) and a field's text values.
    package static func completions(prefix: String, before: String, catalog: StoreCatalog, definitions: Definitions,
                                    previousResults: [QueryResult],
                                    knownValues: (EventField) -> [String]?) -> [String] {
        var lexer = Lexer(SourceText(before))
        let tokens = Array(lexer.tokenize().dropLast())
        let lower = prefix.lowercased()
        func matching(_ names: [String]) -> [String] {
            var seen = Set<String>()
            return names.filter { $0.lowercased().hasPrefix(lower) && seen.insert($0).inserted }
        }
        let fields = Checker.builtinFields + catalog.properties.map(\.name)
            + catalog.customerAttributes.map { "customer." + $0.name }
        // Walk back over a value list `IN (a, b, ` to the comparison it belongs to; the field is the name before.
        var i = tokens.count - 1
        while i >= 1, tokens[i].kind == .symbol(.comma) { i -= 2 }
        var atValue = false
        if i >= 1, tokens[i].kind == .symbol(.leftParen), tokens[i - 1].isWord("IN") {
            i -= 2
            atValue = true
        } else if i >= 0, [.symbol(.equal), .symbol(.notEqual)].contains(tokens[i].kind) {
            i -= 1
            atValue = true
        }
        if atValue, i >= 0, let name = tokens[i].word {
            // `customer.segment` lexes as customer, '.', segment.
            let qualified = i >= 2 && tokens[i - 1].kind == .symbol(.dot) && tokens[i - 2].isWord("customer")
            if !qualified, let column = EventColumn.allCases.first(where: { $0.name == name.lowercased() }) {
                return matching(catalog.values(of: column).map(\.name))
            }
            let field: EventField = qualified ? .customerAttribute(name) : .property(name)
            return matching(knownValues(field) ?? [])
        }
        // In an EXPECT, after EXPECT itself or its WHERE and AND: the columns of the result it will check.
        let statement = tokens.reversed().prefix { $0.kind != .symbol(.semicolon) }.reversed()
        if statement.first?.isWord("EXPECT") == true, let last = statement.last,
           last.isWord("EXPECT") || last.isWord("WHERE") || last.isWord("AND") {
            let columns = previousResults.flatMap(\.columns)
            return matching(last.isWord("EXPECT") ? columns + ["ROWS", "RESULT"] : columns)
        }
        guard let last = tokens.last else { return completions(prefix: prefix, catalog: catalog, definitions: definitions) }
        let steps = ["ANY"] + catalog.stages.map(\.name) + catalog.touchpoints.map(\.name)
            + (definitions.entries.filter { $0.kind == .stage }.map(\.name))
        if ["FROM", "TO", "THEN", "EXCLUDING"].contains(where: { last.isWord($0) })
            || last.kind == .symbol(.pipe)
            || (last.kind == .symbol(.leftParen) && tokens.count >= 2
                && ["FROM", "TO", "THEN", "EXCLUDING"].contains(where: { tokens[tokens.count - 2].isWord($0) })) {
            return matching(steps)
        }
        // PATHS AFTER|BEFORE: a step; OF: the columns a flow reads.
        if last.isWord("AFTER") || last.isWord("BEFORE"), tokens.count >= 2, tokens[tokens.count - 2].isWord("PATHS") {
            return matching(steps)
        }
        // RETENTION OF a RETURNING b EVERY period: steps, then the periods.
        if last.isWord("RETURNING")
            || (last.isWord("OF") && tokens.count >= 2 && tokens[tokens.count - 2].isWord("RETENTION")) {
            return matching(steps)
        }
        if last.isWord("EVERY") { return matching(RetentionPeriod.allCases.map(\.rawValue)) }
        if last.isWord("OF") { return matching(["touchpoint", "channel", "stage"]) }
        let conditionNames = definitions.entries.filter { $0.kind == .condition }.map(\.name)
        if ["WHERE", "AND", "OR", "NOT"].contains(where: { last.isWord($0) }) || last.kind == .symbol(.leftBracket) {
            return matching(fields + conditionNames)
        }
        // CUSTOMERS ... ORDER BY: its keys; FOR: the segments.
        if last.isWord("BY"), tokens.count >= 2, tokens[tokens.count - 2].isWord("ORDER"),
           tokens.contains(where: { $0.isWord("CUSTOMERS") }) {
            return matching(CustomerOrderKey.allCases.map(\.rawValue))
        }
        if last.isWord("FOR") { return matching(definitions.entries.filter { $0.kind == .segment }.map(\.name)) }
        // COMPARE: its options; CONFIDENCE: the levels it takes.
        if last.isWord("COMPARE") { return matching(["PREVIOUS", "AGAINST", "CONFIDENCE"]) }
        if last.isWord("CONFIDENCE") { return matching(["90", "95", "99"]) }
        // ATTRIBUTE: its step, MODEL's models (after commas too), VALUE's property.
        if last.isWord("ATTRIBUTE") { return matching(steps) }
        if last.isWord("VALUE"), tokens.contains(where: { $0.isWord("ATTRIBUTE") }) { return matching(fields) }
        var m = tokens.count - 1
        while m >= 1, tokens[m].kind == .symbol(.comma) { m -= 2 }
        if m >= 0, tokens[m].isWord("MODEL") { return matching(AttributionModel.allCases.map(\.rawValue)) }
        // BY f, g, ...: the nearest keyword before the commas decides.
        var k = tokens.count - 1
        while k >= 1, tokens[k].kind == .symbol(.comma) { k -= 2 }
        if k >= 0, tokens[k].isWord("BY") || tokens[k].isWord("SAME") {
            return matching(fields + (tokens[k].isWord("BY") ? ["day", "week", "month"] : []))
        }
        return completions(prefix: prefix, catalog: catalog, definitions: definitions)
    }

    /// Runs every statement of `source` in order; events reach `emit` as they happen. `isCancelled` is polled
    /// while statements run (see `run(_:cancellation:emit:)`).
    package func run(_ source: SourceText, isCancelled: @escaping () -> Bool = { false },
                    emit: (SessionEvent) -> Void) throws(RunFailure) {
        try run(source, cancellation: CancellationToken(polling: isCancelled), emit: emit)
    }

    /// Runs every statement of `source` in order: each is parsed, checked, planned and executed; events reach
    /// `emit` as they happen. Stops at the first error, thrown as a `RunFailure` whose text is ready for stderr.
    /// `cancellation` stops a query or an import that is running (exit status 130).
    package func run(_ source: SourceText, cancellation: CancellationToken,
                    emit: (SessionEvent) -> Void) throws(RunFailure) {
        try Session.runEach(source, parameters: parameters, emit: emit, keep: { previousResults = $0 }) {
            (statement, record) throws(RunFailure) in
            try runStatement(statement, source: source, cancellation: cancellation, emit: record)
        }
    }

    /// The statement loop of every engine's session: parses `source`, runs each statement with `statement` (its
    /// events pass through `emit`), and hands `keep` what EXPECT is to check next: the results of the last statement
    /// that gave any; none after a failure, except that a failed or mistyped EXPECT keeps them (the next try checks
    /// them). Stops at the first error. (`keep` is called between statements: the session's own results stay free to
    /// read while a statement runs.)
    package static func runEach(_ source: SourceText, parameters: [String: String], emit: (SessionEvent) -> Void,
                                keep: ([QueryResult]) -> Void,
                                statement run: (StatementSyntax, (SessionEvent) -> Void) throws(RunFailure) -> Void)
        throws(RunFailure) {
        let parsed = Parser.parse(source, parameters: parameters)
        for statement in parsed.statements {
            // The results the statement gives, collected as they pass to `emit`.
            final class Produced { var results: [QueryResult] = [] }
            let produced = Produced()
            do throws(RunFailure) {
                try withoutActuallyEscaping(emit) { (emit) throws(RunFailure) in
                    let record: (SessionEvent) -> Void = { event in
                        if case .result(let result) = event { produced.results.append(result) }
                        emit(event)
                    }
                    try run(statement, record)
                }
            } catch {
                if case .expect = statement {} else { keep([]) }
                throw error
            }
            if !produced.results.isEmpty { keep(produced.results) }
        }
        let errors = DiagnosticRenderer.capped(parsed.diagnostics.filter { $0.severity == .error })
        if !errors.isEmpty {
            if let first = errors.min(by: { $0.range.start < $1.range.start }),
               !Session.startsExpect(source, before: first.range.start) {
                keep([])
            }
            throw RunFailure(diagnostics: errors,
                             rendered: errors.map { DiagnosticRenderer.render($0, in: source) }.joined(separator: "\n"))
        }
    }

    /// Whether the statement holding the byte `offset` starts with EXPECT: a mistyped EXPECT keeps the previous
    /// result (the next try checks it); any other statement that does not parse fails, and leaves none.
    static func startsExpect(_ source: SourceText, before offset: Int) -> Bool {
        var lexer = Lexer(source)
        let tokens = lexer.tokenize().prefix { $0.range.start < offset }
        let statement = tokens.reversed().prefix { $0.kind != .symbol(.semicolon) }.reversed()
        return statement.first?.isWord("EXPECT") == true
    }

    /// One statement: check, plan, execute. Warnings are drawn (errors in strict mode) and the session's state
    /// (now, the previous results) carried through the executor.
    private func runStatement(_ statement: StatementSyntax, source: SourceText, cancellation: CancellationToken,
                              emit: (SessionEvent) -> Void) throws(RunFailure) {
        let catalog = catalog()
        let store = self.store
        let outcome = Checker.check(statement, catalog: catalog, source: source, parameters: parameters,
                                    definitions: try loadDefinitions(), now: now,
                                    knownValues: { field in Session.knownValues(field, store: store) })
        try Session.admit(outcome, strict: strict, source: source, emit: emit)
        guard let checked = outcome.statement?.resolvingNow(setNow: now, clock: Session.wallClock()) else { return }
        let plan = Planner(catalog: catalog).plan(checked)
        let executor = Executor(store: store, engine: engine, catalog: catalog, cancellation: cancellation,
                                source: source, importProgress: importProgress)
        var state = ExecutionState(now: now, previousResults: previousResults, parameters: parameters)
        var found: [Diagnostic]
        do {
            found = try executor.execute(plan, state: &state, emit: emit)
        } catch {
            throw RunFailure(error)
        }
        now = state.now
        // An unknown value already explains an empty step: one warning is enough.
        if outcome.diagnostics.contains(where: { $0.id == DiagnosticID.checkUnknownValue.rawValue }) { found = [] }
        // Warnings found while running are errors in strict mode, as the checker's are (the results stand).
        for warning in found {
            guard strict else {
                emit(.diagnostic(warning, rendered: DiagnosticRenderer.render(warning, in: source)))
                continue
            }
            throw RunFailure(Session.strictError(warning), in: source)
        }
    }

    /// A check's outcome as every engine's session acts on it: its errors (in strict mode its warnings too) thrown
    /// as one failure, otherwise its warnings and notes shown.
    package static func admit(_ outcome: CheckOutcome, strict: Bool, source: SourceText,
                              emit: (SessionEvent) -> Void) throws(RunFailure) {
        let diagnostics = DiagnosticRenderer.capped(outcome.diagnostics)
        var errors = diagnostics.filter { $0.severity == .error }
        if strict { errors += diagnostics.filter { $0.severity == .warning }.map(Session.strictError) }
        if !errors.isEmpty {
            throw RunFailure(diagnostics: errors,
                             rendered: errors.map { DiagnosticRenderer.render($0, in: source) }.joined(separator: "\n"))
        }
        for d in diagnostics {
            emit(.diagnostic(d, rendered: DiagnosticRenderer.render(d, in: source)))
        }
    }

    /// A warning as strict mode reports it: an error that says why.
    package static func strictError(_ warning: Diagnostic) -> Diagnostic {
        var error = warning
        error.severity = .error
        error.notes.append("this is an error because strict mode is on (--strict, .strict on)")
        return error
    }

    /// The values a field takes in the store, most frequent first where counts are known: stages, touchpoints
    /// and channels with their event counts, a property's or customer attribute's text values (up to 10,000).
    package func values(of fieldName: String) throws -> QueryResult {
        let catalog = catalog()
        let name = fieldName.lowercased()
        if let column = EventColumn.allCases.first(where: { $0.name == name }) {
            return QueryResult(title: "values of \(column.name)", columns: [column.name, "events"],
                               rows: catalog.values(of: column).map { [.text($0.name), .int(Int64($0.count))] })
        }
        let field: EventField
        if fieldName.hasPrefix("customer.") {
            field = .customerAttribute(String(fieldName.dropFirst("customer.".count)))
        } else {
            field = .property(fieldName)
        }
        guard let values = Session.knownValues(field, store: store) else {
            let known = catalog.properties.map(\.name) + catalog.customerAttributes.map { "customer." + $0.name }
            let hint = Suggestions.phrase(Suggestions.nearest(to: fieldName, among: known + EventColumn.allCases.map(\.name)))
            throw StoreError.file(path: fieldName, message: "no such field, or more than 10,000 values"
                                  + (hint.map { "; " + $0 } ?? ""))
        }
        let sorted = values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return QueryResult(title: "values of \(fieldName)", columns: ["value"], rows: sorted.map { [.text($0)] })
    }

    /// The text values of a property or customer attribute in `store`, for the checker's unknown-value warning.
    static func knownValues(_ field: EventField, store: EventStore) -> [String]? {
        switch field {
        case .property(let name): (try? store.textValues(ofProperty: name)) ?? nil
        case .customerAttribute(let name): (try? store.textValues(ofAttribute: name)) ?? nil
        default: nil
        }
    }
}
