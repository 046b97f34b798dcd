/// Reads a bracketed address literal after the @-sign (RFC 5321 §4.1.3, RFC 5322 §3.4.1):
/// `[192.0.2.1]` or `[IPv6:2001:db8::1]`.
///
/// With the default options the python library refuses every literal, but it parses it first
/// so that a malformed one gets a message about what is wrong with it; that is reproduced here,
/// including the wording of python's `ipaddress` module for the inner detail.
enum DomainLiteralValidator {
    /// Checks the text between the brackets; returns normally when it is a well-formed IPv4 or
    /// IPv6 literal (which the caller then refuses as "not allowed").
    static func validate(_ literal: [Unicode.Scalar]) throws(EmailAddressError) {
        if looksLikeIPv4(literal) {
            if let problem = ipv4Problem(literal) {
                throw EmailAddressError(message: "The address in brackets after the @-sign is not valid: "
                    + "It is not an IPv4 address (\(problem)) or is missing an address literal tag.")
            }
            return
        }
        let tag = [Unicode.Scalar](ascii: "IPv6:")
        if literal.hasPrefix(tag) {
            if let problem = ipv6Problem(Array(literal.dropFirst(tag.count))) {
                throw EmailAddressError(message: "The IPv6 address in brackets after the @-sign is not valid (\(problem)).")
            }
            return
        }
        if !literal.contains(":") {
            throw EmailAddressError(message: "The part after the @-sign in brackets is not an IPv4 address "
                + "and has no address literal tag.")
        }
        // RFC 5322 dtext (printable ASCII without brackets and backslash); IANA's address literal
        // tag registry has no other tag than IPv6, so a tag with valid text is still refused.
        let bad = literal.filter { !(0x21...0xFA).contains($0.value) }
        if !bad.isEmpty {
            throw EmailAddressError(message: "The part after the @-sign contains invalid characters in brackets: "
                + CharacterDisplay.sortedList(of: bad) + ".")
        }
        throw EmailAddressError(message: "The part after the @-sign contains an invalid address literal tag in brackets.")
    }

    /// The python library's `^[0-9\.]+$` test; `$` also matches before one final newline.
    private static func looksLikeIPv4(_ literal: [Unicode.Scalar]) -> Bool {
        var body = literal[...]
        if body.last == "\n" { body = body.dropLast() }
        return !body.isEmpty && body.allSatisfy { $0 == "." || (0x30...0x39).contains($0.value) }
    }

    /// Why `text` is not a dotted-quad IPv4 address, in python `ipaddress` wording; nil if it is one.
    private static func ipv4Problem(_ text: [Unicode.Scalar]) -> String? {
        let repr = CharacterDisplay.pythonRepr(text)
        if text.isEmpty { return "Address cannot be empty" }
        if text.contains("/") { return "Unexpected '/' in \(repr)" }
        let octets = text.pieces(separatedBy: ".")
        guard octets.count == 4 else { return "Expected 4 octets in \(repr)" }
        for octet in octets {
            if let problem = octetProblem(octet) { return "\(problem) in \(repr)" }
        }
        return nil
    }

    private static func octetProblem(_ octet: [Unicode.Scalar]) -> String? {
        if octet.isEmpty { return "Empty octet not permitted" }
        let repr = CharacterDisplay.pythonRepr(octet)
        guard octet.allSatisfy({ (0x30...0x39).contains($0.value) }) else {
            return "Only decimal digits permitted in \(repr)"
        }
        if octet.count > 3 { return "At most 3 characters permitted in \(repr)" }
        if octet.count > 1 && octet[0] == "0" { return "Leading zeros are not permitted in \(repr)" }
        let value = octet.reduce(0) { $0 * 10 + Int($1.value - 0x30) }
        if value > 255 { return "Octet \(value) (> 255) not permitted" }
        return nil
    }

    /// Why `text` is not an IPv6 address (RFC 4291 §2.2 text forms, with an optional RFC 4007
    /// zone), in python `ipaddress` wording; nil if it is one.
    private static func ipv6Problem(_ text: [Unicode.Scalar]) -> String? {
        let wholeRepr = CharacterDisplay.pythonRepr(text)
        if text.contains("/") { return "Unexpected '/' in \(wholeRepr)" }
        var address = text
        if let percent = text.firstIndex(of: "%") {
            let zone = text[(percent + 1)...]
            if zone.isEmpty || zone.contains("%") {
                return "Invalid IPv6 address: \"\(wholeRepr)\""
            }
            address = Array(text[..<percent])
        }
        let repr = CharacterDisplay.pythonRepr(address)
        if address.isEmpty { return "Address cannot be empty" }

        var parts = address.pieces(separatedBy: ":")
        if parts.count < 3 { return "At least 3 parts expected in \(repr)" }
        if let last = parts.last, last.contains(".") {
            // An embedded IPv4 address stands for the last two groups.
            if let problem = ipv4Problem(last) { return "\(problem) in \(repr)" }
            parts.removeLast()
            parts.append(contentsOf: [[Unicode.Scalar](ascii: "0"), [Unicode.Scalar](ascii: "0")])
        }
        if parts.count > 9 { return "At most 8 colons permitted in \(repr)" }

        var skipIndex: Int?
        for index in 1..<(parts.count - 1) where parts[index].isEmpty {
            if skipIndex != nil { return "At most one '::' permitted in \(repr)" }
            skipIndex = index
        }

        var leading: Int
        var trailing: Int
        if let skipIndex {
            leading = skipIndex
            trailing = parts.count - skipIndex - 1
            if parts[0].isEmpty {
                leading -= 1
                if leading > 0 { return "Leading ':' only permitted as part of '::' in \(repr)" }
            }
            if parts[parts.count - 1].isEmpty {
                trailing -= 1
                if trailing > 0 { return "Trailing ':' only permitted as part of '::' in \(repr)" }
            }
            if 8 - (leading + trailing) < 1 { return "Expected at most 7 other parts with '::' in \(repr)" }
        } else {
            if parts.count != 8 { return "Exactly 8 parts expected without '::' in \(repr)" }
            if parts[0].isEmpty { return "Leading ':' only permitted as part of '::' in \(repr)" }
            if parts[7].isEmpty { return "Trailing ':' only permitted as part of '::' in \(repr)" }
            leading = parts.count
            trailing = 0
        }
        let groups = Array(parts[..<leading]) + Array(parts[(parts.count - trailing)...])
        for group in groups {
            if let problem = hextetProblem(group) { return "\(problem) in \(repr)" }
        }
        return nil
    }

    private static func hextetProblem(_ group: [Unicode.Scalar]) -> String? {
        let repr = CharacterDisplay.pythonRepr(group)
        guard group.allSatisfy({ $0.properties.isASCIIHexDigit }) else {
            return "Only hex digits permitted in \(repr)"
        }
        if group.count > 4 { return "At most 4 characters permitted in \(repr)" }
        return nil
    }
}
