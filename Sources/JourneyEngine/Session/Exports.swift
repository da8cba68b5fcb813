// The library is one import for embedders: the store's types (EventStore, ImportOptions, ...) come along.
@_exported import JourneyStore

extension ImportReport {
    /// One line for people: `imported 123,456 events from 1 file in 0.8 s (152,000 events/s)`, plus skipped rows.
    /// `IMPORT`, `.import` and `journey import` all print it.
    package func summary(noun: String) -> String {
        let fileCount = files.count == 1 ? "1 file" : "\(files.count) files"
        var text = "imported \(CellFormatting.groupedInteger(imported)) \(noun) from \(fileCount)"
            + " in \(CellFormatting.fixed(seconds, decimals: 1)) s"
        // A rate measured over a few milliseconds says nothing.
        if seconds >= 0.05 {
            text += " (\(ImportReport.roughCount(Double(imported) / seconds)) \(noun)/s)"
        }
        if repeatedCustomers > 0 {
            let n = repeatedCustomers
            text += "; \(CellFormatting.groupedInteger(n)) row\(n == 1 ? " was for a customer" : "s were for customers")"
                + " listed earlier in the file (the last row of each is kept): \(CellFormatting.groupedInteger(imported - n))"
                + " customer\(imported - n == 1 ? "" : "s") stored"
        }
        if !skipped.isEmpty {
            let n = skipped.count
            text += "; skipped \(CellFormatting.groupedInteger(n)) bad row\(n == 1 ? "" : "s")"
        }
        return text
    }

    /// A rate to three significant digits, grouped: `152,000`.
    static func roughCount(_ value: Double) -> String {
        guard value.isFinite, value >= 1 else { return value.isFinite ? CellFormatting.fixed(value, decimals: 1) : "?" }
        var scale = 1.0
        while value / scale >= 1000 { scale *= 10 }
        return CellFormatting.groupedInteger(Int64((value / scale).rounded() * scale))
    }
}
