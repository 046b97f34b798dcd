/// Where an application stands (`API.md` § `POST /job-action`).
///
/// Open stages go forward only: `applied` -> `screening` -> `shortlisted` -> `interviewing` ->
/// `offered` -> `hired` (skipping is allowed). `rejected` can be reached from any open stage and
/// left only by `unreject`, back to the stage it came from. `withdrawn` can be reached from any
/// open stage. `hired` and `withdrawn` are final.
public enum ApplicationStage: String, Codable, Sendable, CaseIterable {
    case applied, screening, shortlisted, interviewing, offered, hired, rejected, withdrawn

    /// Position on the forward path; `nil` off it.
    var order: Int? {
        switch self {
        case .applied: return 0
        case .screening: return 1
        case .shortlisted: return 2
        case .interviewing: return 3
        case .offered: return 4
        case .hired: return 5
        case .rejected, .withdrawn: return nil
        }
    }

    /// Stages from which the candidate is still in the process.
    public var isOpen: Bool { order.map { $0 < 5 } ?? false }
}

/// The actions of `POST /job-action`.
public enum JobAction: String, Sendable, CaseIterable {
    // Job actions (no candidateId).
    case publish, close, reopen, archive
    // Application actions (with candidateId).
    case screen, shortlist, interview, offer, hire, reject, unreject, withdraw

    /// Whether the action moves an application rather than the job.
    public var isApplicationAction: Bool {
        switch self {
        case .publish, .close, .reopen, .archive: return false
        default: return true
        }
    }
}

/// The transition rules, free of storage, so they are tested on their own.
public enum PipelineRules {
    /// The job's status after `action`, or `nil` when the action is not allowed from `status`.
    public static func jobStatus(after action: JobAction, from status: JobStatus) -> JobStatus? {
        switch (action, status) {
        case (.publish, .draft): return .open
        case (.close, .open): return .closed
        case (.reopen, .closed): return .open
        case (.archive, .draft), (.archive, .open), (.archive, .closed): return .archived
        default: return nil
        }
    }

    /// The application's stage after `action`, or `nil` when not allowed.
    /// - Parameter rejectedFrom: the stage a rejected application came from (for `unreject`).
    public static func stage(after action: JobAction, from stage: ApplicationStage, rejectedFrom: ApplicationStage?) -> ApplicationStage? {
        let forward: [JobAction: ApplicationStage] = [
            .screen: .screening, .shortlist: .shortlisted, .interview: .interviewing, .offer: .offered, .hire: .hired,
        ]
        if let target = forward[action] {
            guard stage.isOpen, let from = stage.order, let to = target.order, to > from else { return nil }
            return target
        }
        switch action {
        case .reject: return stage.isOpen ? .rejected : nil
        case .withdraw: return stage.isOpen ? .withdrawn : nil
        case .unreject: return stage == .rejected ? (rejectedFrom ?? .applied) : nil
        default: return nil
        }
    }
}
