#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address: what `HostResolving` returns and what `SSRFAddressPolicy` judges.
///
/// Only the canonical textual forms parse: a dotted quad of four decimal octets without leading
/// zeros (the "strict" form of RFC 6943 § 3.1.1) and IPv6 as RFC 4291 § 2.2 writes it, without a
/// zone id. The legacy `inet_aton` forms (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`) are read
/// only by `IPAddress.legacyIPv4(_:)`, so the fetcher can recognise and refuse them.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 address, most significant octet first (`127.0.0.1` is `0x7F00_0001`).
    case v4(UInt32)
    /// An IPv6 address as two 64-bit halves, most significant first.
    case v6(high: UInt64, low: UInt64)

    /// Parses a canonical IPv4 dotted quad or an IPv6 address (no brackets, no zone id).
    public init?(_ text: String) {
        if let v4 = Self.strictIPv4(text) {
            self = .v4(v4)
        } else if text.contains(":"), !text.contains("%"), let bytes = Self.ipv6Bytes(text) {
            self.init(v6Bytes: bytes)
        } else {
            return nil
        }
    }

    /// An IPv6 address from its 16 network-order bytes (`nil` for any other count).
    public init?(v6Bytes bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(bytes[index])
            low = low << 8 | UInt64(bytes[index + 8])
        }
        self = .v6(high: high, low: low)
    }

    /// The canonical text: a dotted quad, or IPv6 as `inet_ntop` writes it (RFC 5952 style).
    /// It is also the form AsyncHTTPClient's `dnsOverride` accepts (`SocketAddress(ipAddress:)`).
    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        case .v6:
            return Self.ipv6Text(v6Bytes) ?? v6Bytes.map { String($0, radix: 16) }.joined(separator: ".")
        }
    }

    /// The 16 network-order bytes of an IPv6 address (empty for IPv4).
    var v6Bytes: [UInt8] {
        guard case .v6(let high, let low) = self else { return [] }
        return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    // MARK: - IPv4 text

    /// A dotted quad of four decimal octets 0...255, no leading zeros, nothing else.
    static func strictIPv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count),
                  part.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  part.count == 1 || part.first != "0",
                  let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    /// Reads `text` the way `inet_aton(3)` and the WHATWG URL Standard's IPv4 parser (§ 3.5) do,
    /// which is how browsers, curl and `getaddrinfo` read a numeric host: one to four parts
    /// separated by dots, each decimal, octal (leading `0`) or hex (`0x`); the last part fills all
    /// remaining bytes (`127.1` is 127.0.0.1, `2130706433` is 127.0.0.1).
    /// - Returns: the address, or `nil` when `text` is not such a number.
    public static func legacyIPv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard let number = legacyNumber(part) else { return nil }
            numbers.append(number)
        }
        var value: UInt64 = 0
        for (index, number) in numbers.dropLast().enumerated() {
            guard number <= 255 else { return nil }
            value |= number << (8 * UInt64(3 - index))
        }
        let lastBits = UInt64(8 * (5 - numbers.count))
        guard let last = numbers.last, last < (1 << lastBits) else { return nil }
        return UInt32(value | last)
    }

    private static func legacyNumber(_ part: Substring) -> UInt64? {
        var digits = part
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
            // WHATWG: a bare `0x` is zero.
            if digits.isEmpty { return 0 }
        } else if digits.count > 1, digits.hasPrefix("0") {
            digits = digits.dropFirst()
            radix = 8
        }
        // More than 12 digits cannot fit 32 bits in any radix; refusing early avoids overflow.
        guard !digits.isEmpty, digits.count <= 12,
              digits.allSatisfy({ $0.isASCII && $0.isHexDigit })
        else { return nil }
        return UInt64(digits, radix: radix)
    }

    /// Whether a host label sequence "ends in a number" (WHATWG URL Standard § 3.5): its last
    /// label is all decimal digits or `0x` + hex digits. Such a host is an IPv4 address in every
    /// browser and in `getaddrinfo`, never a name.
    static func endsInNumber(_ host: String) -> Bool {
        guard let last = host.split(separator: ".", omittingEmptySubsequences: false).last, !last.isEmpty else {
            return false
        }
        if last.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        if last.hasPrefix("0x") || last.hasPrefix("0X") {
            return last.dropFirst(2).allSatisfy { $0.isASCII && $0.isHexDigit }
        }
        return false
    }

    // MARK: - IPv6 text (libc, so the parse is the one SocketAddress(ipAddress:) uses)

    private static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func ipv6Text(_ bytes: [UInt8]) -> String? {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = buffer.withUnsafeMutableBufferPointer { out in
            inet_ntop(AF_INET6, &address, out.baseAddress, socklen_t(out.count))
        }
        guard written != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
