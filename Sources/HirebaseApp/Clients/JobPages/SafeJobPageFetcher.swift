import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// The live `JobPageFetching`: fetches a page for `POST /scrape` without letting the URL (or a
/// redirect) reach the server's own network. It follows the OWASP Server-Side Request Forgery
/// Prevention Cheat Sheet ("case 2: the application can send requests to any external address"):
///
/// 1. Only `http` and `https`; no userinfo (`http://user@host` is a classic filter bypass).
/// 2. The host is read as every resolver would read it. IPv4 written in the legacy `inet_aton`
///    forms (decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.0.0.1`, short `127.1`, or a
///    dotted quad with a trailing dot) is refused outright, whatever address it denotes: no real
///    job board is written so, and such forms exist in URLs only to slip past filters. IPv6
///    literals with a zone id (`[fe80::1%25eth0]`) are refused. `localhost` and `*.localhost`
///    (RFC 6761 § 6.3) are refused without asking DNS.
/// 3. A name is resolved once per hop (`HostResolving`), every address is checked against
///    `SSRFAddressPolicy` (RFC 6890 special-purpose registries), and the connection goes to a
///    checked address, pinned through AsyncHTTPClient's `dnsOverride`, so DNS cannot answer
///    differently between check and connect (DNS rebinding). The `Host` header and TLS SNI and
///    certificate check keep the name.
/// 4. Redirects are followed here, not by the client: at most `maxRedirects`, each `Location`
///    resolved against the current URL (RFC 3986 § 5.2, via `URL(string:relativeTo:)`) and the
///    new URL checked again from step 1.
/// 5. Connect and total timeouts; the body is streamed and abandoned as soon as it passes
///    `maxBodyBytes` (a declared `Content-Length` over the cap is refused before reading).
/// 6. Only a 2xx answer of the expected kind (`ExpectedContent`) is returned; the media type is
///    checked before the body is read.
///
/// `allowPrivateHosts` lists exact `host:port` targets (as written in the URL, lowercased, IPv6
/// in brackets, port defaulted to 80/443) that skip the address check, for tests and local
/// development only (`SCRAPE_ALLOW_PRIVATE_HOSTS`; production refuses to start with it set).
///
/// Each hop runs on its own short-lived `HTTPClient`, because `dnsOverride` is a client-wide
/// setting (AsyncHTTPClient has no per-request override); connections are therefore never reused
/// between hops or fetches, which is also what pinning requires. No proxy is ever configured: a
/// proxy would resolve the name itself and defeat the pinning.
public struct SafeJobPageFetcher: JobPageFetching {
    /// Sent as `User-Agent` so site owners can identify and contact the bot.
    public static let userAgent = "HirebaseBot/0.1 (+https://hirebase.example/bot)"

    let eventLoopGroup: any EventLoopGroup
    let allowPrivateHosts: Set<String>
    let connectTimeout: Duration
    let totalTimeout: Duration
    let maxBodyBytes: Int
    let maxRedirects: Int
    let resolver: any HostResolving

    /// - Parameters:
    ///   - httpClient: the application's client; only its event loop group is used (each hop
    ///     gets a client of its own, see the type's documentation).
    ///   - allowPrivateHosts: exact `host:port` entries that skip the address check (tests and
    ///     development only).
    ///   - connectTimeout: per connection attempt.
    ///   - totalTimeout: for the whole fetch: resolution, every redirect and the body.
    ///   - maxBodyBytes: the largest body accepted (default 2 MB).
    ///   - maxRedirects: redirects followed before `tooManyRedirects` (default 5).
    ///   - resolver: name resolution (`SystemHostResolver` on a pool of its own).
    public init(
        httpClient: HTTPClient,
        allowPrivateHosts: Set<String>,
        connectTimeout: Duration = .seconds(5),
        totalTimeout: Duration = .seconds(15),
        maxBodyBytes: Int = 2_000_000,
        maxRedirects: Int = 5,
        resolver: any HostResolving
    ) {
        self.init(
            eventLoopGroup: httpClient.eventLoopGroup,
            allowPrivateHosts: allowPrivateHosts,
            connectTimeout: connectTimeout,
            totalTimeout: totalTimeout,
            maxBodyBytes: maxBodyBytes,
            maxRedirects: maxRedirects,
            resolver: resolver)
    }

