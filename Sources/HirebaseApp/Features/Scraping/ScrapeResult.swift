import JobPageParser

/// What `ScrapeService.scrape` read, and the draft job it saved.
struct ScrapeResult: Sendable {
    /// The posting and where on the page it was found.
    var parsed: ParsedJobPage
    /// The draft job created with `save: true`.
    var savedJob: Job?
}
