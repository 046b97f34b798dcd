/// The IDNA2008 property of a code point (RFC 5892): whether it may appear in a label freely
/// (PVALID), only in a checked context (CONTEXTJ for the joiners, CONTEXTO for a few others), or
/// not at all.
///
/// Derived from the Swift runtime's Unicode data with the algorithm of RFC 5892 §3 (exceptions,
/// unassigned, LDH, join controls, unstable under NFKC and case folding, default-ignorable /
/// white space / noncharacter, the ignorable blocks, old Hangul jamo, then the letter, digit and
/// mark categories), the same derivation the idna package's tables come from. ``overrides``
/// holds the few code points where that package's table (idna 3.13, Unicode 17) says otherwise.
enum IDNACodePointClass: Equatable {
    case pvalid
    case contextJ
    case contextO
    case disallowed

    static func of(_ value: UInt32) -> IDNACodePointClass {
        if let fixed = exceptions[value] ?? overrides[value] { return fixed }
        if (0x0660...0x0669).contains(value) || (0x06F0...0x06F9).contains(value) { return .contextO }
        guard let scalar = Unicode.Scalar(value) else { return .disallowed }  // surrogates
        let properties = scalar.properties
        // Newer characters are judged by the runtime's data (the idna package's table is
        // Unicode 17); the bidi check then refuses them for lack of a direction, as in python.
        if properties.generalCategory == .unassigned { return .disallowed }
        switch value {
        case 0x61...0x7A, 0x30...0x39, 0x2D: return .pvalid
        case 0x00...0x7F: return .disallowed
        default: break
        }
        if properties.isJoinControl { return .contextJ }
        // Unstable (RFC 5892 §2.2): the code point would not survive NFKC or case folding.
        if properties.changesWhenCaseFolded || ![scalar].nfkc.sameScalars(as: [scalar]) {
            return .disallowed
        }
        if properties.isDefaultIgnorableCodePoint || properties.isWhitespace
            || properties.isNoncharacterCodePoint {
            return .disallowed
        }
        switch value {
        case 0x20D0...0x20FF, 0x1D100...0x1D1FF, 0x1D200...0x1D24F:  // ignorable blocks (§2.4)
            return .disallowed
        case 0x1100...0x11FF, 0xA960...0xA97F, 0xD7B0...0xD7FF:  // old Hangul jamo (§2.9)
            return .disallowed
        default:
            break
        }
        switch properties.generalCategory {
        case .lowercaseLetter, .uppercaseLetter, .otherLetter, .decimalNumber, .modifierLetter,
             .nonspacingMark, .spacingMark:
            return .pvalid
        default:
            return .disallowed
        }
    }

    /// RFC 5892 §2.6 exceptions (the Arabic-Indic digit ranges are handled in ``of(_:)``).
    private static let exceptions: [UInt32: IDNACodePointClass] = [
        0x00DF: .pvalid, 0x03C2: .pvalid, 0x06FD: .pvalid, 0x06FE: .pvalid, 0x0F0B: .pvalid,
        0x3007: .pvalid,
        0x00B7: .contextO, 0x0375: .contextO, 0x05F3: .contextO, 0x05F4: .contextO,
        0x30FB: .contextO,
        0x0640: .disallowed, 0x07FA: .disallowed, 0x302E: .disallowed, 0x302F: .disallowed,
        0x3031: .disallowed, 0x3032: .disallowed, 0x3033: .disallowed, 0x3034: .disallowed,
        0x3035: .disallowed, 0x303B: .disallowed,
    ]

    /// Where the idna package's table differs from the derivation: characters of Unicode 16 and
    /// 17 with compatibility mappings that the runtime's normalization data does not have yet.
    private static let overrides: [UInt32: IDNACodePointClass] = Dictionary(
        uniqueKeysWithValues: ([0xA7F1] + Array(0x1CCF0...0x1CCF9)).map { ($0, .disallowed) })
}
