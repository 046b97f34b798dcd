import Foundation
import JWTKit
import Logging

/// Verifies Supabase access tokens (RFC 7519 JWTs) and returns the caller.
///
/// - HS256 tokens are checked with the project's JWT secret only; their `kid` is ignored because
///   Supabase writes one on HS256 tokens too.
/// - ES256 / RS256 tokens are checked with the JWKS key named by their `kid`; the key's type must
///   match the header's `alg` (EC for ES256, RSA for RS256), which blocks algorithm confusion.
/// - Any other `alg` (`none`, HS384, PS256, ...) is refused.
/// - Claims: `exp` required and checked with `leewaySeconds`, `nbf` when present, `aud` must
///   contain the configured audience, `iss` is required and must equal `{SUPABASE_URL}/auth/v1`
///   when `SUPABASE_URL` is configured (RFC 8725 § 3.8: validate the issuer; tokens of other
///   projects signed with a shared key must not pass), and `sub` must be a UUID.
///
/// Every failure is `AppError` 401 with a short reason; no token text ever goes to a log.
public struct SupabaseTokenVerifier: Sendable {
    let hmacKeys: JWTKeyCollection?
    let jwks: JWKSCache?
    let audience: String
    let issuer: String?
    let leeway: TimeInterval
    let adminUserIDs: Set<UUID>
    /// Tokens verified before, still valid (`VerifiedTokenCache`).
    let verified: VerifiedTokenCache
    /// Where the cache's hits and misses are counted (`hirebase_cache_requests_total{cache="verified_token"}`).
    let cacheLookups: CacheMetrics.Lookups

    public init(config: AppConfig.Auth, jwks: JWKSCache?, cacheCapacity: Int = 10_000) async {
        await self.init(config: config, jwks: jwks, cacheCapacity: cacheCapacity, cacheLookups: .discarded)
    }

    /// - Parameter cacheLookups: the app's (`HirebaseMetrics.caches.verifiedToken`).
    init(config: AppConfig.Auth, jwks: JWKSCache?, cacheCapacity: Int = 10_000, cacheLookups: CacheMetrics.Lookups) async {
        verified = VerifiedTokenCache(capacity: cacheCapacity)
        self.cacheLookups = cacheLookups
        if let secret = config.hmacSecret {
            hmacKeys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        } else {
            hmacKeys = nil
        }
        self.jwks = jwks
        audience = config.audience
        issuer = config.issuer
        leeway = config.leewaySeconds
        adminUserIDs = config.adminUserIDs
    }

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    /// - Returns: the verified caller.
    /// - Throws: `AppError` 401 (`unauthorized`) for any invalid, expired or unverifiable token;
    ///   503 when the issuer's key set is needed and has never been reachable.
    public func verify(_ token: String, now: Date) async throws -> AuthenticatedUser {
        let key = VerifiedTokenCache.key(token)
        if let user = verified.user(for: key, at: now) {
            cacheLookups.record(hit: true)
            return user
        }
        cacheLookups.record(hit: false)
        let (user, validity) = try await verifyAfresh(token, now: now)
        verified.insert(.init(user: user, validFrom: validity.lowerBound, validUntil: validity.upperBound), for: key, now: now)
        return user
    }

    /// The caller of a token verified before and valid at `now` (``verify(_:now:)``'s cached
    /// answer); `nil` when ``verify(_:now:)`` must run. Counts nothing: a caller that uses the
    /// answer calls ``countCachedHit()``, one that goes on to ``verify(_:now:)`` lets it count.
    func cachedUser(_ token: String, now: Date) -> AuthenticatedUser? {
        verified.user(for: VerifiedTokenCache.key(token), at: now)
    }

    /// Counts a hit of the verified-token cache for an answer of ``cachedUser(_:now:)`` used.
    func countCachedHit() {
        cacheLookups.record(hit: true)
    }

