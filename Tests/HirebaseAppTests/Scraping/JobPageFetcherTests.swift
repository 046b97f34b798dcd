import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import HirebaseApp

/// A resolver answering from a table; a name not in it fails loudly, so no test asks real DNS.
private struct StubHostResolver: HostResolving {
    struct NotStubbed: Error { var host: String }

    let table: [String: [IPAddress]]
    let calls = NIOLockedValueBox<[String]>([])

    init(_ table: [String: [String]] = [:]) {
        self.table = table.mapValues { $0.compactMap(IPAddress.init) }
    }

    func resolve(host: String, port: Int) async throws -> [IPAddress] {
        calls.withLockedValue { $0.append(host) }
        guard let addresses = table[host] else { throw NotStubbed(host: host) }
        return addresses
    }
}

private func makeFetcher(
    allowing allowed: Set<String> = [],
    resolver: any HostResolving = StubHostResolver(),
    // Generous where the test is not about time: loopback answers at once, but a CI machine
    // running the whole suite in parallel (or a build beside it) can be slow to schedule.
    totalTimeout: Duration = .seconds(60),
    maxBodyBytes: Int = 2_000_000,
    maxRedirects: Int = 5
) -> SafeJobPageFetcher {
    SafeJobPageFetcher(
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        allowPrivateHosts: allowed,
        connectTimeout: .seconds(5),
        totalTimeout: totalTimeout,
        maxBodyBytes: maxBodyBytes,
        maxRedirects: maxRedirects,
        resolver: resolver)
}

/// Runs `fetch` and returns its typed error, or `nil` when it succeeded.
private func fetchError(
    _ fetcher: SafeJobPageFetcher, _ url: String, expecting expected: ExpectedContent = .html
) async -> JobPageFetchError? {
    do throws(JobPageFetchError) {
        _ = try await fetcher.fetch(URL(string: url)!, expecting: expected)
        return nil
    } catch {
        return error
    }
}

private func targetError(_ fetcher: SafeJobPageFetcher, _ url: String) async -> JobPageFetchError? {
    do throws(JobPageFetchError) {
        _ = try await fetcher.target(for: URL(string: url)!)
        return nil
    } catch {
        return error
    }
}

private let jobHTML = "<!doctype html><html><head><title>Engineer</title></head><body>Job</body></html>"

