import Fluent
import Foundation
import PostgresNIO
import SQLKit

/// Every query of the pipeline: applications, and the version-checked moves of jobs and
/// applications. Column names come from the models' fields (`Model.path(for:)`), never strings.
struct ApplicationStore: Sendable {
    /// The histories of this process's latest job moves (`moveJob`), kept encoded.
    var histories = JobHistoryCache()
    /// This process's concurrent job moves on PostgreSQL, one statement per flush (`writeMoves`);
    /// lives as long as the app (`shutdown()` on its shutdown).
    let moves = StatementBatcher<PostgresJobMove, Result<PostgresRow?, any Error>>(maxBatchSize: 256) { batch in
        await ApplicationStore.writeMoves(batch)
    }

    /// Waits for the job moves in flight and refuses new ones (the app stops).
    func shutdown() async {
        await moves.shutdown()
    }

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
    /// On PostgreSQL the concurrent moves of this process share one statement (`moves`,
    /// `writeMoves`: `UPDATE ... FROM unnest(...)`, the same conditions and change per move), unless
    /// `db` is in a transaction (then it is one statement of that transaction).
    ///
    /// The history comes back only when `histories` does not hold the job at the version before
    /// this move (`JobHistoryCache`: then the kept entries and `change` are the history); either
    /// way the answer's history is kept for the job's next move.
    /// - Returns: the job as stored after the move, as the API shows it; `nil` when no row met
    ///   the conditions (missing, another company's, too small a role, another status, a full
    ///   history: the caller finds out which with the checked path).
    /// - Throws: the database's error (every move of a failed batch gets it); `AppError` 503 once
    ///   the app is stopping.
    func moveJob(_ jobID: UUID, from status: JobStatus, to next: JobStatus, appending change: StageChange, at now: Date,
                 by actor: UUID?, atLeast role: CompanyRole, on db: any Database) async throws -> MovedJobAnswer? {
        let roles = CompanyRole.allCases.filter { $0 >= role }
        let kept = histories.entry(for: jobID)
        // The version the move makes when the job is still at the kept one; -1 matches none.
        let keptNext = kept.map { $0.version + 1 } ?? -1
        let row: (any SQLRow)?
        if db is any PostgresDatabase {
            let move = PostgresJobMove(database: db, jobID: jobID, from: status, to: next,
                                       change: String(decoding: try JSONEncoder().encode(JSONList(items: [change])), as: UTF8.self),
                                       at: now, keptNext: keptNext, actor: actor, roles: roles)
            if db.inTransaction || AtomicScope.active {
                row = try await Self.writeMoves([move])[0].get()?.sql()
            } else {
                row = try await moves.submit(move).get()?.sql()
            }
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

    /// One job move on PostgreSQL (`moveJob`'s conditions and change), and the handle to write
    /// it with.
    struct PostgresJobMove: Sendable {
        /// The app's database (every caller of one store passes a handle on the same one).
        var database: any Database
        var jobID: UUID
        /// The status the job must be at, and the one it moves to.
        var from: JobStatus, to: JobStatus
        /// The one-entry `JSONList<StageChange>` appended to the history, as JSON text (the
        /// driver's plain `JSONEncoder`, as for a saved model).
        var change: String
        /// `updated_at`.
        var at: Date
        /// The version after which the history is not returned (`JobHistoryCache`); -1: none.
        var keptNext: Int
        /// The member whose role is checked; `nil`: a platform admin (no check).
        var actor: UUID?
        /// The roles that may move the job (`actor`'s role must be one of them).
        var roles: [CompanyRole]
    }

    /// Writes `batch` (in submission order), each move as `moveJob` says, in one `UPDATE ... FROM
    /// unnest(...)` per round: PostgreSQL applies only one of several matches of the same row in
    /// an `UPDATE ... FROM`, so the first move of each job goes in the first round, its second in
    /// the next round (which sees the first's change), and so on: per job, the order of submission.
    /// - Returns: per item, in order, the row of `JobStore.dtoColumns` and `version` (as
    ///   `moveJob`'s statement returns it), `nil` when the row did not meet the item's conditions,
    ///   or the error of its round's statement (that round's items and every later round's get it;
    ///   the earlier rounds' moves are made and answered).
    static func writeMoves(_ batch: [PostgresJobMove]) async -> [Result<PostgresRow?, any Error>] {
        var rounds: [[Int]] = []
        var seen: [UUID: Int] = [:]
        for (index, move) in batch.enumerated() {
            let round = seen[move.jobID, default: 0]
            seen[move.jobID] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(index)
        }
        var outcomes = [Result<PostgresRow?, any Error>](repeating: .success(nil), count: batch.count)
        for (number, round) in rounds.enumerated() {
            // Bound in job-id order (uuid order is that of the hex text): two instances' statements
            // then lock their common rows in one order when the plan follows the arrays (a nested
            // loop over `m`), and cannot deadlock each other.
            let ordered = round.sorted { batch[$0].jobID.uuidString < batch[$1].jobID.uuidString }
            do {
                let rows = try await writeRound(ordered.map { batch[$0] })
                for (position, index) in ordered.enumerated() { outcomes[index] = .success(rows[position]) }
            } catch {
                for index in rounds[number...].joined() { outcomes[index] = .failure(error) }
                break
            }
        }
        return outcomes
    }

    /// One statement for `moves`, of distinct jobs (`postgresMoveJobs`), run again (at most three
    /// times in all) when PostgreSQL aborts it as a deadlock's victim.
    /// - Returns: per move, in order, its row or `nil` (not moved).
    /// - Throws: the database's error.
    private static func writeRound(_ moves: [PostgresJobMove]) async throws -> [PostgresRow?] {
        guard let postgres = moves.first?.database as? any PostgresDatabase else {
            throw AppError(.internalServerError, detail: "A batched job move needs PostgreSQL")
        }
        func array(_ values: [PostgresData?], of type: PostgresDataType) -> PostgresData { PostgresData(array: values, elementType: type) }
        let binds = [
            array(moves.map { PostgresData(uuid: $0.jobID) }, of: .uuid),
            array(moves.map { PostgresData(string: $0.from.rawValue) }, of: .text),
            array(moves.map { PostgresData(string: $0.to.rawValue) }, of: .text),
            array(moves.map { PostgresData(string: $0.change) }, of: .text),
            array(moves.map { PostgresData(date: $0.at) }, of: .timestamptz),
            array(moves.map { PostgresData(int64: Int64($0.keptNext)) }, of: .int8),
            array(moves.map { $0.actor.map { PostgresData(uuid: $0) } }, of: .uuid),
            // Role names are the enum's constant raw values, never input.
            array(moves.map { PostgresData(string: $0.roles.map(\.rawValue).joined(separator: ",")) }, of: .text),
        ]
        // A deadlock PostgreSQL still reports (another instance's batch under another plan) rolled
        // the whole statement back: it runs again, as if it had come later.
        var attempt = 1
        let result: PostgresQueryResult
        while true {
            do {
                result = try await postgres.query(postgresMoveJobs, binds).get()
                break
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == deadlockDetected && attempt < 3 {
                attempt += 1
            }
        }
        var rows = [PostgresRow?](repeating: nil, count: moves.count)
        for row in result.rows {
            let position = try row.sql().decode(column: moveIndexName, as: Int.self) - 1
            guard rows.indices.contains(position) else {
                throw AppError(.internalServerError, detail: "A batched job move returned an unknown item")
            }
            rows[position] = row
        }
        return rows
    }

    /// PostgreSQL's SQLSTATE `deadlock_detected` (Appendix A, "PostgreSQL Error Codes").
    private static let deadlockDetected = "40P01"

    /// Name of the 1-based position of the move in its round, returned by `postgresMoveJobs`.
    private static let moveIndexName = "move_index"

    /// `writeRound`'s statement, written once per process from the models' column names
    /// (building and serializing with SQLKit per move was about a twentieth of a guarded job
    /// move's CPU). Arrays, one element per move: $1 job id, $2 the status moved from, $3 the
    /// status moved to, $4 the change (a one-entry list as JSON text), $5 now, $6 the version
    /// after which the history is not returned, $7 the actor (`NULL`: a platform admin, no
    /// check), $8 the roles that may move it, comma-separated. Each move is `moveJob`'s
    /// conditions and change; of the moves of one round, each row meets at most one (its id).
    ///
    /// `UPDATE jobs SET ... FROM unnest(...) WITH ORDINALITY AS m WHERE id = m.id AND status =
    /// m.from AND <room> AND (m.actor IS NULL OR EXISTS (<the membership>)) RETURNING m.index,
    /// <the job's columns>, CASE WHEN version = m.kept_next THEN NULL ELSE history END, version`
    private static let postgresMoveJobs: String = {
        let (jobs, members) = (SQLIdentifier(Job.schema).quotedText, SQLIdentifier(CompanyMember.schema).quotedText)
        let (history, version) = (Job.column(\.$history).quotedText, Job.column(\.$version).quotedText)
        let columns = JobStore.dtoColumns.map { column in
            column.string == Job.column(\.$history).string
                ? "CASE WHEN \(jobs).\(version) = m.move_kept_next THEN NULL ELSE \(jobs).\(history) END AS \(history)"
                : "\(jobs).\(column.quotedText)"
        }
        return """
            UPDATE \(jobs) SET \(Job.column(\.$status).quotedText) = m.move_to, \
            \(history) = jsonb_set(\(jobs).\(history), '{items}', (\(jobs).\(history) -> 'items') || (m.move_change::jsonb -> 'items')), \
            \(version) = \(jobs).\(version) + 1, \(Job.column(\.$updatedAt).quotedText) = m.move_at \
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int8[], $7::uuid[], $8::text[]) \
            WITH ORDINALITY AS m(move_job, move_from, move_to, move_change, move_at, move_kept_next, move_actor, move_roles, \(moveIndexName)) \
            WHERE \(jobs).\(Job.column(\.$id).quotedText) = m.move_job AND \(jobs).\(Job.column(\.$status).quotedText) = m.move_from \
            AND jsonb_array_length(\(jobs).\(history) -> 'items') < \(JSONList<StageChange>.maxChanges) \
            AND (m.move_actor IS NULL OR EXISTS (SELECT 1 FROM \(members) WHERE \(members).\(CompanyMember.column(\.$companyID).quotedText) = \
            \(jobs).\(Job.column(\.$companyID).quotedText) AND \(members).\(CompanyMember.column(\.$userID).quotedText) = m.move_actor \
            AND \(members).\(CompanyMember.column(\.$role).quotedText) = ANY(string_to_array(m.move_roles, ',')))) \
            RETURNING m.\(moveIndexName), \((columns + ["\(jobs).\(version)"]).joined(separator: ", "))
            """
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
