/// The rules for a domain name after the @-sign, in the order python `email-validator` 2.3
/// applies them (the order decides which message a user sees first).
///
/// Sources: RFC 952 and RFC 1123 §2.1 (host name syntax), RFC 5890/5891 and UTS #46 (IDNA),
/// RFC 1035 §2.3.4 and RFC 5321 §4.5.3.1.2 (length), RFC 6761/6762/7686 (special-use names),
/// and the python library's own "globally deliverable" policy: a domain needs a dot and must end
/// in a letter, because no public TLD accepts mail on its own and every TLD ends in a letter.
enum DomainNameValidator {
    /// An accepted domain.
    struct Result {
        /// The IDNA ASCII form.
        var asciiDomain: [Unicode.Scalar]
        /// The Unicode form, decoded from the ASCII form so that it is canonical.
        var domain: [Unicode.Scalar]
    }

    /// Names that are reserved or cannot be reached globally, with all their subdomains. The
    /// `example` domains are deliberately absent: RFC 6761 asks software not to special-case
    /// them.
    static let specialUseDomains: [String] = ["arpa", "invalid", "local", "localhost", "onion", "test"]

    static func validate(_ input: [Unicode.Scalar]) throws(EmailAddressError) -> Result {
        let bad = input.filter { !CharacterRules.isInternationalHostnameCharacter($0) }
        if !bad.isEmpty {
            throw EmailAddressError(message: "The part after the @-sign contains invalid characters: "
                + CharacterDisplay.sortedList(of: bad) + ".")
        }
        try CharacterRules.checkUnsafe(input)

        // Refuse what UTS #46 would refuse, with a clearer message than the idna package's.
        let unmappable = input.filter { !isAcceptableBeforeMapping($0) }
        if !unmappable.isEmpty {
            throw EmailAddressError(message: "The part after the @-sign contains invalid characters: "
                + CharacterDisplay.sortedList(of: unmappable) + ".")
        }

        // Mapping lower-cases, applies NFKC and turns the ideographic and full-width stops into
        // dots, so it must come before any check that looks at dots or hyphens.
        let domain: [Unicode.Scalar]
        do {
            domain = try IDNA.uts46Remap(input)
        } catch {
            throw EmailAddressError(message: "The part after the @-sign contains invalid characters (\(error.message)).")
        }
        let badAfterMapping = domain.filter { !CharacterRules.isInternationalHostnameCharacter($0) }
        if !badAfterMapping.isEmpty {
            throw EmailAddressError(message: "The part after the @-sign contains invalid characters after "
                + "Unicode normalization: " + CharacterDisplay.sortedList(of: badAfterMapping) + ".")
        }

        try CharacterRules.checkDotPlacement(
            domain,
            start: { "An email address cannot have a \($0) immediately after the @-sign." },
            end: { "An email address cannot end with a \($0)." },
            isHostname: true)

        // RFC 5890 §2.3.1 reserves "??--" labels (R-LDH) for IDNA; only "xn--" is in use.
        for label in domain.pieces(separatedBy: ".") where isReservedLDHLabel(label) {
            throw EmailAddressError(message: "An email address cannot have two letters followed by two "
                + "dashes immediately after the @-sign or after a period, except Punycode.")
        }

        let asciiDomain: [Unicode.Scalar]
        if CharacterRules.isHostname(domain) {
            asciiDomain = domain
        } else {
            do {
                var labels: [[Unicode.Scalar]] = []
                for label in domain.pieces(separatedBy: ".") {
                    labels.append(try IDNA.aLabel(label))
                }
                asciiDomain = Array(labels.joined(separator: [Unicode.Scalar("." as Unicode.Scalar)]))
            } catch {
                throw EmailAddressError(message: "The part after the @-sign is invalid (\(error.message)).")
            }
            if !CharacterRules.isHostname(asciiDomain) {
                throw EmailAddressError(message: "The email address contains invalid characters after "
                    + "the @-sign after IDNA encoding.")
            }
        }

        try checkLengths(asciiDomain, input: input)
        try checkDeliverableShape(asciiDomain)

        let unicodeDomain: [Unicode.Scalar]
        do {
            unicodeDomain = try IDNA.decode(asciiDomain)
        } catch {
            throw EmailAddressError(message: "The part after the @-sign is not valid IDNA (\(error.message)).")
        }

        // Decoding `xn--` labels given in the input could in principle yield something the
        // checks above never saw, so the Unicode form is checked again.
        let badDecoded = unicodeDomain.filter { !CharacterRules.isInternationalHostnameCharacter($0) }
        if !badDecoded.isEmpty {
            throw EmailAddressError(message: "The part after the @-sign contains invalid characters: "
                + CharacterDisplay.sortedList(of: badDecoded) + ".")
        }
        try CharacterRules.checkUnsafe(unicodeDomain)
        do {
            _ = try IDNA.encode(unicodeDomain)
        } catch {
            throw EmailAddressError(message: "The part after the @-sign became invalid after normalizing "
                + "to international characters (\(error.message)).")
        }
        return Result(asciiDomain: asciiDomain, domain: unicodeDomain)
    }