@Suite("SafeJobPageFetcher against loopback servers")
struct JobPageFetcherNetworkTests {
    @Test func pageWithCharsetIsFetched() async throws {
        try await LoopbackHTTPServer.serving({ _ in
            .html(jobHTML, contentType: "text/html; charset=\"ISO-8859-1\"")
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort])

            let page = try await fetcher.fetch(URL(string: "\(server.origin)/jobs/1?ref=x")!)

            #expect(page.status == 200)
            #expect(page.contentType == "text/html")
            #expect(page.charset == "iso-8859-1")
            #expect(page.body == Array(jobHTML.utf8))
            #expect(page.finalURL.absoluteString == "\(server.origin)/jobs/1?ref=x")
            let request = try #require(server.requests.first)
            #expect(request.uri == "/jobs/1?ref=x")
            #expect(request.headers.first(name: "User-Agent") == "HirebaseBot/0.1 (+https://hirebase.example/bot)")
            #expect(request.headers.first(name: "Accept")?.hasPrefix("text/html") == true)
        }
    }

    @Test func nameIsResolvedOnceAndTheCheckedAddressIsDialled() async throws {
        try await LoopbackHTTPServer.serving({ _ in .html(jobHTML) }) { server in
            // `.test` never resolves in real DNS (RFC 6761), so reaching the server proves the
            // connection went to the stubbed, checked address.
            let resolver = StubHostResolver(["jobs.test": ["127.0.0.1"]])
            let fetcher = makeFetcher(allowing: ["jobs.test:\(server.port)"], resolver: resolver)

            let page = try await fetcher.fetch(URL(string: "http://jobs.test:\(server.port)/")!)

            #expect(page.body == Array(jobHTML.utf8))
            #expect(resolver.calls.withLockedValue { $0 } == ["jobs.test"])
            #expect(server.requests.first?.headers.first(name: "Host") == "jobs.test:\(server.port)")
        }
    }

    @Test func systemResolverAndPinnedConnectionServeAnAllowListedName() async throws {
        try await LoopbackHTTPServer.serving({ _ in .html(jobHTML) }) { server in
            // `localhost` comes from /etc/hosts through getaddrinfo: no DNS traffic.
            let fetcher = makeFetcher(allowing: ["localhost:\(server.port)"], resolver: SystemHostResolver(threadPool: .singleton))

            let page = try await fetcher.fetch(URL(string: "http://localhost:\(server.port)/job")!)

            #expect(page.status == 200)
            #expect(server.requests.first?.headers.first(name: "Host") == "localhost:\(server.port)")
        }
    }

    @Test func nextAddressIsTriedWhenTheFirstRefusesTheConnection() async throws {
        try await LoopbackHTTPServer.serving({ _ in .html(jobHTML) }) { server in
            // Nothing listens on 127.0.0.2 (the server is bound to 127.0.0.1 only).
            let resolver = StubHostResolver(["multi.test": ["127.0.0.2", "127.0.0.1"]])
            let fetcher = makeFetcher(allowing: ["multi.test:\(server.port)"], resolver: resolver)

            let page = try await fetcher.fetch(URL(string: "http://multi.test:\(server.port)/")!)

            #expect(page.status == 200)
            #expect(server.requests.count == 1)
        }
    }

    @Test func xhtmlAndSniffedHTMLAreAccepted() async throws {
        try await LoopbackHTTPServer.serving({ request in
            request.uri == "/xhtml"
                ? .html(jobHTML, contentType: "application/xhtml+xml")
                : .html("\u{FEFF} \n<!DOCTYPE HTML>\n<html></html>", contentType: nil)
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort])

            let xhtml = try await fetcher.fetch(URL(string: "\(server.origin)/xhtml")!)
            let sniffed = try await fetcher.fetch(URL(string: "\(server.origin)/sniffed")!)

            #expect(xhtml.contentType == "application/xhtml+xml")
            #expect(sniffed.contentType == nil)
            #expect(sniffed.charset == nil)
        }
    }

    @Test func redirectChainWithinTheLimitIsFollowed() async throws {
        // /hop/N redirects to /hop/N-1 with a different status and Location form each time;
        // /hop/0 is the page.
        try await LoopbackHTTPServer.serving({ request in
            let step = Int(request.uri.split(separator: "/").last ?? "") ?? 0
            switch step {
            case 0: return .html(jobHTML)
            case 5: return .redirect(to: "http://127.0.0.1:\(request.headers.first(name: "Host")!.split(separator: ":")[1])/hop/4", status: .movedPermanently)
            case 4: return .redirect(to: "/hop/3", status: .found)
            case 3: return .redirect(to: "2", status: .seeOther)
            case 2: return .redirect(to: "../hop/1", status: .temporaryRedirect)
            default: return .redirect(to: "//127.0.0.1:\(request.headers.first(name: "Host")!.split(separator: ":")[1])/hop/0", status: .permanentRedirect)
            }
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort], maxRedirects: 5)

            let page = try await fetcher.fetch(URL(string: "\(server.origin)/hop/5")!)

            #expect(page.finalURL.absoluteString == "\(server.origin)/hop/0")
            #expect(server.requests.map(\.uri) == ["/hop/5", "/hop/4", "/hop/3", "/hop/2", "/hop/1", "/hop/0"])
        }
    }

    @Test func oneRedirectTooManyIsRefused() async throws {
        try await LoopbackHTTPServer.serving({ request in
            let step = Int(request.uri.split(separator: "/").last ?? "") ?? 0
            return step == 0 ? .html(jobHTML) : .redirect(to: "/hop/\(step - 1)")
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort], maxRedirects: 5)

            let error = await fetchError(fetcher, "\(server.origin)/hop/6")

            #expect(error == .tooManyRedirects)
            #expect(server.requests.count == 6)
        }
    }

    /// The redirect targets are not allow-listed, and all are loopback, so even a broken check
    /// would send nothing off this machine.
    @Test(arguments: [
        "http://127.0.0.2:{port}/",
        "http://[::1]:{port}/",
        "http://localhost:{port}/",
        "http://2130706433:{port}/",
        "http://internal.test:{port}/",
    ])
    func redirectToAPrivateAddressIsRefused(location: String) async throws {
        try await LoopbackHTTPServer.serving({ request in
            let port = request.headers.first(name: "Host")!.split(separator: ":")[1]
            return .redirect(to: location.replacingOccurrences(of: "{port}", with: String(port)))
        }) { server in
            let resolver = StubHostResolver(["internal.test": ["127.0.0.3"]])
            let fetcher = makeFetcher(allowing: [server.hostAndPort], resolver: resolver)

            let error = await fetchError(fetcher, "\(server.origin)/start")

            guard case .blockedAddress = error else {
                Issue.record("expected blockedAddress, got \(String(describing: error))")
                return
            }
            #expect(server.requests.count == 1)
        }
    }

    @Test(arguments: ["ftp://example.com/job", "file:///etc/passwd"])
    func redirectToAnotherSchemeIsRefused(location: String) async throws {
        try await LoopbackHTTPServer.serving({ _ in .redirect(to: location) }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort])

            #expect(await fetchError(fetcher, "\(server.origin)/") == .schemeNotAllowed)
        }
    }

    @Test func slowResponseHeadTimesOut() async throws {
        try await LoopbackHTTPServer.serving({ _ in
            var response = LoopbackResponse.html(jobHTML)
            response.delayBeforeHead = .seconds(120)
            return response
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort], totalTimeout: .seconds(1))

            let started = ContinuousClock.now
            let error = await fetchError(fetcher, "\(server.origin)/")

            // The head would come after 120 s; the 1 s limit ends the fetch long before
            // (the margin is for a loaded CI machine, not for the fetcher: with the whole suite
            // and one busy loop on 2 cores, the 1 s timer once fired after 17 s).
            #expect(error == .timeout)
            #expect(started.duration(to: .now) < .seconds(60))
        }
    }

    @Test func slowBodyTimesOut() async throws {
        try await LoopbackHTTPServer.serving({ _ in
            // 300 chunks 400 ms apart: the whole body would take 120 s.
            var response = LoopbackResponse.html("<html>" + String(repeating: "x", count: 300_000))
            response.chunkSize = 1_000
            response.delayBetweenChunks = .milliseconds(400)
            return response
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort], totalTimeout: .seconds(1))

            let started = ContinuousClock.now
            let error = await fetchError(fetcher, "\(server.origin)/")

            // The 1 s limit ends the fetch long before the body does (the margin is for a
            // loaded CI machine, not for the fetcher).
            #expect(error == .timeout)
            #expect(started.duration(to: .now) < .seconds(60))
        }
    }

    @Test(arguments: [LoopbackResponse.Length.exact, .chunked])
    func bodyOverTheCapIsTooLarge(length: LoopbackResponse.Length) async throws {
        try await LoopbackHTTPServer.serving({ _ in
            var response = LoopbackResponse.html("<html>" + String(repeating: "x", count: 3_000_000))
            response.length = length
            return response
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort], maxBodyBytes: 100_000)

            #expect(await fetchError(fetcher, "\(server.origin)/") == .tooLarge)
        }
    }

    @Test func declaredLengthOverTheCapIsRefusedBeforeReading() async throws {
        try await LoopbackHTTPServer.serving({ _ in
            var response = LoopbackResponse.html("")
            response.length = .declared(50_000_000)
            return response
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort], maxBodyBytes: 100_000)

            #expect(await fetchError(fetcher, "\(server.origin)/") == .tooLarge)
        }
    }

    @Test func bodyExactlyAtTheCapIsAccepted() async throws {
        let body = "<html>" + String(repeating: "x", count: 99_994)
        try await LoopbackHTTPServer.serving({ _ in
            var response = LoopbackResponse.html(body)
            response.length = .chunked
            return response
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort], maxBodyBytes: 100_000)

            let page = try await fetcher.fetch(URL(string: "\(server.origin)/")!)

            #expect(page.body.count == 100_000)
        }
    }

    @Test func nonHTMLIsRefused() async throws {
        try await LoopbackHTTPServer.serving({ request in
            request.uri == "/json"
                ? .html("{\"title\": \"Engineer\"}", contentType: "Application/JSON; charset=utf-8")
                : .html("{\"title\": \"Engineer\"}", contentType: nil)
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort])

            #expect(await fetchError(fetcher, "\(server.origin)/json") == .notHTML("application/json"))
            #expect(await fetchError(fetcher, "\(server.origin)/untyped") == .notHTML(nil))
        }
    }

    @Test func jsonIsFetchedWhenExpected() async throws {
        try await LoopbackHTTPServer.serving({ request in
            switch request.uri {
            case "/typed": return .html("{\"title\": \"Engineer\"}", contentType: "application/json; charset=utf-8")
            case "/untyped": return .html("[]", contentType: nil)
            default: return .html(jobHTML)
            }
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort])

            let typed = try await fetcher.fetch(URL(string: "\(server.origin)/typed")!, expecting: .json)
            let untyped = try await fetcher.fetch(URL(string: "\(server.origin)/untyped")!, expecting: .json)
            let htmlError = await fetchError(fetcher, "\(server.origin)/page", expecting: .json)

            #expect(typed.contentType == "application/json" && typed.charset == "utf-8")
            #expect(untyped.body == Array("[]".utf8))
            #expect(htmlError == .notHTML("text/html"))
            #expect(server.requests.first?.headers.first(name: "Accept") == "application/json")
        }
    }

    @Test(arguments: [404, 500])
    func nonSuccessStatusIsUpstreamStatus(code: Int) async throws {
        try await LoopbackHTTPServer.serving({ _ in
            var response = LoopbackResponse.html(jobHTML)
            response.status = HTTPResponseStatus(statusCode: code)
            return response
        }) { server in
            let fetcher = makeFetcher(allowing: [server.hostAndPort])

            #expect(await fetchError(fetcher, "\(server.origin)/") == .upstreamStatus(code))
        }
    }

    @Test func closedPortIsUnreachable() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .html(jobHTML) }
        await server.stop()
        let fetcher = makeFetcher(allowing: [server.hostAndPort])

        let error = await fetchError(fetcher, "\(server.origin)/")

        guard case .unreachable = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
    }
}

