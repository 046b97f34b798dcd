/// The outcome of charging one call to a rate class: whether it may go on, and what the
/// `RateLimit-*` response headers say (IETF draft "RateLimit header fields for HTTP",
/// draft-ietf-httpapi-ratelimit-headers, the separate-field form that GitHub and others send).
public struct RateLimitDecision: Sendable, Equatable {
    public var rateClass: RateClass
    public var allowed: Bool
    /// `RateLimit-Limit`: calls allowed in a burst (the class's N).
    public var limit: Int
    /// `RateLimit-Remaining`: calls that would be allowed right now, after this one.
    public var remaining: Int
    /// `RateLimit-Reset`: whole seconds until the full limit is available again.
    public var resetSeconds: Int
    /// `Retry-After` of a refusal: whole seconds until one more call is allowed (>= 1).
    public var retryAfterSeconds: Int

    /// The three `RateLimit-*` headers (and `Retry-After` on a refusal) as name/value pairs.
    public var headers: [(String, String)] {
        var fields = [("RateLimit-Limit", String(limit)), ("RateLimit-Remaining", String(remaining)), ("RateLimit-Reset", String(resetSeconds))]
        if !allowed { fields.append(("Retry-After", String(retryAfterSeconds))) }
        return fields
    }
}

/// The arithmetic of the generic cell rate algorithm over one stored number per key, the
/// "theoretical arrival time" (TAT), in microseconds since 1970. The same rule serves the
/// database (one conditional upsert, see `RateLimitStore`) and the in-memory counter.
///
/// With emission interval T = period / N: a call at `now` is allowed when
/// `max(TAT, now) <= now + (N - 1)·T`, and then the TAT becomes `max(TAT, now) + T`. A refused
/// call changes nothing, so a flood of refused calls does not lengthen the wait.
enum GCRA {
    /// The TAT a key starts from when it has none (or an old one): `now`, a full bucket.
    static func base(tat: Int64?, now: Int64) -> Int64 { max(tat ?? now, now) }

    /// The latest base that still lets a call through.
    static func allowanceBound(now: Int64, limit: RateLimit) -> Int64 {
        now + Int64(limit.count - 1) * limit.emissionIntervalMicros
    }

    /// The decision after the stored TAT became `newTAT` (allowed) or stayed `storedTAT` (refused).
    static func decision(_ rateClass: RateClass, allowed: Bool, tat: Int64, now: Int64, limit: RateLimit) -> RateLimitDecision {
        let interval = limit.emissionIntervalMicros
        let used = max(0, tat - now)
        // Calls that fit now: the burst capacity minus what the TAT holds (rounded up to calls).
        let remaining = max(0, limit.count - Int((used + interval - 1) / interval))
        let reset = Int((used + 999_999) / 1_000_000)
        let waitMicros = max(0, tat - allowanceBound(now: now, limit: limit))
        let retryAfter = max(1, Int((waitMicros + 999_999) / 1_000_000))
        return RateLimitDecision(rateClass: rateClass, allowed: allowed, limit: limit.count, remaining: remaining,
                                 resetSeconds: reset, retryAfterSeconds: retryAfter)
    }
}
