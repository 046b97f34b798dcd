/// The rules for the part before the @-sign.
///
/// Accepted: RFC 5322 §3.2.3 dot-atoms, widened to non-ASCII by RFC 6531 §3.3 (SMTPUTF8), and,
/// only so that the caller can refuse them with a precise message, RFC 5321 §4.1.2 quoted
/// strings. As in python `email-validator` 2.3 (non-strict mode), the 64-octet local-part limit
/// of RFC 5321 §4.5.3.1.1 is not enforced: longer local parts exist in the wild, and the
/// 254-octet limit on the whole address still applies.
enum LocalPartValidator {
    /// An accepted local part.
    struct Result {
        /// The local part to keep: unchanged for a dot-atom, re-quoted with minimal escaping
        /// for a quoted string that is not a valid dot-atom (RFC 5321 §4.1.2 asks senders to use
        /// "the minimum quoting possible").
        var localPart: [Unicode.Scalar]
        /// The same, when it is pure ASCII and so needs no SMTPUTF8; nil otherwise.
        var asciiLocalPart: [Unicode.Scalar]?
    }

    static func validate(_ local: [Unicode.Scalar], wasQuoted: Bool) throws(EmailAddressError) -> Result {
        guard !local.isEmpty else {
            throw EmailAddressError(message: "There must be something before the @-sign.")
        }

        // Most addresses are plain ASCII dot-atoms. A quoted string whose content is a valid
        // dot-atom did not need its quotes, and is returned without them.
        if CharacterRules.isDotAtom(local, international: false) {
            return Result(localPart: local, asciiLocalPart: local)
        }

        enum Form { case dotAtom, quoted }
        let form: Form
        var needsSMTPUTF8 = false
        if CharacterRules.isDotAtom(local, international: true) {
            form = .dotAtom
            needsSMTPUTF8 = true
        } else if wasQuoted {
            // Quoted strings have no dot placement rules; only the characters are limited
            // (RFC 5322's obsolete characters are not accepted).
            let bad = local.filter { !CharacterRules.isInternationalQtext($0) }
            if !bad.isEmpty {
                throw EmailAddressError(message: "The email address contains invalid characters in "
                    + "quotes before the @-sign: " + CharacterDisplay.sortedList(of: bad) + ".")
            }
            needsSMTPUTF8 = local.contains { !(0x20...0x7E).contains($0.value) }
            form = .quoted
        } else {
            throw diagnose(local)
        }

        try CharacterRules.checkUnsafe(local, allowSpace: form == .quoted)

        var kept = local
        if form == .quoted {
            kept = ["\""]
            for scalar in local {
                if scalar == "\"" || scalar == "\\" { kept.append("\\") }
                kept.append(scalar)
            }
            kept.append("\"")
        }
        return Result(localPart: kept, asciiLocalPart: needsSMTPUTF8 ? nil : kept)
    }

    /// Finds the most specific reason an unquoted local part is not a dot-atom.
    private static func diagnose(_ local: [Unicode.Scalar]) -> EmailAddressError {
        let bad = local.filter { !CharacterRules.isInternationalAtext($0) && $0 != "." }
        if !bad.isEmpty {
            return EmailAddressError(message: "The email address contains invalid characters before "
                + "the @-sign: " + CharacterDisplay.sortedList(of: bad) + ".")
        }
        do {
            try CharacterRules.checkDotPlacement(
                local,
                start: { "An email address cannot start with a \($0)." },
                end: { "An email address cannot have a \($0) immediately before the @-sign." },
                isHostname: false)
        } catch {
            return error
        }
        return EmailAddressError(message: "The email address contains invalid characters before the @-sign.")
    }
}
