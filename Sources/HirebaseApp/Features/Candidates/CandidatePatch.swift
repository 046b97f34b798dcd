import Foundation

/// The changes of `PATCH /candidates/{id}`, as checked by `CandidateInput.validatedPatch()`:
/// `nil` = not given, unchanged. The optional texts are doubly optional: `.some(nil)` clears one
/// (a blank text was sent).
struct CandidatePatch: Sendable, Equatable {
    var email: String?
    var name: String?
    var headline: String??
    var skills: [String]?
    var yearsExperience: Double?
    var location: String??
    var resumeText: String??

    /// Applies the given fields to `candidate` (the e-mail with its lower-cased key).
    func apply(to candidate: Candidate) {
        if let email {
            candidate.email = email
            candidate.emailKey = EmailLookupKey.of(email)
        }
        if let name { candidate.name = name }
        if let headline { candidate.headline = headline }
        if let skills { candidate.skills = skills }
        if let yearsExperience { candidate.yearsExperience = yearsExperience }
        if let location { candidate.location = location }
        if let resumeText { candidate.resumeText = resumeText }
    }
}
