import Fluent
import Foundation

/// A company's skill assessments: creation, reads, a draft's edits and publication (drafting
/// with the AI provider is `AssessmentDraftService`'s, invitations to take them
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

    /// Applies `patch` to `assessment`, a draft (`PATCH /assessments/{id}`).
    ///
    /// The change is one conditional update on the draft status, so an edit racing with the
    /// publication cannot change a published assessment.
    /// - Returns: the assessment after the change.
    /// - Throws: 409 `assessment_published` when it is (or meanwhile became) published:
    ///   invitations may already be graded against it.
    func update(_ assessment: Assessment, with patch: AssessmentPatch, on db: any Database) async throws -> Assessment {
        guard assessment.status == .draft else { throw Self.published() }
        patch.apply(to: assessment)
        guard try await store.updateDraft(assessment, on: db) else { throw Self.published() }
        return assessment
    }

    /// Makes `assessment` sendable (`POST /assessments/{id}/publish`); a published one is
    /// answered unchanged.
    /// - Returns: the assessment, `published`.
    func publish(_ assessment: Assessment, on db: any Database) async throws -> Assessment {
        guard assessment.status == .draft else { return assessment }
        // Whether this call or a concurrent one published it, it is published now.
        _ = try await store.publish(assessment.id ?? UUID(), on: db)
        assessment.status = .published
        return assessment
    }

    private static func published() -> AppError {
        AppError.conflict("This assessment is published and can no longer be edited (invitations may be graded against it)",
                          code: "assessment_published")
    }
}
