/// The character classes and small syntax rules shared by the local part and the domain.
enum CharacterRules {
    /// RFC 5322 §3.2.3 `atext`: ASCII letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39:
            return true
        default:
            return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
        }
    }

    /// RFC 6531 §3.3 widens `atext` with every non-ASCII code point (UTF8-non-ascii).
    static func isInternationalAtext(_ scalar: Unicode.Scalar) -> Bool {
        isAtext(scalar) || scalar.value >= 0x80
    }

    /// Letters, digits, hyphen and dot (RFC 952 / RFC 1123 §2.1 host names) plus any non-ASCII
    /// code point, which IDNA will judge later.
    static func isInternationalHostnameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x80...:
            true
        default:
            false
        }
    }

    /// RFC 5321 §4.1.2 `qtextSMTP` plus `quoted-pairSMTP` contents (printable ASCII and space),
    /// widened by RFC 6531 §3.3 to non-ASCII.
    static func isInternationalQtext(_ scalar: Unicode.Scalar) -> Bool {
        (0x20...0x7E).contains(scalar.value) || scalar.value >= 0x80
    }

    /// RFC 5322 §3.2.3 `dot-atom-text`: atoms of (international) atext joined by single dots.
    static func isDotAtom(_ scalars: [Unicode.Scalar], international: Bool) -> Bool {
        let isAtom = international ? isInternationalAtext : isAtext
        return scalars.pieces(separatedBy: ".").allSatisfy { atom in
            !atom.isEmpty && atom.allSatisfy(isAtom)
        }
    }

    /// RFC 952 / RFC 1123 §2.1 host name: dot-separated labels of ASCII letters, digits and
    /// hyphens that start and end with a letter or digit.
    static func isHostname(_ scalars: [Unicode.Scalar]) -> Bool {
        scalars.pieces(separatedBy: ".").allSatisfy { label in
            guard let first = label.first, let last = label.last,
                  isLetterOrDigit(first), isLetterOrDigit(last) else { return false }
            return label.allSatisfy { isLetterOrDigit($0) || $0 == "-" }
        }
    }

    static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39: true
        default: false
        }
    }

    /// Rejects characters that are legal in the grammars but unsafe to show or store: controls,
    /// format characters (bidi overrides can make one address render as another), private-use
    /// and unassigned code points, line/paragraph separators, non-ASCII spaces outside quotes,
    /// and a combining mark in first position (it would combine with whatever precedes the
    /// address when it is concatenated into text). This is the python library's
    /// `check_unsafe_chars`, which follows the spirit of UTS #39 §3.3.
    static func checkUnsafe(_ scalars: [Unicode.Scalar], allowSpace: Bool = false) throws(EmailAddressError) {
        var bad: [Unicode.Scalar] = []
        for (index, scalar) in scalars.enumerated() {
            let code = scalar.categoryCode
            switch code.first {
            case "L", "N", "P", "S":
                continue
            case "M":
                if index == 0 { bad.append(scalar) }
            case "Z":
                if code != "Zs" || !allowSpace { bad.append(scalar) }
            default:
                bad.append(scalar)
            }
        }
        guard !bad.isEmpty else { return }
        // Here the python library sorts the characters themselves, not their displays.
        let ordered = Array(Set(bad)).sorted { $0.value < $1.value }
        throw EmailAddressError(message: "The email address contains unsafe characters: "
            + ordered.map(CharacterDisplay.safe).joined(separator: ", ") + ".")
    }

    /// The dot (and, for host names, hyphen) placement rules of RFC 5322 §3.2.3 and RFC 952,
    /// checked one by one so the message names the actual mistake. `start` and `end` word the
    /// message for a leading and a trailing offender, given "period" or "hyphen".
    static func checkDotPlacement(
        _ scalars: [Unicode.Scalar],
        start: (String) -> String,
        end: (String) -> String,
        isHostname: Bool
    ) throws(EmailAddressError) {
        let dot = [Unicode.Scalar](ascii: ".")
        let hyphen = [Unicode.Scalar](ascii: "-")
        func fail(_ template: (String) -> String, _ word: String) -> EmailAddressError {
            EmailAddressError(message: template(word))
        }
        if scalars.hasSuffix(dot) { throw fail(end, "period") }
        if scalars.hasPrefix(dot) { throw fail(start, "period") }
        if scalars.containsRun([Unicode.Scalar](ascii: "..")) {
            throw EmailAddressError(message: "An email address cannot have two periods in a row.")
        }
        guard isHostname else { return }
        if scalars.hasSuffix(hyphen) { throw fail(end, "hyphen") }
        if scalars.hasPrefix(hyphen) { throw fail(start, "hyphen") }
        if scalars.containsRun([Unicode.Scalar](ascii: ".-"))
            || scalars.containsRun([Unicode.Scalar](ascii: "-.")) {
            throw EmailAddressError(
                message: "An email address cannot have a period and a hyphen next to each other.")
        }
    }
}