/// A URL the fetcher must refuse before connecting, and how.
struct RefusedURL: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable { case blocked, scheme, invalid }
    var url: String
    var expected: Expected
    var testDescription: String { url }

    static func blocked(_ url: String) -> RefusedURL { RefusedURL(url: url, expected: .blocked) }
}

@Suite("SafeJobPageFetcher address policy (no network)")
struct JobPageFetcherPolicyTests {
    /// Names used below: `internal.test` resolves privately; `rebind.test` to a public and a
    /// private address (only one of all addresses needs to be refused).
    fileprivate static let resolver = StubHostResolver([
        "internal.test": ["10.0.0.1"],
        "rebind.test": ["93.184.216.34", "127.0.0.1"],
        "v6internal.test": ["fd12:3456::1"],
        "public.test": ["93.184.216.34", "2606:2800:220:1::1"],
    ])

    @Test(arguments: [
        .blocked("http://2130706433/"),
        .blocked("http://0177.0.0.1/"),
        .blocked("http://0x7f.0.0.1/"),
        .blocked("http://0X7F000001/"),
        .blocked("http://127.1/"),
        .blocked("http://127.0.0.1./"),
        .blocked("http://127.0.0.1/"),
        .blocked("http://0x5db8d822/"),  // 93.184.216.34: public, but written to evade filters
        .blocked("http://[::1]/"),
        .blocked("http://[::]/"),
        .blocked("http://[::ffff:127.0.0.1]/"),
        .blocked("http://[::ffff:a9fe:a9fe]/"),
        .blocked("http://[fe80::1%25eth0]/"),
        .blocked("http://[fe80::1]/"),
        .blocked("http://0.0.0.0/"),
        .blocked("http://100.64.0.1/"),
        .blocked("http://169.254.169.254/latest/meta-data/"),
        .blocked("http://10.0.0.1/"),
        .blocked("http://172.16.5.4/"),
        .blocked("http://192.168.1.1:8080/"),
        .blocked("https://[fd00::1]/"),
        .blocked("http://localhost/"),
        .blocked("http://LOCALHOST./"),
        .blocked("http://jobs.localhost/"),
        .blocked("http://internal.test/"),
        .blocked("http://rebind.test/"),
        .blocked("http://v6internal.test/"),
        RefusedURL(url: "ftp://example.com/job", expected: .scheme),
        RefusedURL(url: "file:///etc/passwd", expected: .scheme),
        RefusedURL(url: "javascript:alert(1)", expected: .scheme),
        RefusedURL(url: "http://user:secret@example.com/", expected: .invalid),
        RefusedURL(url: "http://@example.com/", expected: .invalid),
        RefusedURL(url: "http:///path", expected: .invalid),
        RefusedURL(url: "http://256.1.1.1/", expected: .invalid),
        RefusedURL(url: "http://1.2.3.4.5/", expected: .invalid),
    ] as [RefusedURL])
    func refusedBeforeConnecting(_ refused: RefusedURL) async {
        let fetcher = makeFetcher(resolver: Self.resolver)

        let error = await targetError(fetcher, refused.url)

        switch (refused.expected, error) {
        case (.blocked, .blockedAddress?), (.scheme, .schemeNotAllowed?), (.invalid, .invalidURL?):
            break
        default:
            Issue.record("\(refused.url): expected \(refused.expected), got \(String(describing: error))")
        }
    }

