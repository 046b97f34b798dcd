import CoreMetrics

/// Lookups of the per-instance caches: `hirebase_cache_requests_total{cache,result}` with
/// `result` `hit` or `miss`, so that a hit ratio is
/// `rate(...{result="hit"}[5m]) / rate(...[5m])` summed by `cache`.
///
/// - `verified_token`: a bearer token verified before and still valid (`VerifiedTokenCache`);
/// - `user`: the caller's `users` row known written with the token's e-mail (`KnownUsers`);
/// - `billing_snapshot`: a user's stored subscription, and separately their usage in the current
///   period, each lookup counted (`BillingSnapshotCache`; `GET /subscription-status` makes two);
/// - `candidate_pool`: a company's prepared candidate pool held (`CandidatePoolCache`; a hit
///   still reads what changed since).
struct CacheMetrics: Sendable {
    /// The hit and miss counters of one cache, made once: counting costs no allocation.
    struct Lookups: Sendable {
        /// `result="hit"`: the answer came from the cache.
        let hits: CoreMetrics.Counter
        /// `result="miss"`: it had to be read or computed.
        let misses: CoreMetrics.Counter

        init(cache: String, factory: any MetricsFactory) {
            hits = CoreMetrics.Counter(label: "hirebase_cache_requests_total", dimensions: [("cache", cache), ("result", "hit")], factory: factory)
            misses = CoreMetrics.Counter(label: "hirebase_cache_requests_total", dimensions: [("cache", cache), ("result", "miss")], factory: factory)
        }

        /// Counters that go nowhere (a cache made outside `ServiceFactory`, in tests).
        static let discarded = Lookups(cache: "", factory: NOOPMetricsHandler.instance)

        /// Counts one lookup.
        func record(hit: Bool) {
            (hit ? hits : misses).increment()
        }
    }

    /// `cache="verified_token"` (`SupabaseTokenVerifier`).
    let verifiedToken: Lookups
    /// `cache="user"` (`UserStore.recordSighting`).
    let user: Lookups
    /// `cache="billing_snapshot"` (`BillingSnapshotCache`).
    let billingSnapshot: Lookups
    /// `cache="candidate_pool"` (`CandidatePoolCache`).
    let candidatePool: Lookups

    init(factory: any MetricsFactory) {
        verifiedToken = Lookups(cache: "verified_token", factory: factory)
        user = Lookups(cache: "user", factory: factory)
        billingSnapshot = Lookups(cache: "billing_snapshot", factory: factory)
        candidatePool = Lookups(cache: "candidate_pool", factory: factory)
    }
}
