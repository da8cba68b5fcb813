// Definitions in the checker: stored stages, LET conditions and segments expanded where they are used (parsed and
// checked again against the store as it is now, errors located in the definition's text), cycles, and the
// DEFINE / LET / SEGMENT / DROP / SET statements themselves.
import JourneyStore

/// A definition's identity: its kind and its name, byte for byte.
struct DefinitionKey: Hashable {
    let kind: DefinitionKind
    let name: [UInt8]
    let title: String

    init(_ entry: Definitions.Entry) {
        kind = entry.kind
        name = Array(entry.name.utf8)
        title = entry.title
    }

    static func == (a: DefinitionKey, b: DefinitionKey) -> Bool { a.kind == b.kind && a.name == b.name }
    func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(name)
    }
}

/// Where the checker is in expanding definitions.
struct ExpansionState {
    /// The definitions being expanded, outermost first: one met again inside itself is a cycle.
    var stack: [DefinitionKey] = []
    /// Inside a segment: only the customer's id and attributes may be used.
    var customerOnly = false
    /// While a definition is being made, its parameters may stay unbound: its use sites bind them.
    var deferParameters = false
    /// Values whose parameter was left unbound (their typing warnings wait for the use sites).
    var deferredValues: Set<SourceRange> = []
    /// What definitions expanded to, so one used many times is checked once per statement.
    var cache: [ExpansionKey: Condition] = [:]
    /// Expansions that failed; their errors have been reported once.
    var failed: Set<ExpansionKey> = []
    /// Stages whose shadowing note has been given.
    var notedStages: Set<[UInt8]> = []

    /// The stage whose definition is innermost: in it, `stage = name` means the stored column.
    var innermostStage: DefinitionKey? { stack.last { $0.kind == .stage } }
}

/// An expansion depends on the definition, whether only customer fields are allowed, and which stage is being
/// defined around it (that stage's own name means the stored column there).
struct ExpansionKey: Hashable {
    let definition: DefinitionKey
    let customerOnly: Bool
    let innermostStage: DefinitionKey?
}

extension Checker {
    /// How deeply definitions may use one another.
    static let maximumDefinitionDepth = 32
    /// The most nodes a definition may expand to (a LET used twice by a LET used twice ... grows exponentially).
    static let maximumExpandedNodes = 100_000

    // MARK: Uses

    /// The condition of the segment `name`, over the customer's id and attributes only: what `FOR name` keeps.
    mutating func segmentCondition(_ name: Name) throws(Failure) -> Condition {
        guard let entry = definitions.entry(.segment, name.text) else {
            reportUnknown(.segment, name, id: .checkUnknownSegment)
            throw Failure()
        }
        return try expand(entry, usedAt: name.range)
    }

    /// A bare name where a condition goes: the LET condition of that name.
    mutating func namedCondition(_ name: Name) throws(Failure) -> Condition {
        guard let entry = definitions.entry(.condition, name.text) else {
            reportUnknown(.condition, name, id: .checkUnknownCondition)
            throw Failure()
        }
        return try expand(entry, usedAt: name.range)
    }

    /// The condition of the defined stage a step names, or nil when no stage is defined with that name.
    mutating func definedStage(_ name: Name) throws(Failure) -> Condition? {
        guard let entry = definitions.entry(.stage, name.text) else { return nil }
        noteShadowing(entry, at: name.range, asStep: true, stepWritten: true)
        return try expand(entry, usedAt: name.range)
    }

    /// `stage = X` (or `!=`, `IN`) where X is a defined stage: the stage's condition. Inside X's own definition,
    /// `stage = X` means the stored column, so a definition can extend the data's stage of that name.
    mutating func definedStageValue(_ field: EventField, _ value: Value) throws(Failure) -> Condition? {
        guard field == .stage else { return nil }
        let text: String
        switch value.syntax {
        case .word(let s), .string(let s): text = s
        case .parameter(let p):
            guard let bound = parameters[p] else { return nil }
            text = bound
        default: return nil
        }
        guard let entry = definitions.entry(.stage, text), expansion.innermostStage != DefinitionKey(entry) else { return nil }
        noteShadowing(entry, at: value.range, asStep: false)
        return try expand(entry, usedAt: value.range)
    }

