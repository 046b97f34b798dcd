/// The contextual rules of RFC 5892 appendix A for CONTEXTJ and CONTEXTO code points: a few
/// characters are only valid next to particular neighbours (a middle dot between two `l`s for
/// Catalan, a Greek keraia before Greek, Hebrew punctuation after Hebrew, …).
///
/// Covered: all CONTEXTO rules, and the virama rule for the joiners. Not covered: the
/// Arabic-joining-type rule for ZERO WIDTH NON-JOINER (RFC 5892 A.1), which needs the
/// Joining_Type property; such a joiner is refused here. That changes only the message, never
/// the verdict, because the address check refuses every joiner afterwards as an unsafe format
/// character.
enum IDNAContextRule {
    static func allowsJoiner(in label: [Unicode.Scalar], at index: Int) -> Bool {
        // A.1/A.2: a joiner directly after a virama (combining class 9) is allowed.
        index > 0 && label[index - 1].properties.canonicalCombiningClass.rawValue == 9
    }

    static func allowsContextO(in label: [Unicode.Scalar], at index: Int) -> Bool {
        let value = label[index].value
        switch value {
        case 0x00B7:  // A.3 MIDDLE DOT: only in "l·l".
            return index > 0 && index < label.count - 1
                && label[index - 1] == "l" && label[index + 1] == "l"
        case 0x0375:  // A.4 GREEK LOWER NUMERAL SIGN: must precede Greek.
            return index < label.count - 1 && isInScript(label[index + 1], greek)
        case 0x05F3, 0x05F4:  // A.5/A.6 HEBREW GERESH/GERSHAYIM: must follow Hebrew.
            return index > 0 && isInScript(label[index - 1], hebrew)
        case 0x30FB:  // A.7 KATAKANA MIDDLE DOT: the label needs some Japanese script.
            return label.contains { scalar in
                scalar.value != 0x30FB
                    && (isInScript(scalar, hiragana) || isInScript(scalar, katakana)
                        || isInScript(scalar, han))
            }
        case 0x0660...0x0669:  // A.8: no mixing with extended Arabic-Indic digits.
            return !label.contains { (0x06F0...0x06F9).contains($0.value) }
        case 0x06F0...0x06F9:  // A.9: no mixing with Arabic-Indic digits.
            return !label.contains { (0x0660...0x0669).contains($0.value) }
        default:
            return false
        }
    }

    private static func isInScript(_ scalar: Unicode.Scalar, _ ranges: [ClosedRange<UInt32>]) -> Bool {
        ranges.contains { $0.contains(scalar.value) }
    }

    // Script property ranges (Unicode Scripts.txt) as the idna package ships them.
    private static let greek: [ClosedRange<UInt32>] = [
        0x0370...0x0373, 0x0375...0x0377, 0x037A...0x037D, 0x037F...0x037F, 0x0384...0x0384,
        0x0386...0x0386, 0x0388...0x038A, 0x038C...0x038C, 0x038E...0x03A1, 0x03A3...0x03E1,
        0x03F0...0x03FF, 0x1D26...0x1D2A, 0x1D5D...0x1D61, 0x1D66...0x1D6A, 0x1DBF...0x1DBF,
        0x1F00...0x1F15, 0x1F18...0x1F1D, 0x1F20...0x1F45, 0x1F48...0x1F4D, 0x1F50...0x1F57,
        0x1F59...0x1F59, 0x1F5B...0x1F5B, 0x1F5D...0x1F5D, 0x1F5F...0x1F7D, 0x1F80...0x1FB4,
        0x1FB6...0x1FC4, 0x1FC6...0x1FD3, 0x1FD6...0x1FDB, 0x1FDD...0x1FEF, 0x1FF2...0x1FF4,
        0x1FF6...0x1FFE, 0x2126...0x2126, 0xAB65...0xAB65, 0x10140...0x1018E, 0x101A0...0x101A0,
        0x1D200...0x1D245,
    ]
    private static let hebrew: [ClosedRange<UInt32>] = [
        0x0591...0x05C7, 0x05D0...0x05EA, 0x05EF...0x05F4, 0xFB1D...0xFB36, 0xFB38...0xFB3C,
        0xFB3E...0xFB3E, 0xFB40...0xFB41, 0xFB43...0xFB44, 0xFB46...0xFB4F,
    ]
    private static let hiragana: [ClosedRange<UInt32>] = [
        0x3041...0x3096, 0x309D...0x309F, 0x1B001...0x1B11F, 0x1B132...0x1B132,
        0x1B150...0x1B152, 0x1F200...0x1F200,
    ]
    private static let katakana: [ClosedRange<UInt32>] = [
        0x30A1...0x30FA, 0x30FD...0x30FF, 0x31F0...0x31FF, 0x32D0...0x32FE, 0x3300...0x3357,
        0xFF66...0xFF6F, 0xFF71...0xFF9D, 0x1AFF0...0x1AFF3, 0x1AFF5...0x1AFFB,
        0x1AFFD...0x1AFFE, 0x1B000...0x1B000, 0x1B120...0x1B122, 0x1B155...0x1B155,
        0x1B164...0x1B167,
    ]
    private static let han: [ClosedRange<UInt32>] = [
        0x2E80...0x2E99, 0x2E9B...0x2EF3, 0x2F00...0x2FD5, 0x3005...0x3005, 0x3007...0x3007,
        0x3021...0x3029, 0x3038...0x303B, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFA6D,
        0xFA70...0xFAD9, 0x16FE2...0x16FE3, 0x16FF0...0x16FF6, 0x20000...0x2A6DF,
        0x2A700...0x2B81D, 0x2B820...0x2CEAD, 0x2CEB0...0x2EBE0, 0x2EBF0...0x2EE5D,
        0x2F800...0x2FA1D, 0x30000...0x3134A, 0x31350...0x33479,
    ]
}
