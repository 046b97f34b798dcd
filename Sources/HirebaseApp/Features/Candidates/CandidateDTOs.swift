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
