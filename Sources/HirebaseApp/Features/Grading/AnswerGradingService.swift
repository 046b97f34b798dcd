import Fluent
import Foundation
import Logging

/// Queues the grading of a submission: held by `InvitationService`, which calls it in the
/// submission's transaction.
struct AnswerGradingQueue: Sendable {
    /// Runs of the grading job before it is `dead` and the grading `failed` (`JOB_MAX_ATTEMPTS`).
    let maxAttempts: Int
    /// Whether a provider is configured. Without one no grading job is queued: rubric questions
    /// wait for a member as every `text` question without accepted answers did before issue 12
    /// (a job could only die, and every dead job is an alert).
    let isAvailable: Bool
    let store = GradingStore()

    /// Queues the `assessments.grade` job of invitation `id`, due at `now`, on `tx`.
    func queue(_ id: UUID, now: Date, on tx: any Database) async throws {
        try await store.queueGrading(of: id, maxAttempts: maxAttempts, now: now, on: tx)
    }
}

/// Grades free-text answers (`API.md` § AI assistance): the AI provider in the background (the
/// `assessments.grade` job), and members' grades and overrides
/// (`POST /assessments/invitations/{id}/grades`).
///
/// The job sends the provider, for each AI-graded question (`AssessmentQuestion.isAIGraded`) not
/// yet graded by a member, only the question's prompt, rubric and maximum points and the
/// answer's text (`AnswerGradingPrompt`), in batches of bounded size (`AnswerGradingPrompt.batches`,
/// one call each, each batch's grades stored as they come); every call is recorded as an AI run (purpose
/// `answer_grading`, subject the invitation). An unusable answer is asked again once within
/// the run; a second unusable answer or a provider failure fails the run, retried with backoff
/// by the job queue. When the last run fails — or at once when no provider is configured — the
/// invitation's `grading` becomes `failed` (logged as a warning) and a member grades the answers.
///
/// Grades are read and written under the invitation's row lock (`GradingStore.lockedInvitation`):
/// the job never overwrites a member's grade, and the score is computed from what is stored
/// (`GradedScore`).
struct AnswerGradingService: Sendable {
    /// The job kind's name.
    static let kind = "assessments.grade"
    /// The first retry's delay in seconds (then doubled, with jitter: about 15 s, 30 s, 1 min, 2 min
    /// with the default 5 attempts), long enough for a rate limit or a short outage to pass.
    static let retryBaseSeconds: Double = 30

    /// The AI provider (`HirebaseServices.chat`).
    let chat: any ChatCompleting
    let store: GradingStore
    /// Where provider calls are recorded, and counted in the metrics (see `recordRun`).
    let runs: AIRunService
    /// `gradedAt`, the runs' `createdAt` and the state changes' `updated_at`.
    let clock: WallClock
    /// Runs of the job before it is `dead` (`JOB_MAX_ATTEMPTS`).
    let maxAttempts: Int
    /// `hirebase.grading`: outcomes of runs (never answer text).
    let logger: Logger

    /// The queue `InvitationService` adds grading jobs to, with this service's attempt limit.
    var queue: AnswerGradingQueue { AnswerGradingQueue(maxAttempts: maxAttempts, isAvailable: chat.model != nil) }

    /// The job's input: `{"invitationId": "<uuid>"}`.
    struct Payload: Codable {
        var invitationId: UUID

        /// The payload in a job's JSON text; `nil` when absent or not of this shape.
        init?(json: String?) {
            guard let json, let decoded = try? JSONDecoder().decode(Payload.self, from: Data(json.utf8)) else { return nil }
            self = decoded
        }

        /// The payload of the grading job of invitation `id`.
        static func json(for id: UUID) -> String {
            #"{"invitationId":""# + id.lowercased + #""}"#
        }
    }

    /// The job kind (`assessments.grade`). Its death, however it comes (a non-retryable failure,
    /// the last attempt failed, or the last attempt's worker killed), makes the grading `failed`.
    func jobKind() -> BackgroundJobKind {
        BackgroundJobKind(name: Self.kind, maxAttempts: maxAttempts, retryBaseSeconds: Self.retryBaseSeconds,
                          onDead: { job, db in try await markFailed(job, on: db) },
                          run: { job, db in try await run(job, on: db) })
    }

    // MARK: The grading job

