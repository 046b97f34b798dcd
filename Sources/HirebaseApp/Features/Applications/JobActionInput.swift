import Foundation

/// A `POST /job-action` request after its fields are checked (`JobActionRequest.validated()`).
struct JobActionInput: Sendable, Equatable {
    /// What the action moves.
    enum Subject: Sendable, Equatable {
        /// The job itself (`publish`, `close`, `reopen`, `archive`).
        case job
        /// The candidate's application to the job (every other action).
        case application(candidateID: UUID)
    }

    var jobID: UUID
    var action: JobAction
    var subject: Subject
    /// Required for `reject`; `nil` when not given or blank.
    var reason: String?
    /// `nil` when not given or blank.
    var note: String?
    /// A guard against stale screens: the stage (or job status) the caller saw, as sent.
    var expectedStage: String?
}
