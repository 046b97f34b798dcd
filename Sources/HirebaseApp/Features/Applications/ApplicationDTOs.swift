import Foundation
import Vapor

/// `POST /jobs/{id}/applications` body.
struct CreateApplicationRequest: Content {
    var candidateId: UUID?
}

/// An application as the API shows it, with its history.
struct ApplicationDTO: Content {
    var id: String
    var jobId: String
    var candidateId: String
    var stage: String
    var rejectedFrom: String?
    var history: [StageChangeDTO]
    var createdAt: Date?
    var updatedAt: Date?
}

extension JobApplication {
    func toDTO() -> ApplicationDTO {
        ApplicationDTO(id: id?.lowercased ?? "", jobId: jobID.lowercased, candidateId: candidateID.lowercased, stage: stage.rawValue,
                       rejectedFrom: rejectedFrom?.rawValue, history: history.items.map { $0.toDTO() }, createdAt: createdAt, updatedAt: updatedAt)
    }
}

/// `POST /job-action` body.
struct JobActionRequest: Content {
    var jobId: UUID?
    var action: String?
    var candidateId: UUID?
    var reason: String?
    var note: String?
    /// Optional guard against stale screens: the stage (or job status) the caller saw.
    var fromStage: String?
}

extension JobActionRequest {
    /// The action after every rule of the contract is checked: a known action, `candidateId`
    /// exactly for application actions, a `reason` (at most 1,000 characters) for `reject`, a
    /// `note` of at most 4,000, and a `fromStage` (when given) that is a job status or an
    /// application stage (another value could never match, so it is refused rather than
    /// answered 409).
    /// - Throws: `AppError` 400 listing every invalid field.
    func validated() throws -> JobActionInput {
        var validator = FieldValidator()
        if jobId == nil { validator.fail("jobId", "is required") }
        let action = action.flatMap(JobAction.init(rawValue:))
        if action == nil { validator.fail("action", "must be one of \(JobAction.allCases.map(\.rawValue).joined(separator: ", "))") }
        let reason = validator.text(reason, "reason", maxLength: 1000, required: action == .reject)
        let note = validator.text(note, "note", maxLength: 4000, required: false)
        if let fromStage, JobStatus(rawValue: fromStage) == nil, ApplicationStage(rawValue: fromStage) == nil {
            validator.fail("fromStage", "must be a job status or an application stage")
        }
        if let action {
            if action.isApplicationAction, candidateId == nil { validator.fail("candidateId", "is required for \(action.rawValue)") }
            if !action.isApplicationAction, candidateId != nil { validator.fail("candidateId", "is not allowed for the job action \(action.rawValue)") }
        }
        try validator.check()
        guard let jobId, let action else { throw AppError.invalid("jobId and action are required") }
        let subject: JobActionInput.Subject = candidateId.map { .application(candidateID: $0) } ?? .job
        return JobActionInput(jobID: jobId, action: action, subject: subject, reason: reason.isEmpty ? nil : reason,
                              note: note.isEmpty ? nil : note, expectedStage: fromStage)
    }
}
