import Fluent
import Foundation

/// A person in a company's candidate pool. `emailKey` (the address lower-cased) is unique per
/// company, so the same person cannot be added twice, whichever instance is asked.
final class Candidate: Model, @unchecked Sendable {
    static let schema = "candidates"

    @ID(key: .id) var id: UUID?
    @Field(key: "company_id") var companyID: UUID
    @Field(key: "email") var email: String
    @Field(key: "email_key") var emailKey: String
    @Field(key: "name") var name: String
    @OptionalField(key: "headline") var headline: String?
    @Field(key: "skills") var skillList: JSONList<String>
    @OptionalField(key: "years_experience") var yearsExperience: Double?
    @OptionalField(key: "location") var location: String?
    @OptionalField(key: "resume_text") var resumeText: String?
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at_us") var createdAtMicros: Int64
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var skills: [String] {
        get { skillList.items }
        set { skillList = JSONList(items: newValue) }
    }
}
