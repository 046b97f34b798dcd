import Fluent
import Foundation

/// A company's candidate pool: creation, edits and reads. One e-mail (compared
/// case-insensitively) once per company: a second is 409 `duplicate_candidate` with `existingId`.
struct CandidateService: Sendable {
    let store: CandidateStore
    /// Stamps the creation time (the cursor order of lists).
    let clock: WallClock

    /// Creates `new` in its company, by `createdBy`.
    /// - Throws: 409 `duplicate_candidate` when the company has the e-mail already.
    func create(_ new: NewCandidate, createdBy: UUID, on db: any Database) async throws -> Candidate {
        let candidate = Candidate()
        candidate.companyID = new.companyID
        candidate.email = new.email
        candidate.emailKey = EmailLookupKey.of(new.email)
        candidate.name = new.name
        candidate.headline = new.headline
        candidate.skills = new.skills
        candidate.yearsExperience = new.yearsExperience
        candidate.location = new.location
        candidate.resumeText = new.resumeText
        candidate.createdBy = createdBy
        candidate.createdAtMicros = clock.now().microsecondsSince1970
        try await refusingDuplicates(candidate, on: db) { try await store.create(candidate, on: db) }
        return candidate
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
            throw AppError.conflict("A candidate with this e-mail already exists in this company", code: "duplicate_candidate",
                                    extra: existing?.id.map { ["existingId": $0.lowercased] } ?? [:])
        }
    }
}
