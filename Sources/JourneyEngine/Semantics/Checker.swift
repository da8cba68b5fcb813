// The checker: resolves step names against the catalog, types every comparison, binds parameters,
// and collects errors (with suggestions) and warnings (values that occur nowhere in the store).
import JourneyStore

package struct CheckOutcome: Sendable {
    package var statement: CheckedStatement?
    /// Errors, warnings and notes; `statement` is nil when any is an error.
    package var diagnostics: [Diagnostic]
}

package struct Checker {
    let catalog: StoreCatalog
    /// The text ranges point into: the statement's, or a stored definition's while it is being expanded.
    var source: SourceText
    let parameters: [String: String]
    var diagnostics: [Diagnostic] = []
    /// Stored definitions (stages, LET conditions, segments), re-checked wherever they are used.
    var definitions: Definitions
    /// The session's `SET now`, if any.
    let now: Int64?
    /// Definition expansion state (see Checker+Definitions.swift).
    var expansion = ExpansionState()

    /// Known names, as UTF-8 bytes: resolution is byte for byte, like the store's dictionaries.
    let stageNames: Set<[UInt8]>
    let touchpointNames: Set<[UInt8]>
    let allStepNames: [String]

    /// The fields every event has; any other bare name is a property.
    package static let builtinFields = ["customer", "time", "stage", "touchpoint", "channel"]

    /// The text values a property or customer attribute takes in the store, for the unknown-value warning;
    /// nil when not known (too many to list, or no store behind the checker).
    let knownValues: (EventField) -> [String]?
    /// `knownValues` answers, asked once per field per statement (an IN list of 10,000 values asks once).
    var knownValuesCache: [EventField: [String]?] = [:]

    package init(catalog: StoreCatalog, source: SourceText, parameters: [String: String] = [:],
                definitions: Definitions = Definitions(), now: Int64? = nil,
                knownValues: @escaping (EventField) -> [String]? = { _ in nil }) {
        self.knownValues = knownValues
        self.catalog = catalog
        self.source = source
        self.parameters = parameters
        self.definitions = definitions
        self.now = now
        // Names that occur in the store's dictionaries; the default stage order alone does not make a stage.
        let stages = catalog.stages.map(\.name) + (catalog.codes[.stage]?.values ?? [])
        let touchpoints = catalog.touchpoints.map(\.name) + (catalog.codes[.touchpoint]?.values ?? [])
        self.stageNames = Set(stages.map { Array($0.utf8) })
        self.touchpointNames = Set(touchpoints.map { Array($0.utf8) })
        self.allStepNames = Array(Set(stages + touchpoints + definitions.names(.stage))).sorted()
    }

    struct Failure: Error {}

    /// Checks one parsed statement.
    package static func check(_ statement: StatementSyntax, catalog: StoreCatalog, source: SourceText,
                             parameters: [String: String] = [:], definitions: Definitions = Definitions(),
                             now: Int64? = nil,
                             knownValues: @escaping (EventField) -> [String]? = { _ in nil }) -> CheckOutcome {
        var checker = Checker(catalog: catalog, source: source, parameters: parameters, definitions: definitions, now: now,
                              knownValues: knownValues)
        let checked = checker.checkStatement(statement)
        let failed = checker.diagnostics.contains { $0.severity == .error }
        return CheckOutcome(statement: failed ? nil : checked, diagnostics: checker.diagnostics)
    }

    mutating func checkStatement(_ statement: StatementSyntax) -> CheckedStatement? {
        switch statement {
        case .funnel(let f): return checkFunnel(f).map { .funnel($0) }
        case .explain(let f, _): return checkFunnel(f).map { .explain($0) }
        case .times(let f, _): return checkFunnel(f).map { .times($0) }
        case .paths(let f, _):
            if let key = f.breakdown.first {
                diagnostics.append(.error(.checkPathsBy, "PATHS does not take BY: it ranks paths over all converters",
                                          at: key.field.range,
                                          notes: ["run the journey with FOR a segment, or WHERE, to narrow it"]))
                return nil
            }
            return checkFunnel(f).map { .paths($0) }
        case .show(let target, _): return .show(target)
        case .importData(let i): return checkImport(i).map { .importData($0) }
        case .definition(let d): return checkDefinition(d).map { .definition($0) }
        case .expect(let e): return checkExpect(e).map { .expect($0) }
        case .stages(let s): return checkStages(s).map { .stages($0) }
        case .customers(let c): return checkCustomers(c).map { .customers($0) }
        case .showCustomer(let id, _): return checkShowCustomer(id)
        case .flows(let f): return checkFlows(f).map { .flows($0) }
        case .dropoff(let d): return checkDropoff(d).map { .dropoff($0) }
        case .why(let w): return checkWhy(w).map { .why($0) }
        case .value(let v): return checkValue(v).map { .value($0) }
        case .compare(let c): return checkCompare(c).map { .compare($0) }
        case .retention(let r): return checkRetention(r).map { .retention($0) }
        case .attribution(let a): return checkAttribution(a).map { .attribution($0) }
        }
    }

    mutating func checkImport(_ i: ImportSyntax) -> CheckedImport? {
        var mapping: [String: String] = [:]
        let fields = ["customer", "time", "touchpoint", "stage", "channel"]
        for (field, column) in i.mapping {
            let name = field.text.lowercased()
            guard fields.contains(name) else {
                diagnostics.append(.error(.checkUnknownMapField, "'\(field.text)' is not a field that can be mapped",
                                          at: field.range, notes: ["mappable fields: " + fields.joined(separator: ", ")])
                    .suggesting(Suggestions.nearest(to: name, among: fields), replacing: field.range))
                continue
            }
            mapping[name] = column.text
        }
        if i.customers, i.files.count > 1 {
            diagnostics.append(.error(.checkCustomersFiles, "IMPORT CUSTOMERS takes one file", at: i.files[1].range))
        }
        return CheckedImport(files: i.files.map(\.text), customers: i.customers, mapping: mapping)
    }

}
