import Fluent
import Foundation
import SQLKit

/// Every query of invitations (and the rows an invitation is checked against: its assessment and
/// job).
///
/// State changes are single conditional `UPDATE ... WHERE status IN (open states) RETURNING id`,
/// so that of two concurrent requests, on any instances, exactly one changes the state.
struct InvitationStore: Sendable {
    /// The filters of `GET /assessments/invitations`.
    struct ListFilter: Sendable {
        /// Only these companies' invitations; `nil` for all (a platform admin).
        var companyIDs: [UUID]?
        var status: InvitationStatus?
        var assessmentID: UUID?
        var jobID: UUID?
    }

    /// What a submission records.
    struct Completion: Sendable {
        var score: Int?
        var rawScore: Double?
        var maxScore: Double?
        var passed: Bool?
        /// `candidate` or `member`.
        var gradedBy: String
        var scoredBy: UUID?
        /// The candidate's answers (`nil` for a member's score).
        var answers: [SubmittedAnswer]?
        /// `pending` when AI-graded answers wait for the grading job; `nil` otherwise.
        var grading: GradingStatus? = nil
    }

    private static var openStatuses: [String] { InvitationStatus.open.map(\.rawValue) }

    func find(_ id: UUID, on db: any Database) async throws -> Invitation? {
        try await Invitation.find(id, on: db)
    }

    /// The open invitation holding `openKey`, if any.
    func findOpen(openKey: String, on db: any Database) async throws -> Invitation? {
        try await Invitation.query(on: db).filter(\.$openKey == openKey).first()
    }

    func assessment(_ id: UUID, on db: any Database) async throws -> Assessment? {
        try await Assessment.find(id, on: db)
    }

    func job(_ id: UUID, on db: any Database) async throws -> Job? {
        try await Job.find(id, on: db)
    }

    func insert(_ invitation: Invitation, on db: any Database) async throws {
        try await invitation.create(on: db)
    }

    /// One page of invitations, newest first, read straight into `InvitationDTO`s without their
    /// `delivery` (`KeysetPageQuery`: no Fluent model per row; the table has no soft-delete column).
    func page(_ filter: ListFilter, _ page: PageRequest, on db: any Database) async throws -> (items: [InvitationDTO], nextCursor: String?) {
        var filters: [any SQLExpression] = []
        if let companies = filter.companyIDs {
            // As Fluent's `~~ []`: no company, no row.
            guard !companies.isEmpty else { return ([], nil) }
            filters.append(SQLBinaryExpression(Invitation.column(\.$companyID), .in, SQLGroupExpression(SQLList(companies.map { SQLBind($0) }))))
        }
        if let status = filter.status { filters.append(SQLBinaryExpression(Invitation.column(\.$status), .equal, SQLBind(status.rawValue))) }
        if let assessmentID = filter.assessmentID { filters.append(SQLBinaryExpression(Invitation.column(\.$assessmentID), .equal, SQLBind(assessmentID))) }
        if let jobID = filter.jobID { filters.append(SQLBinaryExpression(Invitation.column(\.$jobID), .equal, SQLBind(jobID))) }
        return try await Self.listQuery(filters).read(page, on: db)
    }

    /// The columns of an `InvitationDTO` (positions as `listRow` reads them), then `created_at_us`.
    private static let listColumns: [SQLIdentifier] = [
        Invitation.column(\.$id), Invitation.column(\.$status), Invitation.column(\.$candidateEmail), Invitation.column(\.$candidateName),
        Invitation.column(\.$assessmentID), Invitation.column(\.$companyID), Invitation.column(\.$jobID), Invitation.column(\.$expiresAt),
        Invitation.column(\.$createdAt), Invitation.column(\.$openedAt), Invitation.column(\.$completedAt), Invitation.column(\.$cancelledAt),
        Invitation.column(\.$score), Invitation.column(\.$rawScore), Invitation.column(\.$maxScore), Invitation.column(\.$passed),
        Invitation.column(\.$scoredBy), Invitation.column(\.$grading), Invitation.column(\.$createdAtMicros),
    ]

