import Fluent
import Foundation
import Logging

/// Delivers one e-mail of the outbox: the `email.deliver` job, queued with the message in the
/// same transaction (`OutboxStore.insert`), retried with backoff by the job queue.
///
/// Each message is sent with its outbox id as the provider's idempotency key (Resend's
/// `Idempotency-Key`), so a run repeated after a crash or a lapsed lease is not delivered twice.
/// A message whose invitation is no longer open (completed, cancelled, expired or past its expiry)
/// is withdrawn instead of sent: no reminder reaches a candidate who has finished.
public struct OutboxDispatcher: Sendable {
    /// The job kind's name.
    public static let kind = "email.deliver"

    let sender: any EmailSending
    let from: String
    let clock: WallClock
    let logger: Logger
    let store = OutboxStore()
    let invitations = InvitationStore()
    /// Where attempts' outcomes are counted (`hirebase_outbox_deliveries_total{outcome}`).
    let metrics: OutboxMetrics

    /// - Parameter metrics: the app's (`HirebaseMetrics.outbox`); by default counted nowhere.
    init(sender: any EmailSending, from: String, clock: WallClock, logger: Logger, metrics: OutboxMetrics = .discarded) {
        self.sender = sender
        self.from = from
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// The job's input: `{"outboxId": "<uuid>"}`.
    struct Payload: Codable {
        var outboxId: UUID

        /// The payload in a job's JSON text; `nil` when absent or not of this shape.
        init?(json: String?) {
            guard let json, let decoded = try? JSONDecoder().decode(Payload.self, from: Data(json.utf8)) else { return nil }
            self = decoded
        }
    }

    /// The payload of the delivery job of message `id`.
    static func payload(for id: UUID) -> String {
        #"{"outboxId":""# + id.lowercased + #""}"#
    }

    /// The job kind, with the e-mail settings' retry policy.
    func jobKind(maxAttempts: Int, retryBaseSeconds: Double) -> BackgroundJobKind {
        BackgroundJobKind(name: Self.kind, maxAttempts: maxAttempts, retryBaseSeconds: retryBaseSeconds) { job, db in
            try await deliver(job, on: db)
        }
    }

    /// One delivery attempt of the job's message.
    /// - Throws: `BackgroundJobFailure`: retryable for network trouble, 429 and 5xx (the message
    ///   stays `queued` with its error in `delivery.lastError`); final when the provider refused
    ///   it or this was the last attempt (the message becomes `failed`).
    func deliver(_ job: ClaimedJob, on db: any Database) async throws {
        guard let input = Payload(json: job.payload) else {
            throw BackgroundJobFailure("payload is not {\"outboxId\": uuid}", retryable: false)
        }
        // Gone, sent or withdrawn since: nothing to do.
        guard let email = try await store.find(input.outboxId, on: db), email.status == .queued else { return }
        var metadata: Logger.Metadata = [
            "outbox-id": .string(input.outboxId.lowercased),
            "to": .string(Redaction.email(email.recipient)),
            "attempt": .stringConvertible(job.attempt),
        ]
        if let invitationID = email.invitationID {
            metadata["invitation-id"] = .string(invitationID.lowercased)
            // Past its expiry counts as expired even before the sweep has marked it: its link no
            // longer works (a delivery retried for hours, a reminder queued just before expiry).
            if let invitation = try await invitations.find(invitationID, on: db),
               !invitation.status.isOpen || invitation.expiresAt <= clock.now() {
                let state = invitation.status.isOpen ? InvitationStatus.expired.rawValue : invitation.status.rawValue
                try await store.withdraw(email, reason: "invitation \(state) before sending", on: db)
                metrics.record(.withdrawn)
                logger.info("e-mail withdrawn: invitation no longer open", metadata: metadata)
                return
            }
        }
        email.attempts = job.attempt
        let message = EmailMessage(from: from, to: email.recipient, subject: email.subject, text: email.textBody ?? "", html: email.htmlBody,
                                   idempotencyKey: input.outboxId.lowercased)
        let providerID: String?
        do throws(EmailDeliveryError) {
            providerID = try await sender.send(message)
        } catch {
            // Interrupted by a shutdown: not the provider's answer; the message stays as it was
            // (its job is released and runs again).
            if Task.isCancelled { throw CancellationError() }
            let final = !error.retryable || job.isFinalAttempt
            try await record(error, for: email, final: final, on: db, metadata: metadata)
            metrics.record(final ? .failed : .retried)
            throw BackgroundJobFailure(Self.safeText(error.message), retryable: error.retryable)
        }
        email.status = .sent
        email.sentAt = clock.now()
        email.providerMessageID = providerID
        email.lastError = nil
        email.textBody = nil
        email.htmlBody = nil
        // A failure to save from here is retried; the idempotency key keeps the retry from
        // delivering the message again.
        try await store.save(email, on: db)
        if let invitationID = email.invitationID {
            try await invitations.markSent(invitationID, on: db)
        }
        metrics.record(.sent)
        logger.info("e-mail sent", metadata: metadata)
    }

    private func record(_ failure: EmailDeliveryError, for email: OutboxEmail, final: Bool, on db: any Database, metadata: Logger.Metadata) async throws {
        var metadata = metadata
        let safe = Self.safeText(failure.message)
        metadata["error"] = .string(safe)
        email.lastError = safe
        if final {
            email.status = .failed
            email.textBody = nil
            email.htmlBody = nil
            logger.error("e-mail delivery failed for good", metadata: metadata)
        } else {
            logger.warning("e-mail send failed; will retry", metadata: metadata)
        }
        try await store.save(email, on: db)
    }
}

extension OutboxDispatcher {
    /// A provider's error text as stored and shown in `delivery.lastError`: e-mail addresses
    /// masked (a provider may echo the request), at most 200 characters.
    static func safeText(_ text: String) -> String {
        let masked = text.replacing(/[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+/) { match in Redaction.email(String(match.output)) }
        return String(masked.prefix(200))
    }
}
