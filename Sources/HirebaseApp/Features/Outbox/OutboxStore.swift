import Fluent
import Foundation
import SQLKit

/// Every query of the e-mail outbox (`outbox_emails`).
struct OutboxStore: Sendable {
    /// Queues a message (inside the caller's transaction, with the change that causes it).
    func insert(_ email: OutboxEmail, on db: any Database) async throws {
        try await email.create(on: db)
    }

    /// Ids of queued messages due at `now` and not claimed, oldest due first.
    func dueIDs(at now: Date, limit: Int, on db: any Database) async throws -> [UUID] {
        try await OutboxEmail.query(on: db)
            .filter(\.$status == .queued)
            .filter(\.$nextAttemptAt <= now)
            .group(.or) { $0.filter(\.$lockedUntil == nil).filter(\.$lockedUntil < now) }
            .sort(\.$nextAttemptAt)
            .limit(limit)
            .all(\.$id)
    }

    /// Claims a queued message until `lockedUntil` and counts the attempt, unless another
    /// claim holds it: one conditional `UPDATE`, so two instances never both win.
    /// - Returns: whether this call won the claim.
    func claim(_ id: UUID, at now: Date, until lockedUntil: Date, on db: any Database) async throws -> Bool {
        let lock = OutboxEmail.column(\.$lockedUntil)
        let attempts = OutboxEmail.column(\.$attempts)
        let rows = try await db.sql.update(OutboxEmail.schema)
            .set(lock, to: SQLBind(lockedUntil))
            .set(attempts, to: SQLBinaryExpression(attempts, .add, SQLLiteral.numeric("1")))
            .where(OutboxEmail.column(\.$id), .equal, SQLBind(id))
            .where(OutboxEmail.column(\.$status), .equal, SQLBind(OutboxEmail.Status.queued.rawValue))
            .where(SQLGroupExpression([
                SQLBinaryExpression(lock, .is, SQLLiteral.null),
                SQLBinaryExpression(lock, .lessThan, SQLBind(now)),
            ].joined(with: .or)))
            .returning(OutboxEmail.column(\.$id))
            .all()
        return rows.count == 1
    }

    /// The message with this id.
    func find(_ id: UUID, on db: any Database) async throws -> OutboxEmail? {
        try await OutboxEmail.find(id, on: db)
    }

    /// Saves a message's delivery state.
    func save(_ email: OutboxEmail, on db: any Database) async throws {
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

extension Array where Element == SQLBinaryExpression {
    /// Joins the conditions with `op` (`a OR b OR c`).
    func joined(with op: SQLBinaryOperator) -> any SQLExpression {
        guard var result: any SQLExpression = first else { return SQLLiteral.boolean(true) }
        for next in dropFirst() { result = SQLBinaryExpression(left: result, op: op, right: next) }
        return result
    }
}
