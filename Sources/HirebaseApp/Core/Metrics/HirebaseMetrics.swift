import CoreMetrics
import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import Prometheus

/// The service's metrics: swift-metrics instruments backed by a Prometheus registry that
/// `GET /metrics` renders (docs/observability.md lists every metric and the SLO built on them).
///
/// One registry per application, built by `ServiceFactory` and handed to what records (tests make
/// several apps in one process, so the global `MetricsSystem` is not bootstrapped). Names follow
/// `hirebase_<area>_<thing>_<unit>` (STYLE.md habit 9); label values are few and fixed (a route
/// pattern, never a raw path; a known event type or `other`). Instruments whose labels are known
/// up front are made once, so recording costs no allocation on the hot paths.
///
/// Two kinds of values are read when `/metrics` is scraped rather than recorded as they happen
/// (`collect`): the Stripe circuit breaker's state (it turns half-open by the passing of time
/// alone) and the job queue's depth and age (the queue is shared by every instance and worker
/// process; the database knows it, no one process does).
final class HirebaseMetrics: Sendable {
    /// What `render()` emits; every instrument below is registered here.
    let registry: PrometheusCollectorRegistry
    /// Requests, their durations and rate-limit refusals.
    let http: HTTPMetrics
    /// Stripe calls and the circuit breaker's state.
    let stripe: StripeMetrics
    /// Job runs' outcomes and the queue's depth and age.
    let jobs: JobQueueMetrics
    /// E-mail delivery attempts.
    let outbox: OutboxMetrics
    /// Stripe's webhook deliveries.
    let webhooks: WebhookMetrics
    /// `POST /scrape`'s page reads.
    let scrapes: ScrapeMetrics
    /// Hits and misses of the per-instance caches.
    let caches: CacheMetrics
    /// AI provider runs by purpose and outcome, their tokens and durations.
    let ai: AIMetrics
    /// `hirebase_metrics_collection_errors_total{source="job_queue"}`: scrapes whose read of the
    /// queue failed or passed `queueReadLimit`; the queue's gauges then keep their last values.
    private let queueReadErrors: CoreMetrics.Counter

    /// The longest a scrape waits for the queue's numbers.
    static let queueReadLimit: Duration = .seconds(2)
    /// The queue is read at most once per this interval, however often `/metrics` is called
    /// (it may be public: `METRICS_TOKEN` unset); scrapes in between get the last reading.
    static let queueReadInterval: Duration = .seconds(2)

    /// When the queue was last read, and whether a read is under way.
    private struct QueueReading {
        var startedAt: ContinuousClock.Instant?
        var inFlight = false
    }

    private let queueReading = NIOLockedValueBox(QueueReading())

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[StripeMetrics.durationName] = StripeMetrics.durationBuckets
        factory.durationHistogramBuckets[AIMetrics.durationName] = AIMetrics.durationBuckets
        http = HTTPMetrics(factory: factory)
        stripe = StripeMetrics(factory: factory)
        jobs = JobQueueMetrics(factory: factory)
        outbox = OutboxMetrics(factory: factory)
        webhooks = WebhookMetrics(factory: factory)
        scrapes = ScrapeMetrics(factory: factory)
        caches = CacheMetrics(factory: factory)
        ai = AIMetrics(factory: factory)
        queueReadErrors = CoreMetrics.Counter(label: "hirebase_metrics_collection_errors_total", dimensions: [("source", "job_queue")], factory: factory)
    }

    /// Reads the values sampled at scrape time: the breaker's state from `stripe` (when it has
    /// one) and the queue's depth and age from the database. Never throws: a failed or slow read
    /// of the queue is logged and counted, and the scrape goes on with the last values.
    /// - Parameters:
    ///   - jobs: the runner whose registered kinds name the `kind` label.
    ///   - now: the app's clock (job times are written with it).
    func collect(stripe: any StripeAPI, jobs runner: BackgroundJobRunner, on db: any Database, now: Date, logger: Logger) async {
        if let breaker = stripe.circuitBreaker {
            self.stripe.observe(await breaker.state)
        }
        guard startQueueReading() else { return }
        defer { queueReading.withLockedValue { $0.inFlight = false } }
        let store = runner.store
        do {
            let stats = try await TimeLimit.run(within: Self.queueReadLimit) { try await store.queueStats(now: now, on: db) }
            self.jobs.observe(stats, kinds: runner.kindNames, now: now)
        } catch {
            queueReadErrors.increment()
            logger.warning("metrics: the job queue could not be read", metadata: ["error": .string(BackgroundJobRunner.describe(error))])
        }
    }

    /// Whether this scrape reads the queue (none in flight, none started within `queueReadInterval`).
    private func startQueueReading() -> Bool {
        let now = ContinuousClock.now
        return queueReading.withLockedValue { reading in
            if reading.inFlight { return false }
            if let started = reading.startedAt, now - started < Self.queueReadInterval { return false }
            reading = QueueReading(startedAt: now, inFlight: true)
            return true
        }
    }

    /// The Prometheus text exposition (format 0.0.4) of everything recorded.
    func render() -> String {
        registry.emitToString()
    }
}
