import Foundation
import Vapor

/// `PATCH /assessments/{id}` body: the members to change of a draft; absent (or `null`) members
/// are left as they are. Checked by `validated()`.
struct UpdateAssessmentRequest: Content {
    var title: String?
    var passingScore: Int?
    var timeLimitMinutes: Int?
    /// Replaces the whole list (the rules of `POST /assessments`).
    var questions: [CreateAssessmentRequest.Question]?

    /// The changes after the rules of `POST /assessments` are checked on each given member.
    /// - Throws: `AppError` 400 listing every invalid field.
    func validated() throws -> AssessmentPatch {
        var validator = FieldValidator()
        let title = title.map { validator.text($0, "title") }
        validator.range(passingScore, "passingScore", 0...100)
        validator.range(timeLimitMinutes, "timeLimitMinutes", 1...1440)
        let questions = questions.map { CreateAssessmentRequest.Question.validated($0, into: &validator) }
        try validator.check()
        return AssessmentPatch(title: title, passingScore: passingScore, timeLimitMinutes: timeLimitMinutes, questions: questions)
    }
}

/// Checked changes of a draft assessment; `nil` members stay as they are.
struct AssessmentPatch: Sendable, Equatable {
    var title: String?
    var passingScore: Int?
    var timeLimitMinutes: Int?
    var questions: [AssessmentQuestion]?

    /// Applies the given members to `assessment`.
    func apply(to assessment: Assessment) {
        if let title { assessment.title = title }
        if let passingScore { assessment.passingScore = passingScore }
        if let timeLimitMinutes { assessment.timeLimitMinutes = timeLimitMinutes }
        if let questions { assessment.questions = questions }
    }
}
