import BillingCore
import Fluent
import Foundation
import Logging

/// The invitation lifecycle: creation with its e-mail in the outbox, the candidate's reads and
/// submission, a member's external score, cancellation, resending and expiry.
///
/// Every state change is one conditional `UPDATE ... WHERE status IN (open states)`, so that of
/// two concurrent requests — on any instances — exactly one changes the state and the other sees
/// the final state (409/410).
struct InvitationService: Sendable {
    let store: InvitationStore
    let outbox: OutboxStore
    /// Consumes the `ai_assessments` allowance of the plan.
    let usage: any UsageMetering
    /// The frontend's origin: the candidate's link points there.
    let publicAppURL: URL
    let clock: WallClock
    /// Queues the AI grading of a submission with AI-graded questions (`AnswerGradingService`).
    let grading: AnswerGradingQueue

    // MARK: Creation

    /// Consumes the `ai_assessments` allowance and stores the invitation with its e-mail, in one
    /// transaction.
    /// - Parameter authorize: checks the caller's role in the assessment's company (throws 403/404).
    /// - Throws: 404 unknown assessment or job, 403 role, 409 `assessment_draft` (a draft is sent
    ///   only once published), 402 plan limit, 409 duplicate.
    func create(_ input: NewInvitation, by user: AuthenticatedUser, authorize: (UUID) async throws -> Void,
                on db: any Database, logger: Logger) async throws -> (Invitation, OutboxEmail) {
        guard let assessment = try await store.assessment(input.assessmentID, on: db) else { throw AppError.notFound("Assessment") }
        try await authorize(assessment.companyID)
        guard assessment.status == .published else {
            throw AppError.conflict("This assessment is a draft: publish it before sending it", code: "assessment_draft")
        }
        if let jobID = input.jobID {
            guard let job = try await store.job(jobID, on: db), job.companyID == assessment.companyID else { throw AppError.notFound("Job") }
        }

        let now = clock.now()
        let token = SecretToken.generate()
        let invitation = Invitation()
        invitation.id = UUID()
        invitation.companyID = assessment.companyID
        invitation.assessmentID = input.assessmentID
        invitation.jobID = input.jobID
        invitation.candidateEmail = input.candidateEmail
        invitation.candidateName = input.candidateName
        invitation.status = .pending
        invitation.tokenHash = SecretToken.hash(token)
        invitation.openKey = "\(input.assessmentID.lowercased)|\(EmailLookupKey.of(input.candidateEmail))"
        invitation.expiresAt = now.addingTimeInterval(Double(input.expiresInHours) * 3600).wholeSeconds
        invitation.createdBy = user.id
        invitation.createdAtMicros = now.microsecondsSince1970
        let email = makeEmail(for: invitation, assessment: assessment, token: token, now: now)

        let (store, outbox, usage) = (self.store, self.outbox, self.usage)
        let openKey = invitation.openKey
        do {
            try await db.atomic { tx in
                try await store.expireOverdue(at: now, openKey: openKey, on: tx)
                if let existing = try await store.findOpen(openKey: openKey ?? "", on: tx) {
                    throw Self.duplicate(existing.id)
                }
                try await usage.consumeOrRefuse(.aiAssessments, userID: user.id, on: tx)
                try await store.insert(invitation, on: tx)
                try await outbox.insert(email, on: tx)
            }
            usage.usageChanged(of: user.id)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another instance created the same open invitation between our check and insert.
            let existing = try await store.findOpen(openKey: openKey ?? "", on: db)
            throw Self.duplicate(existing?.id)
        }
        logger.info("invitation created", metadata: [
            "invitation-id": .string(invitation.id?.lowercased ?? ""),
            "to": .string(Redaction.email(input.candidateEmail)),
        ])
        return (invitation, email)
    }

    private static func duplicate(_ id: UUID?) -> AppError {
        AppError.conflict(
            "This candidate already has an open invitation to this assessment", code: "duplicate_invitation",
            extra: id.map { ["existingId": $0.lowercased] } ?? [:])
    }

