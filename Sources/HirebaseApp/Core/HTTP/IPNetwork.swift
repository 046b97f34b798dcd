/// An IP network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`; a bare address is its /32 or
/// /128), for `TRUSTED_PROXIES` (RFC 4632 § 3.1, RFC 4291 § 2.3).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    /// 0...32 for IPv4, 0...128 for IPv6.
    public var prefixLength: Int

    /// Parses `address` or `address/prefix`; `nil` when either part is malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maxLength = if case .v4 = address { 32 } else { 128 }
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...maxLength).contains(length), parts[1].allSatisfy(\.isNumber) else { return nil }
            prefixLength = length
        } else {
            prefixLength = maxLength
        }
        self.address = address
    }

    /// Whether `candidate` lies in this network (an IPv4 address never lies in an IPv6 network
    /// except through its IPv4-mapped form `::ffff:a.b.c.d`, which is compared as IPv4).
    public func contains(_ candidate: IPAddress) -> Bool {
        switch (address, Self.unmapped(candidate)) {
        case (.v4(let network), .v4(let value)):
            guard prefixLength > 0 else { return true }
            let mask = UInt32.max << (32 - prefixLength)
            return network & mask == value & mask
        case (.v6(let networkHigh, let networkLow), .v6(let high, let low)):
            let highBits = min(prefixLength, 64)
            let lowBits = max(prefixLength - 64, 0)
            let highMask: UInt64 = highBits == 0 ? 0 : UInt64.max << (64 - highBits)
            let lowMask: UInt64 = lowBits == 0 ? 0 : UInt64.max << (64 - lowBits)
            return networkHigh & highMask == high & highMask && networkLow & lowMask == low & lowMask
        default:
            return false
        }
    }

    /// `::ffff:a.b.c.d` as the IPv4 address it maps; anything else unchanged.
    static func unmapped(_ address: IPAddress) -> IPAddress {
        if case .v6(0, let low) = address, low >> 32 == 0xFFFF { return .v4(UInt32(truncatingIfNeeded: low)) }
        return address
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
