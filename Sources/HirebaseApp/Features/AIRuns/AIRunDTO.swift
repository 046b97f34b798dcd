import Foundation
import Vapor

/// An AI run as `GET /ai-runs` shows it (`API.md` § AI assistance). `subjectId` is omitted when
/// the run has no subject (a draft that was not stored).
struct AIRunDTO: Content {
    var id: String
    var companyId: String
    /// `assessment_generation` or `answer_grading`.
    var purpose: String
    var model: String
    var promptVersion: String
    /// `usage.prompt_tokens` of the provider's answer (0 when it failed or did not say).
    var inputTokens: Int
    /// `usage.completion_tokens` (0 when it failed or did not say).
    var outputTokens: Int
    /// Wall time of the call in milliseconds, the client's retries included.
    var durationMs: Int
    /// `succeeded`, `invalid_output`, `timeout` or `provider_error`.
    var outcome: String
    /// The assessment drafted or the invitation graded.
    var subjectId: String?
    /// When the call ended (the service's clock, to the microsecond; rendered in whole seconds).
    var createdAt: Date
}

extension AIRun {
    /// The run as the API shows it.
    func toDTO() -> AIRunDTO {
        AIRunDTO(id: id?.lowercased ?? "", companyId: companyID.lowercased, purpose: purpose.rawValue, model: model,
                 promptVersion: promptVersion, inputTokens: inputTokens, outputTokens: outputTokens, durationMs: durationMs,
                 outcome: outcome.rawValue, subjectId: subjectID?.lowercased,
                 createdAt: Date(timeIntervalSince1970: Double(createdAtMicros) / 1_000_000))
    }
}