    /// One run of the grading job of the invitation in `job`'s payload.
    /// - Throws: `BackgroundJobFailure`: not retryable for a bad payload, a missing assessment or
    ///   an unconfigured provider; retryable for a provider failure, an unusable answer (twice)
    ///   or a database error. When the job will not run again, the runner calls `markFailed`.
    func run(_ job: ClaimedJob, on db: any Database) async throws {
        guard let payload = Payload(json: job.payload) else {
            throw BackgroundJobFailure("payload is not {\"invitationId\": uuid}", retryable: false)
        }
        let id = payload.invitationId
        do {
            try await grade(id, on: db)
        } catch {
            // Interrupted by a shutdown: not a failure; the job is released and runs again.
            if Task.isCancelled { throw error }
            let failure = error as? BackgroundJobFailure ?? BackgroundJobFailure(BackgroundJobRunner.describe(error))
            logger.notice("answer grading attempt failed", metadata: ["invitation-id": .string(id.lowercased),
                                                                      "attempt": .stringConvertible(job.attempt),
                                                                      "error": .string(failure.message)])
            throw failure
        }
    }

    /// The dead grading job's follow-up: the invitation's grading `pending` -> `failed`, logged as
    /// a warning, so that members see the answers wait for them.
    func markFailed(_ job: ClaimedJob, on db: any Database) async throws {
        guard let id = Payload(json: job.payload)?.invitationId else { return }
        if try await store.markFailed(id, at: clock.now(), on: db) {
            logger.warning("answer grading failed; a member grades the answers",
                           metadata: ["invitation-id": .string(id.lowercased), "attempt": .stringConvertible(job.attempt)])
        }
    }

    /// Whether the job grades an invitation whose grading is `status`: `pending`, and `failed` too
    /// — a dead job requeued by an operator (`hirebase jobs retry ID`) grades what members have
    /// not. Not `done` (members graded everything meanwhile) nor `nil`.
    static func isGradable(_ status: GradingStatus?) -> Bool {
        status == .pending || status == .failed
    }

    /// Grades invitation `id`'s AI-graded answers that have no grade yet; nothing when its
    /// grading is `done` (by members meanwhile) or the invitation is gone.
    private func grade(_ id: UUID, on db: any Database) async throws {
        guard let invitation = try await store.invitation(id, on: db), Self.isGradable(invitation.grading) else { return }
        guard let assessment = try await store.assessment(invitation.assessmentID, on: db) else {
            throw BackgroundJobFailure("the invitation's assessment no longer exists", retryable: false)
        }
        let graded = Set((invitation.questionGrades?.items ?? []).map(\.questionId))
        let answers = Dictionary((invitation.answers?.items ?? []).map { ($0.questionId, $0.answer) }, uniquingKeysWith: { first, _ in first })
        let items: [AnswerGradingPrompt.Item] = assessment.questions.filter { $0.isAIGraded && !graded.contains($0.id) }.map { question in
            var text = ""
            if case .one(let answer) = answers[question.id] { text = answer }
            return AnswerGradingPrompt.Item(question: question, answer: text)
        }
        guard !items.isEmpty else {
            // Every question was graded by members: only the state and score are left to store.
            try await saveAIGrades([], runID: nil, for: id, last: true, on: db)
            return
        }
        // One call per batch, each batch's grades stored as it comes: a failed run keeps what the
        // earlier batches graded, and its retry asks only for the rest.
        let batches = AnswerGradingPrompt.batches(items)
        for (index, batch) in batches.enumerated() {
            let (grades, runID) = try await askProvider(batch, companyID: invitation.companyID, invitationID: id, on: db)
            try await saveAIGrades(grades, runID: runID, for: id, last: index == batches.count - 1, on: db)
        }
        logger.info("answers graded", metadata: ["invitation-id": .string(id.lowercased), "questions": .stringConvertible(items.count),
                                                 "calls": .stringConvertible(batches.count)])
    }

