// How many terminal columns text takes, so tables stay aligned with CJK, emoji and combining accents.

enum DisplayWidth {
    /// Columns a string occupies in a monospaced terminal (an approximation of `wcswidth`).
    static func of(_ text: String) -> Int {
        var width = 0
        for character in text { width += of(character) }
        return width
    }

    /// A grapheme is as wide as its widest scalar: `é` built from `e` and a combining accent is one column,
    /// an emoji with a variation selector or a skin tone is two.
    static func of(_ character: Character) -> Int {
        var widest = 0
        for scalar in character.unicodeScalars {
            widest = max(widest, of(scalar))
            if scalar.properties.isEmojiPresentation { widest = 2 }
            if scalar.value == 0xFE0F { widest = 2 }  // emoji presentation selector
        }
        return widest
    }

    private static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v == 0 { return 0 }
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B { return 0 }
        if isWide(v) { return 2 }
        return 1
    }

    /// East Asian Wide and Fullwidth ranges (Unicode 15, abridged to the blocks that occur in practice).
    private static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}

// MARK: Fitting text to a width

extension DisplayWidth {
    /// The text cut to at most `width` columns, ending with `marker` when anything was cut
    /// (or cut bare when not even the marker fits).
    static func truncate(_ text: String, to width: Int, marker: String = "…") -> String {
        guard of(text) > width else { return text }
        let room = width - of(marker)
        guard room >= 0 else { return prefix(text, width: width) }
        return prefix(text, width: room) + marker
    }

    /// The longest prefix of whole characters that takes at most `width` columns.
    static func prefix(_ text: String, width: Int) -> String {
        var out = ""
        var used = 0
        for character in text {
            let w = of(character)
            if used + w > width { break }
            out.append(character)
            used += w
        }
        return out
    }

    /// The text in pieces of at most `width` columns, split anywhere (a cell's value in expanded mode).
    static func pieces(_ text: String, width: Int) -> [String] {
        guard width > 0, of(text) > width else { return [text] }
        var lines: [String] = []
        var line = ""
        var used = 0
        for character in text {
            let w = of(character)
            if used + w > width, !line.isEmpty {
                lines.append(line)
                line = ""
                used = 0
            }
            line.append(character)
            used += w
        }
        lines.append(line)
        return lines
    }

    /// Prose in lines of at most `width` columns, broken at spaces; a word longer than a line is split.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0, of(text) > width else { return [text] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = line.isEmpty ? word : line + " " + word
            if of(candidate) <= width {
                line = candidate
                continue
            }
            if !line.isEmpty { lines.append(line) }
            var parts = pieces(word, width: width)
            line = parts.removeLast()
            lines += parts
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }
}
