/// Decides whether a string is an acceptable e-mail address, and normalizes it, exactly as python
/// `email-validator` 2.3 does with `validate_email(address, check_deliverability=False)` and
/// its default options.
///
/// Those defaults, and so this validator:
/// - accept internationalized addresses (SMTPUTF8, RFC 6531): non-ASCII local parts and IDNA
///   domains (RFC 5890-5893 with the UTS #46 mapping);
/// - refuse quoted local parts (`"john doe"@example.com`), bracketed IP literals
///   (`me@[192.0.2.1]`), display names (`Name <me@example.com>`) and empty local parts;
/// - require a domain that could be globally deliverable: it has a dot, ends in a letter, and is
///   not a special-use name (`.arpa`, `.invalid`, `.local`, `.localhost`, `.onion`, `.test`);
/// - limit the whole address to 254 UTF-8 octets and domain labels to 63 octets, but not the
///   local part to 64 (python's non-strict mode);
/// - refuse characters that are unsafe to display (controls, bidi overrides, unassigned, …).
///
/// No DNS look-up is made; whether the domain accepts mail is not checked.
///
/// Unicode data (categories, names, normalization, case mapping) comes from the Swift runtime,
/// with the repertoire pinned to the Unicode version of the python the verdicts were checked
/// against (``UnicodeReference``). See ``IDNA`` for what of IDNA2008 is covered.
///
/// Verified against the python library on the project's fixture corpus (verdict and normalized
/// form), and, during development, on every code point in four positions of an address and on a
/// million generated addresses (verdict, message and normalized form).
public struct EmailAddressValidator: Sendable {
    /// Inputs longer than this many UTF-8 octets are refused as too long without further
    /// parsing: any such address fails the 254-octet limit anyway, and the bound keeps the
    /// per-character NFC look-ahead of the splitter from growing quadratically on hostile input.
    static let parsingLimit = 4_096

    /// Creates a validator with the python library's default options.
    public init() {}

    /// Validates `address` and returns its normalized parts.
    ///
    /// The input is taken as is: surrounding white space is not trimmed (python's library does
    /// not trim either, so `" a@example.com"` is refused).
    ///
    /// - Throws: ``EmailAddressError`` describing the first rule the address breaks, in the order
    ///   and wording of the python library.
    public func validate(_ address: String) throws(EmailAddressError) -> ValidatedEmailAddress {
        let input = Array(address.unicodeScalars)
        if input.utf8Count > Self.parsingLimit {
            try AddressLengthRule.check(original: input, normalized: [], asciiDomainForm: [])
        }

        let parts = try AddressSplitter.split(input)
        let quotedOriginal: [Unicode.Scalar] = parts.localPartWasQuoted
            ? ["\""] + parts.localPart + ["\""] : parts.localPart
        let original = quotedOriginal + ["@"] + parts.domain

        let checkedLocal = try LocalPartValidator.validate(parts.localPart, wasQuoted: parts.localPartWasQuoted)
        var localPart = checkedLocal.localPart
        var asciiLocalPart = checkedLocal.asciiLocalPart

        // RFC 6532 §3.1 asks for NFC. The normalized form must itself be valid, because callers
        // will use it in place of the input.
        let composed = localPart.nfc
        if !composed.sameScalars(as: localPart) {
            do {
                _ = try LocalPartValidator.validate(composed, wasQuoted: parts.localPartWasQuoted)
            } catch {
                throw EmailAddressError(message: "After Unicode normalization: " + error.message)
            }
            localPart = composed
        }

        // Refused only now so that the mandatory checks above take precedence, as in python.
        if parts.localPartWasQuoted {
            throw EmailAddressError(message: "Quoting the part before the @-sign is not allowed here.")
        }

        // RFC 2142 role mailboxes are case-insensitive by definition.
        if let ascii = asciiLocalPart {
            let lowered = ascii.map(\.asciiLowercased)
            if Self.caseInsensitiveMailboxes.contains(lowered.text) {
                asciiLocalPart = lowered
                localPart = localPart.map(\.asciiLowercased)
            }
        }

        let domain: [Unicode.Scalar]
        let asciiDomain: [Unicode.Scalar]
        if parts.domain.isEmpty {
            throw EmailAddressError(message: "There must be something after the @-sign.")
        } else if parts.domain.first == "[" && parts.domain.last == "]" && parts.domain.count >= 2 {
            try DomainLiteralValidator.validate(Array(parts.domain.dropFirst().dropLast()))
            throw EmailAddressError(message: "A bracketed IP address after the @-sign is not allowed here.")
        } else {
            let checkedDomain = try DomainNameValidator.validate(parts.domain)
            domain = checkedDomain.domain
            asciiDomain = checkedDomain.asciiDomain
        }

        let normalized = localPart + ["@"] + domain
        try AddressLengthRule.check(
            original: original,
            normalized: normalized,
            asciiDomainForm: (asciiLocalPart ?? localPart) + ["@"] + asciiDomain)

        if parts.displayName != nil {
            throw EmailAddressError(message: "A display name and angle brackets around the email address "
                + "are not permitted here.")
        }

        return ValidatedEmailAddress(localPart: localPart.text, domain: domain.text, asciiDomain: asciiDomain.text)
    }

    /// RFC 2142 §3-5 mailbox names, which the python library lower-cases.
    static let caseInsensitiveMailboxes: Set<String> = [
        "info", "marketing", "sales", "support",
        "abuse", "noc", "security",
        "postmaster", "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp",
    ]
}
