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