    /// A note when a defined stage hides a stage (or a touchpoint) of the same name in the data. `stepWritten` when
    /// `range` is a step naming it, which a fix-it can rewrite as `touchpoint name` (not the name being defined).
    mutating func noteShadowing(_ entry: Definitions.Entry, at range: SourceRange, asStep: Bool, stepWritten: Bool = false) {
        let bytes = Array(entry.name.utf8)
        let isStage = stageNames.contains(bytes), isTouchpoint = asStep && touchpointNames.contains(bytes)
        guard isStage || isTouchpoint, expansion.notedStages.insert(bytes).inserted else { return }
        if isStage {
            diagnostics.append(Diagnostic(.note, .checkDefinedStageShadows,
                                          "'\(entry.name)' is a defined stage (DEFINE STAGE); it shadows the stage '\(entry.name)' in the data",
                                          at: range, suggestion: "DROP STAGE \(entry.name) to use the data's stage again"))
        } else {
            diagnostics.append(Diagnostic(.note, .checkAmbiguousStep,
                                          "'\(entry.name)' is both a defined stage and a touchpoint; it means the defined stage here",
                                          at: range)
                .suggesting("write touchpoint \(entry.name) for the touchpoint",
                            fix: stepWritten ? FixIt(range: range, replacement: "touchpoint " + source.slice(range)) : nil))
        }
    }

    /// The condition a stored definition means now: its text parsed and checked against the current catalog,
    /// parameters and other definitions. Errors point into the definition's text (their `origin`), with a note
    /// naming the use site when there is one; its warnings were shown when it was made and are not repeated.
    mutating func expand(_ entry: Definitions.Entry, usedAt range: SourceRange?) throws(Failure) -> Condition {
        let key = DefinitionKey(entry)
        let at = range ?? SourceRange(0, 0)
        if let i = expansion.stack.firstIndex(of: key) {
            let path = (expansion.stack[i...].map(\.title) + [key.title]).joined(separator: " → ")
            diagnostics.append(.error(.checkDefinitionCycle, "\(entry.title) refers to itself: \(path)", at: at,
                                      notes: ["a definition cannot use itself, directly or through others"]))
            throw Failure()
        }
        guard expansion.stack.count < Checker.maximumDefinitionDepth else {
            diagnostics.append(.error(.checkDefinitionTooDeep,
                                      "definitions use one another more than \(Checker.maximumDefinitionDepth) levels deep here", at: at))
            throw Failure()
        }
        let customerOnly = expansion.customerOnly || entry.kind == .segment
        let cacheKey = ExpansionKey(definition: key, customerOnly: customerOnly,
                                    innermostStage: entry.kind == .stage ? key : expansion.innermostStage)
        if let cached = expansion.cache[cacheKey] { return cached }
        if expansion.failed.contains(cacheKey) { throw Failure() }

        let definitionSource = SourceText(entry.text, name: entry.title)
        let parsed = Parser.parseCondition(definitionSource)
        var inner = self
        inner.source = definitionSource
        inner.diagnostics = []
        inner.expansion.stack.append(key)
        inner.expansion.customerOnly = customerOnly
        inner.expansion.deferredValues = []
        var condition: Condition?
        if let expr = parsed.condition { condition = try? inner.checkCondition(expr) }
        expansion.cache = inner.expansion.cache
        expansion.failed = inner.expansion.failed

        let useNote = range.map { "\(entry.title) is used at \(source.name):\(source.location(of: $0.start))" }
        let origin = DiagnosticOrigin(name: entry.title, text: entry.text)
        for var d in parsed.diagnostics + inner.diagnostics where d.severity == .error {
            if d.origin == nil { d.origin = origin }
            if let useNote { d.notes.append(useNote) }
            diagnostics.append(d)
        }
        guard let condition else {
            expansion.failed.insert(cacheKey)
            throw Failure()
        }
        if condition.exceeds(nodes: Checker.maximumExpandedNodes, depth: Parser.maximumDepth) {
            diagnostics.append(.error(.checkDefinitionTooLarge,
                                      "\(entry.title) expands to a condition too large or too deeply nested to run", at: at,
                                      notes: ["at most \(Checker.maximumExpandedNodes) comparisons and \(Parser.maximumDepth) levels of nesting"]))
            expansion.failed.insert(cacheKey)
            throw Failure()
        }
        expansion.cache[cacheKey] = condition
        return condition
    }

