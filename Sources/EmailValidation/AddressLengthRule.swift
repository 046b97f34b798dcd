/// The 254-octet limit on a whole address: RFC 5321 §4.5.3.1.3 caps a forward path at 256
/// octets including the angle brackets (RFC 3696 errata 1003/1690).
///
/// As in python `email-validator` 2.3, three forms of the address must fit, counted in UTF-8
/// because SMTPUTF8 (RFC 6531) servers count bytes: the input as given (callers may keep using
/// it), the normalized form (what callers should store), and the form with the IDNA ASCII
/// domain (what a server without SMTPUTF8 receives).
enum AddressLengthRule {
    static let maximumOctets = 254

    /// - Parameters:
    ///   - original: the address as given (without any display name).
    ///   - normalized: local part and Unicode domain after normalization.
    ///   - asciiDomainForm: the local part with the IDNA ASCII domain.
    static func check(
        original: [Unicode.Scalar], normalized: [Unicode.Scalar], asciiDomainForm: [Unicode.Scalar]
    ) throws(EmailAddressError) {
        let forms: [([Unicode.Scalar], String?)] = [
            (original, nil),
            (normalized, "after normalization"),
            (asciiDomainForm, "when the part after the @-sign is converted to IDNA ASCII"),
        ]
        for (address, context) in forms {
            let octets = address.utf8Count
            let excess = octets - maximumOctets
            guard excess > 0 else { continue }
            let plural = excess > 1 ? "s" : ""
            let reason: String
            if let context {
                // After normalization the input characters to blame cannot be known, so bytes
                // are counted.
                reason = "\(context) (\(excess) byte\(plural) too many)"
            } else if octets == address.count {
                let characters = address.count - maximumOctets
                reason = "(\(characters) character\(characters > 1 ? "s" : "") too many)"
            } else {
                // The excess in characters lies between the excess in bytes divided by the
                // widest character's byte count and the excess in bytes itself.
                let widest = address.map(UTF8.width).max() ?? 1
                let fewest = max(1, excess / widest)
                reason = fewest == excess
                    ? "(\(excess) character\(plural) too many)"
                    : "(\(fewest)-\(excess) character\(plural) too many)"
            }
            throw EmailAddressError(message: "The email address is too long \(reason).")
        }
    }
}
