import Foundation

/// One question of an assessment (`API.md` § Assessments and invitations).
///
/// `correct` is the answer key: the one right choice (`single_choice`), the exact set of right
/// choices (`multiple_choice`), or the accepted answers (`text`; none = graded by a member).
public struct AssessmentQuestion: Codable, Sendable, Equatable {
    /// How a question is answered.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case singleChoice = "single_choice"
        case multipleChoice = "multiple_choice"
        case text
    }

    public var id: String
    public var prompt: String
    public var kind: Kind
    public var choices: [String]?
    public var correct: [String]?
    /// Points earned by a right answer; > 0, default 1.
    public var points: Double?
    /// For `text` questions without `correct`: what a full answer contains, the guide the AI
    /// provider grades by (`API.md` § AI assistance). Never shown to candidates.
    public var rubric: String?

    public init(id: String, prompt: String, kind: Kind, choices: [String]? = nil, correct: [String]? = nil, points: Double? = nil, rubric: String? = nil) {
        self.id = id
        self.prompt = prompt
        self.kind = kind
        self.choices = choices
        self.correct = correct
        self.points = points
        self.rubric = rubric
    }

    /// The points a right answer earns.
    public var worth: Double { points ?? 1 }

    /// Whether the server can grade this question (false for `text` without accepted answers).
    public var isAutoGraded: Bool {
        kind != .text || !(correct ?? []).isEmpty
    }

    /// Whether the AI provider grades this question after a submission: a `text` question with a
    /// `rubric` and no accepted answers.
    public var isAIGraded: Bool {
        !isAutoGraded && !(rubric ?? "").isEmpty
    }
}
