/// An address that ``EmailAddressValidator`` accepted, in the normalized form python
/// `email-validator` 2.3 returns.
///
/// Store and compare ``normalized`` rather than the user's input: two inputs that differ only in
/// Unicode composition, in the letter case of the domain, in IDNA encoding (`xn--` labels versus
/// Unicode) or in the case of an RFC 2142 role mailbox (`Postmaster@…`) normalize to the same
/// value.
public struct ValidatedEmailAddress: Sendable, Equatable {
    /// The part before the @-sign, NFC-normalized (RFC 6532 §3.1). Its case is kept, because
    /// RFC 5321 §2.4 lets the receiving host treat local parts case-sensitively, except for the
    /// RFC 2142 role mailboxes (`info`, `postmaster`, `abuse`, …), which are lower-cased as the
    /// python library does.
    public let localPart: String

    /// The part after the @-sign in its Unicode form: lower-cased and mapped by UTS #46, and
    /// with `xn--` labels decoded (so `XN--HXAJBHEG2AZ3AL.xn--jxalpdlp` becomes
    /// `παράδειγμα.δοκιμή`).
    public let domain: String

    /// The same domain as ``domain`` in its IDNA ASCII form (`xn--` labels), the form DNS and
    /// mail servers without SMTPUTF8 (RFC 6531) need. Equal to ``domain`` for ASCII domains.
    public let asciiDomain: String

    /// Creates a value from already-normalized parts; ``EmailAddressValidator`` is the usual
    /// source of these.
    public init(localPart: String, domain: String, asciiDomain: String) {
        self.localPart = localPart
        self.domain = domain
        self.asciiDomain = asciiDomain
    }

    /// `localPart@domain`: the form python `email-validator` calls `normalized`, and the one to
    /// store.
    public var normalized: String { localPart + "@" + domain }
}
