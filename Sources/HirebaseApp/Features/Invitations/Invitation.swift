import Fluent
import Foundation

/// An invitation of one candidate (by e-mail) to take one assessment.
///
/// The candidate's secret token is stored only as its SHA-256 (`tokenHash`). `openKey` is
/// `"{assessmentId}|{email}"` while the invitation is open and `nil` once final: a unique index on
/// it makes "one open invitation per e-mail and assessment" hold across instances.
final class Invitation: Model, @unchecked Sendable {
    static let schema = "invitations"

    @ID(key: .id) var id: UUID?
    @Field(key: "company_id") var companyID: UUID
    @Field(key: "assessment_id") var assessmentID: UUID
    @OptionalField(key: "job_id") var jobID: UUID?
    @Field(key: "candidate_email") var candidateEmail: String
    @OptionalField(key: "candidate_name") var candidateName: String?
    @Field(key: "status") var status: InvitationStatus
    @Field(key: "token_hash") var tokenHash: String
    @OptionalField(key: "open_key") var openKey: String?
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "opened_at") var openedAt: Date?
    @OptionalField(key: "completed_at") var completedAt: Date?
    @OptionalField(key: "cancelled_at") var cancelledAt: Date?
    /// 0...100.
    @OptionalField(key: "score") var score: Int?
    @OptionalField(key: "raw_score") var rawScore: Double?
    @OptionalField(key: "max_score") var maxScore: Double?
    @OptionalField(key: "passed") var passed: Bool?
    /// `candidate` (graded by the server) or `member` (external score).
    @OptionalField(key: "graded_by") var gradedBy: String?
    /// The member who gave an external score (`graded_by` `member`); `nil` otherwise.
    @OptionalField(key: "scored_by") var scoredBy: UUID?
    /// `{"items": [...]}` (see `JSONList`).
    @OptionalField(key: "answers") var answers: JSONList<SubmittedAnswer>?
    /// When the one reminder e-mail was queued (`nil`: none yet; migration 20).
    @OptionalField(key: "reminder_sent_at") var reminderSentAt: Date?
    /// SHA-256 of the reminder link's token; that link opens the invitation like the first one.
    @OptionalField(key: "reminder_token_hash") var reminderTokenHash: String?
    /// `pending`, `done` or `failed` while or after the AI provider grades free-text answers
    /// (migration 21); `nil` when the submission needs no AI grading.
    @OptionalField(key: "grading") var grading: GradingStatus?
    /// `{"items": [...]}`: grades of questions the server's key comparison cannot grade.
    @OptionalField(key: "question_grades") var questionGrades: JSONList<QuestionGrade>?
    @Field(key: "created_by") var createdBy: UUID
    /// Microseconds since 1970: an exact, portable sort key for cursors (a float `created_at`
    /// on SQLite does not round-trip exactly).
    @Field(key: "created_at_us") var createdAtMicros: Int64
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

/// One answer as the candidate submitted it: a string or a list of strings.
public struct SubmittedAnswer: Codable, Sendable, Equatable {
    public var questionId: String
    public var answer: AnswerValue
}

/// `answer` of a submission: one string, or several (for `multiple_choice`).
public enum AnswerValue: Codable, Sendable, Equatable {
    case one(String)
    case many([String])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .one(text)
        } else if let list = try? container.decode([String].self) {
            self = .many(list)
        } else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "answer must be a string or an array of strings"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .one(let text): try container.encode(text)
        case .many(let list): try container.encode(list)
        }
    }
}

/// Where the AI grading of a submission stands (`API.md` § AI assistance).
enum GradingStatus: String, Codable, Sendable {
    /// Queued or running.
    case pending
    /// Every AI-graded question has a grade.
    case done
    /// The grading job ran out of retries; a member grades the answers
    /// (`POST /assessments/invitations/{id}/grades`).
    case failed
}

/// The grade of one question that the server's key comparison cannot grade: given by the AI
/// provider or by a member.
public struct QuestionGrade: Codable, Sendable, Equatable {
    /// Who gave the current grade.
    public enum Grader: String, Codable, Sendable {
        /// The AI provider, through the grading job.
        case ai
        /// A member of the company (`POST /assessments/invitations/{id}/grades`).
        case member
    }

    /// The question's `id` in its assessment.
    public var questionId: String
    /// 0...the question's points.
    public var points: Double
    /// A short reason (at most 1000 characters).
    public var rationale: String?
    /// Who gave this grade: the provider or a member (a member's replaces an AI grade).
    public var gradedBy: Grader
    /// The AI run that gave the AI grade (kept after a member overrides it).
    public var aiRunId: UUID?
    /// The member who gave the grade, when `gradedBy` is `member`.
    public var memberId: UUID?
    /// When this grade was given (the grading service's clock).
    public var gradedAt: Date

    public init(questionId: String, points: Double, rationale: String?, gradedBy: Grader, aiRunId: UUID?, memberId: UUID?, gradedAt: Date) {
        self.questionId = questionId
        self.points = points
        self.rationale = rationale
        self.gradedBy = gradedBy
        self.aiRunId = aiRunId
        self.memberId = memberId
        self.gradedAt = gradedAt
    }
}
