import Foundation
import JWTKit

/// The claims Hirebase reads from a Supabase access token.
///
/// Shapes follow Supabase Auth's token schema (`shared/fixtures/supabase/`): `aud` is a string or
/// an array, `email` may be `""`, `iss`, `session_id` and `aal` are missing on older tokens, and
/// `amr` entries are objects or strings (so `amr` is not decoded at all). Checks that need the
/// configuration (audience, issuer, leeway) are made by `SupabaseTokenVerifier`.
public struct SupabaseClaims: JWTPayload, Sendable {
    /// `app_metadata`, of which only `role` is read; other members are ignored whatever their type.
    public struct AppMetadata: Codable, Sendable {
        public var role: String?
        public init(role: String?) { self.role = role }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try? container.decodeIfPresent(String.self, forKey: .role)
        }
    }

    public var sub: SubjectClaim?
    public var exp: ExpirationClaim?
    public var nbf: NotBeforeClaim?
    public var iat: IssuedAtClaim?
    public var aud: AudienceClaim?
    public var iss: IssuerClaim?
    public var email: String?
    public var role: String?
    public var appMetadata: AppMetadata?

    enum CodingKeys: String, CodingKey {
        case sub, exp, nbf, iat, aud, iss, email, role
        case appMetadata = "app_metadata"
    }

    public init(
        sub: String, exp: Date, aud: [String], iss: String?, email: String?, role: String? = "authenticated",
        appRole: String? = nil, issuedAt: Date
    ) {
        self.sub = SubjectClaim(value: sub)
        self.exp = ExpirationClaim(value: exp)
        self.iat = IssuedAtClaim(value: issuedAt)
        self.aud = AudienceClaim(value: aud)
        self.iss = iss.map { IssuerClaim(value: $0) }
        self.email = email
        self.role = role
        self.appMetadata = appRole.map { AppMetadata(role: $0) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sub = try container.decodeIfPresent(SubjectClaim.self, forKey: .sub)
        exp = try container.decodeIfPresent(ExpirationClaim.self, forKey: .exp)
        nbf = try container.decodeIfPresent(NotBeforeClaim.self, forKey: .nbf)
        iat = try container.decodeIfPresent(IssuedAtClaim.self, forKey: .iat)
        aud = try container.decodeIfPresent(AudienceClaim.self, forKey: .aud)
        iss = try container.decodeIfPresent(IssuerClaim.self, forKey: .iss)
        email = try? container.decodeIfPresent(String.self, forKey: .email)
        role = try? container.decodeIfPresent(String.self, forKey: .role)
        appMetadata = try? container.decodeIfPresent(AppMetadata.self, forKey: .appMetadata)
    }

    /// Signature-independent checks are made with the configuration by `SupabaseTokenVerifier`.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