    /// `page`'s query over `filters` (PostgreSQL rows decoded by position, typed).
    private static func listQuery(_ filters: [any SQLExpression]) -> KeysetPageQuery<InvitationDTO> {
        let columns = listColumns
        let name = columns.map(\.string)
        return KeysetPageQuery(
            table: Invitation.schema, createdAtColumn: Invitation.column(\.$createdAtMicros).string, idColumn: Invitation.column(\.$id).string,
            filters: filters,
            sqliteColumns: columns,
            decodeSQLRow: { row in
                let id = try row.decode(column: name[0], as: UUID.self)
                let dto = InvitationDTO(
                    id: id.lowercased, status: try row.decode(column: name[1], as: String.self),
                    candidateEmail: try row.decode(column: name[2], as: String.self), candidateName: try row.decode(column: name[3], as: String?.self),
                    assessmentId: try row.decode(column: name[4], as: UUID.self).lowercased, companyId: try row.decode(column: name[5], as: UUID.self).lowercased,
                    jobId: try row.decode(column: name[6], as: UUID?.self)?.lowercased, expiresAt: try row.decode(column: name[7], as: Date.self),
                    createdAt: try row.decode(column: name[8], as: Date?.self), openedAt: try row.decode(column: name[9], as: Date?.self),
                    completedAt: try row.decode(column: name[10], as: Date?.self), cancelledAt: try row.decode(column: name[11], as: Date?.self),
                    score: try row.decode(column: name[12], as: Int?.self), rawScore: try row.decode(column: name[13], as: Double?.self),
                    maxScore: try row.decode(column: name[14], as: Double?.self), passed: try row.decode(column: name[15], as: Bool?.self),
                    scoredBy: try row.decode(column: name[16], as: UUID?.self)?.lowercased, delivery: nil, assessment: nil,
                    grading: try row.decode(column: name[17], as: String?.self))
                return KeysetRow(item: dto, micros: try row.decode(column: name[18], as: Int64.self), id: id)
            },
            postgresColumns: columns,
            decodePostgresRow: { row in
                let (id, status, email, candidateName, assessment, company, job, expiresAt, createdAt, openedAt, completedAt, cancelledAt,
                     score, rawScore, maxScore, passed, scoredBy, grading, micros) = try row.decode(
                    (UUID, String, String, String?, UUID, UUID, UUID?, Date, Date?, Date?, Date?, Date?,
                     Int?, Double?, Double?, Bool?, UUID?, String?, Int64).self, context: .default
                )
                let dto = InvitationDTO(
                    id: id.lowercased, status: status, candidateEmail: email, candidateName: candidateName, assessmentId: assessment.lowercased,
                    companyId: company.lowercased, jobId: job?.lowercased, expiresAt: expiresAt, createdAt: createdAt, openedAt: openedAt,
                    completedAt: completedAt, cancelledAt: cancelledAt, score: score, rawScore: rawScore, maxScore: maxScore, passed: passed,
                    scoredBy: scoredBy?.lowercased, delivery: nil, assessment: nil, grading: grading)
                return KeysetRow(item: dto, micros: micros, id: id)
            }
        )
    }

    /// The question grades of those of `ids` that have any, by invitation id (the list's `grades`).
    func questionGrades(for ids: [UUID], on db: any Database) async throws -> [UUID: [QuestionGrade]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await Invitation.query(on: db).filter(\.$id ~~ ids).filter(\.$questionGrades != nil)
            .field(\.$id).field(\.$questionGrades).all()
        var grades: [UUID: [QuestionGrade]] = [:]
        for row in rows { if let id = row.id { grades[id] = row.questionGrades?.items ?? [] } }
        return grades
    }

    /// `pending`/`sent` -> `opened` (the candidate's first read).
    func markOpened(_ id: UUID, at now: Date, on db: any Database) async throws {
        try await Invitation.query(on: db).filter(\.$id == id).filter(\.$status ~~ [.pending, .sent])
            .set(\.$status, to: .opened).set(\.$openedAt, to: now).update()
    }

    /// `pending` -> `sent` (its e-mail went out; a candidate may already have opened it).
    func markSent(_ id: UUID, on db: any Database) async throws {
        try await Invitation.query(on: db).filter(\.$id == id).filter(\.$status == .pending)
            .set(\.$status, to: .sent).update()
    }

    /// Records a submission on an open, unexpired invitation.
    /// - Returns: whether this call made the change (false: another one won, or it expired).
    func complete(_ id: UUID, with completion: Completion, at now: Date, on db: any Database) async throws -> Bool {
        var update = try db.sql.update(Invitation.schema)
            .set(Invitation.column(\.$status), to: SQLBind(InvitationStatus.completed.rawValue))
            .set(Invitation.column(\.$openKey), to: SQLLiteral.null)
            .set(Invitation.column(\.$completedAt), to: SQLBind(now))
            .set(Invitation.column(\.$updatedAt), to: SQLBind(now))
            .set(Invitation.column(\.$score), to: SQLBind(completion.score))
            .set(Invitation.column(\.$rawScore), to: SQLBind(completion.rawScore))
            .set(Invitation.column(\.$maxScore), to: SQLBind(completion.maxScore))
            .set(Invitation.column(\.$passed), to: SQLBind(completion.passed))
            .set(Invitation.column(\.$gradedBy), to: SQLBind(completion.gradedBy))
            .set(Invitation.column(\.$scoredBy), to: SQLBind(completion.scoredBy))
        if let answers = completion.answers { update = update.set(Invitation.column(\.$answers), to: SQLBind(JSONList(items: answers))) }
        if let grading = completion.grading { update = update.set(Invitation.column(\.$grading), to: SQLBind(grading.rawValue)) }
        return try await Self.won(update.where(Invitation.column(\.$expiresAt), .greaterThan, SQLBind(now)), id: id)
    }