    /// Verifies the signature and the claims.
    /// - Returns: the caller and when the token is valid (its `nbf`..<`exp`, widened by the leeway).
    private func verifyAfresh(_ token: String, now: Date) async throws -> (AuthenticatedUser, Range<Date>) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Data(base64URLEncoded: String(parts[0])),
              let header = try? JSONDecoder().decode(Header.self, from: headerData) else {
            throw AppError.unauthorized("Access token is malformed")
        }
        let claims: SupabaseClaims
        switch header.alg {
        case "HS256":
            guard let hmacKeys else { throw AppError.unauthorized("HS256 access tokens are not accepted here") }
            claims = try await verifySignature(token, with: hmacKeys)
        case "ES256", "RS256":
            guard let jwks else { throw AppError.unauthorized("Asymmetric access tokens are not accepted here (no SUPABASE_URL)") }
            guard let kid = header.kid, let (jwk, keys) = try await jwks.key(for: kid) else {
                throw AppError.unauthorized("Access token is signed with an unknown key")
            }
            let expectedType: JWK.KeyType = header.alg == "ES256" ? .ecdsa : .rsa
            guard jwk.keyType == expectedType, jwk.algorithm == nil || jwk.algorithm?.rawValue == header.alg else {
                throw AppError.unauthorized("Access token algorithm does not match its key")
            }
            claims = try await verifySignature(token, with: keys)
        default:
            throw AppError.unauthorized("Access token algorithm is not accepted")
        }
        let user = try check(claims, now: now)
        // `check` has ensured `exp` (and that the token is valid now).
        let until = (claims.exp?.value ?? now).addingTimeInterval(leeway)
        let from = claims.nbf.map { $0.value.addingTimeInterval(-leeway) } ?? .distantPast
        return (user, from..<max(until, now))
    }

    private func verifySignature(_ token: String, with keys: JWTKeyCollection) async throws -> SupabaseClaims {
        do {
            return try await keys.verify(token, as: SupabaseClaims.self)
        } catch let error as AppError {
            throw error
        } catch {
            throw AppError.unauthorized("Access token signature or claims are invalid")
        }
    }

    func check(_ claims: SupabaseClaims, now: Date) throws -> AuthenticatedUser {
        guard let exp = claims.exp else { throw AppError.unauthorized("Access token has no expiry") }
        guard exp.value.addingTimeInterval(leeway) > now else { throw AppError.unauthorized("Access token has expired") }
        if let nbf = claims.nbf, nbf.value.addingTimeInterval(-leeway) > now {
            throw AppError.unauthorized("Access token is not valid yet")
        }
        guard let aud = claims.aud, aud.value.contains(audience) else {
            throw AppError.unauthorized("Access token audience is not accepted")
        }
        if let issuer, claims.iss?.value != issuer {
            throw AppError.unauthorized(claims.iss == nil ? "Access token has no issuer" : "Access token issuer is not accepted")
        }
        guard let sub = claims.sub?.value, let id = UUID(uuidString: sub) else {
            throw AppError.unauthorized("Access token has no user id")
        }
        if claims.email?.contains("\u{0}") == true { throw AppError.unauthorized("Access token claims are malformed") }
        let email = claims.email.map(EmailLookupKey.of).flatMap { $0.isEmpty ? nil : $0 }
        let admin = claims.appMetadata?.role == "admin" || adminUserIDs.contains(id)
        return AuthenticatedUser(id: id, email: email, isPlatformAdmin: admin)
    }
}

extension Data {
    /// Decodes base64url (RFC 4648 § 5) with or without padding.
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        self.init(base64Encoded: base64)
    }

    /// Encodes as unpadded base64url (RFC 4648 § 5): Foundation's base64 with `+` -> `-`, `/` ->
    /// `_` and the padding dropped, byte by byte (three `replacingOccurrences` through `NSString`
    /// were 3% of a guarded job move's CPU, in every CSRF token issued).
    func base64URLEncodedString() -> String {
        let base64 = base64EncodedData()
        var url = [UInt8]()
        url.reserveCapacity(base64.count)
        for byte in base64 {
            switch byte {
            case UInt8(ascii: "+"): url.append(UInt8(ascii: "-"))
            case UInt8(ascii: "/"): url.append(UInt8(ascii: "_"))
            case UInt8(ascii: "="): continue
            default: url.append(byte)
            }
        }
        return String(decoding: url, as: UTF8.self)
    }
}
