import Fluent
import Foundation

/// A company's skill assessments: creation and reads (invitations to take them are
/// `InvitationService`'s).
struct AssessmentService: Sendable {
    let store: AssessmentStore
    /// Stamps the creation time (the cursor order of lists).
    let clock: WallClock

    /// Creates `new` in its company, by `createdBy`.
    func create(_ new: NewAssessment, createdBy: UUID, on db: any Database) async throws -> Assessment {
        let assessment = Assessment(companyID: new.companyID, title: new.title, passingScore: new.passingScore,
                                    timeLimitMinutes: new.timeLimitMinutes, questions: new.questions, createdBy: createdBy, createdAt: clock.now())
        try await store.create(assessment, on: db)
        return assessment
    }

    /// One page of a company's assessments, newest first.
    func list(companyID: UUID, page: PageRequest, on db: any Database) async throws -> (items: [Assessment], nextCursor: String?) {
        try await store.page(companyID: companyID, page, on: db)
    }

    /// The assessment with `id`.
    /// - Throws: 404 `not_found` when there is none.
    func find(_ id: UUID, on db: any Database) async throws -> Assessment {
        guard let assessment = try await store.find(id, on: db) else { throw AppError.notFound("Assessment") }
        return assessment
    }
}
