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
        let secret = try Self.signingSecret(config)
        let userID: UUID
        if let raw = signature.userID {
            guard let parsed = UUID(uuidString: raw) else { throw CommandUsageError("--user-id must be a UUID (got \(raw.prefix(64)))") }
            userID = parsed
        } else {
            userID = UUID()
        }
        let lifetime = signature.expiresIn ?? 3600
        guard lifetime > 0 else { throw CommandUsageError("--expires-in must be a positive number of seconds") }
        let now = context.application.hirebase.clock.now().wholeSeconds
        let claims = SupabaseClaims(
            sub: userID.lowercased, exp: now.addingTimeInterval(Double(lifetime)), aud: [config.auth.audience],
            iss: config.auth.issuer, email: signature.email ?? "", appRole: signature.admin ? "admin" : nil, issuedAt: now)
        let keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let token = try await keys.sign(claims, header: ["typ": "JWT"])
        context.console.output(token.consoleText())
    }

    /// The HS256 secret tokens are signed with.
    /// - Throws: `CommandUsageError` in production (where tokens come from Supabase only) and
    ///   when no HS256 secret is configured.
    static func signingSecret(_ config: AppConfig) throws(CommandUsageError) -> String {
        guard config.kind != .production else {
            throw CommandUsageError("tokens are minted in development and testing only, not with HIREBASE_ENV=production (production tokens come from Supabase)")
        }
        guard let secret = config.auth.hmacSecret else {
            throw CommandUsageError("No JWT secret: set SUPABASE_JWT_SECRET (or unset SUPABASE_URL in development)")
        }
        return secret
    }
}
