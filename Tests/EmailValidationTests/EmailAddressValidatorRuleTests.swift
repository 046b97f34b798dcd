import Testing
import EmailValidation

/// Named pins for the rules of python `email-validator` 2.3 that matter most to callers, with the
/// library's message where the wording is part of what users see.
@Suite struct EmailAddressValidatorRuleTests {
    let validator = EmailAddressValidator()

    private func message(for address: String) -> String? {
        do {
            _ = try validator.validate(address)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func plainAddressIsAccepted() throws {
        let result = try validator.validate("user+tag@example.com")
        #expect(result == ValidatedEmailAddress(localPart: "user+tag", domain: "example.com", asciiDomain: "example.com"))
        #expect(result.normalized == "user+tag@example.com")
    }

    @Test func domainIsLowerCased() throws {
        let result = try validator.validate("Me.Myself@Example.COM")
        #expect(result.localPart == "Me.Myself")  // local parts keep their case (RFC 5321 §2.4)
        #expect(result.domain == "example.com")
        #expect(result.normalized == "Me.Myself@example.com")
    }

    @Test func roleMailboxIsLowerCased() throws {
        #expect(try validator.validate("PostMaster@example.com").localPart == "postmaster")
    }

    @Test func quotedLocalPartIsRejected() {
        #expect(message(for: "\"john doe\"@example.com") == "Quoting the part before the @-sign is not allowed here.")
        #expect(message(for: "\"unnecessary\"@example.com") == "Quoting the part before the @-sign is not allowed here.")
    }

    @Test func dotAtStartIsRejected() {
        #expect(message(for: ".me@example.com") == "An email address cannot start with a period.")
    }

    @Test func dotBeforeAtSignIsRejected() {
        #expect(message(for: "me.@example.com") == "An email address cannot have a period immediately before the @-sign.")
    }

    @Test func consecutiveDotsAreRejected() {
        #expect(message(for: "me..you@example.com") == "An email address cannot have two periods in a row.")
        #expect(message(for: "me@example..com") == "An email address cannot have two periods in a row.")
    }

    @Test func missingAtSignIsRejected() {
        #expect(message(for: "") == "An email address must have an @-sign.")
        #expect(message(for: "me.example.com") == "An email address must have an @-sign.")
        #expect(message(for: "me\u{FF20}example.com")
            == "The email address has the \"full-width\" at-sign (@) character instead of a regular at-sign.")
    }

    @Test func surroundingSpaceIsNotTrimmed() {
        #expect(message(for: " me@example.com") == "The email address contains invalid characters before the @-sign: SPACE.")
        #expect(message(for: "me@example.com ") == "The part after the @-sign contains invalid characters: SPACE.")
    }

    @Test func displayNameIsRejected() {
        #expect(message(for: "Me <me@example.com>")
            == "A display name and angle brackets around the email address are not permitted here.")
    }

    @Test func domainLiteralIsRejected() {
        #expect(message(for: "me@[192.0.2.1]") == "A bracketed IP address after the @-sign is not allowed here.")
        #expect(message(for: "me@[IPv6:2001:db8::1]") == "A bracketed IP address after the @-sign is not allowed here.")
    }

