import Fluent
import Foundation

/// A skill assessment of a company: questions with their answer keys.
final class Assessment: Model, @unchecked Sendable {
    static let schema = "assessments"

    @ID(key: .id) var id: UUID?
    @Field(key: "company_id") var companyID: UUID
    @Field(key: "title") var title: String
    /// 0...100, compared with the 0...100 score; `nil` = no pass/fail.
    @OptionalField(key: "passing_score") var passingScore: Int?
    @OptionalField(key: "time_limit_minutes") var timeLimitMinutes: Int?
    /// Stored as a JSON object `{"items": [...]}`: Fluent's PostgreSQL driver binds a bare Swift
    /// array as a PostgreSQL array (`jsonb[]`), which a `jsonb` column refuses.
    @Field(key: "questions") var questionSet: JSONList<AssessmentQuestion>
    var questions: [AssessmentQuestion] {
        get { questionSet.items }
        set { questionSet = JSONList(items: newValue) }
    }
    /// `draft` until published (migration 21); only a published assessment can be sent.
    @Field(key: "status") var status: AssessmentStatus
    /// The AI run that drafted it (`POST /assessments/generate`); `nil` when typed in.
    @OptionalField(key: "ai_run_id") var aiRunID: UUID?
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at_us") var createdAtMicros: Int64
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    /// - Parameter createdAt: the creation time (the cursor order of lists), from the service's clock.
    init(companyID: UUID, title: String, passingScore: Int?, timeLimitMinutes: Int?, questions: [AssessmentQuestion], createdBy: UUID, createdAt: Date,
         status: AssessmentStatus = .published, aiRunID: UUID? = nil) {
        self.companyID = companyID
        self.title = title
        self.passingScore = passingScore
        self.timeLimitMinutes = timeLimitMinutes
        self.questionSet = JSONList(items: questions)
        self.createdBy = createdBy
        self.status = status
        self.aiRunID = aiRunID
        self.createdAtMicros = createdAt.microsecondsSince1970
    }
}

/// Whether an assessment can be sent (`API.md` § AI assistance).
enum AssessmentStatus: String, Codable, Sendable, CaseIterable {
    /// Drafted by the AI provider; edited with `PATCH /assessments/{id}`, sent only once published.
    case draft
    /// Sendable: every assessment typed in, and drafts after `POST /assessments/{id}/publish`.
    case published
}
