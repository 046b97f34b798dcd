import Fluent
import Foundation
import SQLKit

/// Every query of the `users` table.
struct UserStore: Sendable {
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
