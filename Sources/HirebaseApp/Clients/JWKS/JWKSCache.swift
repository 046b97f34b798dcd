import Foundation
import JWTKit
import Logging

/// Keeps the issuer's signing keys, fetched lazily, kept for `maxAge`, refetched when a token
/// names an unknown `kid` — at most once per `minRefreshInterval`, so that tokens with random
/// `kid`s cannot make us hammer the issuer.
public actor JWKSCache {
    private let fetcher: any JWKSFetching
    private let maxAge: Duration
    private let minRefreshInterval: Duration
    private let logger: Logger
    private var keys: [String: JWK] = [:]
    private var collection = JWTKeyCollection()
    private var fetchedAt: ContinuousClock.Instant?
    private var lastAttempt: ContinuousClock.Instant?

    public init(fetcher: any JWKSFetching, maxAge: Duration = .seconds(600), minRefreshInterval: Duration = .seconds(30), logger: Logger) {
        self.fetcher = fetcher
        self.maxAge = maxAge
        self.minRefreshInterval = minRefreshInterval
        self.logger = logger
    }

    /// The key with this `kid` and a collection able to verify with it, or `nil` when the issuer
    /// does not publish it (after one allowed refresh).
    /// - Throws: `AppError` 503 when the set has never been fetched and cannot be now (the
    ///   issuer is down: the caller's token may well be valid).
    public func key(for kid: String) async throws -> (JWK, JWTKeyCollection)? {
        let now = ContinuousClock.now
        let stale = fetchedAt.map { now - $0 > maxAge } ?? true
        if stale || keys[kid] == nil, lastAttempt.map({ now - $0 >= minRefreshInterval }) ?? true {
            await refresh(now: now)
        }
        if fetchedAt == nil {
            throw AppError.unavailable("The identity provider's signing keys cannot be fetched; try again shortly", retryAfterSeconds: 30)
        }
        return keys[kid].map { ($0, collection) }
    }

    private func refresh(now: ContinuousClock.Instant) async {
        lastAttempt = now
        do {
            let set = try await fetcher.fetch()
            let fresh = JWTKeyCollection()
            var found: [String: JWK] = [:]
            for jwk in set.keys {
                guard let kid = jwk.keyIdentifier?.string else { continue }
                do {
                    try await fresh.add(jwk: jwk)
                    found[kid] = jwk
                } catch {
                    logger.warning("JWKS key skipped", metadata: ["kid": .string(kid)])
                }
            }
            keys = found
            collection = fresh
            fetchedAt = now
            logger.info("JWKS refreshed", metadata: ["keys": .stringConvertible(found.count)])
        } catch {
            logger.error("JWKS refresh failed", metadata: ["error": .string(String(describing: error))])
        }
    }
}
