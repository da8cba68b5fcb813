// The choices a caller makes about how results look: width, colour, nulls, headers, records, bars, digit groups.

/// When a table is drawn as one record per row (psql's `\x`).
package enum ExpandedMode: String, Sendable, Hashable, CaseIterable {
    /// Always a table; at a narrow width it drops columns and cuts text rather than switch.
    case off
    /// Always records: `─[ RECORD 1 ]───` then one `column │ value` line per column.
    case on
    /// Records only when even the essential columns (priority 0) would not fit the width as a table.
    case auto
}

/// Everything a renderer may be told. Every renderer is a pure function of a result and these options:
/// the caller (the console) asks the terminal for its width and the environment for `NO_COLOR`.
package struct RenderOptions: Sendable, Hashable {
    /// The screen's width in columns; nil is unlimited (a pipe or a file). Tables never write a line wider
    /// than this: they drop their lowest-priority columns, cut long text with `…` and wrap titles and notes.
    /// Widths below `RenderOptions.narrowest` are treated as that.
    package var width: Int?
    /// ANSI colour in tables: bold headers and titles, dim rules, notes and nulls, coloured bars.
    /// When false, no escape byte is written. CSV, JSON and Markdown are never coloured.
    package var color: Bool
    /// How a null reads in tables, records, Markdown and CSV (sqlite3's `.nullvalue`); JSON writes `null`.
    package var nullText: String
    /// Whether tables, CSV and Markdown start with a header row (sqlite3's `.headers`). Records always
    /// name their columns; a Markdown table without headers gets a blank header row, as the syntax needs one.
    package var headers: Bool
    /// Table or records (see `ExpandedMode`); only the table format reads it.
    package var expanded: ExpandedMode
    /// Draw bar charts beside tables that have a bar column (funnels, the TIMES histogram, paths) when
    /// they fit the width.
    package var bars: Bool
    /// Thousands separators in counts in tables and Markdown (`20,000`); CSV and JSON never have them.
    package var thousands: Bool
    /// Box-drawing lines, or ASCII only for places that mangle anything else.
    package var style: TableStyle
    /// Added to the note under a table that left columns out, e.g. `.expanded on shows them all`:
    /// how the front end's user gets the rest.
    package var hiddenColumnsHint: String?

    /// Screens narrower than this are drawn as if they were this wide.
    package static let narrowest = 16

    package init(width: Int? = nil, color: Bool = false, nullText: String = "", headers: Bool = true,
                expanded: ExpandedMode = .auto, bars: Bool = false, thousands: Bool = true,
                style: TableStyle = .box, hiddenColumnsHint: String? = nil) {
        self.width = width
        self.color = color
        self.nullText = nullText
        self.headers = headers
        self.expanded = expanded
        self.bars = bars
        self.thousands = thousands
        self.style = style
        self.hiddenColumnsHint = hiddenColumnsHint
    }

    /// What a terminal gets: fitted to its width, with bars, coloured if `color`.
    package static func terminal(width: Int?, color: Bool) -> RenderOptions {
        RenderOptions(width: width, color: color, bars: true)
    }
}

/// The lines a table is drawn with.
package enum TableStyle: String, Sendable, Hashable {
    /// Unicode box-drawing lines.
    case box
    /// `+`, `-` and `|` only; header arrows become `<-`, cut text ends in `...`, bars are `#`.
    case ascii
}
