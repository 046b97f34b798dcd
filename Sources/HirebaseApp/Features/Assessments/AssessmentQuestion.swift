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

    public init(id: String, prompt: String, kind: Kind, choices: [String]? = nil, correct: [String]? = nil, points: Double? = nil) {
        self.id = id
        self.prompt = prompt
        self.kind = kind
        self.choices = choices
        self.correct = correct
        self.points = points
    }

    /// The points a right answer earns.
    public var worth: Double { points ?? 1 }

    /// Whether the server can grade this question (false for `text` without accepted answers).
    public var isAutoGraded: Bool {
        kind != .text || !(correct ?? []).isEmpty
    }
}
