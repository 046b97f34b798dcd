import Fluent
import Foundation

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

/// A salary as postings state it: major units, not minor (`API.md` § Conventions).
public struct Salary: Codable, Sendable, Equatable {
    public var min: Double?
    public var max: Double?
    /// ISO 4217, upper case.
    public var currency: String
    /// `hour`, `day`, `week`, `month` or `year`.
    public var period: String

    public static let periods = ["hour", "day", "week", "month", "year"]
}

/// One recorded change of a job's status or an application's stage.
public struct StageChange: Codable, Sendable, Equatable {
    public var at: Date
    public var actorId: UUID
    public var from: String?
    public var to: String
    public var reason: String?
    public var note: String?
}

extension JSONList where Element == StageChange {
    /// Changes one job or application may record (issue 7 § 10: histories are bounded, so that one
    /// record cannot grow without end, e.g. by a `reject`/`unreject` loop). At about 200 bytes a
    /// change, a full history is some 100 KB.
    static var maxChanges: Int { 500 }

    /// Appends `change`.
    /// - Throws: 409 `history_full` when `maxChanges` are recorded already; nothing is dropped.
    mutating func record(_ change: StageChange, of what: String) throws {
        guard items.count < Self.maxChanges else {
            throw AppError.conflict("This \(what) has recorded \(Self.maxChanges) changes, the most one may hold", code: "history_full")
        }
        items.append(change)
    }
}
