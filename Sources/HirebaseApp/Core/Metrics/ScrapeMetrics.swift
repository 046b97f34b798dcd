import CoreMetrics
import JobPageParser

/// `POST /scrape`'s page reads (`ScrapeService`): `hirebase_scrape_requests_total{source,outcome}`.
///
/// `source` is where the posting was read: `json_ld`, `opengraph` or `html` (microdata, the
/// title or the first heading) on a page, `greenhouse` or `lever` through the board's API; a
/// failed read of a page that is not a board's is `page` (where it would have come from is not
/// known). Calls refused before any fetch (plan limit, role) are not counted.
struct ScrapeMetrics: Sendable {
    /// The `source` label's values.
    enum Source: String, Sendable, CaseIterable {
        /// A schema.org `JobPosting` in JSON-LD.
        case jsonLD = "json_ld"
        /// Open Graph meta tags.
        case openGraph = "opengraph"
        /// Microdata, the `<title>` or the first `<h1>`.
        case html
        /// Greenhouse's job board API.
        case greenhouse
        /// Lever's postings API.
        case lever
        /// A failed read of a page (not a board's API).
        case page

        /// Where a read posting came from.
        init(_ source: ParsedJobPage.Source) {
            switch source {
            case .jsonLD: self = .jsonLD
            case .openGraph: self = .openGraph
            case .html: self = .html
            case .greenhouse: self = .greenhouse
            case .lever: self = .lever
            }
        }

        /// What a read of `pageURL` would be counted as if it fails.
        init(attempting board: JobBoardAPI?) {
            switch board {
            case .greenhouse: self = .greenhouse
            case .lever: self = .lever
            case nil: self = .page
            }
        }
    }

    /// How a read ended, as the `outcome` label names it (the answers of `API.md` § `POST /scrape`).
    enum Outcome: String, Sendable, CaseIterable {
        /// A posting was read (200).
        case ok
        /// The URL, or a redirect's, is not a fetchable http(s) URL (400).
        case invalidURL = "invalid_url"
        /// The address is private, loopback, link-local... (403 `blocked_address`).
        case blocked
        /// No answer in time (504).
        case timeout
        /// The page answered 404 or 410 (502).
        case notFound = "not_found"
        /// Another non-2xx answer, no connection, or too many redirects (502).
        case upstreamError = "upstream_error"
        /// The page is over the size limit (502 `too_large`).
        case tooLarge = "too_large"
        /// Not HTML (or not JSON from a board's API) (422).
        case notHTML = "not_html"
        /// The page holds no job posting (422 `no_job_posting_found`).
        case noPosting = "no_posting"
        /// Every name-resolution slot is busy (503).
        case resolverBusy = "resolver_busy"

        /// The outcome of a fetch that failed with `error`.
        init(_ error: JobPageFetchError) {
            switch error {
            case .invalidURL, .schemeNotAllowed: self = .invalidURL
            case .blockedAddress: self = .blocked
            case .timeout: self = .timeout
            case .upstreamStatus(let status) where status == 404 || status == 410: self = .notFound
            case .upstreamStatus, .unreachable, .tooManyRedirects: self = .upstreamError
            case .tooLarge: self = .tooLarge
            case .notHTML: self = .notHTML
            case .resolverBusy: self = .resolverBusy
            }
        }
    }

    /// One series' labels.
    private struct Key: Hashable {
        var source: Source
        var outcome: Outcome
    }

    private let counters: [Key: CoreMetrics.Counter]

    /// Makes the counters of every combination that can happen: `ok` with the sources a posting
    /// is read from; every failure with `greenhouse`, `lever` and `page`.
    init(factory: any MetricsFactory) {
        var keys = [Source.jsonLD, .openGraph, .html, .greenhouse, .lever].map { Key(source: $0, outcome: .ok) }
        for source in [Source.greenhouse, .lever, .page] {
            keys += Outcome.allCases.filter { $0 != .ok }.map { Key(source: source, outcome: $0) }
        }
        counters = Dictionary(uniqueKeysWithValues: keys.map { key in
            (key, CoreMetrics.Counter(label: "hirebase_scrape_requests_total",
                                      dimensions: [("source", key.source.rawValue), ("outcome", key.outcome.rawValue)], factory: factory))
        })
    }

    /// Metrics that go nowhere (a service made outside `ServiceFactory`, in tests).
    static let discarded = ScrapeMetrics(factory: NOOPMetricsHandler.instance)

    /// Counts one read.
    func record(_ source: Source, _ outcome: Outcome) {
        counters[Key(source: source, outcome: outcome)]?.increment()
    }
}
