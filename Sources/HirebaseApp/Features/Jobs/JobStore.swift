import Fluent
import Foundation
import JobPageParser
import SQLKit

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

    /// Every column of a job, in the order `dto(from:)` reads them: what a statement that hands
    /// a job back (`UPDATE ... RETURNING`) returns.
    static let dtoColumns: [SQLIdentifier] = [
        Job.column(\.$id), Job.column(\.$companyID), Job.column(\.$title), Job.column(\.$description), Job.column(\.$skillList),
        Job.column(\.$location), Job.column(\.$remote), Job.column(\.$employmentType), Job.column(\.$salary), Job.column(\.$status),
        Job.column(\.$sourceURL), Job.column(\.$history), Job.column(\.$createdAt), Job.column(\.$updatedAt),
    ]

    /// A row of `dtoColumns` as the API shows the job, read by column name through SQLKit (the
    /// same decoding Fluent does for the model, without its reflection over every property; the
    /// history straight into the API's entries, `StoredHistory`).
    /// - Throws: the driver's decoding error when a column is missing or of another type.
    static func dto(from row: any SQLRow) throws -> JobDTO {
        try dto(from: row, history: try row.decode(column: dtoColumnNames[11], as: StoredHistory.self).entries)
    }

    /// A row of `dtoColumns` as the API shows the job, with `history` as its history (the row's
    /// history column is not read).
    /// - Throws: the driver's decoding error when a column is missing or of another type.
    static func dto(from row: any SQLRow, history: [StageChangeDTO]) throws -> JobDTO {
        let name = dtoColumnNames
        let salary = try row.decode(column: name[8], as: Salary?.self)
        return JobDTO(
            id: try row.decode(column: name[0], as: UUID.self).lowercased, companyId: try row.decode(column: name[1], as: UUID.self).lowercased,
            title: try row.decode(column: name[2], as: String.self), description: try row.decode(column: name[3], as: String.self),
            skills: try row.decode(column: name[4], as: JSONList<String>.self).items, location: try row.decode(column: name[5], as: String?.self),
            remote: try row.decode(column: name[6], as: Bool.self), employmentType: try row.decode(column: name[7], as: String?.self),
            salary: salary?.toDTO(), status: try row.decode(column: name[9], as: String.self),
            sourceUrl: try row.decode(column: name[10], as: String?.self),
            history: history,
            createdAt: try row.decode(column: name[12], as: Date?.self), updatedAt: try row.decode(column: name[13], as: Date?.self)
        )
    }

    private static let dtoColumnNames = dtoColumns.map(\.string)
}
