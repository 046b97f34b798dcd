import Fluent
import Foundation

/// A person who has signed in with Supabase; created on the first request that carries a new
/// `sub`. The id is the Supabase user id.
final class User: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(custom: "id", generatedBy: .user) var id: UUID?
    /// Lower-cased e-mail from the latest token that carried one.
    @OptionalField(key: "email") var email: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(id: UUID, email: String?) {
        self.id = id
        self.email = email
    }
}
