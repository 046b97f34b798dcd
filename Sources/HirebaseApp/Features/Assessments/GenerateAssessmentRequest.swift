import Foundation
import Vapor

/// `POST /assessments/generate` body (`API.md` § AI assistance); checked by `validated()`.
struct GenerateAssessmentRequest: Content {
    var companyId: UUID?
    /// A job of `companyId` to draft from (its title, description and skills).
    var jobId: UUID?
    /// A pasted job description to draft from (1...20,000 characters).
    var description: String?
    /// 1...30, default 10.
    var questionCount: Int?
    /// A non-empty subset of the question kinds; default all three.
    var kinds: [String]?
    /// The draft's title; default the job's title, else the provider's.
    var title: String?

    /// The longest pasted description accepted, in characters (Unicode scalars).
    static let maxDescriptionLength = AssessmentDraftPrompt.maxDescriptionLength
    /// The default number of questions.
    static let defaultQuestionCount = 10

    /// The request after its rules are checked: a `companyId`; exactly one of `jobId` and
    /// `description`; `questionCount` within 1...30; `kinds` known and not empty (repeats
    /// dropped); a `title` of at most 200 characters when given (blank = not given).
    /// - Throws: `AppError` 400 listing every invalid field.
    func validated() throws -> AssessmentDraftInput {
        var validator = FieldValidator()
        if companyId == nil { validator.fail("companyId", "is required") }
        var source: AssessmentDraftInput.Source?
        switch (jobId, description) {
        case (nil, nil):
            validator.fail("jobId", "jobId or description is required")
        case (.some, .some):
            validator.fail("description", "give either jobId or description, not both")
        case (let jobID?, nil):
            source = .job(jobID)
        case (nil, let text?):
            let trimmed = validator.text(text, "description", maxLength: Self.maxDescriptionLength)
            source = .description(trimmed)
        }
        let count = questionCount ?? Self.defaultQuestionCount
        validator.range(count, "questionCount", 1...30)
        var asked = Set<AssessmentQuestion.Kind>()
        if let kinds {
            if kinds.isEmpty { validator.fail("kinds", "must name at least one kind") }
            for (index, raw) in kinds.enumerated() {
                if let kind = AssessmentQuestion.Kind(rawValue: raw) {
                    asked.insert(kind)
                } else {
                    validator.fail("kinds[\(index)]", "must be single_choice, multiple_choice or text")
                }
            }
        } else {
            asked = Set(AssessmentQuestion.Kind.allCases)
        }
        let title = validator.text(title, "title", required: false)
        try validator.check()
        guard let companyId, let source else { throw AppError.invalidField("companyId", "is required") }
        return AssessmentDraftInput(companyID: companyId, source: source, questionCount: count,
                                    kinds: AssessmentQuestion.Kind.allCases.filter(asked.contains), title: title.isEmpty ? nil : title)
    }
}

/// A checked `POST /assessments/generate` request.
struct AssessmentDraftInput: Sendable, Equatable {
    /// Where the draft's text comes from.
    enum Source: Sendable, Equatable {
        /// A job of the company (404 when it is not one).
        case job(UUID)
        /// A pasted description, trimmed, 1...20,000 characters.
        case description(String)
    }

    var companyID: UUID
    var source: Source
    /// 1...30.
    var questionCount: Int
    /// Not empty, in the order of `AssessmentQuestion.Kind.allCases`.
    var kinds: [AssessmentQuestion.Kind]
    /// The title asked for, trimmed (1...200 characters), if any.
    var title: String?
}
