import Foundation
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

/// A salary as sent by clients; checked by `FieldValidator.salary`.
struct SalaryInput: Content {
    var min: Double?
    var max: Double?
    var currency: String?
    var period: String?
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
    var salary: Salary?
    var status: String
    var sourceUrl: String?
    var history: [StageChangeDTO]
    var createdAt: Date?
    var updatedAt: Date?
}

/// One history entry: `{"at", "actorId", "from", "to", "reason"?, "note"?}`.
struct StageChangeDTO: Content {
    var at: Date
    var actorId: String
    var from: String?
    var to: String
    var reason: String?
    var note: String?
}

extension StageChange {
    func toDTO() -> StageChangeDTO {
        StageChangeDTO(at: at, actorId: actorId.lowercased, from: from, to: to, reason: reason, note: note)
    }
}

extension Job {
    func toDTO() -> JobDTO {
        JobDTO(id: id?.lowercased ?? "", companyId: companyID.lowercased, title: title, description: description, skills: skills,
               location: location, remote: remote, employmentType: employmentType, salary: salary, status: status.rawValue,
               sourceUrl: sourceURL, history: history.items.map { $0.toDTO() }, createdAt: createdAt, updatedAt: updatedAt)
    }
}

/// schema.org `employmentType` values (`API.md` § Conventions).
let employmentTypes = ["FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "VOLUNTEER", "PER_DIEM", "OTHER"]

extension FieldValidator {
    /// Checks a skills list: at most 100 non-empty entries of at most 100 characters, trimmed,
    /// duplicates (case-insensitive) dropped.
    mutating func skills(_ value: [String]?, _ field: String = "skills") -> [String] {
        let list = value ?? []
        if list.count > 100 { fail(field, "may hold at most 100 skills") }
        var seen = Set<String>()
        var result: [String] = []
        for (index, raw) in list.enumerated() {
            let skill = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if skill.isEmpty { fail("\(field)[\(index)]", "must not be empty"); continue }
            if skill.count > 100 { fail("\(field)[\(index)]", "must be at most 100 characters"); continue }
            if seen.insert(skill.lowercased()).inserted { result.append(skill) }
        }
        return result
    }

    /// Checks a salary: numbers >= 0 with min <= max, ISO 4217 currency, a known period.
    mutating func salary(_ value: SalaryInput?, _ field: String = "salary") -> Salary? {
        guard let value else { return nil }
        for (name, number) in [("min", value.min), ("max", value.max)] {
            if let number, !(number.isFinite && number >= 0 && number < 1e12) { fail("\(field).\(name)", "must be a number from 0") }
        }
        if value.min == nil, value.max == nil { fail(field, "needs min or max") }
        if let min = value.min, let max = value.max, min > max { fail("\(field).min", "must not exceed max") }
        let currency = (value.currency ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        if currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isLetter }) { fail("\(field).currency", "must be an ISO 4217 code such as USD") }
        let period = (value.period ?? "").lowercased()
        if !Salary.periods.contains(period) { fail("\(field).period", "must be one of \(Salary.periods.joined(separator: ", "))") }
        return Salary(min: value.min, max: value.max, currency: currency, period: period)
    }

    /// Checks a schema.org employment type.
    mutating func employmentType(_ value: String?, _ field: String = "employmentType") -> String? {
        guard let value else { return nil }
        let upper = value.uppercased()
        if !employmentTypes.contains(upper) { fail(field, "must be one of \(employmentTypes.joined(separator: ", "))") }
        return upper
    }
}
