import Foundation

/// A candidate to create, as checked by `CandidateInput.validatedNew()`: the e-mail valid and
/// normalised, texts trimmed (blank optional ones `nil`), skills cleaned, years within 0...80.
struct NewCandidate: Sendable, Equatable {
    var companyID: UUID
    var email: String
    var name: String
    var headline: String?
    var skills: [String]
    var yearsExperience: Double?
    var location: String?
    var resumeText: String?
}
