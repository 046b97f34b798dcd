/// Accumulates text with collapsed white space and at most one blank line between blocks.
///
/// Linear in what is appended, and cheap per character, since it runs over every text node of a
/// page and every description: the text grows as UTF-8 bytes, and ASCII white space is told
/// apart without Unicode's property table (appending scalars to a `String` one by one and
/// looking up every character's properties took most of the time of rendering a long text).
struct TextBuilder {
    private var utf8: [UInt8] = []
    private let singleLine: Bool
    /// 0: nothing pending, 1: a line break, 2: a blank line.
    private var pendingBreaks = 0
    private var pendingSpace = false

    init(singleLine: Bool) {
        self.singleLine = singleLine
    }

    /// The text so far.
    var text: String {
        String(decoding: utf8, as: UTF8.self)
    }

    mutating func requestBreak(_ level: Int) {
        pendingBreaks = max(pendingBreaks, level)
    }

    /// A `<br>`: two in a row make a paragraph break.
    mutating func lineBreak() {
        pendingBreaks = min(pendingBreaks + 1, 2)
    }

    mutating func requestSpace() {
        pendingSpace = true
    }

    mutating func append(_ string: String, keepingLineBreaks: Bool = false) {
        var previous: Unicode.Scalar = " "
        for original in string.unicodeScalars {
            defer { previous = original }
            if keepingLineBreaks, original == "\n" || original == "\r" {
                if !(original == "\n" && previous == "\r") { lineBreak() }
                continue
            }
            // Mapped before the white-space test: U+0085 counts as white space but is
            // windows-1252's ellipsis.
            guard let scalar = Self.cleaned(original) else {
                if original.value < 0x20 { pendingSpace = true }
                continue
            }
            if Self.isWhitespace(scalar) {
                pendingSpace = true
                continue
            }
            flushSeparator()
            if scalar.isASCII {
                utf8.append(UInt8(truncatingIfNeeded: scalar.value))
            } else {
                utf8.append(contentsOf: UTF8.encode(scalar)!)
            }
        }
    }

    /// Unicode's White_Space property (what `Unicode.Scalar.Properties.isWhitespace` answers),
    /// with the ASCII members spelled out: tab, line feed, vertical tab, form feed, carriage
    /// return and space.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value == 0x20 || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }

    private mutating func flushSeparator() {
        defer {
            pendingBreaks = 0
            pendingSpace = false
        }
        guard !utf8.isEmpty else { return }
        if pendingBreaks > 0, !singleLine {
            utf8.append(contentsOf: pendingBreaks == 2 ? [0x0A, 0x0A] : [0x0A])
        } else if pendingBreaks > 0 || pendingSpace {
            utf8.append(0x20)
        }
    }

    /// Drops invisible characters and maps C1 controls to the characters they stand for.
    ///
    /// A page labelled ISO-8859-1 is, per the WHATWG Encoding Standard, really windows-1252, but
    /// libxml2 decodes it as true Latin-1, so its curly quotes, dashes and euro sign arrive as
    /// C1 control characters (U+0080...U+009F). No real text uses those, so they are mapped back.
    private static func cleaned(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x80...0x9F:
            let mapped = windows1252C1[Int(scalar.value - 0x80)]
            return mapped == 0 ? nil : Unicode.Scalar(mapped)
        case 0x09, 0x0A, 0x0C, 0x0D:
            return scalar
        case 0x00...0x1F, 0x7F, 0x200B, 0xFEFF:
            return nil
        default:
            return scalar
        }
    }

    /// windows-1252 bytes 0x80...0x9F as Unicode (0 where the byte is undefined).
    private static let windows1252C1: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]
}
