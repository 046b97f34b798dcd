/// What `JobPageParser` read from a page: the job and where on the page it came from; the API
/// contract's `POST /scrape` response body, `{"job": {...}, "source": "json-ld"|"opengraph"|"html"}` (plus `"greenhouse"`/`"lever"` for
/// postings read from those boards' public APIs; see `JobBoardAPI`).
public struct ParsedJobPage: Sendable, Equatable, Codable {
    /// The job read from the page.
    public var job: JobPosting
    /// Where the job's title came from.
    public var source: Source

    /// Where on the page a job was found.
    public enum Source: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        /// A schema.org `JobPosting` in a `<script type="application/ld+json">` block.
        case jsonLD = "json-ld"
        /// Open Graph meta tags (`og:title`, https://ogp.me); no JobPosting on the page.
        case openGraph = "opengraph"
        /// The page's HTML itself: a schema.org `JobPosting` in microdata (`itemscope`
        /// `itemtype=".../JobPosting"`), or else the `<title>` or first `<h1>`.
        case html
        /// Greenhouse's public job board API (`boards-api.greenhouse.io`), not the page.
        case greenhouse
        /// Lever's public postings API (`api.lever.co`), not the page.
        case lever
    }

    /// Creates a parsed page.
    public init(job: JobPosting, source: Source) {
        self.job = job
        self.source = source
    }
}
