import Fluent
import Foundation
import SQLKit

/// Every query of question grading: the grading job's row, the invitation read under a row lock,
/// and the grade columns (`invitations.grading`, `question_grades`, the score columns).
struct GradingStore: Sendable {
    /// Queues the grading job of invitation `id` (kind `assessments.grade`, unique key
    /// `grade:<id>`, so a submission queues it once), inside the caller's transaction with the
    /// submission that causes it: both are stored, or neither.
    func queueGrading(of id: UUID, maxAttempts: Int, now: Date, on db: any Database) async throws {
        try await BackgroundJobStore().enqueue(kind: AnswerGradingService.kind, payload: AnswerGradingService.Payload.json(for: id),
                                               uniqueKey: "grade:" + id.lowercased, maxAttempts: maxAttempts, runAt: now, now: now, on: db)
    }

    /// Invitation `id`, unlocked.
    func invitation(_ id: UUID, on db: any Database) async throws -> Invitation? {
        try await Invitation.find(id, on: db)
    }

    /// The assessment with this id (its questions are what is graded).
    func assessment(_ id: UUID, on db: any Database) async throws -> Assessment? {
        try await Assessment.find(id, on: db)
    }

    /// Invitation `id`, its row locked until the end of the caller's transaction (`Database.atomic`):
    /// `SELECT ... FOR UPDATE` on PostgreSQL; on SQLite the transaction's `BEGIN IMMEDIATE`
    /// already excludes every other writer. The grading job and members' overrides read and
    /// write the grades under this lock, so neither overwrites the other's.
    func lockedInvitation(_ id: UUID, on tx: any Database) async throws -> Invitation? {
        if tx.isPostgres {
            guard try await tx.sql.raw("SELECT id FROM invitations WHERE id = \(bind: id) FOR UPDATE").first() != nil else { return nil }
        }
        return try await Invitation.find(id, on: tx)
    }

    /// Stores the question grades of invitation `id`, its grading state and its grade.
    func saveGrades(_ id: UUID, grades: [QuestionGrade], grading: GradingStatus?, score: GradedScore, at now: Date, on db: any Database) async throws {
        try await db.sql.update(Invitation.schema)
            .set(Invitation.column(\.$questionGrades), to: SQLBind(JSONList(items: grades)))
            .set(Invitation.column(\.$grading), to: SQLBind(grading?.rawValue))
            .set(Invitation.column(\.$score), to: SQLBind(score.score))
            .set(Invitation.column(\.$rawScore), to: SQLBind(score.rawScore))
            .set(Invitation.column(\.$maxScore), to: SQLBind(score.maxScore))
            .set(Invitation.column(\.$passed), to: SQLBind(score.passed))
            .set(Invitation.column(\.$updatedAt), to: SQLBind(now))
            .where(Invitation.column(\.$id), .equal, SQLBind(id))
            .run()
    }

    /// `pending` -> `failed` (the grading job gave up).
    /// - Returns: whether this call changed it (false: graded meanwhile, or not pending).
    func markFailed(_ id: UUID, at now: Date, on db: any Database) async throws -> Bool {
        try await db.sql.update(Invitation.schema)
            .set(Invitation.column(\.$grading), to: SQLBind(GradingStatus.failed.rawValue))
            .set(Invitation.column(\.$updatedAt), to: SQLBind(now))
            .where(Invitation.column(\.$id), .equal, SQLBind(id))
            .where(Invitation.column(\.$grading), .equal, SQLBind(GradingStatus.pending.rawValue))
            .returning(Invitation.column(\.$id))
            .all()
            .count == 1
    }
}
