import Foundation

/// A job as read from a job page: the `job` object of the API contract's `POST /scrape` response,
/// `{"title", "company", "description", "locations", "remote", "employmentType", "salary"?,
/// "datePosted"?, "validThrough"?, "applyUrl", "skills"}`.
///
/// Field meanings follow schema.org `JobPosting` (https://schema.org/JobPosting). Encoded with
/// camelCase keys; `company` and `employmentType` are always present (`null` when unknown), while
/// `salary`, `datePosted` and `validThrough` are left out when unknown, as the contract marks them
/// optional.
public struct JobPosting: Sendable, Equatable, Codable {
    /// The job title (`JobPosting.title`, else `name`), entities decoded, on one line. Never empty.
    public var title: String
    /// The hiring organisation's name (`hiringOrganization` as an `Organization`'s `name` or as a
    /// plain string; `og:site_name` on pages without a JobPosting). Nil when unknown.
    public var company: String?
    /// The description as plain text: tags removed, entities decoded, paragraphs separated by a
    /// blank line and list items on lines of their own. Empty when the page has none.
    public var description: String
    /// Each `jobLocation` as "City, Region, Country" (only the parts given, e.g. "Kirkland, WA").
    public var locations: [String]
    /// Whether the job can be done remotely: `jobLocationType` is `TELECOMMUTE`, or the posting
    /// states `applicantLocationRequirements` without any `jobLocation` (Google's rule for
    /// fully remote jobs).
    public var remote: Bool
    /// The first recognised `employmentType` (a posting may list several). Nil when not stated.
    public var employmentType: EmploymentType?
    /// From `baseSalary`; nil when the posting states no usable amount.
    public var salary: Salary?
    /// `datePosted` as the posting writes it (ISO 8601 date or date-time).
    public var datePosted: String?
    /// `validThrough` (the closing date) as the posting writes it.
    public var validThrough: String?
    /// Where to apply: the posting's `url` (resolved against the page) when it is http(s), else
    /// the page's own URL.
    public var applyUrl: URL
    /// Skills found in the title, description and the posting's skills and qualifications text by
    /// the parser's `SkillExtracting`, in the order it returned them, without duplicates.
    public var skills: [String]

    /// Creates a job posting; see the properties for meanings.
    public init(
        title: String,
        company: String?,
        description: String,
        locations: [String],
        remote: Bool,
        employmentType: EmploymentType?,
        salary: Salary?,
        datePosted: String?,
        validThrough: String?,
        applyUrl: URL,
        skills: [String]
    ) {
        self.title = title
        self.company = company
        self.description = description
        self.locations = locations
        self.remote = remote
        self.employmentType = employmentType
        self.salary = salary
        self.datePosted = datePosted
        self.validThrough = validThrough
        self.applyUrl = applyUrl
        self.skills = skills
    }

    private enum CodingKeys: String, CodingKey {
        case title, company, description, locations, remote, employmentType, salary
        case datePosted, validThrough, applyUrl, skills
    }

    /// Decodes what `encode(to:)` writes (absent optional keys and `null` read as nil).
    /// - Throws: `DecodingError` for a missing required key, a wrong type, an `employmentType`
    ///   outside schema.org's values or an `applyUrl` that is not a URL.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decode(String.self, forKey: .title)
        company = try container.decodeIfPresent(String.self, forKey: .company)
        description = try container.decode(String.self, forKey: .description)
        locations = try container.decode([String].self, forKey: .locations)
        remote = try container.decode(Bool.self, forKey: .remote)
        employmentType = try container.decodeIfPresent(EmploymentType.self, forKey: .employmentType)
        salary = try container.decodeIfPresent(Salary.self, forKey: .salary)
        datePosted = try container.decodeIfPresent(String.self, forKey: .datePosted)
        validThrough = try container.decodeIfPresent(String.self, forKey: .validThrough)
        let applyURLText = try container.decode(String.self, forKey: .applyUrl)
        guard let applyUrl = URL(string: applyURLText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .applyUrl, in: container, debugDescription: "Not a URL: \(applyURLText)")
        }
        self.applyUrl = applyUrl
        skills = try container.decode([String].self, forKey: .skills)
    }

    /// Encodes the contract's shape: `company` and `employmentType` as `null` when unknown,
    /// the optional keys left out, `applyUrl` as a string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(title, forKey: .title)
        try container.encode(company, forKey: .company)
        try container.encode(description, forKey: .description)
        try container.encode(locations, forKey: .locations)
        try container.encode(remote, forKey: .remote)
        try container.encode(employmentType, forKey: .employmentType)
        try container.encodeIfPresent(salary, forKey: .salary)
        try container.encodeIfPresent(datePosted, forKey: .datePosted)
        try container.encodeIfPresent(validThrough, forKey: .validThrough)
        try container.encode(applyUrl.absoluteString, forKey: .applyUrl)
        try container.encode(skills, forKey: .skills)
    }
}
