// Writes the results of one run, in the order they come, so that together they are one valid output.

/// The results of one run (a script, a `-c` statement, a line typed at the prompt) as one output: for JSON
/// one document, however many results the run has; for JSON Lines one line per row; for tables and Markdown
/// the results one after another, a blank line between two (two Markdown tables would otherwise run into one);
/// for CSV the results one after another, as `journey --format csv` has always written them.
///
/// Write `begin()` before the first result, `element(_:)` for each as it comes, `end()` after the last;
/// each piece can be written as soon as it is returned.
///
/// JSON: an array with one object per result, each on lines of its own, a row per line:
///
///     [
///     {"title":"FROM awareness TO purchase","columns":["step","name","customers","median_time_from_previous_seconds"],"rows":[
///     {"step":1,"name":"awareness","customers":2000,"median_time_from_previous_seconds":null},
///     {"step":2,"name":"purchase","customers":421,"median_time_from_previous_seconds":1438910}]}
///     ,{"title":null,"columns":["channel","events"],"rows":[]}
///     ]
///
/// `title` is the result's title (a journey's text; null for SHOW), `columns` the column names in order
/// (keys of an object have no order for many readers) and `rows` an object per row keyed by those names.
/// A run without results is `[` and `]`, an empty array.
///
/// JSON Lines: each row an object on its own line, its columns preceded by `_result`, the result's number
/// in the run (from 1), and `_title`:
///
///     {"_result":1,"_title":"FROM awareness TO purchase","step":1,"name":"awareness","customers":2000}
///
/// Values are as `JSONRenderer` writes them: durations in seconds, percentages in 0...100, times ISO-8601.
package struct ResultWriter: Sendable {
    package let format: OutputFormat
    package var options: RenderOptions
    /// How many results have been written.
    package private(set) var count = 0

    package init(format: OutputFormat, options: RenderOptions = RenderOptions()) {
        self.format = format
        self.options = options
    }

    /// What comes before the first result: `[` and a newline for JSON, nothing otherwise.
    package func begin() -> String {
        format == .json ? "[\n" : ""
    }

    /// One result, ending with a newline (an empty result in JSON Lines is no line at all).
    package mutating func element(_ result: QueryResult) -> String {
        count += 1
        switch format {
        case .json:
            // The comma leads the next result, so every result's text is complete when it is returned.
            return (count > 1 ? "," : "") + JSONRenderer.object(result) + "\n"
        case .jsonl:
            return JSONRenderer.lines(result, number: count)
        case .csv:
            return ResultRenderer.body(result, format: format, options: options)
        case .table, .markdown:
            return (count > 1 ? "\n" : "") + ResultRenderer.body(result, format: format, options: options)
        }
    }

    /// What comes after the last result: `]` and a newline for JSON, nothing otherwise.
    package func end() -> String {
        format == .json ? "]\n" : ""
    }
}