    /// Open -> `cancelled`, freeing the open key.
    /// - Returns: whether this call made the change.
    func cancel(_ id: UUID, at now: Date, on db: any Database) async throws -> Bool {
        let update = try db.sql.update(Invitation.schema)
            .set(Invitation.column(\.$status), to: SQLBind(InvitationStatus.cancelled.rawValue))
            .set(Invitation.column(\.$openKey), to: SQLLiteral.null)
            .set(Invitation.column(\.$cancelledAt), to: SQLBind(now))
            .set(Invitation.column(\.$updatedAt), to: SQLBind(now))
        return try await Self.won(update, id: id)
    }

    /// Replaces the token of an open, unexpired invitation (the old link stops working).
    /// - Returns: whether this call made the change.
    func rotateToken(_ id: UUID, tokenHash: String, at now: Date, on db: any Database) async throws -> Bool {
        let update = try db.sql.update(Invitation.schema)
            .set(Invitation.column(\.$tokenHash), to: SQLBind(tokenHash))
            .set(Invitation.column(\.$reminderTokenHash), to: SQLLiteral.null)
            .set(Invitation.column(\.$updatedAt), to: SQLBind(now))
            .where(Invitation.column(\.$expiresAt), .greaterThan, SQLBind(now))
        return try await Self.won(update, id: id)
    }

    /// Open, unexpired invitations without a reminder whose expiry is before `until`, soonest
    /// first, at most `limit`.
    func dueForReminder(at now: Date, until: Date, limit: Int, on db: any Database) async throws -> [Invitation] {
        try await Invitation.query(on: db)
            .filter(\.$status ~~ InvitationStatus.open)
            .filter(\.$reminderSentAt == nil)
            .filter(\.$expiresAt > now)
            .filter(\.$expiresAt <= until)
            .sort(\.$expiresAt)
            .limit(limit)
            .all()
    }

    /// Records invitation `id`'s reminder and its link's token, unless it has one already or is
    /// no longer open and unexpired: of two sweeps (on any instances) exactly one wins.
    /// - Returns: whether this call recorded it.
    func recordReminder(_ id: UUID, tokenHash: String, at now: Date, on db: any Database) async throws -> Bool {
        let update = try db.sql.update(Invitation.schema)
            .set(Invitation.column(\.$reminderSentAt), to: SQLBind(now))
            .set(Invitation.column(\.$reminderTokenHash), to: SQLBind(tokenHash))
            .set(Invitation.column(\.$updatedAt), to: SQLBind(now))
            .where(Invitation.column(\.$reminderSentAt), .is, SQLLiteral.null)
            .where(Invitation.column(\.$expiresAt), .greaterThan, SQLBind(now))
        return try await Self.won(update, id: id)
    }

    /// Runs `update` on invitation `id` while it is open.
    private static func won(_ update: SQLUpdateBuilder, id: UUID) async throws -> Bool {
        try await update
            .where(Invitation.column(\.$id), .equal, SQLBind(id))
            .where(Invitation.column(\.$status), .in, SQLBind.group(openStatuses))
            .returning(Invitation.column(\.$id))
            .all()
            .count == 1
    }

    /// Moves open invitations past their expiry to `expired`: all (the sweep), one, those with
    /// `openKey`, or those of `companyIDs`.
    func expireOverdue(at now: Date, id: UUID? = nil, openKey: String? = nil, companyIDs: [UUID]? = nil, on db: any Database) async throws {
        if let companyIDs, companyIDs.isEmpty { return }
        var query = Invitation.query(on: db)
            .filter(\.$status ~~ InvitationStatus.open)
            .filter(\.$expiresAt <= now)
        if let companyIDs { query = query.filter(\.$companyID ~~ companyIDs) }
        if let id { query = query.filter(\.$id == id) }
        if let openKey { query = query.filter(\.$openKey == openKey) }
        // Read first: most calls find nothing overdue, and an `UPDATE` takes SQLite's one write
        // lock even when it changes no row (every list call would queue behind every write).
        guard try await query.copy().field(\.$id).first() != nil else { return }
        try await Self.markExpired(query, at: now)
    }

    /// Moves invitation `id` to `expired` while it is open, whatever its expiry (the
    /// assessment's time limit has passed).
    func expire(_ id: UUID, at now: Date, on db: any Database) async throws {
        try await Self.markExpired(Invitation.query(on: db).filter(\.$id == id).filter(\.$status ~~ InvitationStatus.open), at: now)
    }

    /// Moves the invitations `query` selects (open ones) to `expired`, freeing their open key.
    private static func markExpired(_ query: QueryBuilder<Invitation>, at now: Date) async throws {
        try await query.set(\.$status, to: .expired).set(\.$openKey, to: nil).set(\.$updatedAt, to: now).update()
    }
}
