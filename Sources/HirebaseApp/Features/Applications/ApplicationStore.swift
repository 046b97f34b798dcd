import Fluent
import Foundation
import SQLKit

/// Every query of the pipeline: applications, and the version-checked moves of jobs and
/// applications. Column names come from the models' fields (`Model.path(for:)`), never strings.
struct ApplicationStore: Sendable {
    /// The application with `id`, if any.
    func find(_ id: UUID, on db: any Database) async throws -> JobApplication? {
        try await JobApplication.find(id, on: db)
    }

    /// The application of `candidateID` to `jobID`, if any (there is at most one: a unique index).
    func find(jobID: UUID, candidateID: UUID, on db: any Database) async throws -> JobApplication? {
        try await JobApplication.query(on: db).filter(\.$jobID == jobID).filter(\.$candidateID == candidateID).first()
    }

    /// Inserts `application`.
    /// - Throws: the driver's constraint failure when the candidate already applied to the job.
    func create(_ application: JobApplication, on db: any Database) async throws {
        try await application.create(on: db)
    }

    /// One page of a job's applications, newest first, optionally of one stage.
    func page(jobID: UUID, stage: ApplicationStage?, _ page: PageRequest, on db: any Database) async throws -> (items: [JobApplication], nextCursor: String?) {
        var builder = JobApplication.query(on: db).filter(\.$jobID == jobID)
        if let stage { builder = builder.filter(\.$stage == stage) }
        return try await builder.page(page)
    }

    /// Moves `job` to `status` with `history`, if it is still at the version it was read with.
    /// - Returns: whether this call made the change (`false`: another change came first).
    func move(_ job: Job, to status: JobStatus, history: JSONList<StageChange>, at now: Date, on db: any Database) async throws -> Bool {
        try await updateIfUnchanged(job, at: now, on: db, [
            .init(\Job.$status, status.rawValue),
            .init(\Job.$history, history),
        ])
    }

    /// Moves `application` to `stage` with `history` and `rejectedFrom`, if it is still at the
    /// version it was read with.
    /// - Returns: whether this call made the change (`false`: another change came first).
    func move(_ application: JobApplication, to stage: ApplicationStage, rejectedFrom: ApplicationStage?, history: JSONList<StageChange>,
              at now: Date, on db: any Database) async throws -> Bool {
        try await updateIfUnchanged(application, at: now, on: db, [
            .init(\JobApplication.$stage, stage.rawValue),
            .init(\JobApplication.$rejectedFrom, rejectedFrom?.rawValue),
            .init(\JobApplication.$history, history),
        ])
    }

    /// The one version-checked update: `UPDATE ... SET <assignments>, version = version + 1,
    /// updated_at = now WHERE id = <id> AND version = <the version read> RETURNING id`. Of two
    /// concurrent changes of one row (on any instances) exactly one matches; the other changes
    /// nothing and learns it, so no history entry is ever lost.
    private func updateIfUnchanged<M: VersionedModel>(_ model: M, at now: Date, on db: any Database, _ assignments: [Assignment<M>]) async throws -> Bool {
        var update = try db.sql.update(M.schema)
        for assignment in assignments {
            update = update.set(assignment.column, to: SQLBind(assignment.value))
        }
        let won = try await update
            .set(M.column(M.versionKey), to: SQLBind(model.version + 1))
            .set(M.column(M.updatedAtKey), to: SQLBind(now))
            .where(M.column(\M._$id), .equal, SQLBind(try model.requireID()))
            .where(M.column(M.versionKey), .equal, SQLBind(model.version))
            .returning(M.column(\M._$id))
            .all()
        return won.count == 1
    }
}

/// A model whose state changes are conditional on the version read (optimistic concurrency):
/// every change bumps `version`, so that a stale read can never overwrite the history.
protocol VersionedModel: Model where IDValue == UUID {
    var version: Int { get }
    static var versionKey: KeyPath<Self, FieldProperty<Self, Int>> { get }
    static var updatedAtKey: KeyPath<Self, TimestampProperty<Self, DefaultTimestampFormat>> { get }
}

extension Job: VersionedModel {
    static var versionKey: KeyPath<Job, FieldProperty<Job, Int>> { \.$version }
    static var updatedAtKey: KeyPath<Job, TimestampProperty<Job, DefaultTimestampFormat>> { \.$updatedAt }
}

extension JobApplication: VersionedModel {
    static var versionKey: KeyPath<JobApplication, FieldProperty<JobApplication, Int>> { \.$version }
    static var updatedAtKey: KeyPath<JobApplication, TimestampProperty<JobApplication, DefaultTimestampFormat>> { \.$updatedAt }
}

/// One `SET column = value` of a versioned update, the column taken from a key path.
private struct Assignment<M: Model>: Sendable {
    let column: SQLIdentifier
    let value: any Encodable & Sendable

    init<Property: AnyQueryableProperty>(_ field: KeyPath<M, Property>, _ value: any Encodable & Sendable) {
        column = M.column(field)
        self.value = value
    }
}
