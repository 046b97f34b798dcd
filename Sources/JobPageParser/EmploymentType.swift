/// Type of employment, with schema.org's `JobPosting.employmentType` values
/// (https://schema.org/employmentType, as listed by Google's job-posting guidelines), which the
/// API contract uses as they are: `FULL_TIME`, `PART_TIME`, `CONTRACTOR`, `TEMPORARY`, `INTERN`,
/// `VOLUNTEER`, `PER_DIEM`, `OTHER`.
public enum EmploymentType: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// Full-time employment.
    case fullTime = "FULL_TIME"
    /// Part-time employment.
    case partTime = "PART_TIME"
    /// A contract or freelance engagement.
    case contractor = "CONTRACTOR"
    /// Temporary or seasonal work.
    case temporary = "TEMPORARY"
    /// An internship.
    case intern = "INTERN"
    /// Unpaid volunteer work.
    case volunteer = "VOLUNTEER"
    /// Paid by the day as needed (per diem).
    case perDiem = "PER_DIEM"
    /// Stated by the posting but none of the above.
    case other = "OTHER"

    /// Reads one value as sites write it: the schema.org constant in any case (`FULL_TIME`),
    /// prose spellings (`Full-time`, `full time`, `Part Time`), common synonyms (`CONTRACT`,
    /// `freelance` -> `CONTRACTOR`; `temp`, `seasonal` -> `TEMPORARY`; `internship` -> `INTERN`).
    /// A value written as a URL counts by its last path segment. Nil when not recognised.
    public init?(normalizing value: String) {
        let lastSegment = value.split(separator: "/").last.map(String.init) ?? value
        let key = String(lastSegment.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic })
        guard let type = Self.synonyms[key] else { return nil }
        self = type
    }

    private static let synonyms: [String: EmploymentType] = [
        "fulltime": .fullTime, "ft": .fullTime,
        "parttime": .partTime, "pt": .partTime,
        "contractor": .contractor, "contract": .contractor, "freelance": .contractor,
        "freelancer": .contractor,
        "temporary": .temporary, "temp": .temporary, "seasonal": .temporary,
        "intern": .intern, "internship": .intern,
        "volunteer": .volunteer, "volunteering": .volunteer,
        "perdiem": .perDiem,
        "other": .other,
    ]
}
