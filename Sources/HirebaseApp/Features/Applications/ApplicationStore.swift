import Fluent
import Foundation
import PostgresNIO
import SQLKit

/// Every query of the pipeline: applications, and the version-checked moves of jobs and
/// applications. Column names come from the models' fields (`Model.path(for:)`), never strings.
struct ApplicationStore: Sendable {
    /// The histories of this process's latest job moves (`moveJob`), kept encoded.
    var histories = JobHistoryCache()

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

    /// Moves the job `jobID` from `status` to `next` in one statement, if it may move: it is at
    /// `status`, its history holds fewer than `JSONList<StageChange>.maxChanges` changes, and
    /// `actor` is a member of its company with at least `role` (or `actor` is `nil`: a platform
    /// admin, who acts as owner everywhere; `CompanyService.requireRole`). `change` is appended to
    /// the history in the database, `version` bumped and `updated_at` set to `now`:
    ///
    /// `UPDATE jobs SET status, history = <history + change>, version = version + 1, updated_at
    /// WHERE id AND status AND <room in the history> AND EXISTS (<the membership>) RETURNING
    /// <the job's columns>, version, CASE WHEN version = <kept version + 1> THEN NULL ELSE history END`
    ///
    /// The conditions are re-checked on the row as it is when the statement takes its lock, so
    /// of two concurrent moves (on any instances) only one applies, and the loser changes nothing
    /// (as with the version-checked `move`).
    ///
    /// The history comes back only when `histories` does not hold the job at the version before
    /// this move (`JobHistoryCache`: then the kept entries and `change` are the history); either
    /// way the answer's history is kept for the job's next move.
    /// - Returns: the job as stored after the move, as the API shows it; `nil` when no row met
    ///   the conditions (missing, another company's, too small a role, another status, a full
    ///   history: the caller finds out which with the checked path).
    func moveJob(_ jobID: UUID, from status: JobStatus, to next: JobStatus, appending change: StageChange, at now: Date,
                 by actor: UUID?, atLeast role: CompanyRole, on db: any Database) async throws -> MovedJobAnswer? {
        let roles = CompanyRole.allCases.filter { $0 >= role }
        let kept = histories.entry(for: jobID)
        // The version the move makes when the job is still at the kept one; -1 matches none.
        let keptNext = kept.map { $0.version + 1 } ?? -1
        let row: (any SQLRow)?
        if let postgres = db as? any PostgresDatabase {
            // The text written once (`postgresMoveJob`); the change as the `jsonb` the driver
            // writes for a saved model (PostgresKit's default context: a plain `JSONEncoder`).
            var binds = [PostgresData(string: next.rawValue), PostgresData(jsonb: try JSONEncoder().encode(JSONList(items: [change]))),
                         PostgresData(date: now), PostgresData(uuid: jobID), PostgresData(string: status.rawValue),
                         PostgresData(int: keptNext)]
            var text = Self.postgresMoveJob.update
            if let actor {
                binds.append(PostgresData(uuid: actor))
                // Role names are the enum's constant raw values, never input.
                text += Self.postgresMoveJob.member + roles.map { "'\($0.rawValue)'" }.joined(separator: ", ") + "))"
            }
            row = try await postgres.query(text + Self.postgresMoveJob.returning, binds).get().rows.first?.sql()
        } else {
            row = try await sqliteMoveJob(jobID, from: status, to: next, appending: change, at: now, by: actor, roles: roles,
                                          keptNext: keptNext, on: db)
        }
        guard let row else { return nil }
        let version = try row.decode(column: Self.versionName, as: Int.self)
        let encodedHistory: [UInt8]
        if let stored = try row.decode(column: Self.historyName, as: StoredHistory?.self) {
            encodedHistory = try histories.encode(stored.entries)
        } else if let kept, version == keptNext {
            encodedHistory = try histories.encode(kept.encodedHistory, appending: change.toDTO())
        } else {
            throw AppError(.internalServerError, detail: "The moved job's history was neither returned nor kept")
        }
        histories.keep(JobHistoryCache.Entry(version: version, encodedHistory: encodedHistory), for: jobID)
        return MovedJobAnswer(job: try JobStore.dto(from: row, history: []), encodedHistory: encodedHistory)
    }

    /// `moveJob`'s statement on SQLite (every PostgreSQL handle is a `PostgresDatabase`), from
    /// the text written once (`sqliteMoveJob`; the values bound, the roles of the membership
    /// written as the enum's constant raw values, as on PostgreSQL).
    /// - Returns: the row of `JobStore.dtoColumns` (the history's `NULL` when the version made is
    ///   `keptNext`) and `version`; `nil` when no row met the conditions.
    private func sqliteMoveJob(_ jobID: UUID, from status: JobStatus, to next: JobStatus, appending change: StageChange, at now: Date,
                               by actor: UUID?, roles: [CompanyRole], keptNext: Int, on db: any Database) async throws -> (any SQLRow)? {
        let text = Self.sqliteMoveJob
        // The change is bound as the one-entry list Fluent would write, so the driver encodes it
        // (dates and all) exactly as a saved model's history.
        var statement: SQLQueryString = """
            \(unsafeRaw: text.status)\(bind: next.rawValue)\(unsafeRaw: text.change)\(bind: JSONList(items: [change]))\
            \(unsafeRaw: text.now)\(bind: now)\(unsafeRaw: text.id)\(bind: jobID)\(unsafeRaw: text.from)\(bind: status.rawValue)\(unsafeRaw: text.room)
            """
        if let actor {
            let names = roles.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            statement.appendInterpolation(unsafeRaw: text.member)
            statement.appendInterpolation(bind: actor)
            statement.appendInterpolation(unsafeRaw: text.roles + names + "))")
        }
        statement.appendInterpolation(unsafeRaw: text.returning)
        statement.appendInterpolation(bind: keptNext)
        statement.appendInterpolation(unsafeRaw: text.end)
        return try await db.sql.raw(statement).first()
    }

