/// How characters and strings are quoted inside error messages.
///
/// The python library shows a visible character as python's `repr` (`'!'`), and an invisible
/// one (mark, separator, control, format, private-use, unassigned) by its Unicode name or
/// `U+XXXX`, so that a message never carries a character that would render as nothing or
/// reorder the text around it. The same quoting is reproduced so the messages match.
enum CharacterDisplay {
    /// One character as the python library's `safe_character_display` shows it.
    static func safe(_ scalar: Unicode.Scalar) -> String {
        if scalar == "\\" { return "\"\\\"" }
        if "LNPS".contains(scalar.majorCategory) {
            return pythonRepr([scalar])
        }
        if let name = scalar.referenceName {
            return name
        }
        // Python pads to 4 hex digits below U+FFFF and to 8 from U+FFFF on.
        let digits = scalar.value < 0xFFFF ? 4 : 8
        return "U+" + hex(scalar.value, width: digits)
    }

    /// The distinct offending characters of `scalars`, displayed and sorted the way the python
    /// library builds its lists (a set of display strings, sorted by code point), joined by
    /// ", ".
    static func sortedList(of scalars: [Unicode.Scalar]) -> String {
        // Deduplicate by code points: a Set<String> would merge canonically equivalent
        // displays such as 'Å' (U+212B) and 'Å' (U+00C5), which python keeps apart.
        var seen = Set<[UInt32]>()
        var displays: [[Unicode.Scalar]] = []
        for scalar in scalars {
            let shown = Array(safe(scalar).unicodeScalars)
            if seen.insert(shown.map(\.value)).inserted {
                displays.append(shown)
            }
        }
        displays.sort { $0.precedesByCodePoint($1) }
        return displays.map(\.text).joined(separator: ", ")
    }

    /// Python's `repr()` of a `str`: single quotes unless the text holds a single quote and no
    /// double quote, and escapes for backslashes, the chosen quote and non-printable characters.
    static func pythonRepr(_ scalars: [Unicode.Scalar]) -> String {
        pythonRepr(codes: scalars.map(\.value))
    }

    /// ``pythonRepr(_:)`` for code points that may include lone surrogates, which Punycode can
    /// produce and python can hold in a `str`.
    static func pythonRepr(codes: [UInt32]) -> String {
        let useDouble = codes.contains(0x27) && !codes.contains(0x22)
        let quote: UInt32 = useDouble ? 0x22 : 0x27
        var result = useDouble ? "\"" : "'"
        for code in codes {
            switch code {
            case 0x5C: result += "\\\\"
            case quote: result += useDouble ? "\\\"" : "\\'"
            case 0x09: result += "\\t"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            default:
                if let scalar = Unicode.Scalar(code), isPythonPrintable(scalar) {
                    result.unicodeScalars.append(scalar)
                } else if code < 0x100 {
                    result += "\\x" + hex(code, width: 2, lowercase: true)
                } else if code < 0x10000 {
                    result += "\\u" + hex(code, width: 4, lowercase: true)
                } else {
                    result += "\\U" + hex(code, width: 8, lowercase: true)
                }
            }
        }
        result += useDouble ? "\"" : "'"
        return result
    }

    /// `U+XXXX` with at least four upper-case digits, as the idna package names code points.
    static func codePoint(_ value: UInt32) -> String {
        "U+" + hex(value, width: 4)
    }

    /// Python's `str.isprintable()` for one character: everything but the C and Z categories,
    /// except that the ASCII space is printable.
    private static func isPythonPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        let major = scalar.majorCategory
        return major != "C" && major != "Z"
    }

    private static func hex(_ value: UInt32, width: Int, lowercase: Bool = false) -> String {
        let digits = String(value, radix: 16, uppercase: !lowercase)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
