import Fluent
import Foundation

/// A candidate's application to a job and its place in the hiring pipeline.
final class JobApplication: Model, @unchecked Sendable {
    static let schema = "applications"

    @ID(key: .id) var id: UUID?
    @Field(key: "company_id") var companyID: UUID
    @Field(key: "job_id") var jobID: UUID
    @Field(key: "candidate_id") var candidateID: UUID
    @Field(key: "stage") var stage: ApplicationStage
    /// The stage a rejection came from, for `unreject`.
    @OptionalField(key: "rejected_from") var rejectedFrom: ApplicationStage?
    @Field(key: "history") var history: JSONList<StageChange>
    /// Bumped by every stage change (see `Job.version`).
    @Field(key: "version") var version: Int
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at_us") var createdAtMicros: Int64
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
