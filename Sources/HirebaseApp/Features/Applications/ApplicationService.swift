import Fluent
import Foundation

/// The hiring pipeline: applications of candidates to jobs, and the moves of `POST /job-action`
/// (`API.md` § `POST /job-action`).
///
/// Rules: the transitions of `PipelineRules`; an archived job's applications do not move; every
/// move appends to the history (who, when to the second, from, to, reason, note), at most
/// `JSONList<StageChange>.maxChanges` entries; a move is one version-checked update
/// (`ApplicationStore.move`), so of two concurrent moves only one applies and the other is 409
/// with the state that won.
struct ApplicationService: Sendable {
    let store: ApplicationStore
    let jobs: JobStore
    let candidates: CandidateStore
    /// Stamps history entries, `updated_at` and creation times.
    let clock: WallClock

    /// Applies `candidateID` to `job` by `userID`, at stage `applied`.
    /// - Throws: 404 when the candidate is missing or of another company; 409
    ///   `invalid_state_transition` when the job is archived; 409 `conflict` with `existingId`
    ///   when the candidate applied already.
    func apply(candidateID: UUID, to job: Job, by userID: UUID, on db: any Database) async throws -> JobApplication {
        guard let candidate = try await candidates.find(candidateID, on: db), candidate.companyID == job.companyID else {
            throw AppError.notFound("Candidate")
        }
        if job.status == .archived {
            throw AppError.conflict("The job is archived", code: "invalid_state_transition")
        }
        let now = clock.now()
        let application = JobApplication()
        application.companyID = job.companyID
        application.jobID = try job.requireID()
        application.candidateID = try candidate.requireID()
        application.stage = .applied
        application.history = JSONList(items: [StageChange(at: now.wholeSeconds, actorId: userID, from: nil, to: ApplicationStage.applied.rawValue)])
        application.createdBy = userID
        application.version = 0
        application.createdAtMicros = now.microsecondsSince1970
        do {
            try await store.create(application, on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            let existing = try await store.find(jobID: application.jobID, candidateID: candidateID, on: db)
            throw AppError.conflict("This candidate already applied to this job", extra: existing?.id.map { ["existingId": $0.lowercased] } ?? [:])
        }
        return application
    }

    /// One page of the job's applications, newest first.
    func list(of job: Job, stage: ApplicationStage?, page: PageRequest, on db: any Database) async throws -> (items: [JobApplication], nextCursor: String?) {
        try await store.page(jobID: try job.requireID(), stage: stage, page, on: db)
    }

    /// A job action (`publish`, `close`, `reopen`, and `archive` with `fromStage`) as one
    /// statement, without reading the job first: the rules of `act(_:on:by:on:)` (the status the
    /// action moves from, `expectedStage`, room in the history) and the role check of
    /// `Request.requireJob` (a member of the job's company with at least `role`, or a platform
    /// admin) are the conditions of one `UPDATE` (`ApplicationStore.moveJob`).
    /// - Returns: the outcome, or `nil` when the move did not happen or cannot be written so (an
    ///   application action, `archive` from one of several statuses): the caller then takes the
    ///   checked path (`requireJob`, then `act`), which makes the move or says why not with the
    ///   status, code and detail it always gave.
    func actInOneStatement(_ input: JobActionInput, by user: AuthenticatedUser, atLeast role: CompanyRole,
                           on db: any Database) async throws -> JobActionOutcome? {
        guard input.subject == .job else { return nil }
        let sources = JobStatus.allCases.filter { status in
            PipelineRules.jobStatus(after: input.action, from: status) != nil && input.expectedStage.map { $0 == status.rawValue } ?? true
        }
        guard sources.count == 1, let from = sources.first, let next = PipelineRules.jobStatus(after: input.action, from: from) else {
            return nil
        }
        let now = clock.now()
        let change = StageChange(at: now.wholeSeconds, actorId: user.id, from: from.rawValue, to: next.rawValue, reason: input.reason, note: input.note)
        guard let job = try await store.moveJob(input.jobID, from: from, to: next, appending: change, at: now,
                                                by: user.isPlatformAdmin ? nil : user.id, atLeast: role, on: db) else {
            return nil
        }
        return JobActionOutcome(moved: .movedJob(job), from: from.rawValue, to: next.rawValue)
    }

    /// Moves `job` or one of its applications as `input` says, by `userID`.
    /// - Parameter job: the job `input.jobID` names, read by the caller (who checked the role).
    /// - Throws: 404 when the candidate has no application to the job; 409
    ///   `invalid_state_transition` when the job is archived (application actions), the state is
    ///   not `expectedStage`, the rules refuse the move, or another move came first; 409
    ///   `history_full` when the history holds its most entries.
    func act(_ input: JobActionInput, on job: Job, by userID: UUID, on db: any Database) async throws -> JobActionOutcome {
        let now = clock.now()
        let change = { (from: String, to: String) in
            StageChange(at: now.wholeSeconds, actorId: userID, from: from, to: to, reason: input.reason, note: input.note)
        }
        switch input.subject {
        case .application(let candidateID):
            if job.status == .archived {
                throw AppError.conflict("The job is archived; its applications can no longer move", code: "invalid_state_transition")
            }
            guard let application = try await store.find(jobID: input.jobID, candidateID: candidateID, on: db) else {
                throw AppError.notFound("Application of this candidate to this job")
            }
            let current = application.stage
            if let expected = input.expectedStage, expected != current.rawValue {
                throw AppError.conflict("The application is \(current.rawValue), not \(expected)", code: "invalid_state_transition")
            }
            guard let next = PipelineRules.stage(after: input.action, from: current, rejectedFrom: application.rejectedFrom) else {
                throw AppError.conflict("Cannot \(input.action.rawValue) an application that is \(current.rawValue)", code: "invalid_state_transition")
            }
            var history = application.history
            try history.record(change(current.rawValue, next.rawValue), of: "application")
            let rejectedFrom = next == .rejected ? current : nil
            guard try await store.move(application, to: next, rejectedFrom: rejectedFrom, history: history, at: now, on: db) else {
                let fresh = try await store.find(try application.requireID(), on: db)
                throw AppError.conflict("The application changed meanwhile; it is \(fresh?.stage.rawValue ?? "gone")", code: "invalid_state_transition")
            }
            // The row is now exactly this (the update was conditional on the version read): no
            // second read.
            application.stage = next
            application.rejectedFrom = rejectedFrom
            application.history = history
            application.version += 1
            application.updatedAt = now
            return JobActionOutcome(moved: .application(application), from: current.rawValue, to: next.rawValue)

        case .job:
            let current = job.status
            if let expected = input.expectedStage, expected != current.rawValue {
                throw AppError.conflict("The job is \(current.rawValue), not \(expected)", code: "invalid_state_transition")
            }
            guard let next = PipelineRules.jobStatus(after: input.action, from: current) else {
                throw AppError.conflict("Cannot \(input.action.rawValue) a job that is \(current.rawValue)", code: "invalid_state_transition")
            }
            var history = job.history
            try history.record(change(current.rawValue, next.rawValue), of: "job")
            guard try await store.move(job, to: next, history: history, at: now, on: db) else {
                let fresh = try? await jobs.find(input.jobID, on: db)
                throw AppError.conflict("The job changed meanwhile; it is \(fresh?.status.rawValue ?? "gone")", code: "invalid_state_transition")
            }
            job.status = next
            job.history = history
            job.version += 1
            job.updatedAt = now
            return JobActionOutcome(moved: .job(job.toDTO()), from: current.rawValue, to: next.rawValue)
        }
    }
}