    /// As `init(httpClient:...)`, with the event loop group the per-hop clients run on.
    public init(
        eventLoopGroup: any EventLoopGroup,
        allowPrivateHosts: Set<String>,
        connectTimeout: Duration = .seconds(5),
        totalTimeout: Duration = .seconds(15),
        maxBodyBytes: Int = 2_000_000,
        maxRedirects: Int = 5,
        resolver: any HostResolving
    ) {
        self.eventLoopGroup = eventLoopGroup
        self.allowPrivateHosts = Set(allowPrivateHosts.map { $0.lowercased() })
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxBodyBytes = maxBodyBytes
        self.maxRedirects = maxRedirects
        self.resolver = resolver
    }

    public func fetch(_ url: URL, expecting expected: ExpectedContent) async throws(JobPageFetchError) -> FetchedPage {
        let deadline = ContinuousClock.now.advanced(by: totalTimeout)
        // The total timeout is raced here rather than left to AsyncHTTPClient, whose `deadline`
        // stops applying once the response head has arrived (HTTPClient+execute.swift,
        // `executeCancellable` cancels its deadline task on return), so a slow body would not be
        // bounded. Every step below returns promptly when cancelled.
        let outcome = await withTaskGroup(of: Result<FetchedPage, JobPageFetchError>?.self) { group in
            group.addTask {
                do throws(JobPageFetchError) {
                    return .success(try await self.followRedirects(from: url, expecting: expected, deadline: deadline))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return .failure(.timeout)
                } catch {
                    return nil
                }
            }
            var first: Result<FetchedPage, JobPageFetchError>?
            while first == nil, let next = await group.next() {
                first = next
            }
            group.cancelAll()
            return first
        }
        // Both children gave up only when this task itself was cancelled.
        return try (outcome ?? .failure(.timeout)).get()
    }

    // MARK: - Hops

    /// One hop's answer: a page, or where to go next.
    enum HopOutcome: Sendable {
        case page(FetchedPage)
        case redirect(location: String)
    }

    func followRedirects(
        from url: URL, expecting expected: ExpectedContent, deadline: ContinuousClock.Instant
    ) async throws(JobPageFetchError) -> FetchedPage {
        var current = url
        var redirectsFollowed = 0
        while true {
            let target = try await self.target(for: current)
            switch try await exchange(with: target, expecting: expected, deadline: deadline) {
            case .page(let page):
                return page
            case .redirect(let location):
                guard redirectsFollowed < maxRedirects else { throw .tooManyRedirects }
                redirectsFollowed += 1
                // RFC 9110 § 10.2.2: Location is a URI reference, resolved against the request's
                // URL as RFC 3986 § 5.2 says.
                guard let next = URL(string: location, relativeTo: target.url)?.absoluteURL else {
                    throw .invalidURL("redirect to \(String(location.prefix(200)))")
                }
                current = next
            }
        }
    }

    /// Where one hop may go, decided before any connection is made.
    struct HopTarget: Sendable, Equatable {
        /// The URL as AsyncHTTPClient will parse it (re-parsed from its text, so the host checked
        /// here is the host AsyncHTTPClient sees).
        var url: URL
        /// `URL.host` of `url`: the key AsyncHTTPClient looks up in `dnsOverride`.
        var host: String
        var port: Int
        /// The checked addresses (or, when allow-listed, the resolved ones), to try in order.
        var addresses: [IPAddress]
        /// The host is an IP literal: AsyncHTTPClient connects to it without resolving.
        var isLiteral: Bool
    }

    /// Validates `url` and resolves its host: everything but the connection. Used by `fetch` for
    /// each hop, and by tests to pin the policy without network I/O.
    func target(for url: URL) async throws(JobPageFetchError) -> HopTarget {
        // AsyncHTTPClient parses the request's URL text again (HTTPClientRequest+Prepared.swift);
        // checking the same parse rules out any difference between what is checked and what is
        // connected to (e.g. a percent-encoded or IDN host, which `URL.host` decodes).
        guard let parsed = URL(string: url.absoluteString), let scheme = parsed.scheme?.lowercased() else {
            throw .invalidURL(String(url.absoluteString.prefix(200)))
        }
        guard scheme == "http" || scheme == "https" else { throw .schemeNotAllowed }
        guard parsed.user == nil, parsed.password == nil else {
            throw .invalidURL("credentials (userinfo) in a URL are not accepted")
        }
        guard let host = parsed.host, !host.isEmpty else { throw .invalidURL("the URL has no host") }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65_535).contains(port) else { throw .invalidURL("port \(port) is out of range") }

        let lowered = host.lowercased()
        let allowListed = allowPrivateHosts.contains(lowered.contains(":") ? "[\(lowered)]:\(port)" : "\(lowered):\(port)")