    @Test func localhostIsRefusedWithoutAskingTheResolver() async {
        let resolver = StubHostResolver(["localhost": ["93.184.216.34"]])
        let fetcher = makeFetcher(resolver: resolver)

        let error = await targetError(fetcher, "http://localhost/")

        #expect(error == .blockedAddress("localhost (loopback name, RFC 6761)"))
        #expect(resolver.calls.withLockedValue { $0 }.isEmpty)
    }

    @Test func publicTargetsPassWithTheirCheckedAddresses() async throws {
        let fetcher = makeFetcher(resolver: Self.resolver)

        let literal4 = try await fetcher.target(for: URL(string: "http://93.184.216.34/jobs")!)
        let literal6 = try await fetcher.target(for: URL(string: "https://[2606:2800:220:1::1]/jobs")!)
        let named = try await fetcher.target(for: URL(string: "https://public.test/jobs/1")!)

        #expect(literal4.addresses == [IPAddress("93.184.216.34")!] && literal4.isLiteral && literal4.port == 80)
        #expect(literal6.addresses == [IPAddress("2606:2800:220:1::1")!] && literal6.isLiteral && literal6.port == 443)
        #expect(named.host == "public.test" && !named.isLiteral)
        #expect(named.addresses.map(\.description) == ["93.184.216.34", "2606:2800:220:1::1"])
    }