    /// An error for a definition that does not exist, with the nearest names and what else the name is.
    mutating func reportUnknown(_ kind: DefinitionKind, _ name: Name, id: DiagnosticID) {
        // The definitions being made or expanded are no help as suggestions.
        let names = definitions.names(kind).filter { n in !expansion.stack.contains { $0.kind == kind && $0.name == Array(n.utf8) } }
        var notes: [String] = []
        let near = Suggestions.nearest(to: name.text, among: names)
        // A field named where a condition goes: testing it is the likely meaning, where the name stands as a condition.
        var fieldTest: String?
        let message: String
        switch kind {
        case .condition:
            message = "no condition is defined with the name '\(name.text)'"
            if Checker.builtinFields.contains(name.text.lowercased()) || catalog.properties.contains(where: { $0.name == name.text }) {
                notes.append("'\(name.text)' is a field: compare it (\(name.text) = value) or test it (\(name.text) IS NOT NULL)")
                fieldTest = "\(name.text) IS NOT NULL"
            } else if names.isEmpty, id != .checkUnknownDefinition {
                notes.append("name a condition with LET \(name.text) = condition")
            }
        case .segment:
            message = "no segment is called '\(name.text)'"
            if names.isEmpty, id != .checkUnknownDefinition { notes.append("define one with SEGMENT \(name.text) AS customer.segment = '\(name.text)'") }
        case .stage:
            message = "no stage is defined with the name '\(name.text)'"
            if stageNames.contains(Array(name.text.utf8)) {
                notes.append("'\(name.text)' is a stage of the data, not a defined one: it cannot be dropped")
            }
        }
        for other in DefinitionKind.allCases where other != kind {
            if let entry = definitions.entry(other, name.text) {
                notes.append("there is a \(entry.title)")
            }
        }
        let d = Diagnostic.error(id, message, at: name.range, notes: notes)
        if near.isEmpty, let fieldTest {
            // `DROP LET amount` names no condition to rewrite: the test is advice there.
            let fix = id == .checkUnknownDefinition ? nil
                : FixIt(range: name.range, replacement: source.slice(name.range) + " IS NOT NULL")
            diagnostics.append(d.suggesting("did you mean \(fieldTest)?", fix: fix))
        } else {
            diagnostics.append(d.suggesting(near, replacing: name.range) { Suggestions.written($0, quoted: name.quoted) })
        }
    }

    // MARK: Definition statements

