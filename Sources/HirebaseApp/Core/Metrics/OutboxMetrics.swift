import CoreMetrics

/// The e-mail outbox (the `email.deliver` job, `OutboxDispatcher`):
/// `hirebase_outbox_deliveries_total{outcome}`, one count per delivery attempt that reached an
/// outcome. Counted by the process that runs the jobs.
struct OutboxMetrics: Sendable {
    /// How one delivery attempt ended, as the `outcome` label names it.
    enum Outcome: String, Sendable, CaseIterable {
        /// The provider accepted the message.
        case sent
        /// The provider failed in a way worth retrying (network, 429, 5xx); the message stays
        /// queued and its job retries with backoff.
        case retried
        /// Given up: the provider refused the message, or this was the last attempt; the
        /// message is `failed`.
        case failed
        /// Not sent: its invitation was no longer open.
        case withdrawn
    }

    private let counters: [Outcome: CoreMetrics.Counter]

    init(factory: any MetricsFactory) {
        counters = Dictionary(uniqueKeysWithValues: Outcome.allCases.map { outcome in
            (outcome, CoreMetrics.Counter(label: "hirebase_outbox_deliveries_total", dimensions: [("outcome", outcome.rawValue)], factory: factory))
        })
    }

    /// Metrics that go nowhere (a dispatcher made outside `ServiceFactory`, in tests).
    static let discarded = OutboxMetrics(factory: NOOPMetricsHandler.instance)

    /// Counts one attempt's outcome.
    func record(_ outcome: Outcome) {
        counters[outcome]?.increment()
    }
}
