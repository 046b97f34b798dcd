import Foundation
import Vapor

/// `POST /candidates`, `PATCH /candidates/{id}`, `GET /candidates?companyId=`, `GET /candidates/{id}`.
///
/// E-mails are checked as invitations' are; the same address (trimmed, compared
/// case-insensitively) twice in one company is 409 `duplicate_candidate` with `existingId`.
struct CandidatesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let candidates = routes.grouped("candidates")
        candidates.post(use: create)
        candidates.get(use: list)
        candidates.get(":candidateID", use: show)
        candidates.patch(":candidateID", use: update)
    }

    @Sendable
    func create(req: Request) async throws -> Response {
        let new = try req.content.decode(CandidateInput.self).validatedNew()
        let user = try await req.requireUser()
        // The membership is checked in the insert; `requireMember` runs only to explain a refusal.
        let candidate = try await req.hirebase.candidates.create(new, by: user, on: req.db) {
            try await req.requireMember(of: new.companyID, atLeast: CandidateService.creatorRole)
        }
        return try await candidate.encodeResponse(status: .created, for: req)
    }

    @Sendable
    func update(req: Request) async throws -> CandidateDTO {
        let patch = try req.content.decode(CandidateInput.self).validatedPatch()
        let candidate = try await requireCandidate(req, atLeast: .recruiter)
        return try await req.hirebase.candidates.update(candidate, with: patch, on: req.db).toDTO()
    }

    struct ListQuery: Content {
        var companyId: UUID?
        var limit: Int?
        var cursor: String?
    }

    @Sendable
    func list(req: Request) async throws -> Page<CandidateDTO> {
        let query = try req.query.decode(ListQuery.self)
        let page = try PageRequest(limit: query.limit, cursor: query.cursor)
        guard let companyID = query.companyId else { throw AppError.invalidField("companyId", "is required") }
        try await req.requireMember(of: companyID, atLeast: .viewer)
        let (items, next) = try await req.hirebase.candidates.list(companyID: companyID, page: page, on: req.db)
        return Page(items: items, nextCursor: next)
    }

    @Sendable
    func show(req: Request) async throws -> CandidateDTO {
        try await requireCandidate(req, atLeast: .viewer).toDTO()
    }

    /// The candidate of the `candidateID` path parameter, if the caller may see it with `role`.
    /// - Throws: 404 when missing or not the caller's company; 403 for too small a role.
    private func requireCandidate(_ req: Request, atLeast role: CompanyRole) async throws -> Candidate {
        let id = try req.uuidParameter("candidateID", what: "Candidate")
        let candidate = try await req.hirebase.candidates.find(id, on: req.db)
        try await req.requireMember(of: candidate.companyID, atLeast: role, notFound: "Candidate")
        return candidate
    }
}
