import Foundation

/// Job boards whose pages often carry no JSON-LD but which publish each posting through a public,
/// unauthenticated JSON API; for their URLs the API is read instead of the page.
///
/// - Greenhouse: pages `https://boards.greenhouse.io/{board}/jobs/{id}` and
///   `https://job-boards.greenhouse.io/{board}/jobs/{id}` (also the `embed/job_app?for=&token=`
///   form); API `https://boards-api.greenhouse.io/v1/boards/{board}/jobs/{id}` (Greenhouse
///   "Job Board API", `GET /v1/boards/{board_token}/jobs/{id}`).
/// - Lever: pages `https://jobs.lever.co/{company}/{id}` (and `jobs.eu.lever.co`, and the
///   `/apply` page); API `https://api.lever.co/v0/postings/{company}/{id}` (Lever "Postings API").
public enum JobBoardAPI: Sendable, Equatable {
    case greenhouse(board: String, jobID: String)
    case lever(company: String, postingID: String, eu: Bool)

    /// Recognises a posting page of a supported board; nil for any other URL.
    public init?(pageURL: URL) {
        guard let components = URLComponents(url: pageURL, resolvingAgainstBaseURL: false),
              let host = components.host?.lowercased(), ["http", "https"].contains(components.scheme?.lowercased() ?? "") else { return nil }
        let parts = components.path.split(separator: "/").map(String.init)
        let safe = { (part: String) in !part.isEmpty && part.count <= 100 && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) } }
        switch host {
        case "boards.greenhouse.io", "job-boards.greenhouse.io", "job-boards.eu.greenhouse.io":
            if parts.count >= 3, parts[1] == "jobs", safe(parts[0]), safe(parts[2]), parts[2].allSatisfy(\.isNumber) {
                self = .greenhouse(board: parts[0], jobID: parts[2])
                return
            }
            let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
            if parts == ["embed", "job_app"], let board = query["for"], let token = query["token"], safe(board), safe(token), token.allSatisfy(\.isNumber) {
                self = .greenhouse(board: board, jobID: token)
                return
            }
            return nil
        case "jobs.lever.co", "jobs.eu.lever.co":
            guard parts.count >= 2, safe(parts[0]), safe(parts[1]), UUID(uuidString: parts[1]) != nil else { return nil }
            self = .lever(company: parts[0], postingID: parts[1].lowercased(), eu: host == "jobs.eu.lever.co")
        default:
            return nil
        }
    }

    /// The JSON API URL of the posting.
    public var apiURL: URL {
        switch self {
        case .greenhouse(let board, let jobID):
            return URL(string: "https://boards-api.greenhouse.io/v1/boards/\(board)/jobs/\(jobID)")!
        case .lever(let company, let postingID, let eu):
            return URL(string: "https://api.\(eu ? "eu." : "")lever.co/v0/postings/\(company)/\(postingID)")!
        }
    }

    /// Reads the API's answer.
    /// - Parameters:
    ///   - json: the API response body.
    ///   - pageURL: the page the user gave: the apply URL when the answer has none.
    /// - Throws: `JobPageParserError.noJobPostingFound` when the body is not the expected JSON or
    ///   has no title.
    public func parse(json: Data, pageURL: URL, skillExtractor: any SkillExtracting = NoSkillExtractor()) throws(JobPageParserError) -> ParsedJobPage {
        guard let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else { throw .noJobPostingFound }
        let job: JobPosting?
        let source: ParsedJobPage.Source
        switch self {
        case .greenhouse:
            job = Self.greenhouse(object, pageURL: pageURL)
            source = .greenhouse
        case .lever:
            job = Self.lever(object, pageURL: pageURL)
            source = .lever
        }
        guard var job else { throw .noJobPostingFound }
        var seen = Set<String>()
        job.skills = skillExtractor.skills(in: [job.title, job.description].joined(separator: "\n")).filter { seen.insert($0).inserted }
        return ParsedJobPage(job: job, source: source)
    }

    private static func string(_ value: Any?) -> String? {
        guard let text = value as? String else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    private static func url(_ value: Any?) -> URL? {
        guard let text = string(value), let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else { return nil }
        return url
    }

    /// Greenhouse: `title`, `location.name`, `content` (HTML escaped once more as entities),
    /// `absolute_url`, `company_name`, `first_published`/`updated_at`.
    static func greenhouse(_ object: [String: Any], pageURL: URL) -> JobPosting? {
        guard let title = string(object["title"]).map(HTMLText.singleLine), !title.isEmpty else { return nil }
        let location = string((object["location"] as? [String: Any])?["name"])
        let remote = location?.lowercased().contains("remote") ?? false
        return JobPosting(
            title: title, company: string(object["company_name"]),
            description: string(object["content"]).map(HTMLText.fromMarkup) ?? "",
            locations: location.map { [$0] } ?? [], remote: remote, employmentType: nil, salary: nil,
            datePosted: string(object["first_published"]) ?? string(object["updated_at"]), validThrough: nil,
            applyUrl: url(object["absolute_url"]) ?? pageURL, skills: [])
    }

    /// Lever: `text` (title), `categories.location`/`allLocations`/`commitment`, `workplaceType`,
    /// `description` + `lists[].text/content` + `additional` (HTML), `applyUrl`/`hostedUrl`,
    /// `createdAt` (ms since 1970), `salaryRange {min, max, currency, interval}`.
    static func lever(_ object: [String: Any], pageURL: URL) -> JobPosting? {
        guard let title = string(object["text"]).map(HTMLText.singleLine), !title.isEmpty else { return nil }
        let categories = object["categories"] as? [String: Any] ?? [:]
        var locations = (categories["allLocations"] as? [Any] ?? []).compactMap { string($0) }
        if locations.isEmpty, let location = string(categories["location"]) { locations = [location] }
        var html = string(object["description"]) ?? ""
        for list in object["lists"] as? [[String: Any]] ?? [] {
            html += "<h3>\(string(list["text"]) ?? "")</h3><ul>\(string(list["content"]) ?? "")</ul>"
        }
        if let additional = string(object["additional"]) { html += additional }
        var salary: Salary?
        if let range = object["salaryRange"] as? [String: Any] {
            let amount = { (value: Any?) -> Decimal? in (value as? NSNumber).map { Decimal($0.doubleValue) }.flatMap { $0 > 0 ? $0 : nil } }
            let interval = string(range["interval"]).map { $0.replacingOccurrences(of: "-salary", with: "") } ?? ""
            salary = Salary(min: amount(range["min"]), max: amount(range["max"]), currency: string(range["currency"])?.uppercased(),
                            period: Salary.Period(normalizing: interval))
            if salary?.min == nil, salary?.max == nil { salary = nil }
        }
        var posted: String?
        if let millis = object["createdAt"] as? NSNumber {
            posted = Date(timeIntervalSince1970: millis.doubleValue / 1000).formatted(.iso8601)
        }
        return JobPosting(
            title: title, company: nil, description: HTMLText.fromMarkup(html), locations: locations,
            remote: string(object["workplaceType"])?.lowercased() == "remote",
            employmentType: string(categories["commitment"]).flatMap(EmploymentType.init(normalizing:)),
            salary: salary, datePosted: posted, validThrough: nil,
            applyUrl: url(object["applyUrl"]) ?? url(object["hostedUrl"]) ?? pageURL, skills: [])
    }
}
