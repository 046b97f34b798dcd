import Fluent
import Foundation
import SQLKit

/// Every query of the e-mail outbox (`outbox_emails`).
struct OutboxStore: Sendable {
    /// Attempts of a delivery job before it is `dead` and its message `failed` (`EMAIL_MAX_ATTEMPTS`).
    var deliveryAttempts = 6

    /// Queues a message and its delivery job (`email.deliver`, keyed by the message id), inside
    /// the caller's transaction with the change that causes it: both are stored, or neither.
    func insert(_ email: OutboxEmail, on db: any Database) async throws {
        try await email.create(on: db)
        let id = try email.requireID()
        try await BackgroundJobStore().enqueue(kind: OutboxDispatcher.kind, payload: OutboxDispatcher.payload(for: id),
                                               uniqueKey: "email:" + id.lowercased, maxAttempts: deliveryAttempts,
                                               runAt: email.nextAttemptAt, now: email.nextAttemptAt, on: db)
    }

    /// The message with this id.
    func find(_ id: UUID, on db: any Database) async throws -> OutboxEmail? {
        try await OutboxEmail.find(id, on: db)
    }

    /// Saves a message's delivery state.
    func save(_ email: OutboxEmail, on db: any Database) async throws {
        try await email.update(on: db)
    }

    /// Withdraws one queued message: `failed` with `reason`, its body (and link) dropped.
    func withdraw(_ email: OutboxEmail, reason: String, on db: any Database) async throws {
        email.status = .failed
        email.lastError = reason
        email.textBody = nil
        email.htmlBody = nil
        try await email.update(on: db)
    }

    /// Marks the invitation's unsent messages failed with `reason` and drops their bodies (the
    /// link in them no longer works).
    func withdrawQueued(of invitationID: UUID, reason: String, on db: any Database) async throws {
        try await OutboxEmail.query(on: db).filter(\.$invitationID == invitationID).filter(\.$status == .queued)
            .set(\.$status, to: .failed).set(\.$lastError, to: reason)
            .set(\.$textBody, to: nil).set(\.$htmlBody, to: nil)
            .update()
    }

    /// The latest message of each invitation, by invitation id.
    func latest(for invitationIDs: [UUID], on db: any Database) async throws -> [UUID: OutboxEmail] {
        guard !invitationIDs.isEmpty else { return [:] }
        let emails = try await OutboxEmail.query(on: db).filter(\.$invitationID ~~ invitationIDs).sort(\.$createdAtMicros, .descending).all()
        var latest: [UUID: OutboxEmail] = [:]
        for email in emails { if let id = email.invitationID, latest[id] == nil { latest[id] = email } }
        return latest
    }
}
