import Foundation
import JobPageParser
import Vapor

/// `POST /jobs` and `PATCH /jobs/{id}` body; on PATCH every field is optional and only given
/// fields change (`companyId` and `status` cannot be patched).
struct JobInput: Content {
    var companyId: UUID?
    var title: String?
    var description: String?
    var skills: [String]?
    var location: String?
    var remote: Bool?
    var employmentType: String?
    var salary: SalaryInput?
}

/// A job as the API shows it.
struct JobDTO: Content {
    var id: String
    var companyId: String
    var title: String
    var description: String
    var skills: [String]
    var location: String?
    var remote: Bool
    var employmentType: String?
    var salary: SalaryDTO?
    var status: String
    var sourceUrl: String?
    var history: [StageChangeDTO]
    var createdAt: Date?
    var updatedAt: Date?
}

/// A job's salary as the API shows it (`Salary` in openapi.json): major units as JSON numbers,
/// `min`/`max` omitted when unknown. (A scraped posting shows `Salary` itself, the contract's
/// `ScrapedSalary`, with all four members always present.)
struct SalaryDTO: Content {
    var min: Double?
    var max: Double?
    /// ISO 4217, upper case.
    var currency: String
    /// `hour`, `day`, `week`, `month` or `year`.
    var period: String
}

/// One history entry: `{"at", "actorId", "from", "to", "reason"?, "note"?}`.
struct StageChangeDTO: Content {
    var at: Date
    var actorId: String
    var from: String?
    var to: String
    var reason: String?
    var note: String?

    /// The members, as in the contract and as stored (`StageChange`'s own names).
    enum CodingKeys: String, CodingKey {
        case at, actorId, from, to, reason, note
    }

    /// `at` in the contract's form (RFC 3339 UTC to the second, `2026-01-25T10:00:00Z`):
    /// Foundation's ISO 8601 style, the one the app's `JSONEncoder` (`.iso8601`, `configure`)
    /// formats a `Date` with.
    static let atStyle = Date.ISO8601FormatStyle()

    /// Writes the entry as the synthesized encoding under the app's encoder did (absent optional
    /// members left out), but hands the encoder `at` as the formatted string: a job's answer
    /// carries up to 500 entries, and the encoder's own date path (its strategy, then a style
    /// made per date) was about a fifth of encoding them.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.atStyle.format(at), forKey: .at)
        try container.encode(actorId, forKey: .actorId)
        try container.encodeIfPresent(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(note, forKey: .note)
    }
}

extension StageChange {
    func toDTO() -> StageChangeDTO {
        StageChangeDTO(at: at, actorId: actorId.lowercased, from: from, to: to, reason: reason, note: note)
    }
}

extension Salary {
    /// The job's API shape. Amounts go through their decimal text, so that a number stored from
    /// a client's JSON number reads back as that same `Double`.
    func toDTO() -> SalaryDTO {
        let number = { (value: Decimal?) in value.flatMap { Double($0.description) } }
        return SalaryDTO(min: number(min), max: number(max), currency: currency ?? "", period: period?.rawValue ?? "")
    }
}

extension Job {
    func toDTO() -> JobDTO {
        JobDTO(id: id?.lowercased ?? "", companyId: companyID.lowercased, title: title, description: description, skills: skills,
               location: location, remote: remote, employmentType: employmentType, salary: salary?.toDTO(), status: status.rawValue,
               sourceUrl: sourceURL, history: history.items.map { $0.toDTO() }, createdAt: createdAt, updatedAt: updatedAt)
    }
}

/// schema.org `employmentType` values (`API.md` § Conventions).
let employmentTypes = ["FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "VOLUNTEER", "PER_DIEM", "OTHER"]

extension FieldValidator {
    /// Checks a schema.org employment type (any case).
    /// - Returns: the upper-case value, `nil` when none was given.
    mutating func employmentType(_ value: String?, _ field: String = "employmentType") -> String? {
        guard let value else { return nil }
        let upper = value.uppercased()
        if !employmentTypes.contains(upper) { fail(field, "must be one of \(employmentTypes.joined(separator: ", "))") }
        return upper
    }
}

extension JobInput {
    /// The fields of a new job after every rule of `POST /jobs` is checked.
    /// - Throws: `AppError` 400 listing every invalid field.
    func validatedNew() throws -> NewJob {
        var validator = FieldValidator()
        if companyId == nil { validator.fail("companyId", "is required") }
        let title = validator.text(title, "title")
        let description = validator.text(description, "description", maxLength: 50_000)
        let skills = validator.skills(skills)
        let location = validator.text(location, "location", required: false)
        let employmentType = validator.employmentType(employmentType)
        let salary = validator.salary(salary)
        try validator.check()
        guard let companyId else { throw AppError.invalidField("companyId", "is required") }
        return NewJob(companyID: companyId, title: title, description: description, skills: skills, location: location.isEmpty ? nil : location,
                      remote: remote ?? false, employmentType: employmentType, salary: salary)
    }

    /// The changes of `PATCH /jobs/{id}` after every rule is checked.
    /// - Throws: `AppError` 400 listing every invalid field (`companyId` is refused).
    func validatedPatch() throws -> JobPatch {
        var validator = FieldValidator()
        if companyId != nil { validator.fail("companyId", "cannot be changed") }
        let title = title.map { validator.text($0, "title") }
        let description = description.map { validator.text($0, "description", maxLength: 50_000) }
        let skills = skills.map { validator.skills($0) }
        let location = location.map { validator.text($0, "location", required: false) }
        let employmentType = validator.employmentType(employmentType)
        let salary = validator.salary(salary)
        try validator.check()
        return JobPatch(title: title, description: description, skills: skills, location: location.map { $0.isEmpty ? nil : $0 },
                        remote: remote, employmentType: employmentType, salary: salary)
    }
}
