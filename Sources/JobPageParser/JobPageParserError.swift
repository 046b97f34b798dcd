/// Why `JobPageParser.parse` found no job on a page. The server answers 422 for both
/// (`no_job_posting_found`, `unprocessable`).
public enum JobPageParserError: Error, Sendable, Equatable {
    /// The page has no schema.org `JobPosting`, no Open Graph title, and neither a `<title>` nor
    /// an `<h1>` with text (also: an empty body).
    case noJobPostingFound
    /// The body is larger than libxml2 can take in one call (its size parameter is a C `int`,
    /// so 2 GiB); the server's own body limit is far below this.
    case documentTooLarge
}
