import Fluent
import SQLKit
import Vapor

/// `POST /job-action` (recruiter+, CSRF): moves a job or one of its applications.
///
/// The change is one conditional `UPDATE ... WHERE version = <the version read>`, so of two
/// concurrent actions on the same job or application only one applies; the other gets 409 with
/// the state that won, and no change is ever lost from the history. Every change appends to the history (who, when, from, to, reason, note).
struct JobActionController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("job-action", use: act)
    }

    @Sendable
    func act(req: Request) async throws -> Response {
        let body = try req.content.decode(JobActionRequest.self)
        var validator = FieldValidator()
        if body.jobId == nil { validator.fail("jobId", "is required") }
        let action = body.action.flatMap(JobAction.init(rawValue:))
        if action == nil { validator.fail("action", "must be one of \(JobAction.allCases.map(\.rawValue).joined(separator: ", "))") }
        let reason = validator.text(body.reason, "reason", maxLength: 1000, required: action == .reject)
        let note = validator.text(body.note, "note", maxLength: 4000, required: false)
        if let action {
            if action.isApplicationAction, body.candidateId == nil { validator.fail("candidateId", "is required for \(action.rawValue)") }
            if !action.isApplicationAction, body.candidateId != nil { validator.fail("candidateId", "is not allowed for the job action \(action.rawValue)") }
        }
        try validator.check()
        guard let jobID = body.jobId, let action else { throw AppError.invalid("jobId and action are required") }
        let job = try await Job.requireVisible(req, id: jobID, atLeast: .recruiter)
        let user = try await req.requireUser()
        let change = { (from: String, to: String) in
            StageChange(at: Date().wholeSeconds, actorId: user.id, from: from, to: to,
                        reason: reason.isEmpty ? nil : reason, note: note.isEmpty ? nil : note)
        }

        if let candidateID = body.candidateId {
            if job.status == .archived {
                throw AppError.conflict("The job is archived; its applications can no longer move", code: "invalid_state_transition")
            }
            guard let application = try await JobApplication.query(on: req.db).filter(\.$jobID == jobID)
                .filter(\.$candidateID == candidateID).first() else {
                throw AppError.notFound("Application of this candidate to this job")
            }
            let current = application.stage
            if let expected = body.fromStage, expected != current.rawValue {
                throw AppError.conflict("The application is \(current.rawValue), not \(expected)", code: "invalid_state_transition")
            }
            guard let next = PipelineRules.stage(after: action, from: current, rejectedFrom: application.rejectedFrom) else {
                throw AppError.conflict("Cannot \(action.rawValue) an application that is \(current.rawValue)", code: "invalid_state_transition")
            }
            var history = application.history
            try history.record(change(current.rawValue, next.rawValue), of: "application")
            let rejectedFrom: ApplicationStage? = next == .rejected ? current : nil
            let won = try await req.db.sql.update(JobApplication.schema)
                .set("stage", to: SQLBind(next.rawValue))
                .set("rejected_from", to: SQLBind(rejectedFrom?.rawValue))
                .set("history", to: SQLBind(history))
                .set("version", to: SQLBind(application.version + 1))
                .set("updated_at", to: SQLBind(Date()))
                .where("id", .equal, SQLBind(try application.requireID()))
                .where("version", .equal, SQLBind(application.version))
                .returning("id")
                .all()
            guard let fresh = try await JobApplication.find(application.id, on: req.db) else { throw AppError.notFound("Application") }
            guard won.count == 1 else {
                throw AppError.conflict("The application changed meanwhile; it is \(fresh.stage.rawValue)", code: "invalid_state_transition")
            }
            req.logger.info("application moved", metadata: ["application-id": .string(fresh.id?.lowercased ?? ""), "from": .string(current.rawValue), "to": .string(next.rawValue)])
            return try await fresh.toDTO().encodeResponse(for: req)
        }

        let current = job.status
        if let expected = body.fromStage, expected != current.rawValue {
            throw AppError.conflict("The job is \(current.rawValue), not \(expected)", code: "invalid_state_transition")
        }
        guard let next = PipelineRules.jobStatus(after: action, from: current) else {
            throw AppError.conflict("Cannot \(action.rawValue) a job that is \(current.rawValue)", code: "invalid_state_transition")
        }
        var history = job.history
        try history.record(change(current.rawValue, next.rawValue), of: "job")
        let won = try await req.db.sql.update(Job.schema)
            .set("status", to: SQLBind(next.rawValue))
            .set("history", to: SQLBind(history))
            .set("version", to: SQLBind(job.version + 1))
            .set("updated_at", to: SQLBind(Date()))
            .where("id", .equal, SQLBind(jobID))
            .where("version", .equal, SQLBind(job.version))
            .returning("id")
            .all()
        guard let fresh = try await Job.find(jobID, on: req.db) else { throw AppError.notFound("Job") }
        guard won.count == 1 else {
            throw AppError.conflict("The job changed meanwhile; it is \(fresh.status.rawValue)", code: "invalid_state_transition")
        }
        req.logger.info("job moved", metadata: ["job-id": .string(jobID.lowercased), "from": .string(current.rawValue), "to": .string(next.rawValue)])
        return try await fresh.toDTO().encodeResponse(for: req)
    }
}
