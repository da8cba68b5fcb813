// PostgreSQL's text form of an array, both ways: the literal a bound parameter carries, and the elements of a result
// column (numbers only: `{3,-1,NULL}`, no quoting to undo).
enum PostgresArray {
    /// A literal of texts (`{"a","b\"c"}`), every element quoted and escaped.
    static func literal(_ texts: [String]) -> String {
        "{" + texts.map { text in
            "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }

    /// The elements of a numeric array's text (`{3,-1,NULL}`), as written; none for NULL.
    static func elements(_ text: String?) -> [Substring] {
        guard let text else { return [] }
        return text.dropFirst().dropLast().split(separator: ",")
    }
}
