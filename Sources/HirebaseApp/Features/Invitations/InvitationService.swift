import BillingCore
import EmailValidation
import Fluent
import Foundation
import Logging
import SQLKit

/// The invitation lifecycle: creation with its e-mail in the outbox, the candidate's reads and
/// submission, a member's external score, cancellation, resending and expiry.
///
/// Every state change is one conditional `UPDATE ... WHERE status IN (open states)`, so that of
/// two concurrent requests — on any instances — exactly one changes the state and the other sees
/// the final state (409/410).
struct InvitationService {
    let db: any Database
    let services: HirebaseServices
    let logger: Logger
    var now = Date()

    private var openStatuses: [String] { InvitationStatus.open.map(\.rawValue) }

    // MARK: Creation

    /// Validates, consumes the `ai_assessments` allowance and stores the invitation with its
    /// e-mail, in one transaction.
    /// - Throws: 400 invalid input, 404 unknown assessment, 403 role, 402 plan limit, 409 duplicate.
    func create(_ body: CreateInvitationRequest, by user: AuthenticatedUser, role check: (UUID) async throws -> Void) async throws -> (Invitation, OutboxEmail) {
        var validator = FieldValidator()
        if body.assessmentId == nil { validator.fail("assessmentId", "is required") }
        var email = ""
        if let raw = body.candidateEmail, !raw.isEmpty {
            do throws(EmailAddressError) {
                email = try EmailAddressValidator().validate(raw).normalized
            } catch {
                validator.fail("candidateEmail", error.message)
            }
        } else {
            validator.fail("candidateEmail", "is required")
        }
        let name = validator.text(body.candidateName, "candidateName", maxLength: 200, required: false)
        validator.range(body.expiresInHours, "expiresInHours", 1...720)
        try validator.check()
        guard let assessmentID = body.assessmentId else { throw AppError.invalidField("assessmentId", "is required") }

        guard let assessment = try await Assessment.find(assessmentID, on: db) else { throw AppError.notFound("Assessment") }
        try await check(assessment.companyID)
        if let jobID = body.jobId {
            guard let job = try await Job.find(jobID, on: db), job.companyID == assessment.companyID else { throw AppError.notFound("Job") }
        }

        let token = SecretToken.generate()
        let invitation = Invitation()
        invitation.id = UUID()
        invitation.companyID = assessment.companyID
        invitation.assessmentID = assessmentID
        invitation.jobID = body.jobId
        invitation.candidateEmail = email
        invitation.candidateName = name.isEmpty ? nil : name
        invitation.status = .pending
        invitation.tokenHash = SecretToken.hash(token)
        invitation.openKey = "\(assessmentID.lowercased)|\(email.lowercased())"
        invitation.expiresAt = now.addingTimeInterval(Double(body.expiresInHours ?? 168) * 3600).wholeSeconds
        invitation.createdBy = user.id
        invitation.createdAtMicros = now.microsecondsSince1970
        let outbox = makeEmail(for: invitation, assessment: assessment, token: token)

        let services = self.services
        let openKey = invitation.openKey
        do {
            try await db.atomic { tx in
                try await Self.expireOverdue(on: tx, now: now, openKey: openKey)
                if let existing = try await Invitation.query(on: tx).filter(\.$openKey == openKey).first() {
                    throw Self.duplicate(existing.id)
                }
                try await services.billing.consumeOrRefuse(.aiAssessments, userID: user.id, on: tx)
                try await invitation.create(on: tx)
                try await outbox.create(on: tx)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another instance created the same open invitation between our check and insert.
            let existing = try await Invitation.query(on: db).filter(\.$openKey == openKey).first()
            throw Self.duplicate(existing?.id)
        }
        logger.info("invitation created", metadata: [
            "invitation-id": .string(invitation.id?.lowercased ?? ""),
            "to": .string(Redaction.email(email)),
        ])
        return (invitation, outbox)
    }

    private static func duplicate(_ id: UUID?) -> AppError {
        AppError.conflict(
            "This candidate already has an open invitation to this assessment", code: "duplicate_invitation",
            extra: id.map { ["existingId": $0.lowercased] } ?? [:])
    }

    /// The invitation e-mail, with the candidate's one-purpose link.
    private func makeEmail(for invitation: Invitation, assessment: Assessment, token: String) -> OutboxEmail {
        var base = services.config.publicAppURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let link = "\(base)/assessments/invitations/\(invitation.id?.lowercased ?? "")?token=\(token)"
        let greeting = invitation.candidateName.map { "Hello \($0)," } ?? "Hello,"
        let expires = invitation.expiresAt.formatted(.iso8601)
        let text = """
            \(greeting)

            You are invited to take the assessment "\(assessment.title)".
            Open it here: \(link)

            The link is personal and works until \(expires).
            """
        let html = """
            <p>\(Self.escape(greeting))</p><p>You are invited to take the assessment &ldquo;\(Self.escape(assessment.title))&rdquo;.</p>\
            <p><a href="\(Self.escape(link))">Open the assessment</a></p><p>The link is personal and works until \(expires).</p>
            """
        let email = OutboxEmail()
        email.id = UUID()
        email.invitationID = invitation.id
        email.recipient = invitation.candidateEmail
        email.subject = "Your assessment: \(assessment.title)"
        email.textBody = text
        email.htmlBody = html
        email.status = .queued
        email.attempts = 0
        email.nextAttemptAt = now
        email.createdAtMicros = now.microsecondsSince1970
        return email
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    // MARK: Reads

    /// The invitation after applying expiry.
    /// - Throws: 404 when it does not exist.
    func load(_ id: UUID) async throws -> Invitation {
        guard let invitation = try await Invitation.find(id, on: db) else { throw AppError.notFound("Invitation") }
        if invitation.status.isOpen, invitation.expiresAt <= now {
            try await Self.expireOverdue(on: db, now: now, id: id)
            return try await Invitation.find(id, on: db) ?? invitation
        }
        return invitation
    }

    /// Checks the candidate's token against the invitation (constant time).
    /// - Throws: 403 when it is not this invitation's token.
    func requireToken(_ token: String, for invitation: Invitation) throws {
        guard constantTimeEquals(SecretToken.hash(token), invitation.tokenHash) else {
            throw AppError.forbidden("This token does not open this invitation")
        }
    }

    /// Throws 410 for a cancelled or expired invitation.
    func requireNotGone(_ invitation: Invitation) throws {
        switch invitation.status {
        case .expired: throw AppError.gone("This invitation has expired", code: "invitation_expired")
        case .cancelled: throw AppError.gone("This invitation was cancelled")
        default: break
        }
    }

    /// The candidate's read: moves `pending`/`sent` to `opened` the first time.
    func openByCandidate(_ id: UUID, token: String) async throws -> (Invitation, Assessment) {
        var invitation = try await load(id)
        try requireToken(token, for: invitation)
        try requireNotGone(invitation)
        if invitation.status == .pending || invitation.status == .sent {
            try await Invitation.query(on: db).filter(\.$id == id).filter(\.$status ~~ [.pending, .sent])
                .set(\.$status, to: .opened).set(\.$openedAt, to: now).update()
            invitation = try await load(id)
        }
        guard let assessment = try await Assessment.find(invitation.assessmentID, on: db) else { throw AppError.notFound("Assessment") }
        return (invitation, assessment)
    }

    /// Latest e-mail of each invitation, by invitation id.
    func deliveries(for ids: [UUID]) async throws -> [UUID: OutboxEmail] {
        guard !ids.isEmpty else { return [:] }
        let emails = try await OutboxEmail.query(on: db).filter(\.$invitationID ~~ ids).sort(\.$createdAtMicros, .descending).all()
        var latest: [UUID: OutboxEmail] = [:]
        for email in emails { if let id = email.invitationID, latest[id] == nil { latest[id] = email } }
        return latest
    }

    // MARK: Submission

    /// Time allowed past an assessment's `timeLimitMinutes`, counted from the candidate's first
    /// read (`openedAt`), for the page's round trips and clock skew.
    static let timeLimitGraceSeconds: Double = 120

    /// Grades and records the candidate's answers.
    /// - Throws: 403 wrong token, 400 bad answers, 409 already submitted, 410 expired/cancelled,
    ///   410 `time_limit_exceeded` when the assessment's time limit (plus
    ///   `timeLimitGraceSeconds`) has passed since the candidate opened it; the invitation is
    ///   then `expired`.
    func submitByCandidate(_ id: UUID, token: String, answers: [SubmittedAnswer]) async throws -> Invitation {
        let invitation = try await load(id)
        try requireToken(token, for: invitation)
        try requireOpenForSubmission(invitation)
        guard let assessment = try await Assessment.find(invitation.assessmentID, on: db) else { throw AppError.notFound("Assessment") }
        if let minutes = assessment.timeLimitMinutes, let openedAt = invitation.openedAt,
           now > openedAt.addingTimeInterval(Double(minutes) * 60 + Self.timeLimitGraceSeconds) {
            try await Self.markExpired(Invitation.query(on: db).filter(\.$id == id).filter(\.$status ~~ InvitationStatus.open), now: now)
            throw AppError.gone("The assessment's time limit of \(minutes) minutes has passed", code: "time_limit_exceeded")
        }
        let grade = try AssessmentGrader().grade(answers, questions: assessment.questions, passingScore: assessment.passingScore)
        return try await complete(id, score: grade.score, rawScore: grade.rawScore, maxScore: grade.maxScore, passed: grade.passed,
                                  gradedBy: "candidate", scoredBy: nil, answers: answers)
    }

    /// Records a member's external score (0...100, rounded to a whole number, halves to even)
    /// and who gave it (`scored_by`).
    func submitByMember(_ invitation: Invitation, score: Double, by member: AuthenticatedUser) async throws -> Invitation {
        guard score.isFinite, (0...100).contains(score) else { throw AppError.invalidField("score", "must be a number from 0 to 100") }
        try requireOpenForSubmission(invitation)
        let assessment = try await Assessment.find(invitation.assessmentID, on: db)
        let whole = Int(score.rounded(.toNearestOrEven))
        let passed = assessment?.passingScore.map { whole >= $0 }
        return try await complete(try invitation.requireID(), score: whole, rawScore: nil, maxScore: nil, passed: passed, gradedBy: "member",
                                  scoredBy: member.id, answers: nil)
    }

    private func requireOpenForSubmission(_ invitation: Invitation) throws {
        if invitation.status == .completed {
            throw AppError.conflict("This invitation was already submitted", code: "already_submitted")
        }
        try requireNotGone(invitation)
    }

    private func complete(_ id: UUID, score: Int?, rawScore: Double?, maxScore: Double?, passed: Bool?, gradedBy: String, scoredBy: UUID?,
                          answers: [SubmittedAnswer]?) async throws -> Invitation {
        var update = try db.sql.update(Invitation.schema)
            .set("status", to: SQLBind(InvitationStatus.completed.rawValue))
            .set("open_key", to: SQLLiteral.null)
            .set("completed_at", to: SQLBind(now))
            .set("updated_at", to: SQLBind(now))
            .set("score", to: SQLBind(score))
            .set("raw_score", to: SQLBind(rawScore))
            .set("max_score", to: SQLBind(maxScore))
            .set("passed", to: SQLBind(passed))
            .set("graded_by", to: SQLBind(gradedBy))
            .set("scored_by", to: SQLBind(scoredBy))
        if let answers { update = update.set("answers", to: SQLBind(JSONList(items: answers))) }
        let won = try await update
            .where("id", .equal, SQLBind(id))
            .where("status", .in, SQLBind.group(openStatuses))
            .where("expires_at", .greaterThan, SQLBind(now))
            .returning("id")
            .all()
        let current = try await load(id)
        guard won.count == 1 else {
            // Lost a race, or expired in the meantime: answer with the state that won.
            try requireOpenForSubmission(current)
            throw AppError.conflict("This invitation can no longer be submitted (\(current.status.rawValue))", code: "invalid_state_transition")
        }
        logger.info("invitation completed", metadata: ["invitation-id": .string(id.lowercased), "graded-by": .string(gradedBy)])
        return current
    }

    // MARK: Cancel, resend, expiry

    /// Cancels an open invitation and withdraws its unsent e-mail.
    /// - Throws: 409 `invalid_state_transition` naming the current state when it is final.
    func cancel(_ invitation: Invitation) async throws -> Invitation {
        let id = try invitation.requireID()
        let statuses = openStatuses
        let won = try await db.atomic { tx in
            let rows = try await tx.sql.update(Invitation.schema)
                .set("status", to: SQLBind(InvitationStatus.cancelled.rawValue))
                .set("open_key", to: SQLLiteral.null)
                .set("cancelled_at", to: SQLBind(now))
                .set("updated_at", to: SQLBind(now))
                .where("id", .equal, SQLBind(id))
                .where("status", .in, SQLBind.group(statuses))
                .returning("id")
                .all()
            if rows.count == 1 { try await Self.withdrawQueuedEmails(of: id, reason: "invitation cancelled before sending", on: tx) }
            return rows.count == 1
        }
        let current = try await load(id)
        guard won else {
            throw AppError.conflict("Cannot cancel an invitation that is \(current.status.rawValue)", code: "invalid_state_transition")
        }
        logger.info("invitation cancelled", metadata: ["invitation-id": .string(id.lowercased)])
        return current
    }

    /// Rotates the invitation's token (the old link stops working) and queues the e-mail again.
    /// - Throws: 409 when the invitation is completed; 410 when expired or cancelled.
    func resend(_ invitation: Invitation) async throws -> (Invitation, OutboxEmail) {
        let id = try invitation.requireID()
        try requireOpenForSubmission(invitation)
        guard let assessment = try await Assessment.find(invitation.assessmentID, on: db) else { throw AppError.notFound("Assessment") }
        let token = SecretToken.generate()
        let email = makeEmail(for: invitation, assessment: assessment, token: token)
        let statuses = openStatuses
        let now = self.now
        let won = try await db.atomic { tx in
            let rows = try await tx.sql.update(Invitation.schema)
                .set("token_hash", to: SQLBind(SecretToken.hash(token)))
                .set("updated_at", to: SQLBind(now))
                .where("id", .equal, SQLBind(id))
                .where("status", .in, SQLBind.group(statuses))
                .where("expires_at", .greaterThan, SQLBind(now))
                .returning("id")
                .all()
            guard rows.count == 1 else { return false }
            try await Self.withdrawQueuedEmails(of: id, reason: "superseded by a resend", on: tx)
            try await email.create(on: tx)
            return true
        }
        let current = try await load(id)
        guard won else {
            try requireOpenForSubmission(current)
            throw AppError.conflict("Cannot resend an invitation that is \(current.status.rawValue)", code: "invalid_state_transition")
        }
        logger.info("invitation resent", metadata: ["invitation-id": .string(id.lowercased)])
        return (current, email)
    }

    private static func withdrawQueuedEmails(of invitationID: UUID, reason: String, on db: any Database) async throws {
        try await OutboxEmail.query(on: db).filter(\.$invitationID == invitationID).filter(\.$status == .queued)
            .set(\.$status, to: .failed).set(\.$lastError, to: reason)
            .set(\.$textBody, to: nil).set(\.$htmlBody, to: nil)
            .update()
    }

    /// Moves open invitations past their expiry to `expired`: all (the sweep), one, those with
    /// `openKey`, or those of `companyIDs`.
    static func expireOverdue(on db: any Database, now: Date, id: UUID? = nil, openKey: String? = nil, companyIDs: [UUID]? = nil) async throws {
        if let companyIDs, companyIDs.isEmpty { return }
        var query = Invitation.query(on: db)
            .filter(\.$status ~~ InvitationStatus.open)
            .filter(\.$expiresAt <= now)
        if let companyIDs { query = query.filter(\.$companyID ~~ companyIDs) }
        if let id { query = query.filter(\.$id == id) }
        if let openKey { query = query.filter(\.$openKey == openKey) }
        try await markExpired(query, now: now)
    }

    /// Moves the invitations `query` selects (open ones) to `expired`, freeing their open key.
    private static func markExpired(_ query: QueryBuilder<Invitation>, now: Date) async throws {
        try await query.set(\.$status, to: .expired).set(\.$openKey, to: nil).set(\.$updatedAt, to: now).update()
    }
}
