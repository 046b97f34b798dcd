import Foundation

/// A job page as fetched for `POST /scrape`: the bytes of an HTML (or XHTML) document, or of a job
/// board API's JSON answer, and what the parser needs to decode them.
public struct FetchedPage: Sendable {
    /// The URL the body came from, after every redirect followed.
    public var finalURL: URL
    /// The final response's status code (always 2xx).
    public var status: Int
    /// The media type of the `Content-Type` header, lowercased and without parameters
    /// (`text/html`), or `nil` when the server sent none and the body was sniffed.
    public var contentType: String?
    /// The `charset` parameter of `Content-Type`, lowercased and unquoted (`utf-8`), if any.
    public var charset: String?
    /// The raw body, at most the fetcher's `maxBodyBytes` long, not decoded.
    public var body: [UInt8]

    public init(finalURL: URL, status: Int, contentType: String?, charset: String?, body: [UInt8]) {
        self.finalURL = finalURL
        self.status = status
        self.contentType = contentType
        self.charset = charset
        self.body = body
    }
}

/// Why a job page could not be fetched. The associated strings are safe to show to the caller:
/// they name the URL, host or address the caller gave or was redirected to, never internal state.
///
/// How `POST /scrape` answers each one (API.md):
/// `invalidURL`, `schemeNotAllowed` -> 400; `blockedAddress` -> 403 `blocked_address`;
/// `tooManyRedirects` -> 502 `too_many_redirects`; `tooLarge` -> 502 `too_large`;
/// `timeout` -> 504; `notHTML` -> 422; `upstreamStatus`, `unreachable` -> 502; `resolverBusy` -> 503.
public enum JobPageFetchError: Error, Sendable, Equatable {
    /// The URL (or a redirect's `Location`) cannot be parsed, has no host, carries userinfo, or
    /// has an impossible port. The payload says which.
    case invalidURL(String)
    /// The scheme is not `http` or `https`.
    case schemeNotAllowed
    /// The host is, names, or resolves to an address that must not be reached from the server
    /// (loopback, private, link-local, ... see `SSRFAddressPolicy`). The payload names the host or
    /// address and the range.
    case blockedAddress(String)
    /// More redirects than the fetcher's `maxRedirects`.
    case tooManyRedirects
    /// The body (declared or streamed) is larger than the fetcher's `maxBodyBytes`.
    case tooLarge
    /// The connect or the total timeout passed.
    case timeout
    /// The final response is not what was expected (HTML, or JSON for `ExpectedContent.json`);
    /// the payload is its media type (`nil` when none was sent and the body did not look right).
    case notHTML(String?)
    /// The final response's status is not 2xx.
    case upstreamStatus(Int)
    /// The host could not be resolved or connected to, or the exchange failed mid-way.
    case unreachable(String)
    /// Every name-resolution slot is held by a lookup that has not returned (a slow or hostile
    /// name server): try again shortly.
    case resolverBusy
}

extension JobPageFetchError {
    /// A sentence for the log saying why the fetch failed (`unreachable`'s payload holds the
    /// resolver's or the connection's own error text).
    public var cause: String {
        switch self {
        case .invalidURL(let why): return "invalid URL: \(why)"
        case .schemeNotAllowed: return "scheme not allowed"
        case .blockedAddress(let what): return "blocked address: \(what)"
        case .tooManyRedirects: return "too many redirects"
        case .tooLarge: return "body larger than the limit"
        case .timeout: return "timed out"
        case .notHTML(let type): return "unexpected media type \(type ?? "(none)")"
        case .upstreamStatus(let status): return "the page answered HTTP \(status)"
        case .unreachable(let why): return why
        case .resolverBusy: return "every name-resolution slot is busy"
        }
    }
}

/// What the caller will parse, which decides the media types accepted.
public enum ExpectedContent: Sendable, Equatable {
    /// `text/html` or `application/xhtml+xml`; an untyped body that starts like an HTML document
    /// (WHATWG MIME Sniffing § 7.1).
    case html
    /// `application/json` or any `+json` type (RFC 8259 § 11, RFC 6839 § 3.1), e.g. a job board's
    /// public API; an untyped body that starts with `{` or `[`.
    case json
}

/// Fetches job pages for `POST /scrape`. The live implementation is `SafeJobPageFetcher`; tests
/// point it at loopback servers through its `allowPrivateHosts`.
public protocol JobPageFetching: Sendable {
    /// Fetches `url` with `GET`, following redirects.
    /// - Returns: the final 2xx response, of the `expected` kind.
    /// - Throws: `JobPageFetchError`.
    func fetch(_ url: URL, expecting expected: ExpectedContent) async throws(JobPageFetchError) -> FetchedPage
}

extension JobPageFetching {
    /// Fetches an HTML page: `fetch(url, expecting: .html)`.
    public func fetch(_ url: URL) async throws(JobPageFetchError) -> FetchedPage {
        try await fetch(url, expecting: .html)
    }
}