    /// `moveJob`'s statement on SQLite, written once per process from the models' column names:
    /// building and serializing it with SQLKit's `UPDATE` builder was about 6% of a guarded job
    /// move's CPU. The pieces go between the binds, in order: `status` the new status, `change`
    /// the one-entry list appended, `now`, `id`, `from` the status moved from, `room` (no bind
    /// follows: the history's room); `member` and the
    /// user and `roles`, the role names and `))` for a caller who is not a platform admin;
    /// `returning`, the version after which the history is not returned, `end`.
    ///
    /// CAST: a database written by an older SQLite driver may hold the history as a blob.
    private static let sqliteMoveJob: (status: String, change: String, now: String, id: String, from: String, room: String, member: String, roles: String,
                                       returning: String, end: String) = {
        let (jobs, members) = (SQLIdentifier(Job.schema).quotedText, SQLIdentifier(CompanyMember.schema).quotedText)
        let (history, version) = (Job.column(\.$history).quotedText, Job.column(\.$version).quotedText)
        let columns = JobStore.dtoColumns.map { column in
            column.string == Job.column(\.$history).string ? nil : column.quotedText
        }
        let historyIndex = columns.firstIndex(of: nil) ?? columns.endIndex
        let before = columns[..<historyIndex].compactMap { $0 }, after = columns[historyIndex...].compactMap { $0 }
        return (
            status: "UPDATE \(jobs) SET \(Job.column(\.$status).quotedText) = ",
            change: ", \(history) = json_insert(CAST(\(history) AS TEXT), '$.items[#]', json_extract(",
            now: ", '$.items[0]')), \(version) = \(version) + 1, \(Job.column(\.$updatedAt).quotedText) = ",
            id: " WHERE \(Job.column(\.$id).quotedText) = ",
            from: " AND \(Job.column(\.$status).quotedText) = ",
            room: " AND json_array_length(CAST(\(history) AS TEXT), '$.items') < \(JSONList<StageChange>.maxChanges)",
            member: " AND EXISTS (SELECT 1 FROM \(members) WHERE \(members).\(CompanyMember.column(\.$companyID).quotedText) = "
                + "\(jobs).\(Job.column(\.$companyID).quotedText) AND \(members).\(CompanyMember.column(\.$userID).quotedText) = ",
            roles: " AND \(members).\(CompanyMember.column(\.$role).quotedText) IN (",
            returning: " RETURNING " + (before + ["CASE WHEN \(version) = "]).joined(separator: ", "),
            end: " THEN NULL ELSE \(history) END AS \(history)" + (after + [version]).map { ", " + $0 }.joined()
        )
    }()

    /// Names of the columns `moveJob` reads besides `JobStore.dto(from:history:)`'s.
    private static let versionName = Job.column(\.$version).string
    /// See `versionName`.
    private static let historyName = Job.column(\.$history).string

    /// `moveJob`'s statement on PostgreSQL, written once per process from the models' column
    /// names: building and serializing it with SQLKit was about a twentieth of a guarded job
    /// move's CPU. `update` binds $1 status, $2 the change (`jsonb`, a one-entry list), $3 now,
    /// $4 id, $5 the status moved from, $6 the version after which the history is not returned;
    /// `member` (for a caller who is not a platform admin) $7 the user, and is followed by the
    /// role names and `))`; `returning` ends it.
    private static let postgresMoveJob: (update: String, member: String, returning: String) = {
        let (jobs, members) = (SQLIdentifier(Job.schema).quotedText, SQLIdentifier(CompanyMember.schema).quotedText)
        let (history, version) = (Job.column(\.$history).quotedText, Job.column(\.$version).quotedText)
        let update = """
            UPDATE \(jobs) SET \(Job.column(\.$status).quotedText) = $1, \
            \(history) = jsonb_set(\(history), '{items}', (\(history) -> 'items') || ($2::jsonb -> 'items')), \
            \(version) = \(version) + 1, \(Job.column(\.$updatedAt).quotedText) = $3 \
            WHERE \(Job.column(\.$id).quotedText) = $4 AND \(Job.column(\.$status).quotedText) = $5 \
            AND jsonb_array_length(\(history) -> 'items') < \(JSONList<StageChange>.maxChanges)
            """
        let member = """
             AND EXISTS (SELECT 1 FROM \(members) WHERE \(members).\(CompanyMember.column(\.$companyID).quotedText) = \
            \(jobs).\(Job.column(\.$companyID).quotedText) AND \(members).\(CompanyMember.column(\.$userID).quotedText) = $7 \
            AND \(members).\(CompanyMember.column(\.$role).quotedText) IN (
            """
        let columns = JobStore.dtoColumns.map { column in
            column.string == Job.column(\.$history).string ? "CASE WHEN \(version) = $6 THEN NULL ELSE \(history) END AS \(history)" : column.quotedText
        }
        let returning = " RETURNING " + (columns + [version]).joined(separator: ", ")
        return (update, member, returning)
    }()

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
