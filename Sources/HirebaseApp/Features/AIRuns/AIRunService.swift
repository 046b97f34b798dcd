import Fluent
import Foundation

/// Records every call to the AI provider as an `AIRun` and lists a company's runs
/// (`API.md` § AI assistance: "Every call to the provider is recorded as an AI run").
///
/// A run holds the call's accounting only (purpose, model, prompt version, tokens, duration,
/// outcome, the subject and who asked): never prompt or answer text, never a candidate's name or
/// e-mail.
struct AIRunService: Sendable {
    let store: AIRunStore
    /// Stamps `createdAt` (the cursor order of the list).
    let clock: WallClock
    /// Counts every recorded call by purpose and outcome, with its tokens and duration.
    let metrics: AIMetrics

    /// Records one provider call that answered: its tokens and duration from `completion`.
    ///
    /// Called once per provider call, whatever became of the answer, so that failed attempts are
    /// accounted for too.
    /// - Parameters:
    ///   - completion: the provider's answer (model, `usage` tokens, wall time in ms).
    ///   - outcome: `.succeeded` when the answer was usable, `.invalidOutput` when it broke the
    ///     schema or the caller's rules.
    ///   - purpose: what the call was for.
    ///   - promptVersion: the version of the prompt sent (e.g. `AssessmentDraftPrompt.version`).
    ///   - companyID: the company the run is listed under.
    ///   - subjectID: the assessment drafted or the invitation graded (`nil` when nothing was stored).
    ///   - createdBy: the member who asked (`nil` for background work).
    /// - Returns: the stored run (its `id` is set).
    /// - Throws: the database's errors.
    @discardableResult
    func record(_ completion: ChatCompletion, outcome: AIRun.Outcome = .succeeded, purpose: AIRun.Purpose, promptVersion: String,
                companyID: UUID, subjectID: UUID?, createdBy: UUID?, on db: any Database) async throws -> AIRun {
        let run = makeRun(completion, outcome: outcome, purpose: purpose, promptVersion: promptVersion, companyID: companyID,
                          subjectID: subjectID, createdBy: createdBy)
        observe(run)
        try await store.create(run, on: db)
        return run
    }

    /// Calls `chat` once with `request`; when the call fails, records its run first.
    ///
    /// The one place the failure rule is kept: a `.notConfigured` failure made no call, so it
    /// records nothing; every other failure is a run (``record(_:model:purpose:promptVersion:companyID:subjectID:createdBy:on:)``).
    /// An answered call is returned unrecorded: only the caller knows whether it was usable.
    /// - Parameters: as in ``record(_:outcome:purpose:promptVersion:companyID:subjectID:createdBy:on:)``.
    /// - Returns: the provider's answer.
    /// - Throws: `AIProviderError` (another error from the client is `.upstream`), or the
    ///   database's errors while recording.
    func complete(_ request: ChatCompletionRequest, with chat: any ChatCompleting, purpose: AIRun.Purpose, promptVersion: String,
                  companyID: UUID, subjectID: UUID?, createdBy: UUID?, on db: any Database) async throws -> ChatCompletion {
        do {
            return try await chat.complete(request)
        } catch {
            let failure = error as? AIProviderError ?? AIProviderError(.upstream, "the provider client failed")
            if failure.kind != .notConfigured {
                try await record(failure, model: chat.model ?? "", purpose: purpose, promptVersion: promptVersion,
                                 companyID: companyID, subjectID: subjectID, createdBy: createdBy, on: db)
            }
            throw failure
        }
    }

    /// Records one provider call that failed (`AIProviderError`): no tokens, the time spent
    /// before giving up, and the outcome of the error's kind (`timeout`, else `provider_error`).
    /// - Parameters:
    ///   - error: the provider's failure.
    ///   - model: the model asked for (`ChatCompleting.model`).
    ///   - The others as in ``record(_:outcome:purpose:promptVersion:companyID:subjectID:createdBy:on:)``.
    /// - Returns: the stored run.
    /// - Throws: the database's errors.
    @discardableResult
    func record(_ error: AIProviderError, model: String, purpose: AIRun.Purpose, promptVersion: String,
                companyID: UUID, subjectID: UUID?, createdBy: UUID?, on db: any Database) async throws -> AIRun {
        let run = AIRun(companyID: companyID, purpose: purpose, model: model, promptVersion: promptVersion,
                        inputTokens: 0, outputTokens: 0, durationMs: max(0, error.durationMs), outcome: Self.outcome(of: error),
                        subjectID: subjectID, createdBy: createdBy, createdAt: clock.now())
        observe(run)
        try await store.create(run, on: db)
        return run
    }

    /// The run of a provider failure: `timeout` for `.timeout`, else `provider_error`.
    static func outcome(of error: AIProviderError) -> AIRun.Outcome {
        error.kind == .timeout ? .timeout : .providerError
    }

    /// The run of an answered call, not yet stored (for a caller that stores it in its own
    /// transaction with what it made; it must call ``observe(_:)`` once and store it once).
    func makeRun(_ completion: ChatCompletion, outcome: AIRun.Outcome, purpose: AIRun.Purpose, promptVersion: String,
                 companyID: UUID, subjectID: UUID?, createdBy: UUID?) -> AIRun {
        AIRun(companyID: companyID, purpose: purpose, model: completion.model, promptVersion: promptVersion,
              inputTokens: max(0, completion.inputTokens), outputTokens: max(0, completion.outputTokens),
              durationMs: max(0, completion.durationMs), outcome: outcome, subjectID: subjectID, createdBy: createdBy, createdAt: clock.now())
    }

    /// Counts one provider call in the metrics (calls by purpose and outcome, tokens, latency).
    /// Called exactly once per call, before its run is stored.
    func observe(_ run: AIRun) {
        metrics.record(purpose: run.purpose.rawValue, outcome: run.outcome.rawValue, inputTokens: run.inputTokens,
                       outputTokens: run.outputTokens, durationMs: run.durationMs)
    }

    /// One page of a company's runs, newest first (creation time, then id), of one purpose when
    /// `purpose` is given.
    func list(companyID: UUID, purpose: AIRun.Purpose?, page: PageRequest, on db: any Database) async throws -> (items: [AIRun], nextCursor: String?) {
        try await store.page(companyID: companyID, purpose: purpose, page, on: db)
    }
}