    @Test func allowListIsExactHostAndPort() async throws {
        let fetcher = makeFetcher(allowing: ["127.0.0.1:8080", "[::1]:80", "Localhost:3000"])

        _ = try await fetcher.target(for: URL(string: "http://127.0.0.1:8080/")!)
        _ = try await fetcher.target(for: URL(string: "http://[::1]/")!)
        #expect(await targetError(fetcher, "http://127.0.0.1:8081/") == .blockedAddress("127.0.0.1 (loopback (RFC 1122))"))
        #expect(await targetError(fetcher, "https://127.0.0.1:443/") != nil)
        #expect(await targetError(fetcher, "http://127.0.0.2:8080/") != nil)
        #expect(await targetError(fetcher, "http://localhost:3001/") != nil)
    }
}

@Suite("SSRFAddressPolicy")
struct SSRFAddressPolicyTests {
    @Test(arguments: [
        "127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3", "255.255.255.255",
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "192.0.0.8", "192.0.2.1", "198.18.0.1",
        "198.19.255.255", "198.51.100.7", "203.0.113.9",
        "::", "::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::127.0.0.1",
        "::8.8.8.8", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "2002:7f00:1::1",
        "2002:c0a8:101::1", "2002:a9fe:a9fe::", "fe80::1", "febf::1", "fec0::1", "fc00::1", "fd00::1",
        "ff02::1", "ff05::1:3", "2001:db8::1", "2001::1", "2001:20::1", "3fff::1", "100::1", "5f00::1",
    ])
    func specialPurposeAddressIsRefused(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(SSRFAddressPolicy.refusal(for: address) != nil)
    }