    @Test func dotlessDomainIsRejected() {
        #expect(message(for: "me@localdomain") == "The part after the @-sign is not valid. It should have a period.")
        #expect(message(for: "me@example.123")
            == "The part after the @-sign is not valid. It is not within a valid top-level domain.")
    }

    @Test(arguments: ["me@example.test", "me@host.localhost", "me@x.onion", "me@printer.local",
                      "me@1.0.0.127.in-addr.arpa", "me@example.invalid"])
    func specialUseDomainIsRejected(address: String) {
        #expect(message(for: address)
            == "The part after the @-sign is a special-use or reserved name that cannot be used with email.")
    }

    @Test func exampleDomainsAreAccepted() throws {
        // RFC 6761 asks software not to treat example.com specially.
        #expect(try validator.validate("me@example.com").domain == "example.com")
    }

    @Test func longLocalPartIsAccepted() throws {
        // RFC 5321's 64-octet local-part limit is only enforced in the python library's strict mode.
        let local = String(repeating: "a", count: 100)
        #expect(try validator.validate(local + "@example.com").localPart == local)
    }

    @Test func addressLongerThan254OctetsIsRejected() throws {
        let domain = [String](repeating: String(repeating: "d", count: 60), count: 3).joined(separator: ".") + ".com"
        let fits = String(repeating: "a", count: 254 - 1 - domain.count) + "@" + domain
        #expect(fits.utf8.count == 254)
        #expect(try validator.validate(fits).normalized == fits)
        #expect(message(for: "a" + fits) == "The email address is too long (1 character too many).")
    }

    @Test func domainLabelLongerThan63OctetsIsRejected() throws {
        let label63 = String(repeating: "x", count: 63)
        #expect(try validator.validate("me@\(label63).com").domain == "\(label63).com")
        #expect(message(for: "me@x\(label63).com")
            == "After the @-sign, periods cannot be separated by so many characters (1 character too many).")
    }

    @Test func domainLongerThan253OctetsIsRejected() {
        let domain = [String](repeating: String(repeating: "d", count: 63), count: 4).joined(separator: ".")
        #expect(domain.count == 255)
        #expect(message(for: "me@" + domain) == "The email address is too long after the @-sign (2 characters too many).")
    }

    @Test func hyphenRulesApplyToDomainLabels() {
        #expect(message(for: "me@-example.com") == "An email address cannot have a hyphen immediately after the @-sign.")
        #expect(message(for: "me@example-.com") == "An email address cannot have a period and a hyphen next to each other.")
        #expect(message(for: "me@ab--cd.com") == "An email address cannot have two letters followed by two dashes "
            + "immediately after the @-sign or after a period, except Punycode.")
    }

    @Test func internationalAddressIsAccepted() throws {
        let result = try validator.validate("θσερ@εχαμπλε.ψομ")
        #expect(result.localPart == "θσερ")
        #expect(result.domain == "εχαμπλε.ψομ")
        #expect(result.asciiDomain == "xn--mxahbxey0c.xn--xxaf0a")
    }

    @Test func punycodeDomainIsDecoded() throws {
        let result = try validator.validate("test@XN--HXAJBHEG2AZ3AL.xn--jxalpdlp")
        #expect(result.domain == "παράδειγμα.δοκιμή")
        #expect(result.asciiDomain == "xn--hxajbheg2az3al.xn--jxalpdlp")
    }

    @Test func invalidPunycodeIsRejected() {
        #expect(message(for: "me@xn--0.tld") == "The part after the @-sign is not valid IDNA (Invalid A-label).")
    }

    @Test func fullWidthDotsAreMappedBeforeDotRules() throws {
        #expect(try validator.validate("me@example\u{FF0E}com").domain == "example.com")
        #expect(message(for: "me@\u{FF0E}example.com") == "An email address cannot have a period immediately after the @-sign.")
    }

    @Test func localPartIsNFCNormalized() throws {
        let decomposed = "e\u{301}milie@example.com"
        let result = try validator.validate(decomposed)
        #expect(Array(result.localPart.unicodeScalars) == ["\u{E9}", "m", "i", "l", "i", "e"])
    }

    @Test func unsafeCharactersAreRejected() {
        #expect(message(for: "\u{202D}forward-\u{202E}reversed@example.com")
            == "The email address contains unsafe characters: LEFT-TO-RIGHT OVERRIDE, RIGHT-TO-LEFT OVERRIDE.")
        #expect(message(for: "me@exam\u{200B}ple.com") == "The email address contains unsafe characters: ZERO WIDTH SPACE.")
    }

    @Test func controlCharactersAreRejected() {
        #expect(message(for: "me\u{0}@example.com") == "The email address contains invalid characters before the @-sign: U+0000.")
    }
}
