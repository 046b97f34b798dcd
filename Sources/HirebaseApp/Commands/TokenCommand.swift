import Foundation
import JWTKit
import Vapor

/// `hirebase token [--user-id UUID] [--email ADDRESS] [--admin] [--expires-in SECONDS]`
///
/// Development and testing only: mints a Supabase-format access token (HS256, `aud`
/// `authenticated`, `role` `authenticated`, `iss` `{SUPABASE_URL}/auth/v1` when set) with the
/// configured or generated secret, and prints it, so that the API can be tried with curl.
/// Refuses in production.
struct TokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "user-id", help: "The user id (sub); a new random UUID when omitted")
        var userID: String?
        @Option(name: "email", help: "The e-mail claim")
        var email: String?
        @Flag(name: "admin", help: "Mark the user as platform admin (app_metadata.role = admin)")
        var admin: Bool
        @Option(name: "expires-in", help: "Lifetime in seconds (default 3600)")
        var expiresIn: Int?
    }

    var help: String { "Mints a development access token (never in production)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let config = context.application.hirebase.config
        guard config.kind != .production else {
            throw AppError(.forbidden, detail: "hirebase token is for development and testing; it refuses in production")
        }
        guard let secret = config.auth.hmacSecret else {
            throw AppError(.serviceUnavailable, detail: "No JWT secret: set SUPABASE_JWT_SECRET (or unset SUPABASE_URL in development)")
        }
        let userID: UUID
        if let raw = signature.userID {
            guard let parsed = UUID(uuidString: raw) else { throw AppError.invalidField("user-id", "must be a UUID") }
            userID = parsed
        } else {
            userID = UUID()
        }
        let lifetime = signature.expiresIn ?? 3600
        guard lifetime > 0 else { throw AppError.invalidField("expires-in", "must be positive") }
        let now = context.application.hirebase.clock.now().wholeSeconds
        let claims = SupabaseClaims(
            sub: userID.lowercased, exp: now.addingTimeInterval(Double(lifetime)), aud: [config.auth.audience],
            iss: config.auth.issuer, email: signature.email ?? "", appRole: signature.admin ? "admin" : nil, issuedAt: now)
        let keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let token = try await keys.sign(claims, header: ["typ": "JWT"])
        context.console.output(token.consoleText())
    }
}
