import NIOConcurrencyHelpers

/// GCRA buckets kept in this process's memory, for the classes counted per instance (`read`,
/// `anonymous`): the hot read path pays no database write. With K instances behind a load
/// balancer a caller may get up to K times the limit of these classes.
///
/// Memory is capped at `capacity` keys (about 100 bytes each). When a new key would pass it,
/// keys whose bucket is full again (TAT in the past: they carry no state) are dropped first;
/// if every key is still busy, the oldest half by TAT is dropped, which errs toward letting
/// calls through rather than refusing callers who did nothing.
final class LocalRateCounter: Sendable {
    private let buckets = NIOLockedValueBox([String: Int64]())
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    /// Charges one call of `key` at `now` (microseconds since 1970).
    func charge(_ rateClass: RateClass, key: String, limit: RateLimit, now: Int64) -> RateLimitDecision {
        buckets.withLockedValue { buckets in
            let base = GCRA.base(tat: buckets[key], now: now)
            guard base <= GCRA.allowanceBound(now: now, limit: limit) else {
                return GCRA.decision(rateClass, allowed: false, tat: base, now: now, limit: limit)
            }
            let tat = base + limit.emissionIntervalMicros
            if buckets[key] == nil, buckets.count >= capacity { Self.evict(&buckets, now: now, capacity: capacity) }
            buckets[key] = tat
            return GCRA.decision(rateClass, allowed: true, tat: tat, now: now, limit: limit)
        }
    }

    /// Keys held now (for tests and the memory bound).
    var count: Int { buckets.withLockedValue { $0.count } }

    private static func evict(_ buckets: inout [String: Int64], now: Int64, capacity: Int) {
        buckets = buckets.filter { $0.value > now }
        guard buckets.count >= capacity else { return }
        let keep = buckets.sorted { $0.value > $1.value }.prefix(capacity / 2)
        buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}
