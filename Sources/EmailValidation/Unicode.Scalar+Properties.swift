/// Character properties as the python library sees them.
extension Unicode.Scalar {
    /// The general category in the two-letter form of UnicodeData.txt (`Lu`, `Mn`, `Zs`, …),
    /// because the python library's rules are written against those codes (for example
    /// "letters, numbers, punctuation and symbols are safe": the first letter is L, N, P or S).
    /// Characters newer than ``UnicodeReference`` are `Cn`, as they are to python.
    var categoryCode: String {
        guard UnicodeReference.isAssigned(self) else { return "Cn" }
        return switch properties.generalCategory {
        case .uppercaseLetter: "Lu"
        case .lowercaseLetter: "Ll"
        case .titlecaseLetter: "Lt"
        case .modifierLetter: "Lm"
        case .otherLetter: "Lo"
        case .nonspacingMark: "Mn"
        case .spacingMark: "Mc"
        case .enclosingMark: "Me"
        case .decimalNumber: "Nd"
        case .letterNumber: "Nl"
        case .otherNumber: "No"
        case .connectorPunctuation: "Pc"
        case .dashPunctuation: "Pd"
        case .openPunctuation: "Ps"
        case .closePunctuation: "Pe"
        case .initialPunctuation: "Pi"
        case .finalPunctuation: "Pf"
        case .otherPunctuation: "Po"
        case .mathSymbol: "Sm"
        case .currencySymbol: "Sc"
        case .modifierSymbol: "Sk"
        case .otherSymbol: "So"
        case .spaceSeparator: "Zs"
        case .lineSeparator: "Zl"
        case .paragraphSeparator: "Zp"
        case .control: "Cc"
        case .format: "Cf"
        case .surrogate: "Cs"
        case .privateUse: "Co"
        case .unassigned: "Cn"
        @unknown default: "Cn"
        }
    }

    /// The Unicode name, for characters the reference version assigns.
    var referenceName: String? {
        UnicodeReference.isAssigned(self) ? properties.name : nil
    }

    /// The major class: the first letter of ``categoryCode``.
    var majorCategory: Character {
        categoryCode.first ?? "C"
    }

    /// Python's `str.isspace()` set (general category Zs, or bidi class WS, B or S), which
    /// `str.rstrip()` uses when the python library trims a display name.
    var isPythonWhitespace: Bool {
        switch value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029,
             0x202F, 0x205F, 0x3000:
            true
        default:
            false
        }
    }

    /// ASCII-only lower-casing, for the places where the python library lower-cases text that
    /// is known to be ASCII (role mailbox names, `xn--` prefixes).
    var asciiLowercased: Unicode.Scalar {
        guard (0x41...0x5A).contains(value), let lower = Unicode.Scalar(value + 0x20) else { return self }
        return lower
    }
}
