import Vapor

/// The invitation endpoints of `API.md` § Assessments and invitations.
///
/// Creating, cancelling and resending invitations and a member's external score need the
/// `recruiter` role or higher (`API.md`: "A `viewer` only reads"); reading needs membership.
///
/// `GET /assessments/invitations/{id}` and `POST .../submit` serve two callers: a candidate
/// proving themselves with the invitation token (no account), or a member with an access token.
struct InvitationsController {
    /// Mounts the routes: `open` ones check who calls themselves; `authenticated` ones need an
    /// access token; `csrfProtected` ones also a CSRF token.
    func register(open routes: any RoutesBuilder, authenticated: any RoutesBuilder, csrfProtected: any RoutesBuilder) {
        let open = routes.grouped("assessments", "invitations")
        open.get(":invitationID", use: show)
        open.post(":invitationID", "submit", use: submit)

        let members = authenticated.grouped("assessments", "invitations")
        members.post("create", use: create)
        members.get(use: list)
        members.post(":invitationID", "resend", use: resend)
        csrfProtected.grouped("assessments", "invitations").post(":invitationID", "cancel", use: cancel)
    }

    @Sendable
    func create(req: Request) async throws -> Response {
        let user = try await req.requireUser()
        let input = try NewInvitation(try req.content.decode(CreateInvitationRequest.self))
        let (invitation, email) = try await req.hirebase.invitations.create(input, by: user, authorize: { companyID in
            try await req.requireMember(of: companyID, atLeast: .recruiter, notFound: "Assessment")
        }, on: req.db, logger: req.logger)
        return try await invitation.toDTO(delivery: email).encodeResponse(status: .created, for: req)
    }

    struct TokenQuery: Content {
        var token: String?
    }

    @Sendable
    func show(req: Request) async throws -> InvitationDTO {
        let id = try req.uuidParameter("invitationID", what: "Invitation")
        let service = req.hirebase.invitations
        if let token = try req.query.decode(TokenQuery.self).token {
            let (invitation, assessment) = try await service.openByCandidate(id, token: token, on: req.db)
            var dto = invitation.toDTO(delivery: nil)
            dto.assessment = assessment.toCandidateDTO()
            // Per-question grades and their rationales are for members only.
            dto.grades = nil
            return dto
        }
        let invitation = try await requireMemberInvitation(req, id: id, atLeast: .viewer)
        return invitation.toDTO(delivery: try await service.deliveries(for: [id], on: req.db)[id])
    }

    @Sendable
    func submit(req: Request) async throws -> SubmissionResultDTO {
        let id = try req.uuidParameter("invitationID", what: "Invitation")
        let body = try req.content.decode(SubmitInvitationRequest.self)
        let service = req.hirebase.invitations
        if let token = body.token {
            guard let answers = body.answers else { throw AppError.invalidField("answers", "is required") }
            return try await service.submitByCandidate(id, token: token, answers: answers, on: req.db, logger: req.logger).toResultDTO()
        }
        guard req.headers.bearerAuthorization != nil else {
            throw AppError.unauthorized("Give the invitation token (candidate) or an access token (member)")
        }
        let invitation = try await requireMemberInvitation(req, id: id, atLeast: .recruiter)
        guard let score = body.score else { throw AppError.invalidField("score", "is required") }
        return try await service.submitByMember(invitation, score: score, by: try await req.requireUser(), on: req.db, logger: req.logger).toResultDTO()
    }

    @Sendable
    func cancel(req: Request) async throws -> InvitationDTO {
        let id = try req.uuidParameter("invitationID", what: "Invitation")
        let service = req.hirebase.invitations
        let invitation = try await requireMemberInvitation(req, id: id, atLeast: .recruiter)
        let cancelled = try await service.cancel(invitation, on: req.db, logger: req.logger)
        return cancelled.toDTO(delivery: try await service.deliveries(for: [id], on: req.db)[id])
    }

    @Sendable
    func resend(req: Request) async throws -> InvitationDTO {
        let id = try req.uuidParameter("invitationID", what: "Invitation")
        let invitation = try await requireMemberInvitation(req, id: id, atLeast: .recruiter)
        let (updated, email) = try await req.hirebase.invitations.resend(invitation, on: req.db, logger: req.logger)
        return updated.toDTO(delivery: email)
    }

    struct ListQuery: Content {
        var status: String?
        var assessmentId: UUID?
        var jobId: UUID?
        var limit: Int?
        var cursor: String?
    }

    @Sendable
    func list(req: Request) async throws -> Page<InvitationDTO> {
        let user = try await req.requireUser()
        let query = try req.query.decode(ListQuery.self)
        let page = try PageRequest(limit: query.limit, cursor: query.cursor)
        var status: InvitationStatus?
        if let raw = query.status {
            guard let parsed = InvitationStatus(rawValue: raw) else {
                throw AppError.invalidField("status", "must be one of \(InvitationStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        let filter = InvitationStore.ListFilter(
            companyIDs: user.isPlatformAdmin ? nil : try await req.memberCompanyIDs(of: user),
            status: status, assessmentID: query.assessmentId, jobID: query.jobId)
        let (items, next) = try await req.hirebase.invitations.list(filter, page: page, on: req.db)
        return Page(items: items, nextCursor: next)
    }

    /// Loads an invitation the caller may act on as a member of its company.
    /// - Throws: 401 without a token, 404 when missing or not the caller's company, 403 role.
    private func requireMemberInvitation(_ req: Request, id: UUID, atLeast role: CompanyRole) async throws -> Invitation {
        _ = try await req.requireUser()
        let invitation = try await req.hirebase.invitations.load(id, on: req.db)
        try await req.requireMember(of: invitation.companyID, atLeast: role, notFound: "Invitation")
        return invitation
    }
}