        let addresses: [IPAddress]
        let isLiteral: Bool
        if host.contains(":") {
            // An IPv6 literal. A zone id scopes it to an interface of this machine: local by
            // definition, and AsyncHTTPClient could not connect to it anyway.
            guard !host.contains("%") else { throw .blockedAddress("\(host) (IPv6 zone id)") }
            guard let address = IPAddress(host) else { throw .invalidURL("invalid IPv6 address \(host)") }
            addresses = [address]
            isLiteral = true
        } else {
            let name = lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
            if IPAddress.endsInNumber(name) {
                // WHATWG URL § 3.5: a host whose last label is a number is an IPv4 address.
                guard let value = IPAddress.legacyIPv4(name) else { throw .invalidURL("invalid IPv4 address \(host)") }
                guard IPAddress.strictIPv4(host) == value else {
                    throw .blockedAddress("\(host) (non-canonical IPv4 form of \(IPAddress.v4(value)))")
                }
                addresses = [.v4(value)]
                isLiteral = true
            } else {
                guard name.utf8.allSatisfy(Self.isHostNameByte), !name.isEmpty else {
                    throw .invalidURL("invalid host name \(String(host.prefix(200)))")
                }
                if !allowListed, name == "localhost" || name.hasSuffix(".localhost") {
                    throw .blockedAddress("\(host) (loopback name, RFC 6761)")
                }
                addresses = try await resolve(host: host, port: port)
                isLiteral = false
            }
        }

