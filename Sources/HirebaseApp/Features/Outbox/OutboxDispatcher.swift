import Fluent
import Foundation
import Logging

/// Delivers queued e-mails from the outbox with retries and exponential backoff.
///
/// Safe with many instances: a row is claimed by one conditional `UPDATE` (`locked_until` in the
/// future), so two instances never send the same message at once; a claim left by a killed
/// process lapses after `lease` and the message is tried again (at-least-once delivery).
public struct OutboxDispatcher: Sendable {
    let sender: any EmailSending
    let from: String
    let maxAttempts: Int
    let retryBaseSeconds: Double
    let lease: TimeInterval
    let clock: WallClock
    let logger: Logger
    let store = OutboxStore()
    let invitations = InvitationStore()

    /// - Parameters:
    ///   - retryBaseSeconds: the first retry's delay; each further one doubles (at most an hour).
    ///   - lease: seconds a claim holds a message before another instance may try it.
    ///   - clock: the time source; the clock is read again at each claim and failure, so a claim
    ///     made late in a slow batch gets a full lease and a retry its full backoff.
    public init(sender: any EmailSending, from: String, maxAttempts: Int, retryBaseSeconds: Double, lease: TimeInterval = 120,
                clock: WallClock, logger: Logger) {
        self.sender = sender
        self.from = from
        self.maxAttempts = maxAttempts
        self.retryBaseSeconds = retryBaseSeconds
        self.lease = lease
        self.clock = clock
        self.logger = logger
    }

    /// Tries every message that is due now (at most `batch`).
    /// - Returns: how many messages were attempted.
    @discardableResult
    public func deliverDue(on db: any Database, batch: Int = 20) async throws -> Int {
        let due = try await store.dueIDs(at: clock.now(), limit: batch, on: db)
        var attempted = 0
        for id in due {
            let now = clock.now()
            guard try await store.claim(id, at: now, until: now.addingTimeInterval(lease), on: db),
                  let email = try await store.find(id, on: db) else { continue }
            attempted += 1
            await deliver(email, on: db)
        }
        return attempted
    }

    private func deliver(_ email: OutboxEmail, on db: any Database) async {
        let message = EmailMessage(from: from, to: email.recipient, subject: email.subject, text: email.textBody ?? "", html: email.htmlBody)
        var metadata: Logger.Metadata = [
            "outbox-id": .string(email.id?.lowercased ?? ""),
            "to": .string(Redaction.email(email.recipient)),
            "attempt": .stringConvertible(email.attempts),
        ]
        if let invitation = email.invitationID { metadata["invitation-id"] = .string(invitation.lowercased) }
        do {
            let providerID = try await sender.send(message)
            email.status = .sent
            email.sentAt = clock.now()
            email.providerMessageID = providerID
            email.lockedUntil = nil
            email.lastError = nil
            email.textBody = nil
            email.htmlBody = nil
            try await store.save(email, on: db)
            if let invitationID = email.invitationID {
                try await invitations.markSent(invitationID, on: db)
            }
            logger.info("e-mail sent", metadata: metadata)
        } catch let failure as EmailDeliveryError {
            await record(failure, for: email, on: db, now: clock.now(), metadata: metadata)
        } catch {
            // A database error after a successful send: the lease lapses and the message is
            // retried, so the candidate may get it twice but never zero times.
            metadata["error"] = .string(String(describing: error))
            logger.error("e-mail state could not be saved", metadata: metadata)
        }
    }

    private func record(_ failure: EmailDeliveryError, for email: OutboxEmail, on db: any Database, now: Date, metadata: Logger.Metadata) async {
        var metadata = metadata
        let safe = Self.safeText(failure.message)
        metadata["error"] = .string(safe)
        email.lastError = safe
        email.lockedUntil = nil
        if failure.retryable, email.attempts < maxAttempts {
            let delay = min(retryBaseSeconds * pow(2, Double(email.attempts - 1)), 3600)
            email.nextAttemptAt = now.addingTimeInterval(delay)
            logger.warning("e-mail send failed; will retry", metadata: metadata.merging(["retry-in-s": .stringConvertible(delay)]) { $1 })
        } else {
            email.status = .failed
            email.textBody = nil
            email.htmlBody = nil
            logger.error("e-mail delivery failed for good", metadata: metadata)
        }
        do {
            try await store.save(email, on: db)
        } catch {
            logger.error("e-mail failure could not be saved", metadata: metadata)
        }
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
