import Foundation
import Vapor

/// The caller of a request, from a verified Supabase access token.
public struct AuthenticatedUser: Sendable, Equatable {
    /// The token's `sub`: the Supabase user id.
    public var id: UUID
    /// The token's `email`, lower-cased; `nil` when absent or empty.
    public var email: String?
    /// `app_metadata.role == "admin"` in the token, or the id is listed in `ADMIN_USER_IDS`.
    public var isPlatformAdmin: Bool
}

enum AuthenticatedUserKey: StorageKey {
    typealias Value = AuthenticatedUser
}
