/// The page-level title, description and site name, used when the page has no schema.org
/// JobPosting, and to fill a JobPosting's missing title or description.
///
/// Open Graph (https://ogp.me) first, since sites write `og:title` for sharing and keep it to the
/// job; then the `<title>` (which often carries a " | Company careers" suffix) and the first `<h1>`.
struct PageFallback {
    /// The title and where it came from, or nil when the page has none.
    let title: (text: String, source: ParsedJobPage.Source)?
    /// `og:description`, else `<meta name="description">`.
    let description: String?
    /// `og:site_name`.
    let siteName: String?

    init(scan: HTMLPageScan) {
        func meta(_ key: String, keepingLineBreaks: Bool = false) -> String? {
            let text = scan.meta[key].map { HTMLText.collapsed($0, keepingLineBreaks: keepingLineBreaks) }
            return text?.isEmpty == false ? text : nil
        }
        if let openGraphTitle = meta("og:title") {
            title = (openGraphTitle, .openGraph)
        } else if let pageTitle = scan.title ?? scan.firstHeading {
            title = (pageTitle, .html)
        } else {
            title = nil
        }
        description = meta("og:description", keepingLineBreaks: true)
            ?? meta("description", keepingLineBreaks: true)
        siteName = meta("og:site_name")
    }
}
