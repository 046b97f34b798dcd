import Foundation

/// The grade of a submission once its free-text questions have grades (`API.md` § AI
/// assistance): the server's key comparison (`AssessmentGrader`) plus the question grades given
/// by the AI provider or by members.
///
/// - Which questions count: every auto-graded question, as `AssessmentGrader` scores it, plus
///   every non-auto-graded (`text` without `correct`) question that has a grade, with that
///   grade's points (at most the question's). A `text` question without rubric and without a
///   grade counts in neither `rawScore` nor `maxScore`, as before issue 12.
/// - When it is final: once every AI-graded question (`AssessmentQuestion.isAIGraded`) has a
///   grade, when the submission was sent to the provider (`awaitsAI`; its `grading` is set).
///   Until then `score`, `rawScore`, `maxScore` and `passed` are all `nil`: no partial number is
///   shown that would later move. A submission made while no provider was configured has no
///   `grading`: its rubric questions count like any `text` question without accepted answers,
///   once a member grades them, and its score is always final.
/// - `score`: round(100 × rawScore / maxScore), halves to even, as `AssessmentGrader`; `nil`
///   when `maxScore` is 0.
/// - `passed`: `score >= passingScore`, except that an AI grade never rejects a candidate by
///   itself: when `passed` would be false but would be true with every question graded by the
///   AI provider (not confirmed by a member) at its full points, `passed` is `nil` until a member
///   confirms or overrides those grades (`POST /assessments/invitations/{id}/grades`). A member's
///   grade counts as a person's decision and may reject.
struct GradedScore: Sendable, Equatable {
    /// Every AI-graded question has a grade (the numbers below are final).
    var isComplete: Bool
    var score: Int?
    var rawScore: Double?
    var maxScore: Double?
    var passed: Bool?

    /// - Throws: `AppError` 400 when an answer has the wrong type for its question (they were
    ///   checked at submission; only a changed assessment makes this happen).
    static func compute(questions: [AssessmentQuestion], answers: [SubmittedAnswer], grades: [QuestionGrade], awaitsAI: Bool = true,
                        passingScore: Int?) throws -> GradedScore {
        // Answers to questions no longer in the assessment are left out rather than refused.
        let known = Set(questions.map(\.id))
        let auto = try AssessmentGrader().grade(answers.filter { known.contains($0.questionId) }, questions: questions, passingScore: passingScore)
        let gradeByID = Dictionary(grades.map { ($0.questionId, $0) }, uniquingKeysWith: { _, last in last })
        let complete = !awaitsAI || questions.filter(\.isAIGraded).allSatisfy { gradeByID[$0.id] != nil }
        guard complete else { return GradedScore(isComplete: false) }
        var raw = auto.rawScore
        var max = auto.maxScore
        // Points an AI-only grade left out: what the score would gain if each were full.
        var aiShortfall = 0.0
        for question in questions where !question.isAutoGraded {
            guard let grade = gradeByID[question.id] else { continue }
            let points = Swift.min(Swift.max(grade.points, 0), question.worth)
            raw += points
            max += question.worth
            if grade.gradedBy == .ai { aiShortfall += question.worth - points }
        }
        let score = percent(raw, of: max)
        var passed: Bool? = passingScore.flatMap { pass in score.map { $0 >= pass } }
        if passed == false, let pass = passingScore, let best = percent(raw + aiShortfall, of: max), best >= pass {
            // Only AI grades stand between the candidate and a pass: a member decides.
            passed = nil
        }
        return GradedScore(isComplete: true, score: score, rawScore: raw, maxScore: max, passed: passed)
    }

    /// round(100 × raw / max), halves to even; `nil` when `max` is 0.
    private static func percent(_ raw: Double, of max: Double) -> Int? {
        max > 0 ? Int((100 * raw / max).rounded(.toNearestOrEven)) : nil
    }

    private init(isComplete: Bool, score: Int? = nil, rawScore: Double? = nil, maxScore: Double? = nil, passed: Bool? = nil) {
        self.isComplete = isComplete
        self.score = score
        self.rawScore = rawScore
        self.maxScore = maxScore
        self.passed = passed
    }
}
