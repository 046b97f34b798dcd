import Vapor

/// The address of the client behind a request, for per-IP rate limits.
///
/// The peer's address is used, unless the peer is one of `TRUSTED_PROXIES`: then
/// `X-Forwarded-For` is read from the right, skipping trusted proxies, and the first address that
/// is not one is the client (the rightmost untrusted hop: what a client cannot forge by sending
/// its own header, as OWASP and RFC 7239 § 8.3 advise). A header that does not parse leaves the
/// peer as the client. Without `TRUSTED_PROXIES` the header is ignored: anyone could write it.
public struct ClientAddressResolver: Sendable {
    public var trustedProxies: [IPNetwork]

    public init(trustedProxies: [IPNetwork]) {
        self.trustedProxies = trustedProxies
    }

    /// The client's address as a rate-limit key: IPv4 as written, IPv6 by its /64 prefix (one
    /// subscriber is usually given a whole /64, so single addresses would be free to rotate).
    /// `"unknown"` when the peer has no IP address (a Unix socket, an in-memory test).
    public func key(peer: String?, forwardedFor: [String]) -> String {
        guard let client = address(peer: peer, forwardedFor: forwardedFor) else { return peer ?? "unknown" }
        switch IPNetwork.unmapped(client) {
        case .v4(let value): return IPAddress.v4(value).description
        case .v6(let high, _): return "\(IPAddress.v6(high: high, low: 0))/64"
        }
    }

    /// The client's address (see the type's documentation).
    func address(peer: String?, forwardedFor: [String]) -> IPAddress? {
        guard let peer, let peerAddress = IPAddress(peer) else { return nil }
        guard isTrusted(peerAddress) else { return peerAddress }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard let address = IPAddress(Self.strippingPort(hop)) else { return peerAddress }
            if !isTrusted(address) { return address }
        }
        return peerAddress
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// `[2001:db8::1]:443` -> `2001:db8::1`, `192.0.2.1:80` -> `192.0.2.1`.
    static func strippingPort(_ hop: String) -> String {
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") {
            return String(hop[hop.index(after: hop.startIndex)..<close])
        }
        if hop.filter({ $0 == ":" }).count == 1, let colon = hop.firstIndex(of: ":") {
            return String(hop[..<colon])
        }
        return hop
    }
}

extension Request {
    /// The rate-limit key of the client's address (see `ClientAddressResolver`).
    var clientAddressKey: String {
        hirebase.clientAddresses.key(peer: remoteAddress?.ipAddress, forwardedFor: headers[.xForwardedFor])
    }
}
