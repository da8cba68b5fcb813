// The JSON a C caller reads after jql_run (its shape is documented in include/journeyql.h), written with
// Foundation's JSONEncoder from a small value tree.
import Foundation
import JourneyQL

/// A JSON value; objects keep their keys in the order written.
enum JSONValue: Encodable {
    case null
    case bool(Bool)
    case int(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let value):
            var container = encoder.singleValueContainer()
            if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for (name, value) in members { try container.encode(value, forKey: Key(stringValue: name)) }
        }
    }
}

enum JSONOutput {
    /// `{"ok": true, "outputs": [...]}`.
    static func document(_ outputs: [StatementOutput]) -> String {
        text(.object([("ok", .bool(true)), ("outputs", .array(outputs.map(output)))]))
    }

    /// `{"ok": false, "code": ..., "status": ..., "message": ..., "diagnostics": [...]}`.
    static func document(_ error: JourneyError) -> String {
        text(.object([("ok", .bool(false)), ("code", .string(error.code.rawValue)), ("status", .int(Int64(error.exitStatus))),
                      ("message", .string(error.message)), ("diagnostics", .array(error.diagnostics.map(diagnostic)))]))
    }

    private static func text(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return #"{"ok": false, "message": "the result could not be written as JSON"}"# }
        return String(decoding: data, as: UTF8.self)
    }

    static func output(_ output: StatementOutput) -> JSONValue {
        switch output {
        case .result(let result):
            return .object([
                ("type", .string("result")), ("kind", .string(result.kind.rawValue)), ("part", .int(Int64(result.part))),
                ("title", result.title.map(JSONValue.string) ?? .null),
                ("columns", .array(result.columns.map { .object([("name", .string($0.name)), ("type", .string($0.type.rawValue))]) })),
                ("rows", .array(result.rows.map { .array($0.map(cell)) })),
                ("notes", .array(result.notes.map(JSONValue.string))),
            ])
        case .diagnostic(let found):
            return .object([("type", .string("diagnostic"))] + members(of: found))
        case .message(let text):
            return .object([("type", .string("message")), ("text", .string(text))])
        case .expectation(let passed, let summary, let found):
            return .object([("type", .string("expectation")), ("passed", .bool(passed)), ("summary", .string(summary)),
                            ("diagnostic", found.map(diagnostic) ?? .null)])
        }
    }

    static func cell(_ cell: Cell) -> JSONValue {
        switch cell {
        case .null: .null
        case .int(let value): .int(value)
        case .number(let value), .percent(let value): .number(value)
        case .text(let value): .string(value)
        case .duration(let value):
            .number(Double(value.components.seconds) + Double(value.components.attoseconds) / 1e18)
        case .time(let value): .int(value)
        }
    }

    static func diagnostic(_ found: Diagnostic) -> JSONValue {
        .object(members(of: found))
    }

    private static func members(of found: Diagnostic) -> [(String, JSONValue)] {
        [("severity", .string(found.severity.rawValue)), ("id", .string(found.id)), ("message", .string(found.message)),
         ("line", .int(Int64(found.start.line))), ("column", .int(Int64(found.start.column))),
         ("start", .int(Int64(found.range.lowerBound))), ("end", .int(Int64(found.range.upperBound))),
         ("definition", found.definition.map(JSONValue.string) ?? .null),
         ("notes", .array(found.notes.map(JSONValue.string))),
         ("suggestion", found.suggestion.map(JSONValue.string) ?? .null),
         ("fix_its", .array(found.fixIts.map {
             .object([("start", .int(Int64($0.range.lowerBound))), ("end", .int(Int64($0.range.upperBound))),
                      ("replacement", .string($0.replacement))])
         })),
         ("rendered", .string(found.rendered))]
    }
}
