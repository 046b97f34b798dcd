import Foundation

/// Grades a candidate's answers on the server (`API.md` § Assessments and invitations).
///
/// A question earns its points when the answer matches its key exactly, else 0 (no partial
/// credit): `single_choice` the one chosen choice; `multiple_choice` the same set of choices,
/// order ignored; `text` with accepted answers, any of them compared trimmed and
/// case-insensitively. `text` questions without accepted answers are left for a member and count
/// in neither score. Unanswered questions earn 0.
public struct AssessmentGrader: Sendable {
    /// The grade of one submission.
    public struct Grade: Sendable, Equatable {
        public var rawScore: Double
        public var maxScore: Double
        /// round(100 × rawScore / maxScore) with halves to even, as Python's `round`; `nil` when
        /// nothing is auto-graded.
        public var score: Int?
        /// `score >= passingScore`; `nil` without a passing score or a score.
        public var passed: Bool?
    }

    public init() {}

    /// - Throws: `AppError` 400 for an unknown or repeated question id, or an answer of the wrong
    ///   type (a list for a single answer, a string for `multiple_choice`).
    public func grade(_ answers: [SubmittedAnswer], questions: [AssessmentQuestion], passingScore: Int?) throws -> Grade {
        let byID = Dictionary(questions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var given: [String: AnswerValue] = [:]
        var fields = FieldValidator()
        guard answers.count <= questions.count else {
            throw AppError.invalidField("answers", "has more answers (\(answers.count)) than the assessment has questions (\(questions.count))")
        }
        for (index, answer) in answers.enumerated() {
            let size: Int
            switch answer.answer {
            case .one(let text): size = text.unicodeScalars.count
            case .many(let list): size = list.count > 50 ? Int.max : list.reduce(0) { $0 + $1.unicodeScalars.count }
            }
            if size > 20_000 {
                fields.fail("answers[\(index)].answer", "is too long (at most 20000 characters, 50 choices)")
                continue
            }
            guard let question = byID[answer.questionId] else {
                fields.fail("answers[\(index)].questionId", "is not a question of this assessment")
                continue
            }
            if given[answer.questionId] != nil { fields.fail("answers[\(index)].questionId", "is answered twice") }
            switch (question.kind, answer.answer) {
            case (.multipleChoice, .one): fields.fail("answers[\(index)].answer", "must be an array of choices for a multiple_choice question")
            case (.singleChoice, .many), (.text, .many): fields.fail("answers[\(index)].answer", "must be a string for a \(question.kind.rawValue) question")
            default: given[answer.questionId] = answer.answer
            }
        }
        try fields.check("Answers are invalid")

        var raw = 0.0
        var max = 0.0
        for question in questions where question.isAutoGraded {
            max += question.worth
            if let answer = given[question.id], Self.isRight(answer, for: question) { raw += question.worth }
        }
        // Python's round() (the earlier backend's, which the contract's formula comes from)
        // rounds halves to even: round(12.5) == 12.
        let score: Int? = max > 0 ? Int((100 * raw / max).rounded(.toNearestOrEven)) : nil
        let passed: Bool? = passingScore.flatMap { pass in score.map { $0 >= pass } }
        return Grade(rawScore: raw, maxScore: max, score: score, passed: passed)
    }

    static func isRight(_ answer: AnswerValue, for question: AssessmentQuestion) -> Bool {
        let key = question.correct ?? []
        switch (question.kind, answer) {
        case (.singleChoice, .one(let choice)):
            return key.count == 1 && key[0] == choice.trimmingCharacters(in: .whitespacesAndNewlines)
        case (.multipleChoice, .many(let choices)):
            let picked = choices.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            return Set(picked) == Set(key) && picked.count == Set(picked).count
        case (.text, .one(let text)):
            let normalized = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            return key.contains { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == normalized }
        default:
            return false
        }
    }
}
