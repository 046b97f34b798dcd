/// The UTS #46 mapping step (non-transitional, `UseSTD3ASCIIRules=false`) that python
/// `email-validator` runs on the domain through `idna.uts46_remap` before anything else: case
/// folding, compatibility normalization (so a full-width `．` becomes `.`), dropping of
/// "ignored" code points and refusal of "disallowed" ones.
///
/// Covered: the mapping is derived per code point from the Swift runtime's Unicode data the way
/// UTS #46 builds its table, as NFKC_Casefold: compatibility decomposition, full case folding
/// (``caseFold(_:)``), recomposition. The deviation characters ß, ς, ZWJ and ZWNJ are kept
/// (non-transitional processing), default-ignorable code points are dropped, the ideographic
/// full stops become dots, and code points whose mapping would smuggle in a dot (`⒈`, `︙`),
/// the ideographic description characters and U+FFFC/U+FFFD are disallowed, as in the table of
/// the idna package (3.13, Unicode 17). Checked against that table for every letter, mark,
/// number, punctuation and symbol of Unicode 14, the only categories that reach this step
/// (controls, format characters, separators, private-use and unassigned code points have
/// already been refused as unsafe).
///
/// Not covered: code points assigned after the Swift runtime's Unicode version, and status
/// values of the table for code points that never reach this step.
enum UTS46Mapping {
    enum Status: Equatable {
        case valid
        case mapped([Unicode.Scalar])
        case ignored
        case disallowed
    }

    static func status(of scalar: Unicode.Scalar) -> Status {
        let value = scalar.value
        if value < 0x80 {
            // With STD3 rules off, ASCII other than upper-case letters is left alone; the
            // host-name grammar judges it afterwards.
            return (0x41...0x5A).contains(value) ? .mapped([scalar.asciiLowercased]) : .valid
        }
        switch value {
        case 0x3002, 0xFF0E, 0xFF61:  // ideographic, full-width and half-width full stops
            return .mapped(["."])
        case 0x2FF0...0x2FFF, 0x31EF, 0xFFFC, 0xFFFD:  // description characters, replacement
            return .disallowed
        default:
            break
        }
        switch scalar.categoryCode {
        case "Cc", "Cs", "Co", "Cn":
            return .disallowed
        default:
            break
        }
        if scalar.properties.isNoncharacterCodePoint {
            return .disallowed
        }
        if deviations.contains(value) {
            return .valid
        }
        if scalar.properties.isDefaultIgnorableCodePoint {
            return .ignored
        }
        var folded: [Unicode.Scalar] = []
        for piece in [scalar].nfkd {
            folded.append(contentsOf: caseFold(piece))
        }
        let mapped = folded.nfkc
        if mapped.sameScalars(as: [scalar]) {
            return .valid
        }
        if mapped.contains(".") || mapped.contains("\u{3002}") {
            return .disallowed
        }
        return .mapped(mapped)
    }

    /// Full case folding (CaseFolding.txt, statuses C and F). The runtime only offers the
    /// lower-case mapping, which agrees with folding except for the code points listed here.
    static func caseFold(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        let value = scalar.value
        switch value {
        case 0x0345, 0x1FBE:  // iota subscript and prosgegrammeni fold to iota
            return ["\u{3B9}"]
        case 0x03C2:  // final sigma folds to sigma
            return ["\u{3C3}"]
        case 0x13A0...0x13F5:  // Cherokee folds to its upper case, which it is already
            return [scalar]
        case 0x13F8...0x13FD, 0xAB70...0xABBF:  // Cherokee small letters fold to upper case
            let upper = value >= 0xAB70 ? value - 0xAB70 + 0x13A0 : value - 8
            return Unicode.Scalar(upper).map { [$0] } ?? [scalar]
        case 0x1C80...0x1C88:  // old Cyrillic letter variants fold to the plain letters
            let plain: [UInt32] = [0x0432, 0x0434, 0x043E, 0x0441, 0x0442, 0x0442, 0x044A, 0x0463, 0xA64B]
            return Unicode.Scalar(plain[Int(value - 0x1C80)]).map { [$0] } ?? [scalar]
        default:
            return Array(scalar.properties.lowercaseMapping.unicodeScalars)
        }
    }

    /// Characters UTS #46 keeps in non-transitional processing although case folding or IDNA2003
    /// would change them (UTS #46 §4 "deviation").
    private static let deviations: Set<UInt32> = [0x00DF, 0x03C2, 0x200C, 0x200D]
}
