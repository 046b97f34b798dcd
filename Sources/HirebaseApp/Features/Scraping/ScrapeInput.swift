import Foundation

/// A `POST /scrape` request after its fields are checked.
struct ScrapeInput: Sendable, Equatable {
    /// An absolute http(s) URL of at most 2,048 characters.
    var url: URL
    /// The company the caller scrapes for: required with `save`.
    var companyID: UUID?
    /// Whether to store the posting as a draft job of `companyID`.
    var save: Bool
}
