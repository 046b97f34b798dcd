import Fluent
import Foundation
import SQLKit

/// Every query of the assessments feature.
struct AssessmentStore: Sendable {
    /// The assessment with `id`, if any.
    func find(_ id: UUID, on db: any Database) async throws -> Assessment? {
        try await Assessment.find(id, on: db)
    }

    /// Inserts `assessment`.
    func create(_ assessment: Assessment, on db: any Database) async throws {
        try await assessment.create(on: db)
    }

    /// One page of a company's assessments, newest first.
    func page(companyID: UUID, _ page: PageRequest, on db: any Database) async throws -> (items: [Assessment], nextCursor: String?) {
        try await Assessment.query(on: db).filter(\.$companyID == companyID).page(page)
    }

    /// Writes the editable fields (title, passing score, time limit, questions) of `assessment`
    /// while it is a draft: one conditional `UPDATE ... WHERE status = 'draft'`.
    /// - Returns: whether the row was a draft and changed.
    func updateDraft(_ assessment: Assessment, on db: any Database) async throws -> Bool {
        func value(_ number: Int?) -> any SQLExpression {
            if let number { return SQLBind(number) }
            return SQLLiteral.null
        }
        let (passingScore, timeLimit) = (value(assessment.passingScore), value(assessment.timeLimitMinutes))
        return try await db.sql.update(Assessment.schema)
            .set(Assessment.column(\.$title), to: SQLBind(assessment.title))
            .set(Assessment.column(\.$passingScore), to: passingScore)
            .set(Assessment.column(\.$timeLimitMinutes), to: timeLimit)
            .set(Assessment.column(\.$questionSet), to: SQLBind(assessment.questionSet))
            .where(Assessment.column(\.$id), .equal, SQLBind(assessment.id ?? UUID()))
            .where(Assessment.column(\.$status), .equal, SQLBind(AssessmentStatus.draft.rawValue))
            .returning(Assessment.column(\.$id))
            .all()
            .count == 1
    }

    /// Moves a draft to `published`.
    /// - Returns: whether this call made the change (false: not a draft, or no such row).
    func publish(_ id: UUID, on db: any Database) async throws -> Bool {
        try await db.sql.update(Assessment.schema)
            .set(Assessment.column(\.$status), to: SQLBind(AssessmentStatus.published.rawValue))
            .where(Assessment.column(\.$id), .equal, SQLBind(id))
            .where(Assessment.column(\.$status), .equal, SQLBind(AssessmentStatus.draft.rawValue))
            .returning(Assessment.column(\.$id))
            .all()
            .count == 1
    }
}
