import Foundation

/// Reads the job advertised on a job page's HTML.
///
/// In order, the first that yields a title wins:
/// 1. schema.org `JobPosting` JSON-LD (https://schema.org/JobPosting, as Google's job-posting
///    guidelines use it) in any `<script type="application/ld+json">`: also inside `@graph`, in
///    top-level arrays and nested nodes, `@type` as a string, an array or a full IRI, `@id`
///    references resolved; the first JobPosting on the page wins. Blocks that are not valid JSON
///    are repaired where real sites commonly break it (see `LenientJSON`) or else skipped.
///    Source `json-ld`. A posting without `title`/`name` takes the page's title, and one without
///    `description` the page's description (both as below).
/// 2. a schema.org `JobPosting` in HTML microdata, read with the same rules. Source `html`.
/// 3. Open Graph (https://ogp.me): `og:title`, `og:description` (else `<meta name="description">`)
///    and `og:site_name` as the company. Source `opengraph`.
/// 4. the `<title>`, else the first `<h1>`, with the descriptions and site name of step 3.
///    Source `html`.
///
/// Pure and `Sendable`: no I/O, safe to call from many tasks at once (libxml2 is initialised
/// once for the process before the first parse).
///
/// Bounded work, as any signed-in user chooses the page (issue 7; the fetcher caps it at 2 MB):
/// every step is linear in the page's size and bounded in depth, and a hostile 2 MB page parses
/// in well under a second in a release build (`ParserBench`, `scripts/bench/run micro`).
/// - libxml2 2.9 builds the tree. It halts at the 258th nested element (`xmlParserMaxDepth`,
///   256; `XML_PARSE_HUGE` is never set), and the input ends at the first start tag with more
///   than 175 attributes, which libxml2 checks pairwise (`HTMLDocument.maximumAttributeSlots`).
/// - The tree is walked once, without recursion (`HTMLNode.walkDescendants`, `HTMLPageScan`).
///   Text is rendered for the first `<title>`s and `<h1>`s until one is not blank, never twice
///   for nested blank `<h1>`s; microdata items nest at most 8 deep and a property inside 8 other
///   properties is not read, so a node's text is rendered at most 8 times over.
/// - Each JSON-LD block is repaired in linear time, with a table of 4 bytes per byte of the
///   block (`LenientJSON.repair`), and a block nesting `{`/`[` deeper than 64 is skipped
///   (`LenientJSON.maximumDepth`); the search for a JobPosting goes 32 levels deep.
/// - Reading the posting is charged to a budget of 4 units per page byte plus 1,000,000 (about
///   one unit per byte of text read or rendered, `JobPostingReader.Budget`), which `@id`
///   references cannot multiply; past it, values read as missing. Of a salary text the first
///   256 characters and 8 numbers are read.
public struct JobPageParser: Sendable {
    private let skillExtractor: any SkillExtracting

    /// - Parameter skillExtractor: finds `JobPosting.skills` in the posting's text; the default
    ///   finds none.
    public init(skillExtractor: any SkillExtracting = NoSkillExtractor()) {
        self.skillExtractor = skillExtractor
    }

    /// Parses a page's body.
    ///
    /// - Parameters:
    ///   - html: the body exactly as received. Undecoded bytes, so that libxml2 can honour a
    ///     byte-order mark or a `<meta charset>`; a String decoded as UTF-8 would already have
    ///     garbled an ISO-8859-1 page.
    ///   - pageURL: the page's final URL (after redirects): the base for a relative posting `url`
    ///     and the `applyUrl` when the posting names none.
    ///   - contentTypeCharset: the `charset` parameter of the HTTP `Content-Type`, if any. It
    ///     overrides the page's `<meta charset>` (as browsers do) but not a byte-order mark;
    ///     an unknown name is ignored.
    /// - Returns: the job and the part of the page it came from.
    /// - Throws: `JobPageParserError.noJobPostingFound` when no title can be found anywhere (an
    ///   empty body included); `.documentTooLarge` past libxml2's 2 GiB input limit.
    public func parse(
        html: some ContiguousBytes, pageURL: URL, contentTypeCharset: String? = nil
    ) throws(JobPageParserError) -> ParsedJobPage {
        var pageBytes = 0
        let scanned: Result<HTMLPageScan, JobPageParserError> = html.withUnsafeBytes { bytes in
            pageBytes = bytes.count
            guard bytes.count <= Int(Int32.max) else { return .failure(.documentTooLarge) }
            let encoding = Self.externalEncoding(contentTypeCharset, bytes: bytes)
            guard let document = HTMLDocument.parse(bytes: bytes, encoding: encoding) else {
                return .failure(.noJobPostingFound)
            }
            return .success(HTMLPageScan(document: document))
        }
        let scan = try scanned.get()
        let page = PageFallback(scan: scan)

        let jsonLD = JSONLDDocuments(blocks: scan.jsonLDBlocks)
        if let node = jsonLD.firstJobPosting {
            let reader = JobPostingReader(
                node: node, format: .markup, budget: .init(pageBytes: pageBytes), resolve: jsonLD.resolve)
            if let job = job(from: reader, page: page, pageURL: pageURL) {
                return ParsedJobPage(job: job, source: .jsonLD)
            }
        }
        if let node = scan.microdataJobPosting {
            let reader = JobPostingReader(node: node, format: .plain, budget: .init(pageBytes: pageBytes))
            if let job = job(from: reader, page: page, pageURL: pageURL) {
                return ParsedJobPage(job: job, source: .html)
            }
        }
        if let (title, source) = page.title {
            let description = page.description ?? ""
            let job = JobPosting(
                title: title, company: page.siteName, description: description, locations: [],
                remote: false, employmentType: nil, salary: nil, datePosted: nil,
                validThrough: nil, applyUrl: pageURL,
                skills: skills(in: [title, description])
            )
            return ParsedJobPage(job: job, source: source)
        }
        throw .noJobPostingFound
    }

    private func job(from reader: JobPostingReader, page: PageFallback, pageURL: URL) -> JobPosting? {
        guard let title = reader.title ?? page.title?.text else { return nil }
        let description = reader.description ?? page.description ?? ""
        return JobPosting(
            title: title,
            company: reader.company,
            description: description,
            locations: reader.locations,
            remote: reader.remote,
            employmentType: reader.employmentType,
            salary: reader.salary,
            datePosted: reader.datePosted,
            validThrough: reader.validThrough,
            applyUrl: reader.applyURL(relativeTo: pageURL) ?? pageURL,
            skills: skills(in: [title, description, reader.skillsText])
        )
    }

    private func skills(in texts: [String]) -> [String] {
        let text = texts.filter { !$0.isEmpty }.joined(separator: "\n")
        var seen = Set<String>()
        return skillExtractor.skills(in: text).filter { seen.insert($0).inserted }
    }

    /// The charset to impose on libxml2, or nil to let it detect one. A byte-order mark beats the
    /// HTTP header (WHATWG Encoding Standard, "decode"), so with a BOM libxml2 is left to read it.
    /// Only plausible charset names pass, as the value comes from a remote server.
    private static func externalEncoding(_ charset: String?, bytes: UnsafeRawBufferPointer) -> String? {
        guard let charset = charset?.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'")),
            !charset.isEmpty, charset.count <= 40,
            charset.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
        else { return nil }
        let boms: [[UInt8]] = [[0xEF, 0xBB, 0xBF], [0xFE, 0xFF], [0xFF, 0xFE]]
        if boms.contains(where: { bytes.starts(with: $0) }) { return nil }
        return charset
    }
}
