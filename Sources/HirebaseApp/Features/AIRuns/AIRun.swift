import Fluent
import Foundation

/// One call to the AI provider (`API.md` § AI assistance), recorded whatever its outcome.
///
/// Holds what an operator needs to account for the call and nothing about the candidate: no name,
/// no e-mail, no prompt or answer text.
final class AIRun: Model, @unchecked Sendable {
    static let schema = "ai_runs"

    /// What a run was for.
    enum Purpose: String, Codable, Sendable, CaseIterable {
        /// `POST /assessments/generate`.
        case assessmentGeneration = "assessment_generation"
        /// The background grading of a submission's free-text answers.
        case answerGrading = "answer_grading"
    }

    /// How a run ended.
    enum Outcome: String, Codable, Sendable, CaseIterable {
        /// A usable answer.
        case succeeded
        /// An answer that broke the schema or the question rules.
        case invalidOutput = "invalid_output"
        /// No answer in time.
        case timeout
        /// The provider failed (HTTP error, circuit open, not a Chat Completions answer).
        case providerError = "provider_error"
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "company_id") var companyID: UUID
    @Field(key: "purpose") var purpose: Purpose
    @Field(key: "model") var model: String
    /// The version of the prompt sent (`AssessmentDraftPrompt.version`, `AnswerGradingPrompt.version`).
    @Field(key: "prompt_version") var promptVersion: String
    @Field(key: "input_tokens") var inputTokens: Int
    @Field(key: "output_tokens") var outputTokens: Int
    /// Wall time of the call, retries included.
    @Field(key: "duration_ms") var durationMs: Int
    @Field(key: "outcome") var outcome: Outcome
    /// The assessment drafted or the invitation graded.
    @OptionalField(key: "subject_id") var subjectID: UUID?
    /// The member who asked (`nil` for background grading).
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at_us") var createdAtMicros: Int64
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(id: UUID = UUID(), companyID: UUID, purpose: Purpose, model: String, promptVersion: String, inputTokens: Int, outputTokens: Int,
         durationMs: Int, outcome: Outcome, subjectID: UUID?, createdBy: UUID?, createdAt: Date) {
        self.id = id
        self.companyID = companyID
        self.purpose = purpose
        self.model = model
        self.promptVersion = promptVersion
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.durationMs = durationMs
        self.outcome = outcome
        self.subjectID = subjectID
        self.createdBy = createdBy
        self.createdAtMicros = createdAt.microsecondsSince1970
    }
}
