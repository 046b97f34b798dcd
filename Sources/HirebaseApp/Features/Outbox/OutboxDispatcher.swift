import Fluent
import Foundation
import Logging
import SQLKit

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
    let logger: Logger

    public init(sender: any EmailSending, from: String, maxAttempts: Int, retryBaseSeconds: Double, lease: TimeInterval = 120, logger: Logger) {
        self.sender = sender
        self.from = from
        self.maxAttempts = maxAttempts
        self.retryBaseSeconds = retryBaseSeconds
        self.lease = lease
        self.logger = logger
    }

    /// Tries every message that is due now (at most `batch`).
    /// - Returns: how many messages were attempted.
    @discardableResult
    public func deliverDue(on db: any Database, now: Date = Date(), batch: Int = 20) async throws -> Int {
        // `now` may be a simulated instant (tests); the clock still advances with real time
        // during the batch, so a claim made late in a slow batch gets a full lease and a retry
        // its full backoff.
        let offset = now.timeIntervalSince(Date())
        let clock = { Date().addingTimeInterval(offset) }
        let due = try await OutboxEmail.query(on: db)
            .filter(\.$status == .queued)
            .filter(\.$nextAttemptAt <= now)
            .group(.or) { $0.filter(\.$lockedUntil == nil).filter(\.$lockedUntil < now) }
            .sort(\.$nextAttemptAt)
            .limit(batch)
            .all(\.$id)
        var attempted = 0
        for id in due {
            guard try await claim(id, on: db, now: clock()), let email = try await OutboxEmail.find(id, on: db) else { continue }
            attempted += 1
            await deliver(email, on: db, clock: clock)
        }
        return attempted
    }

    private func claim(_ id: UUID, on db: any Database, now: Date) async throws -> Bool {
        let rows = try await db.sql.update(OutboxEmail.schema)
            .set("locked_until", to: SQLBind(now.addingTimeInterval(lease)))
            .set("attempts", to: SQLBinaryExpression(SQLColumn("attempts"), .add, SQLLiteral.numeric("1")))
            .where("id", .equal, SQLBind(id))
            .where("status", .equal, SQLBind(OutboxEmail.Status.queued.rawValue))
            .where(SQLGroupExpression([
                SQLBinaryExpression(SQLColumn("locked_until"), .is, SQLLiteral.null),
                SQLBinaryExpression(SQLColumn("locked_until"), .lessThan, SQLBind(now)),
            ].joined(with: .or)))
            .returning("id")
            .all()
        return rows.count == 1
    }

    private func deliver(_ email: OutboxEmail, on db: any Database, clock: () -> Date) async {
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
            email.sentAt = Date()
            email.providerMessageID = providerID
            email.lockedUntil = nil
            email.lastError = nil
            email.textBody = nil
            email.htmlBody = nil
            try await email.update(on: db)
            if let invitationID = email.invitationID {
                // Only pending moves to sent: a candidate may already have opened the link.
                try await Invitation.query(on: db).filter(\.$id == invitationID).filter(\.$status == .pending)
                    .set(\.$status, to: .sent).update()
            }
            logger.info("e-mail sent", metadata: metadata)
        } catch let failure as EmailDeliveryError {
            await record(failure, for: email, on: db, now: clock(), metadata: metadata)
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
            try await email.update(on: db)
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

extension Array where Element == SQLBinaryExpression {
    /// Joins the conditions with `op` (`a OR b OR c`).
    func joined(with op: SQLBinaryOperator) -> any SQLExpression {
        guard var result: any SQLExpression = first else { return SQLLiteral.boolean(true) }
        for next in dropFirst() { result = SQLBinaryExpression(left: result, op: op, right: next) }
        return result
    }
}
