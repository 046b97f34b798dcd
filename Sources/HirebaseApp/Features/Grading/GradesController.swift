import Vapor

/// `POST /assessments/invitations/{id}/grades` (`API.md` § AI assistance): a member grades a
/// completed invitation's free-text answers, or overrides their AI grades.
///
/// Needs the `recruiter` role or higher in the invitation's company (a `viewer` only reads: 403),
/// and an access token, no CSRF token: the contract marks the route without one, as the member
/// score of `POST .../submit`.
struct GradesController: RouteCollection {
    /// Mounts the route on `routes` (the authenticated group, without CSRF).
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("assessments", "invitations").post(":invitationID", "grades", use: grade)
    }

    /// The body: `{"grades": [{"questionId", "points", "rationale"?}]}`.
    struct GradesRequest: Content {
        var grades: [AnswerGradingService.GradeInput]?
    }

    /// Records the grades; answers with the invitation as members see it (with `delivery`).
    @Sendable
    func grade(req: Request) async throws -> InvitationDTO {
        let id = try req.uuidParameter("invitationID", what: "Invitation")
        let services = req.hirebase
        let invitation = try await services.invitations.load(id, on: req.db)
        let (user, _) = try await req.requireMember(of: invitation.companyID, atLeast: .recruiter, notFound: "Invitation")
        guard let grades = try req.content.decode(GradesRequest.self).grades else { throw AppError.invalidField("grades", "is required") }
        let updated = try await services.grading.gradeByMember(invitation, grades: grades, by: user, on: req.db, logger: req.logger)
        return updated.toDTO(delivery: try await services.invitations.deliveries(for: [id], on: req.db)[id])
    }
}
