import Fluent
import Foundation

/// Every query of the jobs feature (the pipeline's version-checked status change is
/// `ApplicationStore.move(_:to:history:at:on:)`). Column names come from `Job`'s fields.
struct JobStore: Sendable {
    /// The job with `id`, if any.
    func find(_ id: UUID, on db: any Database) async throws -> Job? {
        try await Job.find(id, on: db)
    }

    /// Inserts `job`.
    func create(_ job: Job, on db: any Database) async throws {
        try await job.create(on: db)
    }

    /// Saves the changed fields of `job` (not its status: see `ApplicationStore.move`).
    func update(_ job: Job, on db: any Database) async throws {
        try await job.update(on: db)
    }

    /// One page of a company's jobs, newest first, optionally of one status.
    func page(companyID: UUID, status: JobStatus?, _ page: PageRequest, on db: any Database) async throws -> (items: [Job], nextCursor: String?) {
        var builder = Job.query(on: db).filter(\.$companyID == companyID)
        if let status { builder = builder.filter(\.$status == status) }
        return try await builder.page(page)
    }
}
