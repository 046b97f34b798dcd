import Fluent
import Foundation

/// Charges calls to their rate class (`API.md` § Conventions, "Rate limits"): `write` and
/// `costly` in the database (exact across instances), `read` and `anonymous` in memory.
///
/// Keys: `"{class}:{user id}"` for signed-in callers, `"anonymous:{client address}"` for the
/// candidate's calls (an IPv6 client by its /64, which one subscriber usually holds whole).
public struct RateLimiter: Sendable {
    public let policy: RateLimitPolicy
    let store = RateLimitStore()
    let local: LocalRateCounter
    /// The current time; tests move it.
    let clock: WallClock

    /// - Parameter localCapacity: keys the in-memory classes keep at most.
    public init(policy: RateLimitPolicy, localCapacity: Int = 100_000, clock: WallClock) {
        self.policy = policy
        self.local = LocalRateCounter(capacity: localCapacity)
        self.clock = clock
    }

    /// Charges one call of `subject` to `rateClass`.
    /// - Returns: the decision, or `nil` when the class is off.
    /// - Throws: database errors (for the shared classes).
    public func charge(_ rateClass: RateClass, subject: String, on db: @autoclosure () -> any Database) async throws -> RateLimitDecision? {
        guard let limit = policy[rateClass] else { return nil }
        let key = "\(rateClass.rawValue):\(subject)"
        let micros = clock.now().microsecondsSince1970
        if rateClass.isShared {
            return try await store.charge(rateClass, key: key, limit: limit, now: micros, on: db())
        }
        return local.charge(rateClass, key: key, limit: limit, now: micros)
    }

    /// Deletes database buckets that hold no state any more (the periodic sweep).
    @discardableResult
    public func removeIdle(on db: any Database) async throws -> Int {
        try await store.removeIdle(now: clock.now().microsecondsSince1970, on: db)
    }
}
