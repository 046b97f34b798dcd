import Fluent
import Foundation

/// A company's candidate pool: creation, edits and reads. One e-mail (compared
/// case-insensitively) once per company: a second is 409 `duplicate_candidate` with `existingId`.
struct CandidateService: Sendable {
    let store: CandidateStore
    /// Stamps the creation time (the cursor order of lists).
    let clock: WallClock

    /// The least role that may add candidates (API.md: `POST /candidates`, recruiter+).
    static let creatorRole = CompanyRole.recruiter

    /// Creates `new` in its company, by `user`, when `user` may (a member with
    /// `creatorRole` or stronger; a platform admin anywhere): one statement on the way to a 201.
    ///
    /// The membership is checked by the insert itself (`CandidateStore.insert`). When nothing
    /// was inserted, `authorize` (the usual `requireMember` check) explains why: 404 or 403 as
    /// ever, else the e-mail is taken and the answer is 409. A platform admin is authorized
    /// first (it checks that the company exists), then inserted without a membership.
    /// - Parameter authorize: throws 404 / 403 as the role check of every company-scoped call does.
    /// - Returns: the candidate as created (`createdAt` and `updatedAt` the same instant).
    /// - Throws: what `authorize` throws; 409 `duplicate_candidate` with `existingId` when the
    ///   company has the e-mail already.
    func create(_ new: NewCandidate, by user: AuthenticatedUser, on db: any Database,
                authorize: () async throws -> Void) async throws -> CandidateDTO {
        let (id, now, emailKey) = (UUID(), clock.now(), EmailLookupKey.of(new.email))
        let roles = user.isPlatformAdmin ? nil : CompanyRole.allCases.filter { $0 >= Self.creatorRole }
        if roles == nil { try await authorize() }
        // A second and third attempt only when the refusal explained itself away (the
        // membership granted, or the duplicate deleted, between the insert and the reads).
        for _ in 0..<3 {
            if try await store.insert(new, id: id, emailKey: emailKey, createdBy: user.id, at: now, ifMemberWithRoleIn: roles, on: db) {
                return CandidateDTO(id: id.lowercased, companyId: new.companyID.lowercased, email: new.email, name: new.name, headline: new.headline,
                                    skills: new.skills, yearsExperience: new.yearsExperience, location: new.location, resumeText: new.resumeText,
                                    createdAt: now, updatedAt: now)
            }
            if roles != nil { try await authorize() }
            if let existing = try await store.find(companyID: new.companyID, emailKey: emailKey, on: db) {
                throw Self.duplicate(existingID: existing.id)
            }
        }
        throw Self.duplicate(existingID: nil)
    }

    /// Applies `patch` to `candidate` and saves it.
    /// - Throws: 409 `duplicate_candidate` when the new e-mail is another candidate's.
    func update(_ candidate: Candidate, with patch: CandidatePatch, on db: any Database) async throws -> Candidate {
        patch.apply(to: candidate)
        try await refusingDuplicates(candidate, on: db) { try await store.update(candidate, on: db) }
        return candidate
    }

    /// One page of a company's candidates, newest first.
    func list(companyID: UUID, page: PageRequest, on db: any Database) async throws -> (items: [CandidateDTO], nextCursor: String?) {
        try await store.page(companyID: companyID, page, on: db)
    }

    /// The candidate with `id`.
    /// - Throws: 404 `not_found` when there is none.
    func find(_ id: UUID, on db: any Database) async throws -> Candidate {
        guard let candidate = try await store.find(id, on: db) else { throw AppError.notFound("Candidate") }
        return candidate
    }

    /// Runs `save`, turning the unique (company, e-mail key) index into 409 with the existing id.
    private func refusingDuplicates(_ candidate: Candidate, on db: any Database, _ save: () async throws -> Void) async throws {
        do {
            try await save()
        } catch let error as any DatabaseError where error.isConstraintFailure {
            let existing = try await store.find(companyID: candidate.companyID, emailKey: candidate.emailKey, on: db)
            throw Self.duplicate(existingID: existing?.id)
        }
    }

    /// 409 `duplicate_candidate`, with `existingId` when the existing candidate is known.
    private static func duplicate(existingID: UUID?) -> AppError {
        AppError.conflict("A candidate with this e-mail already exists in this company", code: "duplicate_candidate",
                          extra: existingID.map { ["existingId": $0.lowercased] } ?? [:])
    }
}