    /// Asks the provider to grade `items`, once more when the first answer is unusable.
    /// - Returns: the checked grades and the id of the run that gave them.
    /// - Throws: `BackgroundJobFailure` (see `run`).
    private func askProvider(_ items: [AnswerGradingPrompt.Item], companyID: UUID, invitationID: UUID,
                             on db: any Database) async throws -> ([AnswerGradingPrompt.Grade], UUID) {
        let request = AnswerGradingPrompt.request(for: items)
        let questions = items.map(\.question)
        var problem = ""
        for _ in 1...2 {
            let completion: ChatCompletion
            do {
                completion = try await runs.complete(request, with: chat, purpose: .answerGrading, promptVersion: AnswerGradingPrompt.version,
                                                     companyID: companyID, subjectID: invitationID, createdBy: nil, on: db)
            } catch let error as AIProviderError {
                if error.kind == .notConfigured {
                    // Retrying cannot help.
                    throw BackgroundJobFailure("AI assistance is not configured (AI_API_BASE, AI_MODEL)", retryable: false)
                }
                throw BackgroundJobFailure("AI provider: \(error.kind.rawValue): \(String(error.message.prefix(200)))")
            }
            switch AnswerGradingPrompt.parse(completion.content, asked: questions) {
            case .success(let grades):
                let runID = try await recordRun(completion, outcome: .succeeded, companyID: companyID, invitationID: invitationID, on: db)
                return (grades, runID)
            case .failure(let unusable):
                _ = try await recordRun(completion, outcome: .invalidOutput, companyID: companyID, invitationID: invitationID, on: db)
                problem = unusable.reason
                logger.warning("AI grading answer unusable", metadata: ["invitation-id": .string(invitationID.lowercased), "problem": .string(problem)])
            }
        }
        throw BackgroundJobFailure("the AI provider's grades were unusable twice: \(problem)")
    }

    /// Records one provider call as an AI run (purpose `answer_grading`, subject the invitation,
    /// no member): the one place grading writes `ai_runs`.
    ///
    /// - Note: for the lead's merge: this is where `AIRunService.record(...)` replaces the
    ///   direct `AIRunStore.create` (it also counts the run in the AI metrics).
    /// - Returns: the run's id.
    private func recordRun(_ completion: ChatCompletion, outcome: AIRun.Outcome, companyID: UUID, invitationID: UUID,
                           on db: any Database) async throws -> UUID {
        try await runs.record(completion, outcome: outcome, purpose: .answerGrading, promptVersion: AnswerGradingPrompt.version,
                              companyID: companyID, subjectID: invitationID, createdBy: nil, on: db).requireID()
    }

    /// Stores the provider's grades (each question a member has graded meanwhile keeps the
    /// member's grade), sets `grading` to `done` and the final score once every AI-graded question
    /// has a grade, in one transaction under the invitation's row lock. Nothing changes when the
    /// grading is `done` already.
    /// - Parameter last: whether these are the run's last batch's grades.
    /// - Throws: after the `last` batch, a retryable `BackgroundJobFailure` when AI-graded
    ///   questions are still without a grade (the assessment changed since the run began): the
    ///   next run grades them.
    private func saveAIGrades(_ aiGrades: [AnswerGradingPrompt.Grade], runID: UUID?, for id: UUID, last: Bool, on db: any Database) async throws {
        let (store, now) = (self.store, clock.now())
        let complete = try await db.atomic { tx -> Bool in
            guard let invitation = try await store.lockedInvitation(id, on: tx), Self.isGradable(invitation.grading),
                  let assessment = try await store.assessment(invitation.assessmentID, on: tx) else { return true }
            var grades = invitation.questionGrades?.items ?? []
            for grade in aiGrades where !grades.contains(where: { $0.questionId == grade.questionId && $0.gradedBy == .member }) {
                grades.removeAll { $0.questionId == grade.questionId }
                grades.append(QuestionGrade(questionId: grade.questionId, points: grade.points, rationale: grade.rationale, gradedBy: .ai,
                                            aiRunId: runID, memberId: nil, gradedAt: now))
            }
            let score = try GradedScore.compute(questions: assessment.questions, answers: invitation.answers?.items ?? [], grades: grades, awaitsAI: true,
                                                passingScore: assessment.passingScore)
            try await store.saveGrades(id, grades: grades, grading: score.isComplete ? .done : invitation.grading, score: score, at: now, on: tx)
            return score.isComplete
        }
        guard complete || !last else { throw BackgroundJobFailure("questions without a grade remain (the assessment changed)") }
    }

    // MARK: Members' grades

    /// One grade a member gives (`POST /assessments/invitations/{id}/grades`), checked.
    struct MemberGrade: Sendable, Equatable {
        var questionId: String
        var points: Double
        /// Trimmed; `nil` when not given or blank.
        var rationale: String?
    }