    @Test(arguments: [
        "93.184.216.34", "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255",
        "172.32.0.0", "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
        "2606:2800:220:1::1", "2a00:1450:4001:80b::200e", "::ffff:93.184.216.34", "64:ff9b::5db8:d822",
        "2002:5db8:d822::1", "2c0f:fb50::1",
    ])
    func globalUnicastIsAccepted(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(SSRFAddressPolicy.refusal(for: address) == nil)
    }

    @Test func canonicalTextRoundTrips() {
        #expect(IPAddress("93.184.216.34")?.description == "93.184.216.34")
        #expect(IPAddress("2606:2800:0220:0001:0000:0000:0000:0001")?.description == "2606:2800:220:1::1")
        #expect(IPAddress("0177.0.0.1") == nil)
        #expect(IPAddress("127.1") == nil)
        #expect(IPAddress("fe80::1%eth0") == nil)
        #expect(IPAddress("example.com") == nil)
    }

    @Test(arguments: [
        ("2130706433", UInt32(0x7F00_0001)), ("0177.0.0.1", 0x7F00_0001), ("0x7f.0.0.1", 0x7F00_0001),
        ("0x7F000001", 0x7F00_0001), ("127.1", 0x7F00_0001), ("127.0.1", 0x7F00_0001),
        ("0", 0), ("0x", 0), ("1.2.3.4", 0x0102_0304), ("017700000001", 0x7F00_0001),
    ])
    func legacyIPv4FormsAreReadLikeInetAton(text: String, value: UInt32) {
        #expect(IPAddress.legacyIPv4(text) == value)
    }

    @Test(arguments: ["256.0.0.1", "1.2.3.4.5", "08.0.0.1", "4294967296", "1..2", "0x1g", "1.2.3.256", ""])
    func malformedLegacyIPv4IsNotAnAddress(_ text: String) {
        #expect(IPAddress.legacyIPv4(text) == nil)
    }
}

@Suite("Media type and sniffing")
struct FetchedMediaTypeTests {
    @Test func charsetIsExtractedFromContentType() {
        #expect(FetchedMediaType(header: "text/html; charset=\"UTF-8\"") == FetchedMediaType(header: "TEXT/HTML;charset=utf-8"))
        #expect(FetchedMediaType(header: "text/html; charset=\"UTF-8\"")?.charset == "utf-8")
        #expect(FetchedMediaType(header: "application/xhtml+xml ; foo=bar; charset=ISO-8859-1")?.charset == "iso-8859-1")
        #expect(FetchedMediaType(header: "text/html")?.charset == nil)
        #expect(FetchedMediaType(header: "text/html")?.isHTML == true)
        #expect(FetchedMediaType(header: "text/plain")?.isHTML == false)
        #expect(FetchedMediaType(header: "html") == nil)
    }

    @Test func jsonTypesAreRecognised() {
        #expect(FetchedMediaType(header: "application/json; charset=utf-8")?.matches(.json) == true)
        #expect(FetchedMediaType(header: "application/ld+json")?.matches(.json) == true)
        #expect(FetchedMediaType(header: "text/json")?.matches(.json) == false)
        #expect(FetchedMediaType(header: "application/json")?.matches(.html) == false)
        #expect(BodySniffer.looksLikeJSON(Array(" \n[{\"id\": 1}]".utf8)))
        #expect(!BodySniffer.looksLikeJSON(Array("<html>".utf8)))
    }

    @Test(arguments: [
        ("<!DOCTYPE html><html>", true), ("\u{FEFF}\n\t <!doctype HTML>", true), ("<HTML lang=\"en\">", true),
        ("<html>", true), ("<htmlx>", false), ("{\"a\": 1}", false), ("", false), ("<html", false),
        ("<?xml version=\"1.0\"?><html>", false),
    ])
    func htmlIsSniffedFromTheFirstBytes(text: String, isHTML: Bool) {
        #expect(BodySniffer.looksLikeHTML(Array(text.utf8)) == isHTML)
    }
}
