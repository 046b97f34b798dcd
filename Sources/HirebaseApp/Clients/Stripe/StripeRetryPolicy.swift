/// When a failed Stripe request is tried again, and how long to wait first.
///
/// Retried: connection errors and timeouts (no answer), 409 (`lock_timeout`, or the same
/// `Idempotency-Key` still being processed), 429 and 5xx; never another 4xx, which would fail
/// the same way again. Stripe's `Stripe-Should-Retry` answer header, when present, overrides the
/// status: `true` retries, `false` does not (Stripe sends `false`, for example, on a 500 that its
/// idempotency layer has saved and would replay). This is what Stripe's own libraries do
/// (stripe-node `_shouldRetry`, stripe-ruby `should_retry?`). Retrying a POST is safe only
/// because each retry carries the same `Idempotency-Key` (Stripe API reference, "Idempotent
/// requests"; "Errors": "Stripe-Should-Retry").
///
/// The wait before retry `n` (1, 2, ...) is `initialDelay * 2^(n-1)`, capped at `maxDelay`,
/// then scaled by a random factor in [0.5, 1) so that clients that failed together do not retry
/// together, and never below `initialDelay`; a `Retry-After` answer header (whole seconds) up to
/// `maxDelay` lengthens it (stripe-node `_getSleepTimeInMS`).
public struct StripeRetryPolicy: Sendable {
    /// Attempts in all, the first included (at least 1; 1 = no retry).
    public var maxAttempts: Int
    /// The wait before the first retry, before jitter.
    public var initialDelay: Duration
    /// The longest wait between attempts.
    public var maxDelay: Duration
    /// A random number in [0, 1); the jitter. Tests make it fixed.
    public var random: @Sendable () -> Double

    public init(
        maxAttempts: Int = 3,
        initialDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(5),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.random = random
    }

    /// Whether an answer with `status` is worth another attempt; `shouldRetryHeader` is the
    /// value of `Stripe-Should-Retry`, if the answer had one.
    public func shouldRetry(status: Int, shouldRetryHeader: String?) -> Bool {
        switch shouldRetryHeader?.lowercased() {
        case "true": return true
        case "false": return false
        default: return status == 409 || status == 429 || status >= 500
        }
    }

    /// The wait before retry number `retry` (1 for the first retry); `retryAfter` from the
    /// answer's `Retry-After`, if any.
    public func delay(beforeRetry retry: Int, retryAfter: Duration? = nil) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let exponential = initialDelay * (1 << exponent)
        var delay = min(exponential, maxDelay)
        delay = delay * (0.5 * (1 + min(max(random(), 0), 1)))
        delay = max(delay, initialDelay)
        if let retryAfter, retryAfter <= maxDelay { delay = max(delay, retryAfter) }
        return delay
    }
}