    /// Records a member's grades of a completed invitation's non-auto-graded questions (AI-graded
    /// or `text` without rubric), replacing any earlier grade of those questions (an AI grade's
    /// run id is kept on the member's grade), and recomputes the score (`GradedScore`). When every
    /// AI-graded question then has a grade, `grading` becomes `done` (from `pending` or `failed`).
    /// - Parameter grades: the body's entries, checked here against the questions.
    /// - Throws: 409 when the invitation is not completed, or was scored as a whole by a member
    ///   (no answers); 400 naming each entry with an unknown or auto-graded question, a repeated
    ///   question, points outside 0...the question's points, or a rationale over 1000 characters.
    func gradeByMember(_ invitation: Invitation, grades input: [GradeInput], by member: AuthenticatedUser, on db: any Database,
                       logger: Logger) async throws -> Invitation {
        let id = try invitation.requireID()
        guard invitation.status == .completed else {
            throw AppError.conflict("Only a completed invitation can be graded (this one is \(invitation.status.rawValue))", code: "invalid_state_transition")
        }
        guard invitation.answers != nil else {
            throw AppError.conflict("This invitation was scored as a whole by a member; it has no answers to grade", code: "invalid_state_transition")
        }
        guard let assessment = try await store.assessment(invitation.assessmentID, on: db) else { throw AppError.notFound("Assessment") }
        let checked = try Self.check(input, questions: assessment.questions)
        let (store, now) = (self.store, clock.now())
        try await db.atomic { tx in
            guard let current = try await store.lockedInvitation(id, on: tx),
                  let assessment = try await store.assessment(current.assessmentID, on: tx) else { throw AppError.notFound("Invitation") }
            var grades = current.questionGrades?.items ?? []
            for grade in checked {
                let replaced = grades.first { $0.questionId == grade.questionId }
                grades.removeAll { $0.questionId == grade.questionId }
                grades.append(QuestionGrade(questionId: grade.questionId, points: grade.points, rationale: grade.rationale, gradedBy: .member,
                                            aiRunId: replaced?.aiRunId, memberId: member.id, gradedAt: now))
            }
            // In the assessment's question order, whoever graded last.
            let order = Dictionary(assessment.questions.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
            grades.sort { (order[$0.questionId] ?? .max) < (order[$1.questionId] ?? .max) }
            let score = try GradedScore.compute(questions: assessment.questions, answers: current.answers?.items ?? [], grades: grades,
                                                awaitsAI: current.grading != nil,
                                                passingScore: assessment.passingScore)
            let grading: GradingStatus? = current.grading.map { score.isComplete ? .done : $0 }
            try await store.saveGrades(id, grades: grades, grading: grading, score: score, at: now, on: tx)
        }
        logger.info("answers graded by a member", metadata: ["invitation-id": .string(id.lowercased), "questions": .stringConvertible(checked.count)])
        guard let updated = try await store.invitation(id, on: db) else { throw AppError.notFound("Invitation") }
        return updated
    }

    /// One entry of the body of `POST /assessments/invitations/{id}/grades`, as sent.
    struct GradeInput: Codable, Sendable {
        var questionId: String?
        /// 0...the question's points.
        var points: Double?
        /// Optional, at most 1000 characters after trimming.
        var rationale: String?
    }

    /// Checks the body's entries against the assessment's questions.
    /// - Throws: 400 naming every bad entry.
    static func check(_ input: [GradeInput], questions: [AssessmentQuestion]) throws -> [MemberGrade] {
        var fields = FieldValidator()
        if input.isEmpty { fields.fail("grades", "needs at least one grade") }
        if input.count > questions.count { fields.fail("grades", "has more grades (\(input.count)) than the assessment has questions (\(questions.count))") }
        try fields.check("Grades are invalid")
        let byID = Dictionary(questions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var seen = Set<String>()
        var result: [MemberGrade] = []
        for (index, entry) in input.enumerated() {
            let field = "grades[\(index)]"
            guard let questionID = entry.questionId, let question = byID[questionID] else {
                fields.fail("\(field).questionId", entry.questionId == nil ? "is required" : "is not a question of this assessment")
                continue
            }
            if question.isAutoGraded { fields.fail("\(field).questionId", "is graded by its answer key; only text questions without accepted answers take grades") }
            if !seen.insert(questionID).inserted { fields.fail("\(field).questionId", "is graded twice") }
            guard let points = entry.points else {
                fields.fail("\(field).points", "is required")
                continue
            }
            if !points.isFinite || points < 0 || points > question.worth {
                fields.fail("\(field).points", "must be a number from 0 to \(AnswerGradingPrompt.format(question.worth)) (the question's points)")
            }
            let rationale = fields.text(entry.rationale, "\(field).rationale", maxLength: AnswerGradingPrompt.maxRationaleLength, required: false)
            result.append(MemberGrade(questionId: questionID, points: points, rationale: rationale.isEmpty ? nil : rationale))
        }
        try fields.check("Grades are invalid")
        return result
    }
}