    /// The invitation e-mail (or its reminder), with the candidate's one-purpose link.
    private func makeEmail(for invitation: Invitation, assessment: Assessment, token: String, now: Date, reminder: Bool = false) -> OutboxEmail {
        var base = publicAppURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let link = "\(base)/assessments/invitations/\(invitation.id?.lowercased ?? "")?token=\(token)"
        let greeting = invitation.candidateName.map { "Hello \($0)," } ?? "Hello,"
        let expires = invitation.expiresAt.formatted(.iso8601)
        let invited = reminder
            ? "A reminder: your invitation to take the assessment \"\(assessment.title)\" expires soon."
            : "You are invited to take the assessment \"\(assessment.title)\"."
        let text = """
            \(greeting)

            \(invited)
            Open it here: \(link)

            The link is personal and works until \(expires).
            """
        let html = """
            <p>\(Self.escape(greeting))</p><p>\(Self.escape(invited))</p>\
            <p><a href="\(Self.escape(link))">Open the assessment</a></p><p>The link is personal and works until \(expires).</p>
            """
        let email = OutboxEmail()
        email.id = UUID()
        email.invitationID = invitation.id
        email.recipient = invitation.candidateEmail
        email.subject = (reminder ? "Reminder: " : "Your assessment: ") + assessment.title
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
    func load(_ id: UUID, on db: any Database) async throws -> Invitation {
        guard let invitation = try await store.find(id, on: db) else { throw AppError.notFound("Invitation") }
        let now = clock.now()
        if invitation.status.isOpen, invitation.expiresAt <= now {
            try await store.expireOverdue(at: now, id: id, on: db)
            return try await store.find(id, on: db) ?? invitation
        }
        return invitation
    }

    /// Checks the candidate's token against the invitation (constant time).
    /// - Throws: 403 when it is not this invitation's token.
    /// The first link's token and the reminder's both open it.
    func requireToken(_ token: String, for invitation: Invitation) throws {
        let hash = SecretToken.hash(token)
        let first = constantTimeEquals(hash, invitation.tokenHash)
        let reminder = invitation.reminderTokenHash.map { constantTimeEquals(hash, $0) } ?? false
        guard first || reminder else {
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
    func openByCandidate(_ id: UUID, token: String, on db: any Database) async throws -> (Invitation, Assessment) {
        var invitation = try await load(id, on: db)
        try requireToken(token, for: invitation)
        try requireNotGone(invitation)
        if invitation.status == .pending || invitation.status == .sent {
            try await store.markOpened(id, at: clock.now(), on: db)
            invitation = try await load(id, on: db)
        }
        guard let assessment = try await store.assessment(invitation.assessmentID, on: db) else { throw AppError.notFound("Assessment") }
        return (invitation, assessment)
    }

    /// Latest e-mail of each invitation, by invitation id.
    func deliveries(for ids: [UUID], on db: any Database) async throws -> [UUID: OutboxEmail] {
        try await outbox.latest(for: ids, on: db)
    }

    /// One page of the invitations `filter` selects, each with its latest e-mail (`delivery`). Expiry is
    /// applied first to the companies the filter names (never across tenants per request; a
    /// platform admin's unrestricted list relies on the periodic sweep).
    func list(_ filter: InvitationStore.ListFilter, page: PageRequest, on db: any Database) async throws -> (items: [InvitationDTO], nextCursor: String?) {
        if let companies = filter.companyIDs {
            try await store.expireOverdue(at: clock.now(), companyIDs: companies, on: db)
        }
        var (items, next) = try await store.page(filter, page, on: db)
        let ids = items.compactMap { UUID(uuidString: $0.id) }
        let deliveries = try await outbox.latest(for: ids, on: db)
        // Grades exist only on completed invitations: a page without one costs no extra query.
        let completed = items.filter { $0.status == InvitationStatus.completed.rawValue }.compactMap { UUID(uuidString: $0.id) }
        let grades = try await store.questionGrades(for: completed, on: db)
        for index in items.indices {
            let id = UUID(uuidString: items[index].id)
            items[index].delivery = id.flatMap { deliveries[$0] }.map(DeliveryDTO.init)
            let given = id.flatMap { grades[$0] }
            if items[index].grading != nil || given != nil { items[index].grades = (given ?? []).map(QuestionGradeDTO.init) }
        }
        return (items, next)
    }

    /// Moves every open invitation past its expiry to `expired` (the periodic sweep).
    func expireOverdue(on db: any Database) async throws {
        try await store.expireOverdue(at: clock.now(), on: db)
    }

    // MARK: Reminders

    /// Queues one reminder e-mail, with a fresh link, for each open invitation that expires
    /// within `lead` seconds and has had none (the `invitations.remind` job). Each is recorded
    /// and queued in one transaction, so none is sent twice and none is lost; one whose
    /// invitation is completed or cancelled before it goes out is withdrawn by the delivery.
    /// An invitation shorter than `lead` gets its reminder at the first sweep.
    /// - Returns: how many reminders were queued.
    @discardableResult
    func queueDueReminders(lead: TimeInterval, batch: Int = 200, on db: any Database, logger: Logger) async throws -> Int {
        guard lead > 0 else { return 0 }
        let now = clock.now()
        var titles: [UUID: Assessment] = [:]
        var queued = 0
        let (store, outbox) = (self.store, self.outbox)
        for invitation in try await store.dueForReminder(at: now, until: now.addingTimeInterval(lead), limit: batch, on: db) {
            let id = try invitation.requireID()
            if titles[invitation.assessmentID] == nil { titles[invitation.assessmentID] = try await store.assessment(invitation.assessmentID, on: db) }
            guard let assessment = titles[invitation.assessmentID] else { continue }
            let token = SecretToken.generate()
            let email = makeEmail(for: invitation, assessment: assessment, token: token, now: now, reminder: true)
            let won = try await db.atomic { tx in
                guard try await store.recordReminder(id, tokenHash: SecretToken.hash(token), at: now, on: tx) else { return false }
                try await outbox.insert(email, on: tx)
                return true
            }
            if won {
                queued += 1
                logger.info("invitation reminder queued", metadata: ["invitation-id": .string(id.lowercased)])
            }
        }
        return queued
    }

    // MARK: Submission

    /// Time allowed past an assessment's `timeLimitMinutes`, counted from the candidate's first
    /// read (`openedAt`), for the page's round trips and clock skew.
    static let timeLimitGraceSeconds: Double = 120

    /// Grades and records the candidate's answers.
    ///
    /// When the assessment has AI-graded questions (`AssessmentQuestion.isAIGraded`) and a
    /// provider is configured, the invitation is completed with `grading` `pending` and no grade yet (`score`, `rawScore`,
    /// `maxScore`, `passed` all `nil`), and the grading job is queued in the same transaction;
    /// the grade is set when every such question is graded (`AnswerGradingService`).
    /// - Throws: 403 wrong token, 400 bad answers, 409 already submitted, 410 expired/cancelled,
    ///   410 `time_limit_exceeded` when the assessment's time limit (plus
    ///   `timeLimitGraceSeconds`) has passed since the candidate opened it; the invitation is
    ///   then `expired`.
    func submitByCandidate(_ id: UUID, token: String, answers: [SubmittedAnswer], on db: any Database, logger: Logger) async throws -> Invitation {
        let invitation = try await load(id, on: db)
        try requireToken(token, for: invitation)
        try requireOpenForSubmission(invitation)
        guard let assessment = try await store.assessment(invitation.assessmentID, on: db) else { throw AppError.notFound("Assessment") }
        let now = clock.now()
        if let minutes = assessment.timeLimitMinutes, let openedAt = invitation.openedAt,
           now > openedAt.addingTimeInterval(Double(minutes) * 60 + Self.timeLimitGraceSeconds) {
            try await store.expire(id, at: now, on: db)
            throw AppError.gone("The assessment's time limit of \(minutes) minutes has passed", code: "time_limit_exceeded")
        }
        let grade = try AssessmentGrader().grade(answers, questions: assessment.questions, passingScore: assessment.passingScore)
        if grading.isAvailable, assessment.questions.contains(where: \.isAIGraded) {
            return try await complete(id, with: .init(score: nil, rawScore: nil, maxScore: nil, passed: nil, gradedBy: "candidate", scoredBy: nil,
                                                      answers: answers, grading: .pending), on: db, logger: logger)
        }
        return try await complete(id, with: .init(score: grade.score, rawScore: grade.rawScore, maxScore: grade.maxScore, passed: grade.passed,
                                                  gradedBy: "candidate", scoredBy: nil, answers: answers), on: db, logger: logger)
    }

    /// Records a member's external score (0...100, rounded to a whole number, halves to even)
    /// and who gave it (`scored_by`).
    func submitByMember(_ invitation: Invitation, score: Double, by member: AuthenticatedUser, on db: any Database, logger: Logger) async throws -> Invitation {
        guard score.isFinite, (0...100).contains(score) else { throw AppError.invalidField("score", "must be a number from 0 to 100") }
        try requireOpenForSubmission(invitation)
        let assessment = try await store.assessment(invitation.assessmentID, on: db)
        let whole = Int(score.rounded(.toNearestOrEven))
        let passed = assessment?.passingScore.map { whole >= $0 }
        return try await complete(try invitation.requireID(), with: .init(score: whole, rawScore: nil, maxScore: nil, passed: passed,
                                                                          gradedBy: "member", scoredBy: member.id, answers: nil), on: db, logger: logger)
    }

    private func requireOpenForSubmission(_ invitation: Invitation) throws {
        if invitation.status == .completed {
            throw AppError.conflict("This invitation was already submitted", code: "already_submitted")
        }
        try requireNotGone(invitation)
    }

    /// Records `completion`; with `grading` `pending`, queues the grading job in the same transaction.
    private func complete(_ id: UUID, with completion: InvitationStore.Completion, on db: any Database, logger: Logger) async throws -> Invitation {
        let won: Bool
        if completion.grading == .pending {
            let (store, grading, now) = (self.store, self.grading, clock.now())
            won = try await db.atomic { tx in
                guard try await store.complete(id, with: completion, at: now, on: tx) else { return false }
                try await grading.queue(id, now: now, on: tx)
                return true
            }
        } else {
            won = try await store.complete(id, with: completion, at: clock.now(), on: db)
        }
        let current = try await load(id, on: db)
        guard won else {
            // Lost a race, or expired in the meantime: answer with the state that won.
            try requireOpenForSubmission(current)
            throw AppError.conflict("This invitation can no longer be submitted (\(current.status.rawValue))", code: "invalid_state_transition")
        }
        logger.info("invitation completed", metadata: ["invitation-id": .string(id.lowercased), "graded-by": .string(completion.gradedBy)])
        return current
    }

    // MARK: Cancel, resend, expiry

    /// Cancels an open invitation and withdraws its unsent e-mail.
    /// - Throws: 409 `invalid_state_transition` naming the current state when it is final.
    func cancel(_ invitation: Invitation, on db: any Database, logger: Logger) async throws -> Invitation {
        let id = try invitation.requireID()
        let (store, outbox, now) = (self.store, self.outbox, clock.now())
        let won = try await db.atomic { tx in
            let won = try await store.cancel(id, at: now, on: tx)
            if won { try await outbox.withdrawQueued(of: id, reason: "invitation cancelled before sending", on: tx) }
            return won
        }
        let current = try await load(id, on: db)
        guard won else {
            throw AppError.conflict("Cannot cancel an invitation that is \(current.status.rawValue)", code: "invalid_state_transition")
        }
        logger.info("invitation cancelled", metadata: ["invitation-id": .string(id.lowercased)])
        return current
    }

    /// Rotates the invitation's token (the old link stops working) and queues the e-mail again.
    /// - Throws: 409 when the invitation is completed; 410 when expired or cancelled.
    func resend(_ invitation: Invitation, on db: any Database, logger: Logger) async throws -> (Invitation, OutboxEmail) {
        let id = try invitation.requireID()
        try requireOpenForSubmission(invitation)
        guard let assessment = try await store.assessment(invitation.assessmentID, on: db) else { throw AppError.notFound("Assessment") }
        let token = SecretToken.generate()
        let now = clock.now()
        let email = makeEmail(for: invitation, assessment: assessment, token: token, now: now)
        let (store, outbox) = (self.store, self.outbox)
        let won = try await db.atomic { tx in
            guard try await store.rotateToken(id, tokenHash: SecretToken.hash(token), at: now, on: tx) else { return false }
            try await outbox.withdrawQueued(of: id, reason: "superseded by a resend", on: tx)
            try await outbox.insert(email, on: tx)
            return true
        }
        let current = try await load(id, on: db)
        guard won else {
            try requireOpenForSubmission(current)
            throw AppError.conflict("Cannot resend an invitation that is \(current.status.rawValue)", code: "invalid_state_transition")
        }
        logger.info("invitation resent", metadata: ["invitation-id": .string(id.lowercased)])
        return (current, email)
    }
}
