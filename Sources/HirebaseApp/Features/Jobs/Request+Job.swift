import Foundation
import Vapor

extension Request {
    /// The job `id`, if the caller may see it with `role` (the one authorization helper for jobs).
    /// - Throws: 404 `not_found` when missing or not the caller's company; 403 for too small a role.
    func requireJob(_ id: UUID, atLeast role: CompanyRole) async throws -> Job {
        let job = try await hirebase.jobs.find(id, on: db)
        try await requireMember(of: job.companyID, atLeast: role, notFound: "Job")
        return job
    }

    /// The job named by the path parameter `parameter` (see `requireJob(_:atLeast:)`); a
    /// parameter that is not a UUID is 404 too.
    func requireJob(parameter: String = "jobID", atLeast role: CompanyRole) async throws -> Job {
        try await requireJob(try uuidParameter(parameter, what: "Job"), atLeast: role)
    }
}
