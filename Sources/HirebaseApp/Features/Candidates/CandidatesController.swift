import EmailValidation
import Fluent
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

    /// The validated fields of a body; `nil` members were not given.
    private struct Checked {
        var email: String?
        var name: String?
        var headline: String??
        var skills: [String]?
        var location: String??
        var resumeText: String??
    }

    private func check(_ input: CandidateInput, creating: Bool) throws -> Checked {
        var validator = FieldValidator()
        var checked = Checked()
        if creating, input.companyId == nil { validator.fail("companyId", "is required") }
        if !creating, input.companyId != nil { validator.fail("companyId", "cannot be changed") }
        if let raw = input.email {
            do throws(EmailAddressError) {
                checked.email = try EmailAddressValidator().validate(raw.trimmingCharacters(in: .whitespacesAndNewlines)).normalized
            } catch {
                validator.fail("email", error.message)
            }
        } else if creating {
            validator.fail("email", "is required")
        }
        if creating || input.name != nil { checked.name = validator.text(input.name, "name") }
        if input.headline != nil { checked.headline = .some(Self.blankToNil(validator.text(input.headline, "headline", maxLength: 300, required: false))) }
        if creating || input.skills != nil { checked.skills = validator.skills(input.skills) }
        if input.location != nil { checked.location = .some(Self.blankToNil(validator.text(input.location, "location", required: false))) }
        if input.resumeText != nil { checked.resumeText = .some(Self.blankToNil(validator.text(input.resumeText, "resumeText", maxLength: 100_000, required: false))) }
        if let years = input.yearsExperience, !(years.isFinite && (0...80).contains(years)) { validator.fail("yearsExperience", "must be a number from 0 to 80") }
        try validator.check()
        return checked
    }

    private static func blankToNil(_ text: String) -> String? { text.isEmpty ? nil : text }

    @Sendable
    func create(req: Request) async throws -> Response {
        let input = try req.content.decode(CandidateInput.self)
        let checked = try check(input, creating: true)
        guard let companyID = input.companyId, let email = checked.email else { throw AppError.invalidField("companyId", "is required") }
        let (user, _) = try await req.requireMember(of: companyID, atLeast: .recruiter)
        let candidate = Candidate()
        candidate.companyID = companyID
        candidate.email = email
        candidate.emailKey = email.lowercased()
        candidate.name = checked.name ?? ""
        candidate.headline = checked.headline ?? nil
        candidate.skills = checked.skills ?? []
        candidate.yearsExperience = input.yearsExperience
        candidate.location = checked.location ?? nil
        candidate.resumeText = checked.resumeText ?? nil
        candidate.createdBy = user.id
        candidate.createdAtMicros = Date().microsecondsSince1970
        try await save(candidate, on: req.db, creating: true)
        return try await candidate.toDTO().encodeResponse(status: .created, for: req)
    }

    @Sendable
    func update(req: Request) async throws -> CandidateDTO {
        let input = try req.content.decode(CandidateInput.self)
        let checked = try check(input, creating: false)
        let candidate = try await requireCandidate(req, atLeast: .recruiter)
        if let email = checked.email {
            candidate.email = email
            candidate.emailKey = email.lowercased()
        }
        if let name = checked.name { candidate.name = name }
        if let headline = checked.headline { candidate.headline = headline }
        if let skills = checked.skills { candidate.skills = skills }
        if let years = input.yearsExperience { candidate.yearsExperience = years }
        if let location = checked.location { candidate.location = location }
        if let resume = checked.resumeText { candidate.resumeText = resume }
        try await save(candidate, on: req.db, creating: false)
        return candidate.toDTO()
    }

    /// Saves, turning the unique (company, e-mail) index into 409 with the existing id.
    private func save(_ candidate: Candidate, on db: any Database, creating: Bool) async throws {
        do {
            if creating { try await candidate.create(on: db) } else { try await candidate.update(on: db) }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            let existing = try await Candidate.query(on: db).filter(\.$companyID == candidate.companyID)
                .filter(\.$emailKey == candidate.emailKey).first()
            throw AppError.conflict("A candidate with this e-mail already exists in this company", code: "duplicate_candidate",
                                    extra: existing?.id.map { ["existingId": $0.lowercased] } ?? [:])
        }
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
        let (items, next) = try await Candidate.query(on: req.db).filter(\.$companyID == companyID).page(page)
        return Page(items: items.map { $0.toDTO() }, nextCursor: next)
    }

    @Sendable
    func show(req: Request) async throws -> CandidateDTO {
        try await requireCandidate(req, atLeast: .viewer).toDTO()
    }

    private func requireCandidate(_ req: Request, atLeast role: CompanyRole) async throws -> Candidate {
        let id = try req.uuidParameter("candidateID", what: "Candidate")
        guard let candidate = try await Candidate.find(id, on: req.db) else { throw AppError.notFound("Candidate") }
        try await req.requireMember(of: candidate.companyID, atLeast: role, notFound: "Candidate")
        return candidate
    }
}
