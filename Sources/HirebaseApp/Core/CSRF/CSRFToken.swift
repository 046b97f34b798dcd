import Fluent
import Foundation

/// A CSRF token issued to one user: stored as its SHA-256 only, used at most once.
final class CSRFToken: Model, @unchecked Sendable {
    static let schema = "csrf_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    /// Microseconds since 1970: orders a user's tokens exactly (the per-user cap drops the oldest).
    @OptionalField(key: "created_at_us") var createdAtMicros: Int64?

    init() {}

    init(userID: UUID, tokenHash: String, expiresAt: Date, createdAtMicros: Int64) {
        self.userID = userID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.createdAtMicros = createdAtMicros
    }
}
