/// Splits an input into display name, local part and domain, the way python `email-validator`
/// 2.3's `split_email` does.
///
/// An address normally has one @-sign, but RFC 5321 §4.1.2 quoted local parts may hold @-signs
/// and escaped quotes, and the RFC 5322 §3.4 `Name <addr>` form puts a display name in front. The
/// split therefore stops at the first @-sign or `<` that is outside quotes. The default options
/// refuse both quoted local parts and display names, but they are still recognised here so the
/// refusal can say so instead of complaining about stray characters.
enum AddressSplitter {
    /// The pieces of an input.
    struct Parts {
        /// The display name (unquoted and unescaped), or nil when there were no angle brackets.
        var displayName: [Unicode.Scalar]?
        /// The local part, with surrounding quotes removed and backslash escapes undone.
        var localPart: [Unicode.Scalar]
        /// Whether the local part was written as a quoted string.
        var localPartWasQuoted: Bool
        /// Everything after the @-sign.
        var domain: [Unicode.Scalar]
    }

    static func split(_ input: [Unicode.Scalar]) throws(EmailAddressError) -> Parts {
        var (left, right) = try splitAtUnquotedSpecial(input, specials: ["@", "<"])

        var displayName: [Unicode.Scalar]?
        var localPart: [Unicode.Scalar]
        var domain: [Unicode.Scalar]
        if right.first == "<" {
            while let last = left.last, last.isPythonWhitespace { left.removeLast() }
            let (name, nameWasQuoted) = try unquote(left)
            if !nameWasQuoted {
                // RFC 5322 appendix A.1.2: an unquoted display name is atoms and spaces; a
                // period needs quotes.
                let bad = name.filter { ($0 != " " && !CharacterRules.isAtext($0)) || $0 == "." }
                if !bad.isEmpty {
                    throw EmailAddressError(
                        message: "The display name contains invalid characters when not quoted: "
                            + CharacterDisplay.sortedList(of: bad) + ".")
                }
            }
            try CharacterRules.checkUnsafe(name, allowSpace: true)
            displayName = name

            guard right.contains(">") else {
                throw EmailAddressError(message: "An open angle bracket at the start of the email "
                    + "address has to be followed by a close angle bracket at the end.")
            }
            while right.last == " " { right.removeLast() }
            guard right.last == ">" else {
                throw EmailAddressError(message: "There can't be anything after the email address.")
            }
            var addrSpec = Array(right.dropFirst())
            while addrSpec.last == ">" { addrSpec.removeLast() }
            (localPart, domain) = try splitAtUnquotedSpecial(addrSpec, specials: ["@"])
        } else {
            (localPart, domain) = (left, right)
        }

        if domain.first == "@" { domain.removeFirst() }
        let (unquotedLocal, wasQuoted) = try unquote(localPart)
        return Parts(displayName: displayName, localPart: unquotedLocal,
                     localPartWasQuoted: wasQuoted, domain: domain)
    }

    /// Splits before the first special character that is outside a quoted string and does not
    /// take part in a canonical composition with what follows it (`<` followed by U+0338 is
    /// really `≮`, and must not start an angle-bracketed address).
    private static func splitAtUnquotedSpecial(
        _ text: [Unicode.Scalar], specials: Set<Unicode.Scalar>
    ) throws(EmailAddressError) -> ([Unicode.Scalar], [Unicode.Scalar]) {
        var insideQuote = false
        var escaped = false
        var splitIndex: Int?
        for (index, scalar) in text.enumerated() {
            // The composition test only changes the outcome for the characters the state
            // machine reacts to (all ASCII) and for an escaped character; skipping it elsewhere
            // keeps the scan linear, since each test reads only up to the next ASCII character.
            let reacts = scalar == "\"" || scalar == "\\" || specials.contains(scalar) || (insideQuote && escaped)
            if reacts && composesWithFollowing(text, at: index) {
                continue
            } else if insideQuote {
                if scalar == "\\" && !escaped {
                    escaped = true
                } else if scalar == "\"" && !escaped {
                    insideQuote = false
                    escaped = false
                } else {
                    escaped = false
                }
            } else if scalar == "\"" {
                insideQuote = true
            } else if specials.contains(scalar) {
                splitIndex = index
                break
            }
        }

        guard let splitIndex else {
            // Look-alikes of "@" get a message of their own: CJK input methods produce the
            // full-width form, and an address that only looks right would be baffling.
            if text.contains("\u{FF20}") {
                throw EmailAddressError(message: "The email address has the \"full-width\" at-sign "
                    + "(@) character instead of a regular at-sign.")
            }
            if text.contains("\u{FE6B}") {
                throw EmailAddressError(message: "The email address has the \"small commercial "
                    + "at\" character instead of a regular at-sign.")
            }
            throw EmailAddressError(message: "An email address must have an @-sign.")
        }
        return (Array(text[..<splitIndex]), Array(text[splitIndex...]))
    }

    /// Whether NFC would change the character at `index` when normalizing the text from there
    /// on, i.e. whether it is not a stand-alone character. ASCII characters are starters that
    /// never compose with what precedes them, so the text can be cut at the next one.
    private static func composesWithFollowing(_ text: [Unicode.Scalar], at index: Int) -> Bool {
        var end = index + 1
        while end < text.count && !text[end].isASCII { end += 1 }
        if end == index + 1 && text[index].isASCII { return false }
        let normalized = Array(text[index..<end]).nfc
        return normalized.first != text[index]
    }

    /// Removes the quotes around a quoted string and undoes backslash escapes. Escapes are taken
    /// liberally (any character may be escaped), as in the python library; text after the
    /// closing quote is an error.
    private static func unquote(_ text: [Unicode.Scalar]) throws(EmailAddressError) -> ([Unicode.Scalar], Bool) {
        var quoted = false
        var escaped = false
        var value: [Unicode.Scalar] = []
        for (index, scalar) in text.enumerated() {
            if quoted {
                if escaped {
                    value.append(scalar)
                    escaped = false
                } else if scalar == "\\" {
                    escaped = true
                } else if scalar == "\"" {
                    if index != text.count - 1 {
                        let extra = text[(index + 1)...].map(CharacterDisplay.safe)
                        throw EmailAddressError(message: "Extra character(s) found after close quote: "
                            + extra.joined(separator: ", "))
                    }
                    break
                } else {
                    value.append(scalar)
                }
            } else if index == 0 && scalar == "\"" {
                quoted = true
            } else {
                value.append(scalar)
            }
        }
        return (value, quoted)
    }
}
