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
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at_us") var createdAtMicros: Int64
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    /// - Parameter createdAt: the creation time (the cursor order of lists), from the service's clock.
    init(companyID: UUID, title: String, passingScore: Int?, timeLimitMinutes: Int?, questions: [AssessmentQuestion], createdBy: UUID, createdAt: Date) {
        self.companyID = companyID
        self.title = title
        self.passingScore = passingScore
        self.timeLimitMinutes = timeLimitMinutes
        self.questionSet = JSONList(items: questions)
        self.createdBy = createdBy
        self.createdAtMicros = createdAt.microsecondsSince1970
    }
}
