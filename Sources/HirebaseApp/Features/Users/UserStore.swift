import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit

/// Every query of the `users` table.
struct UserStore: Sendable {
    /// Users this instance has recorded, with the e-mail recorded: a request of a known user with
    /// the same e-mail needs no query (issue 9). Bounded; dropped whole when full.
    let known = KnownUsers()

    /// The user with this id.
    func find(_ id: UUID, on db: any Database) async throws -> User? {
        try await User.find(id, on: db)
    }

    /// The user whose stored e-mail has this lookup key (`EmailLookupKey`).
    func find(emailKey: String, on db: any Database) async throws -> User? {
        try await User.query(on: db).filter(\.$email == emailKey).first()
    }

    /// Inserts the user on first sight (ignoring a concurrent insert of the same id) and
    /// refreshes the stored e-mail when the token carries a different one.
    func recordSighting(of user: AuthenticatedUser, at now: Date, on db: any Database) async throws {
        if known.hasRecorded(user) { return }
        try await record(user, at: now, on: db)
        known.remember(user)
    }

    private func record(_ user: AuthenticatedUser, at now: Date, on db: any Database) async throws {
        if let existing = try await User.find(user.id, on: db) {
            if let email = user.email, existing.email != email {
                existing.email = email
                try await existing.update(on: db)
            }
            return
        }
        try await db.sql.insert(into: User.schema)
            .columns(User.column(\.$id), User.column(\.$email), User.column(\.$createdAt), User.column(\.$updatedAt))
            .values(SQLBind(user.id), SQLBind(user.email), SQLBind(now), SQLBind(now))
            .ignoringConflicts(with: [User.column(\.$id).string])
            .run()
    }
}

/// The users an instance has already written to `users`, with the e-mail written (see
/// `UserStore.recordSighting`). Another instance's change is seen here when this instance gets a
/// token with another e-mail: the row is then checked and updated again.
final class KnownUsers: Sendable {
    private let emails = NIOLockedValueBox([UUID: String?]())
    /// The most users kept.
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    /// Whether `user` was recorded with the e-mail its token carries now (a token without an
    /// e-mail changes nothing, so a known user then needs no write either).
    func hasRecorded(_ user: AuthenticatedUser) -> Bool {
        guard let recorded = emails.withLockedValue({ $0[user.id] }) else { return false }
        return user.email == nil || recorded == user.email
    }

    func remember(_ user: AuthenticatedUser) {
        let capacity = self.capacity
        emails.withLockedValue { emails in
            if emails.count >= capacity, emails[user.id] == nil { emails.removeAll(keepingCapacity: true) }
            if let email = user.email { emails[user.id] = email } else if emails[user.id] == nil { emails[user.id] = .some(nil) }
        }
    }
}
