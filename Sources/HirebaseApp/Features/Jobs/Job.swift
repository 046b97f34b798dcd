import Fluent
import Foundation
import JobPageParser

/// A job posting of a company, from `draft` through `open`/`closed` to `archived`.
final class Job: Model, @unchecked Sendable {
    static let schema = "jobs"

    @ID(key: .id) var id: UUID?
    @Field(key: "company_id") var companyID: UUID
    @Field(key: "title") var title: String
    @Field(key: "description") var description: String
    /// Skills as the recruiter wrote them (`{"items": [...]}`).
    @Field(key: "skills") var skillList: JSONList<String>
    @OptionalField(key: "location") var location: String?
    @Field(key: "remote") var remote: Bool
    @OptionalField(key: "employment_type") var employmentType: String?
    /// Always with `currency` and `period` (`FieldValidator.salary`, `JobService.draft(fromScrape:)`).
    @OptionalField(key: "salary") var salary: Salary?
    @Field(key: "status") var status: JobStatus
    @OptionalField(key: "source_url") var sourceURL: String?
    /// Every status change, oldest first.
    @Field(key: "history") var history: JSONList<StageChange>
    /// Bumped by every status change: the change is conditional on it, so that a stale read can
    /// never overwrite the history (a status can come back to an earlier value).
    @Field(key: "version") var version: Int
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

/// A job's state (`API.md` § `POST /job-action`): `draft` -> `open` (publish) -> `closed`
/// (close) -> `open` (reopen); any of them -> `archived` (final).
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case draft, open, closed, archived
}