        if !allowListed {
            for address in addresses {
                if let reason = SSRFAddressPolicy.refusal(for: address) {
                    let shown = isLiteral ? "\(address)" : "\(host) -> \(address)"
                    throw .blockedAddress("\(shown) (\(reason))")
                }
            }
        }
        return HopTarget(url: parsed, host: host, port: port, addresses: addresses, isLiteral: isLiteral)
    }

    /// Letters, digits, `-`, `_` and `.`: what DNS names in URLs are made of once IDN labels are
    /// punycode (which `URL` does). Anything else cannot be resolved the same way everywhere.
    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }

    private func resolve(host: String, port: Int) async throws(JobPageFetchError) -> [IPAddress] {
        let addresses: [IPAddress]
        do {
            addresses = try await resolver.resolve(host: host, port: port)
        } catch is CancellationError {
            throw .timeout
        } catch let error as HostResolutionError where error == .timedOut {
            throw .timeout
        } catch let error as HostResolutionError where error == .busy {
            throw .resolverBusy
        } catch {
            throw .unreachable("could not resolve \(host): \(Self.describe(error))")
        }
        guard !addresses.isEmpty else { throw .unreachable("no address for \(host)") }
        return addresses
    }

    // MARK: - One exchange

    /// Sends the hop's request to its addresses in turn until one answers.
    func exchange(
        with target: HopTarget, expecting expected: ExpectedContent, deadline: ContinuousClock.Instant
    ) async throws(JobPageFetchError) -> HopOutcome {
        var lastError = JobPageFetchError.unreachable("no address for \(target.host)")
        for address in target.addresses {
            switch await attempt(target, via: address, expecting: expected, deadline: deadline) {
            case .answered(let outcome):
                return outcome
            case .failed(let error, let beforeResponse):
                lastError = error
                guard beforeResponse, ContinuousClock.now < deadline else { throw error }
            }
        }
        throw lastError
    }

    enum Attempt: Sendable {
        case answered(HopOutcome)
        /// `beforeResponse`: no response came (e.g. the connection failed), so another address of
        /// the host may still answer.
        case failed(JobPageFetchError, beforeResponse: Bool)
    }

    private func attempt(
        _ target: HopTarget, via address: IPAddress, expecting expected: ExpectedContent, deadline: ContinuousClock.Instant
    ) async -> Attempt {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connectTimeout)),
            decompression: .disabled)
        // Fail this address at once instead of retrying the connection with back-off until the
        // connect timeout (HTTPClient.Configuration.ConnectionPool.retryConnectionEstablishment).
        configuration.connectionPool.retryConnectionEstablishment = false
        if !target.isLiteral {
            // Pins the connection to the checked address. AsyncHTTPClient 1.37:
            // `DeconstructedURL.applyDNSOverride` (Sources/AsyncHTTPClient/ConnectionPool.swift)
            // looks up the URL's host in `dnsOverride` and, on a hit, makes the connection target
            // `ConnectionTarget(remoteHost: "<ip>", port:)`, an `.ipAddress` target
            // (ConnectionTarget.swift) that the connection factory connects to directly with
            // `bootstrap.connect(to: SocketAddress)` (HTTPConnectionPool+Factory.swift), no DNS.
            // The same function sets `serverNameIndicatorOverride` to the original name, which is
            // used for TLS SNI and certificate verification (`ConnectionPool.Key.serverNameIndicator`),
            // and `Host` is still built from the URL (`addHostIfNeeded`, RequestValidation.swift).
            // An IP literal host needs no override: AsyncHTTPClient connects to the literal, which
            // is the address checked (both parse it with inet_pton).
            configuration.dnsOverride = [target.host: address.description]
        }
        let client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
        let attempt = await exchange(on: client, target: target, expecting: expected, deadline: deadline)
        // Whatever happened, the client must be shut down (AsyncHTTPClient requires it before
        // deinit); this also closes a connection whose body was abandoned.
        try? await client.shutdown()
        return attempt
    }

    private func exchange(
        on client: HTTPClient, target: HopTarget, expecting expected: ExpectedContent, deadline: ContinuousClock.Instant
    ) async -> Attempt {
        var request = HTTPClientRequest(url: target.url.absoluteString)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        switch expected {
        case .html: request.headers.add(name: "Accept", value: "text/html, application/xhtml+xml;q=0.9")
        case .json: request.headers.add(name: "Accept", value: "application/json")
        }
        // Decompression is off (a compressed body could expand past the cap unnoticed).
        request.headers.add(name: "Accept-Encoding", value: "identity")

        let response: HTTPClientResponse
        do {
            let remaining = ContinuousClock.now.duration(to: deadline)
            response = try await client.execute(request, deadline: .now() + TimeAmount(remaining))
        } catch {
            let mapped = Self.map(error)
            return .failed(mapped, beforeResponse: mapped != .timeout || Self.isConnectTimeout(error))
        }

        let status = Int(response.status.code)
        if [301, 302, 303, 307, 308].contains(status) {
            guard let location = response.headers.first(name: "location"), !location.isEmpty else {
                return .failed(.upstreamStatus(status), beforeResponse: false)
            }
            return .answered(.redirect(location: location))
        }
        guard (200..<300).contains(status) else { return .failed(.upstreamStatus(status), beforeResponse: false) }

        let contentType = response.headers.first(name: "content-type")
        let mediaType = contentType.flatMap(FetchedMediaType.init(header:))
        if let contentType {
            guard let mediaType, mediaType.matches(expected) else {
                return .failed(.notHTML(mediaType?.type ?? String(contentType.prefix(100))), beforeResponse: false)
            }
        }
        if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > maxBodyBytes {
            return .failed(.tooLarge, beforeResponse: false)
        }

        var body: [UInt8] = []
        do {
            for try await chunk in response.body {
                // Stop at the first chunk past the cap; leaving the loop drops the stream and
                // the connection is closed with the client.
                guard body.count + chunk.readableBytes <= maxBodyBytes else {
                    return .failed(.tooLarge, beforeResponse: false)
                }
                body.append(contentsOf: chunk.readableBytesView)
            }
        } catch {
            return .failed(Self.map(error), beforeResponse: false)
        }

        if mediaType == nil, !BodySniffer.looks(like: expected, body) {
            return .failed(.notHTML(nil), beforeResponse: false)
        }
        let page = FetchedPage(
            finalURL: target.url, status: status, contentType: mediaType?.type, charset: mediaType?.charset, body: body)
        return .answered(.page(page))
    }

    // MARK: - Errors

    static func map(_ error: any Error) -> JobPageFetchError {
        if error is CancellationError { return .timeout }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .cancelled:
                return .timeout
            default:
                break
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return .timeout }
        return .unreachable(describe(error))
    }

    /// An error's own text for the log, at most 300 characters, with its cause first: a
    /// `NIOConnectionError` (every address refused) is reduced to each address and why it failed
    /// ("127.0.0.1:8080: Connection refused (errno: 111)"), which its description would push past
    /// any cut; a resolver error to its `getaddrinfo` message.
    static func describe(_ error: any Error) -> String {
        let text: String
        switch error {
        case let connection as NIOConnectionError:
            var causes = connection.connectionErrors.map { "\($0.target): \($0.error)" }
            if let dns = connection.dnsAError { causes.append("DNS A: \(dns)") }
            if let dns = connection.dnsAAAAError { causes.append("DNS AAAA: \(dns)") }
            text = "connection to \(connection.host):\(connection.port) failed: " + (causes.isEmpty ? "no address" : causes.joined(separator: "; "))
        case let resolution as HostResolutionError:
            text = resolution.message
        default:
            text = String(describing: error)
        }
        return String(text.prefix(300))
    }

    private static func isConnectTimeout(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        return false
    }
}
