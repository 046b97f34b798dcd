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
    private let clock: WallClock
    private var fetchedAt: Date?
    private var lastAttempt: Date?

    /// - Parameters:
    ///   - maxAge: how long a fetched set is used before it is fetched again.
    ///   - minRefreshInterval: the least time between two fetches (an unknown `kid` asks for one).
    ///   - clock: the time source (tests move it instead of sleeping).
    public init(fetcher: any JWKSFetching, maxAge: Duration = .seconds(600), minRefreshInterval: Duration = .seconds(30),
                clock: WallClock = .system, logger: Logger) {
        self.fetcher = fetcher
        self.clock = clock
        self.maxAge = maxAge
        self.minRefreshInterval = minRefreshInterval
        self.logger = logger
    }

    /// The key with this `kid` and a collection able to verify with it, or `nil` when the issuer
    /// does not publish it (after one allowed refresh).
    /// - Throws: `AppError` 503 when the set has never been fetched and cannot be now (the
    ///   issuer is down: the caller's token may well be valid).
    public func key(for kid: String) async throws -> (JWK, JWTKeyCollection)? {
        let now = clock.now()
        let stale = fetchedAt.map { now.timeIntervalSince($0) > maxAge.seconds } ?? true
        if stale || keys[kid] == nil, lastAttempt.map({ now.timeIntervalSince($0) >= minRefreshInterval.seconds }) ?? true {
            await refresh(now: now)
        }
        if fetchedAt == nil {
            throw AppError.unavailable("The identity provider's signing keys cannot be fetched; try again shortly", retryAfterSeconds: 30)
        }
        return keys[kid].map { ($0, collection) }
    }

    private func refresh(now: Date) async {
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
