import Foundation

/// An assessment to create, as checked by `CreateAssessmentRequest.validated()`: a title, 1-200
/// questions with unique ids and consistent answer keys, a passing score within 0...100 and a
/// time limit within 1...1440 minutes when given.
struct NewAssessment: Sendable, Equatable {
    var companyID: UUID
    var title: String
    var passingScore: Int?
    var timeLimitMinutes: Int?
    var questions: [AssessmentQuestion]
}
