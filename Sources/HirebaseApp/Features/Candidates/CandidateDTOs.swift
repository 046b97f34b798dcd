import Foundation
import Vapor

/// `POST /candidates` and `PATCH /candidates/{id}` body (PATCH: any subset, never `companyId`).
struct CandidateInput: Content {
    var companyId: UUID?
    var email: String?
    var name: String?
    var headline: String?
    var skills: [String]?
    var yearsExperience: Double?
    var location: String?
    var resumeText: String?
}

/// A candidate as members see it.
struct CandidateDTO: Content {
    var id: String
    var companyId: String
    var email: String
    var name: String
    var headline: String?
    var skills: [String]
    var yearsExperience: Double?
    var location: String?
    var resumeText: String?
    var createdAt: Date?
    var updatedAt: Date?
}

extension Candidate {
    func toDTO() -> CandidateDTO {
        CandidateDTO(id: id?.lowercased ?? "", companyId: companyID.lowercased, email: email, name: name, headline: headline, skills: skills,
                     yearsExperience: yearsExperience, location: location, resumeText: resumeText, createdAt: createdAt, updatedAt: updatedAt)
    }
}

extension CandidateInput {
    /// The fields of `POST /candidates` after every rule is checked.
    /// - Throws: `AppError` 400 listing every invalid field.
    func validatedNew() throws -> NewCandidate {
        let checked = try check(creating: true)
        guard let companyId, let email = checked.email else { throw AppError.invalidField("companyId", "is required") }
        return NewCandidate(companyID: companyId, email: email, name: checked.name ?? "", headline: checked.headline ?? nil,
                            skills: checked.skills ?? [], yearsExperience: yearsExperience, location: checked.location ?? nil,
                            resumeText: checked.resumeText ?? nil)
    }

    /// The changes of `PATCH /candidates/{id}` after every rule is checked (`companyId` is refused).
    /// - Throws: `AppError` 400 listing every invalid field.
    func validatedPatch() throws -> CandidatePatch {
        let checked = try check(creating: false)
        return CandidatePatch(email: checked.email, name: checked.name, headline: checked.headline, skills: checked.skills,
                              yearsExperience: yearsExperience, location: checked.location, resumeText: checked.resumeText)
    }

    /// The validated fields of a body; `nil` members were not given (`.some(nil)`: given blank).
    private struct Checked {
        var email: String?
        var name: String?
        var headline: String??
        var skills: [String]?
        var location: String??
        var resumeText: String??
    }

    /// E-mails are checked as everywhere (`FieldValidator.email`).
    private func check(creating: Bool) throws -> Checked {
        var validator = FieldValidator()
        var checked = Checked()
        if creating, companyId == nil { validator.fail("companyId", "is required") }
        if !creating, companyId != nil { validator.fail("companyId", "cannot be changed") }
        if creating || email != nil { checked.email = validator.email(email, "email") }
        if creating || name != nil { checked.name = validator.text(name, "name") }
        if headline != nil { checked.headline = .some(Self.blankToNil(validator.text(headline, "headline", maxLength: 300, required: false))) }
        if creating || skills != nil { checked.skills = validator.skills(skills) }
        if location != nil { checked.location = .some(Self.blankToNil(validator.text(location, "location", required: false))) }
        if resumeText != nil { checked.resumeText = .some(Self.blankToNil(validator.text(resumeText, "resumeText", maxLength: 100_000, required: false))) }
        if let years = yearsExperience, !(years.isFinite && (0...80).contains(years)) { validator.fail("yearsExperience", "must be a number from 0 to 80") }
        try validator.check()
        return checked
    }

    private static func blankToNil(_ text: String) -> String? { text.isEmpty ? nil : text }
}