    mutating func checkDefinition(_ d: DefinitionSyntax) -> CheckedDefinition? {
        switch d {
        case .define(let kind, let name, let expr, let textRange, _):
            guard !name.text.isEmpty else {
                diagnostics.append(.error(.checkBadName, "a definition needs a name", at: name.range))
                return nil
            }
            // A bare built-in field name in a condition is always the field (`WHERE channel` is unfinished).
            if kind == .condition, Checker.builtinFields.contains(name.text.lowercased()) || name.text.lowercased() == "event" {
                diagnostics.append(.error(.checkBadName, "'\(name.text)' is a field; a condition cannot be named so",
                                          at: name.range, notes: ["choose another name, such as is_\(name.text.lowercased())"]))
                return nil
            }
            let entry = Definitions.Entry(kind: kind, name: name.text, text: source.slice(textRange))
            let replaces = definitions.entry(kind, name.text) != nil
            // Checked as its uses will check it, with itself in place (so using itself is a cycle), except that
            // parameters may wait for the use sites.
            definitions.set(entry)
            expansion.stack = [DefinitionKey(entry)]
            expansion.customerOnly = kind == .segment
            expansion.deferParameters = true
            if kind == .stage { noteShadowing(entry, at: name.range, asStep: true) }
            guard let condition = try? checkCondition(expr) else { return nil }
            if condition.exceeds(nodes: Checker.maximumExpandedNodes, depth: Parser.maximumDepth) {
                diagnostics.append(.error(.checkDefinitionTooLarge,
                                          "\(entry.title) expands to a condition too large or too deeply nested to run", at: expr.range,
                                          notes: ["at most \(Checker.maximumExpandedNodes) comparisons and \(Parser.maximumDepth) levels of nesting"]))
                return nil
            }
            return .define(entry, replaces: replaces)

        case .drop(let kind, let name, _):
            guard definitions.entry(kind, name.text) != nil else {
                reportUnknown(kind, name, id: .checkUnknownDefinition)
                return nil
            }
            warnDependents(on: kind, name)
            if kind == .segment { warnBehaviouralDependents(on: name) }
            return .drop(kind, name.text)

        case .segmentAsCustomers(let name, let customers, let text, _):
            return checkSegmentAsCustomers(name, customers, text: text)

        case .setStages(let names, _):
            let known = Array(Set(catalog.stages.map(\.name) + definitions.names(.stage))).sorted()
            var seen = Set<[UInt8]>()
            var failed = false
            for name in names {
                let bytes = Array(name.text.utf8)
                // The order is stored as a comma-separated list whose items are trimmed of spaces and tabs.
                let edges: Set<Character> = [" ", "\t"]
                if name.text.contains(",") || name.text.isEmpty || edges.contains(name.text.first!) || edges.contains(name.text.last!) {
                    diagnostics.append(.error(.checkBadStageName,
                                              "a stage in SET STAGES cannot be empty, contain a comma, or start or end with a space",
                                              at: name.range))
                    failed = true
                } else if !stageNames.contains(bytes), definitions.entry(.stage, name.text) == nil {
                    diagnostics.append(.error(.checkUnknownStage, "no stage is called '\(name.text)'", at: name.range,
                                              notes: known.isEmpty ? ["the store has no stages: import events or DEFINE STAGE first"] : [])
                        .suggesting(Suggestions.nearest(to: name.text, among: known), replacing: name.range) {
                            Suggestions.written($0, quoted: name.quoted)
                        })
                    failed = true
                } else if !seen.insert(bytes).inserted {
                    diagnostics.append(.error(.checkDuplicateStage, "'\(name.text)' is listed twice", at: name.range))
                    failed = true
                }
            }
            if failed { return nil }
            let rest = known.filter { !seen.contains(Array($0.utf8)) }
            if !rest.isEmpty {
                diagnostics.append(Diagnostic(.note, .checkUnorderedStages,
                                              "stages not listed come after these: \(rest.joined(separator: ", "))",
                                              at: d.range))
            }
            return .setStageOrder(names.map(\.text))

        case .setNow(let value, _):
            var syntax = value.syntax
            if case .parameter(let p) = syntax {
                guard let bound = parameters[p] else {
                    diagnostics.append(.error(.checkUnboundParameter, "parameter $\(p) has no value", at: value.range,
                                              notes: ["bind it with --param \(p)=VALUE or .param \(p) VALUE"]))
                    return nil
                }
                syntax = .string(bound)
            }
            switch syntax {
            case .time(let t):
                return .setNow(t)
            case .word(let w) where w.lowercased() == "null":
                return .setNow(nil)
            case .word(let s), .string(let s):
                if let t = TimeParser.parse(s) { return .setNow(t) }
                diagnostics.append(.error(.checkBadTime, "'\(s)' is not a time", at: value.range,
                                          notes: ["SET now = 2024-06-30 or 2024-06-30T12:00:00Z; SET now = NULL forgets it"]))
                return nil
            default:
                diagnostics.append(.error(.checkTypeMismatch, "now is a time such as 2024-06-30", at: value.range))
                return nil
            }
        }
    }