    /// The python library's pre-filter for characters UTS #46 would refuse: C1 controls,
    /// unassigned/private-use/format characters and separators (some of which UTS #46 would
    /// accept, but a domain cannot hold), and characters whose decomposition holds a FULL STOP
    /// (such as `⒈`), which mapping would turn into an unexpected label break.
    private static func isAcceptableBeforeMapping(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch value {
        case 0x80...0x9F:
            return false
        case 0x2024...0x2026, 0x2028...0x202E:
            break
        case 0x2010...0x2060, 0x00AD, 0x2064, 0xFF0E, 0x200B...0x200D, 0x1BCA0...0x1BCA3:
            return true
        default:
            break
        }
        switch scalar.categoryCode {
        case "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp":
            return false
        default:
            break
        }
        return !decomposesWithFullStop.contains(value)
    }

    /// Code points whose UnicodeData.txt decomposition mapping contains U+002E FULL STOP.
    private static let decomposesWithFullStop: Set<UInt32> = Set(
        [0x2024, 0x2025, 0x2026, 0x33C2, 0x33C7, 0x33D8, 0xFE52, 0xFF0E, 0x1F100]
            + Array(0x2488...0x249B))

    /// A label whose third and fourth characters are hyphens and whose first two are not "xn"
    /// (in any case).
    private static func isReservedLDHLabel(_ label: [Unicode.Scalar]) -> Bool {
        guard label.count >= 4, label[2] == "-", label[3] == "-" else { return false }
        let isPunycodePrefix = (label[0] == "x" || label[0] == "X") && (label[1] == "n" || label[1] == "N")
        return !isPunycodePrefix
    }

    private static func checkLengths(_ asciiDomain: [Unicode.Scalar], input: [Unicode.Scalar]) throws(EmailAddressError) {
        if asciiDomain.count > 253 {
            let excess = asciiDomain.count - 253
            if asciiDomain.sameScalars(as: input) {
                throw EmailAddressError(message: "The email address is too long after the @-sign "
                    + "(\(excess) character\(excess > 1 ? "s" : "") too many).")
            }
            throw EmailAddressError(message: "The email address is too long after the @-sign "
                + "(\(excess) byte\(excess == 1 ? "" : "s") too many after IDNA encoding).")
        }
        for label in asciiDomain.pieces(separatedBy: ".") where label.count > 63 {
            let excess = label.count - 63
            throw EmailAddressError(message: "After the @-sign, periods cannot be separated by so many "
                + "characters (\(excess) character\(excess > 1 ? "s" : "") too many).")
        }
    }

    private static func checkDeliverableShape(_ asciiDomain: [Unicode.Scalar]) throws(EmailAddressError) {
        // ICANN has prohibited dotless domains for new gTLDs since 2013.
        if !asciiDomain.contains(".") {
            throw EmailAddressError(message: "The part after the @-sign is not valid. It should have a period.")
        }
        guard let last = asciiDomain.last,
              (0x41...0x5A).contains(last.value) || (0x61...0x7A).contains(last.value) else {
            throw EmailAddressError(message: "The part after the @-sign is not valid. It is not within a "
                + "valid top-level domain.")
        }
        let text = asciiDomain.text
        for special in specialUseDomains where text == special || text.hasSuffix("." + special) {
            throw EmailAddressError(message: "The part after the @-sign is a special-use or reserved name "
                + "that cannot be used with email.")
        }
    }
}
