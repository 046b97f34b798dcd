import BillingCore
import Fluent
import Foundation
import Logging

/// Drafts an assessment with the AI provider (`POST /assessments/generate`, `API.md` § AI
/// assistance).
///
/// The order: the job is looked up (404 when not the company's), the plan's `ai_generations`
/// allowance is checked (402 before any provider call), the provider is called with
/// `AssessmentDraftPrompt`, its answer is checked (`AssessmentDraftAnswer`) and an unusable one
/// is asked for once more; then, in one transaction, one use is consumed (the limit enforced by
/// the database, so a race at the limit is 402) and the draft is stored with its run. Every
/// provider call is recorded as an AI run, also the failed ones; when no draft is stored, only
/// runs remain (without a subject).
struct AssessmentDraftService: Sendable {
    /// The AI provider.
    let chat: any ChatCompleting
    /// Where each call is recorded.
    let runs: AIRunService
    let assessments: AssessmentStore
    let jobs: JobStore
    /// The plan's `ai_generations` allowance.
    let billing: BillingService
    /// Stamps the draft's creation time.
    let clock: WallClock

    /// How many provider calls one request may make: the first, and one retry after an unusable
    /// answer.
    static let maxAttempts = 2

    /// Drafts an assessment from `input` for `userID` (whose role the caller checked) and stores it
    /// as a `draft` with the id of the run that drafted it.
    /// - Throws: 404 `not_found` a job not of the company; 402 `plan_limit_reached` (before the
    ///   provider is called, or when the limit was reached meanwhile: then nothing is stored);
    ///   the provider's failures (`AIProviderError.appError`: 503 `ai_not_configured`, 504, 503
    ///   `ai_unavailable`, 502); 502 `upstream_error` when both answers were unusable, naming the
    ///   rule the last one broke.
    func generate(_ input: AssessmentDraftInput, by userID: UUID, on db: any Database, logger: Logger) async throws -> Assessment {
        let source: AssessmentDraftSource
        var jobTitle: String?
        switch input.source {
        case .job(let jobID):
            guard let job = try await jobs.find(jobID, on: db), job.companyID == input.companyID else { throw AppError.notFound("Job") }
            source = .job(title: job.title, description: job.description, skills: job.skills)
            jobTitle = String(String.UnicodeScalarView(job.title.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.prefix(200)))
        case .description(let text):
            source = .description(text)
        }
        let title = input.title ?? jobTitle.flatMap { $0.isEmpty ? nil : $0 }

        let check = try await billing.check(.aiGenerations, quantity: 1, userID: userID, on: db)
        guard check.allowed else { throw UsageDecision.refusal(check, feature: .aiGenerations) }

        let request = AssessmentDraftPrompt.request(for: source, questionCount: input.questionCount, kinds: input.kinds)
        let (completion, draft) = try await usableDraft(request, input: input, needsTitle: title == nil, by: userID, on: db, logger: logger)

        let assessmentID = UUID()
        let run = runs.makeRun(completion, outcome: .succeeded, purpose: .assessmentGeneration, promptVersion: AssessmentDraftPrompt.version,
                               companyID: input.companyID, subjectID: assessmentID, createdBy: userID)
        runs.observe(run)
        let assessment = Assessment(companyID: input.companyID, title: title ?? draft.title ?? "", passingScore: nil, timeLimitMinutes: nil,
                                    questions: draft.questions, createdBy: userID, createdAt: clock.now(), status: .draft, aiRunID: run.id)
        assessment.id = assessmentID
        let (billing, runStore, assessments) = (self.billing, runs.store, self.assessments)
        do {
            try await db.atomic { tx in
                try await billing.consumeOrRefuse(.aiGenerations, userID: userID, on: tx)
                try await runStore.create(run, on: tx)
                try await assessments.create(assessment, on: tx)
            }
        } catch {
            // Nothing was stored: the call is still accounted for, without a subject.
            // Observed once already: stored only.
            let orphan = runs.makeRun(completion, outcome: run.outcome, purpose: run.purpose, promptVersion: run.promptVersion,
                                      companyID: run.companyID, subjectID: nil, createdBy: userID)
            do {
                try await runStore.create(orphan, on: db)
            } catch let storing {
                logger.error("AI run not recorded", metadata: ["error": .string(String(describing: storing))])
            }
            throw error
        }
        billing.usageChanged(of: userID)
        logger.info("assessment drafted", metadata: [
            "assessment-id": .string(assessmentID.lowercased), "ai-run-id": .string(run.id?.lowercased ?? ""),
            "questions": .stringConvertible(draft.questions.count),
        ])
        return assessment
    }

    /// Calls the provider until an answer is usable, at most ``maxAttempts`` times, recording
    /// every failed call as a run.
    /// - Returns: the usable answer and its completion (whose run the caller records).
    private func usableDraft(_ request: ChatCompletionRequest, input: AssessmentDraftInput, needsTitle: Bool, by userID: UUID,
                       on db: any Database, logger: Logger) async throws -> (ChatCompletion, AssessmentDraftAnswer) {
        var lastProblem = AssessmentDraftAnswer.Problem(rule: "no answer")
        for attempt in 1...Self.maxAttempts {
            let completion: ChatCompletion
            do {
                completion = try await runs.complete(request, with: chat, purpose: .assessmentGeneration, promptVersion: AssessmentDraftPrompt.version,
                                                     companyID: input.companyID, subjectID: nil, createdBy: userID, on: db)
            } catch let failure as AIProviderError {
                if failure.kind != .notConfigured {
                    logger.warning("AI provider call failed", metadata: ["kind": .string(failure.kind.rawValue), "attempt": .stringConvertible(attempt)])
                }
                throw failure.appError
            }
            switch AssessmentDraftAnswer.check(completion.content, questionCount: input.questionCount, kinds: input.kinds, needsTitle: needsTitle) {
            case .success(let answer):
                return (completion, answer)
            case .failure(let problem):
                lastProblem = problem
                try await runs.record(completion, outcome: .invalidOutput, purpose: .assessmentGeneration,
                                      promptVersion: AssessmentDraftPrompt.version, companyID: input.companyID, subjectID: nil,
                                      createdBy: userID, on: db)
                logger.warning("AI provider answer unusable", metadata: ["rule": .string(problem.rule), "attempt": .stringConvertible(attempt)])
            }
        }
        throw AppError(.badGateway, detail: "The AI provider's answer was unusable after \(Self.maxAttempts) attempts: \(lastProblem.rule)")
    }
}
