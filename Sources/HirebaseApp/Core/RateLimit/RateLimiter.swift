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
        if let decision = chargeAtOnce(rateClass, subject: subject) { return decision }
        guard let limit = policy[rateClass] else { return nil }
        return try await store.charge(rateClass, key: "\(rateClass.rawValue):\(subject)", limit: limit,
                                      now: clock.now().microsecondsSince1970, on: db())
    }

    /// ``charge(_:subject:on:)`` where it needs no database: `.some(nil)` when the class is off,
    /// `.some(decision)` for a class counted in memory; `nil` (nothing charged) for a shared class.
    public func chargeAtOnce(_ rateClass: RateClass, subject: String) -> RateLimitDecision?? {
        guard let limit = policy[rateClass] else { return .some(nil) }
        guard !rateClass.isShared else { return nil }
        return .some(local.charge(rateClass, key: "\(rateClass.rawValue):\(subject)", limit: limit, now: clock.now().microsecondsSince1970))
    }

    /// Deletes database buckets that hold no state any more (the periodic sweep).
    @discardableResult
    public func removeIdle(on db: any Database) async throws -> Int {
        try await store.removeIdle(now: clock.now().microsecondsSince1970, on: db)
    }
}