    /// Warnings for the stored definitions that use the one being dropped: they stay, and change meaning or fail.
    mutating func warnDependents(on kind: DefinitionKind, _ name: Name) {
        let target = Array(name.text.utf8)
        for entry in definitions.entries where !(entry.kind == kind && Array(entry.name.utf8) == target) {
            guard let expr = Parser.parseCondition(SourceText(entry.text)).condition else { continue }
            let uses = Checker.references(in: expr)
            switch kind {
            case .condition where uses.conditions.contains(target):
                diagnostics.append(.warning(.checkDroppedInUse, "\(entry.title) uses LET \(name.text); it will fail until LET \(name.text) is defined again",
                                            at: name.range))
            case .stage where uses.stageValues.contains(target):
                diagnostics.append(.warning(.checkDroppedInUse, "\(entry.title) uses stage \(name.text); it will mean the data's stage of that name",
                                            at: name.range))
            default:
                break
            }
        }
    }

    /// The LET names and the values compared with `stage` (=, !=, IN) in a condition: what it may depend on.
    static func references(in expr: Expr) -> (conditions: Set<[UInt8]>, stageValues: Set<[UInt8]>) {
        var conditions = Set<[UInt8]>(), stageValues = Set<[UInt8]>()
        func isStage(_ f: FieldRef) -> Bool { f.qualifier == nil && f.name.text.lowercased() == "stage" }
        func text(_ v: Value) -> [UInt8]? {
            switch v.syntax {
            case .word(let s), .string(let s): Array(s.utf8)
            default: nil
            }
        }
        var pending = [expr]
        while let next = pending.popLast() {
            switch next {
            case .named(let n): conditions.insert(Array(n.text.utf8))
            case .compare(let f, _, let v, _) where isStage(f): if let t = text(v) { stageValues.insert(t) }
            case .inList(let f, let values, _, _) where isStage(f): stageValues.formUnion(values.compactMap(text))
            case .not(let inner, _): pending.append(inner)
            case .and(let a, let b), .or(let a, let b): pending += [a, b]
            default: break
            }
        }
        return (conditions, stageValues)
    }

    /// What a stored definition means against `catalog` now: its condition, or the errors that keep it from checking
    /// (located in its text). SHOW uses it for counts.
    package static func expandDefinition(_ entry: Definitions.Entry, catalog: StoreCatalog, parameters: [String: String] = [:],
                                        definitions: Definitions) -> (condition: Condition?, diagnostics: [Diagnostic]) {
        var checker = Checker(catalog: catalog, source: SourceText(""), parameters: parameters, definitions: definitions)
        let condition = try? checker.expand(entry, usedAt: nil)
        return (condition, checker.diagnostics)
    }
}

extension Condition {
    /// Whether the tree has more than `nodes` nodes or nests deeper than `depth`; counted without recursion,
    /// stopping as soon as either is passed (a tree shared by definitions can be exponentially large).
    func exceeds(nodes limit: Int, depth maxDepth: Int) -> Bool {
        var pending: [(Condition, Int)] = [(self, 1)]
        var count = 0
        while let (condition, depth) = pending.popLast() {
            count += 1
            if count > limit || depth > maxDepth { return true }
            switch condition {
            case .not(let inner): pending.append((inner, depth + 1))
            case .and(let terms), .or(let terms): pending += terms.map { ($0, depth + 1) }
            default: break
            }
        }
        return false
    }
}

extension Checker {
    /// The literal an unbound parameter stands for while a definition is made: any value the field accepts.
    static func placeholder(for field: EventField) -> Literal {
        field == .time ? .time(0) : .text("")
    }
}
