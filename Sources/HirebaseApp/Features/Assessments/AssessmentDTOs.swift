import Foundation
import Vapor

/// `POST /assessments` body; checked by `validated()`.
struct CreateAssessmentRequest: Content {
    /// A question as sent (by a member, or by the AI provider for a draft); checked by
    /// ``validated(_:field:into:)``.
    struct Question: Content {
        var id: String?
        var prompt: String?
        var kind: String?
        var choices: [String]?
        var correct: [String]?
        var points: Double?
        /// Only on `text` questions: the guide the AI provider grades by (at most 4,000 characters).
        var rubric: String?
    }

    var companyId: UUID?
    var title: String?
    var passingScore: Int?
    var timeLimitMinutes: Int?
    var questions: [Question]?

    /// The assessment's fields after every rule of the contract is checked.
    /// - Throws: `AppError` 400 listing every invalid field.
    func validated() throws -> NewAssessment {
        var validator = FieldValidator()
        if companyId == nil { validator.fail("companyId", "is required") }
        let title = validator.text(title, "title")
        validator.range(passingScore, "passingScore", 0...100)
        validator.range(timeLimitMinutes, "timeLimitMinutes", 1...1440)
        let result = Question.validated(questions, into: &validator)
        try validator.check()
        guard let companyId else { throw AppError.invalidField("companyId", "is required") }
        return NewAssessment(companyID: companyId, title: title, passingScore: passingScore, timeLimitMinutes: timeLimitMinutes, questions: result)
    }
}

extension CreateAssessmentRequest.Question {
    /// The rules of an assessment's questions (`API.md` § Assessments and invitations), the one
    /// place they are written: `POST /assessments`, `PATCH /assessments/{id}` and the AI
    /// provider's drafts all go through here.
    ///
    /// 1-200 questions; ids unique (at most 64 characters); a prompt (at most 4,000); a known
    /// kind; points > 0 (at most 1,000) when given. Choice questions: 2-50 distinct non-empty
    /// choices (at most 500 characters each) and a key naming only listed choices, exactly one
    /// for `single_choice`. `text` questions: no choices, accepted answers non-empty (at most 50
    /// of at most 500 characters), and an optional `rubric` (at most 4,000 characters; not
    /// allowed on choice questions). Strings are trimmed; an empty key or rubric is dropped.
    /// - Parameters:
    ///   - questions: the questions as sent (`nil` counts as none).
    ///   - field: the JSON path of the list in messages.
    ///   - validator: where each broken rule is recorded, by field (`questions[0].kind`).
    /// - Returns: the checked questions (those with an unknown kind left out); meaningful only
    ///   when `validator` recorded nothing.
    static func validated(_ questions: [Self]?, field list: String = "questions", into validator: inout FieldValidator) -> [AssessmentQuestion] {
        var result: [AssessmentQuestion] = []
        let questions = questions ?? []
        if questions.isEmpty { validator.fail(list, "needs at least one question") }
        if questions.count > 200 { validator.fail(list, "may hold at most 200 questions") }
        var seen = Set<String>()
        for (index, question) in questions.enumerated() {
            let field = "\(list)[\(index)]"
            let id = validator.text(question.id, "\(field).id", maxLength: 64)
            if !id.isEmpty, !seen.insert(id).inserted { validator.fail("\(field).id", "repeats an earlier question id") }
            let prompt = validator.text(question.prompt, "\(field).prompt", maxLength: 4000)
            guard let kind = question.kind.flatMap(AssessmentQuestion.Kind.init(rawValue:)) else {
                validator.fail("\(field).kind", "must be single_choice, multiple_choice or text")
                continue
            }
            if let points = question.points, !(points > 0 && points.isFinite && points <= 1000) {
                validator.fail("\(field).points", "must be a number greater than 0 (at most 1000)")
            }
            let choices = question.choices?.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let correct = question.correct?.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            var rubric: String?
            switch kind {
            case .singleChoice, .multipleChoice:
                let list = choices ?? []
                if list.count < 2 { validator.fail("\(field).choices", "needs at least two choices") }
                if list.count > 50 { validator.fail("\(field).choices", "may hold at most 50 choices") }
                if list.contains(where: { $0.unicodeScalars.count > 500 }) { validator.fail("\(field).choices", "must be at most 500 characters each") }
                if list.contains(where: \.isEmpty) { validator.fail("\(field).choices", "must not contain empty choices") }
                if Set(list).count != list.count { validator.fail("\(field).choices", "must not repeat a choice") }
                let key = correct ?? []
                if key.isEmpty { validator.fail("\(field).correct", "is required for \(kind.rawValue) questions") }
                if key.contains(where: { !list.contains($0) }) { validator.fail("\(field).correct", "must name only listed choices") }
                if kind == .singleChoice, key.count > 1 { validator.fail("\(field).correct", "must name exactly one choice for single_choice") }
                if Set(key).count != key.count { validator.fail("\(field).correct", "must not repeat a choice") }
                if question.rubric != nil { validator.fail("\(field).rubric", "is allowed only on text questions") }
            case .text:
                if choices != nil { validator.fail("\(field).choices", "is not allowed on text questions") }
                if let correct, correct.contains(where: \.isEmpty) { validator.fail("\(field).correct", "must not contain empty answers") }
                if let correct, correct.count > 50 || correct.contains(where: { $0.unicodeScalars.count > 500 }) {
                    validator.fail("\(field).correct", "may hold at most 50 answers of at most 500 characters")
                }
                let text = validator.text(question.rubric, "\(field).rubric", maxLength: 4000, required: false)
                rubric = text.isEmpty ? nil : text
            }
            result.append(AssessmentQuestion(id: id, prompt: prompt, kind: kind, choices: choices, correct: correct.flatMap { $0.isEmpty ? nil : $0 },
                                             points: question.points, rubric: rubric))
        }
        return result
    }
}

/// An assessment as members see it (answer keys and rubrics included).
struct AssessmentDTO: Content {
    var id: String
    var companyId: String
    var title: String
    var passingScore: Int?
    var timeLimitMinutes: Int?
    var questions: [AssessmentQuestion]
    /// `draft` (not sendable until published) or `published`.
    var status: String
    /// The AI run that drafted it; omitted when it was typed in.
    var aiRunId: String?
    var createdAt: Date?
}

/// The assessment part a candidate sees: no answer keys and no rubric, nothing needed to cheat.
struct CandidateAssessmentDTO: Content {
    struct Question: Content {
        var id: String
        var prompt: String
        var kind: String
        var choices: [String]?
        var points: Double
    }

    var title: String
    var timeLimitMinutes: Int?
    var questions: [Question]
}

extension Assessment {
    func toDTO() -> AssessmentDTO {
        AssessmentDTO(id: id?.lowercased ?? "", companyId: companyID.lowercased, title: title, passingScore: passingScore,
                      timeLimitMinutes: timeLimitMinutes, questions: questions, status: status.rawValue, aiRunId: aiRunID?.lowercased,
                      createdAt: createdAt)
    }

    func toCandidateDTO() -> CandidateAssessmentDTO {
        CandidateAssessmentDTO(title: title, timeLimitMinutes: timeLimitMinutes, questions: questions.map {
            .init(id: $0.id, prompt: $0.prompt, kind: $0.kind.rawValue, choices: $0.choices, points: $0.worth)
        })
    }
}
