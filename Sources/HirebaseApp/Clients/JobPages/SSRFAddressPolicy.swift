/// Which addresses the job-page fetcher may connect to: only globally reachable unicast.
///
/// The ranges are those of the IANA IPv4 and IPv6 Special-Purpose Address Registries
/// (RFC 6890, updated by RFC 8190) that are not "globally reachable", plus the deprecated or
/// transition forms that embed an IPv4 address, following the OWASP Server-Side Request Forgery
/// Prevention Cheat Sheet ("validate every resolved address; block private, loopback,
/// link-local and metadata ranges, including their IPv6 encodings").
///
/// IPv6 is allowed only inside global unicast `2000::/3` (RFC 4291 § 2.4), minus the special
/// ranges below; an address that embeds IPv4 (mapped, compatible, NAT64, 6to4) is judged by the
/// IPv4 address inside it.
public enum SSRFAddressPolicy {
    /// - Returns: why `address` is refused (the range's name, e.g. `"loopback"`), or `nil` when
    ///   it is a globally reachable unicast address the fetcher may connect to.
    public static func refusal(for address: IPAddress) -> String? {
        switch address {
        case .v4(let value):
            return refusal(v4: value)
        case .v6(let high, let low):
            return refusal(v6High: high, low: low)
        }
    }

    /// IPv4 ranges refused, each with its source.
    static let blockedIPv4: [(prefix: UInt32, length: Int, name: String)] = [
        (0x0000_0000, 8, "unspecified / this network (RFC 791, RFC 6890)"),
        (0x0A00_0000, 8, "private (RFC 1918)"),
        (0x6440_0000, 10, "shared CGNAT (RFC 6598)"),
        (0x7F00_0000, 8, "loopback (RFC 1122)"),
        (0xA9FE_0000, 16, "link-local / cloud metadata (RFC 3927)"),
        (0xAC10_0000, 12, "private (RFC 1918)"),
        (0xC000_0000, 24, "IETF protocol assignments (RFC 6890)"),
        (0xC000_0200, 24, "documentation TEST-NET-1 (RFC 5737)"),
        (0xC058_6300, 24, "6to4 relay anycast (RFC 7526)"),
        (0xC0A8_0000, 16, "private (RFC 1918)"),
        (0xC612_0000, 15, "benchmarking (RFC 2544)"),
        (0xC633_6400, 24, "documentation TEST-NET-2 (RFC 5737)"),
        (0xCB00_7100, 24, "documentation TEST-NET-3 (RFC 5737)"),
        (0xE000_0000, 4, "multicast (RFC 5771)"),
        // 240/4 includes the limited broadcast address 255.255.255.255 (RFC 919).
        (0xF000_0000, 4, "reserved / broadcast (RFC 1112, RFC 919)"),
    ]

    static func refusal(v4 value: UInt32) -> String? {
        for range in blockedIPv4 {
            let mask: UInt32 = range.length == 0 ? 0 : ~UInt32(0) << (32 - range.length)
            if value & mask == range.prefix { return range.name }
        }
        return nil
    }

    static func refusal(v6High high: UInt64, low: UInt64) -> String? {
        let embeddedV4 = UInt32(truncatingIfNeeded: low)
        if high == 0 {
            if low == 0 { return "unspecified (RFC 4291)" }
            if low == 1 { return "loopback (RFC 4291)" }
            if low >> 32 == 0xFFFF {
                // IPv4-mapped: the socket layer connects to the IPv4 address inside.
                return refusal(v4: embeddedV4).map { "IPv4-mapped \($0)" }
            }
            // IPv4-compatible (::a.b.c.d) is deprecated (RFC 4291 § 2.5.5.1) and no global host
            // uses it, so the whole ::/96 is refused; the rest of ::/8 is reserved.
            return "IPv4-compatible / reserved (RFC 4291)"
        }
        if high == 0x0064_FF9B_0000_0000, low >> 32 == 0 {
            // NAT64 well-known prefix (RFC 6052): the translator connects to the IPv4 inside.
            return refusal(v4: embeddedV4).map { "NAT64 \($0)" }
        }
        if high >> 16 == 0x0064_FF9B_0001 { return "local-use NAT64 (RFC 8215)" }
        if high >> 56 == 0xFF { return "multicast (RFC 4291)" }
        if high >> 54 == 0xFE80 >> 6 { return "link-local (RFC 4291)" }
        if high >> 54 == 0xFEC0 >> 6 { return "site-local (RFC 3879)" }
        if high >> 57 == 0xFC00 >> 9 { return "unique-local (RFC 4193)" }
        if high >> 48 == 0x2002 {
            // 6to4 (RFC 3056): the relay forwards to the IPv4 address in bits 16...47.
            let v4 = UInt32(truncatingIfNeeded: high >> 16)
            return refusal(v4: v4).map { "6to4 \($0)" }
        }
        if high >> 32 == 0x2001_0DB8 { return "documentation (RFC 3849)" }
        if high >> 44 == 0x3FFF0 { return "documentation (RFC 9637)" }
        // 2001::/23 holds Teredo 2001::/32 (it tunnels to an obfuscated IPv4 host), ORCHID and
        // other IETF protocol assignments (RFC 2928, RFC 6890); no job board lives there.
        if high >> 41 == 0x2001_0000_0000_0000 >> 41 { return "IETF protocol assignments / Teredo (RFC 6890)" }
        if high >> 61 != 0b001 { return "not global unicast (RFC 4291)" }
        return nil
    }
}
