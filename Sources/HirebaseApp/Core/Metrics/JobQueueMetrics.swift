import CoreMetrics
import Foundation
import NIOConcurrencyHelpers

/// The job queue (`background_jobs`):
/// - counted by the process that runs the jobs (`BackgroundJobRunner`; `serve` with
///   `JOB_WORKERS` > 0 exposes them, a separate `hirebase worker` process has no `/metrics`):
///   `hirebase_jobs_completed_total{kind}` (runs that succeeded), `hirebase_jobs_retries_total{kind}`
///   (failed runs put back in the queue with backoff) and `hirebase_jobs_dead_total{kind}` (jobs
///   buried: failed for good or out of attempts);
/// - read from the database when `/metrics` is scraped (`HirebaseMetrics.collect`), the same
///   numbers on every instance (aggregate with `max`, not `sum`):
///   `hirebase_jobs_queue_depth{kind,status}` with `status` one of `queued` (never run yet,
///   due or not), `retrying` (queued again after a failed run), `running` and `dead`; and
///   `hirebase_jobs_oldest_queued_age_seconds{kind}`, how long the longest-waiting due job
///   (queued or retrying, `run_at` passed) has been due, 0 when none is.
///
/// `kind` is a registered job kind's name (`email.deliver`, `stripe.subscription-sync`,
/// `invitations.expire`, `invitations.remind`, `cleanup`) or `other` for a row of a kind this
/// version does not know, so label values stay few. Counters are made on first use of a kind and
/// kept (job outcomes are rare; the gauges are set only at scrape time).
struct JobQueueMetrics: Sendable {
    /// The `status` label's values of `hirebase_jobs_queue_depth`.
    enum DepthStatus: String, Sendable, CaseIterable {
        /// Queued and never run (due or not).
        case queued
        /// Queued again after a failed run.
        case retrying
        /// Claimed by a worker.
        case running
        /// Failed for good or out of attempts.
        case dead
    }

    /// What a finished run did to its job, for the counters.
    enum RunOutcome: Sendable {
        /// The run succeeded (`hirebase_jobs_completed_total`).
        case completed
        /// The run failed; the job is queued again (`hirebase_jobs_retries_total`).
        case retried
        /// The job is buried (`hirebase_jobs_dead_total`).
        case dead

        /// The counter the outcome is counted in.
        var metricName: String {
            switch self {
            case .completed: "hirebase_jobs_completed_total"
            case .retried: "hirebase_jobs_retries_total"
            case .dead: "hirebase_jobs_dead_total"
            }
        }
    }

    /// The label value of kinds that are not registered.
    static let otherKind = "other"

    /// Makes the per-kind instruments (kinds are known when the runner is built).
    let factory: any MetricsFactory
    /// The counters made so far, by `"<metric name>|<kind>"`.
    private let counters = NIOLockedValueBox([String: CoreMetrics.Counter]())

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Metrics that go nowhere (a runner made outside `ServiceFactory`, in tests).
    static let discarded = JobQueueMetrics(factory: NOOPMetricsHandler.instance)

    /// Counts one run's outcome.
    /// - Parameter kind: a registered kind's name, or `otherKind`.
    func record(_ outcome: RunOutcome, kind: String) {
        let name = outcome.metricName
        let key = name + "|" + kind
        let factory = self.factory
        counters.withLockedValue { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: name, dimensions: [("kind", kind)], factory: factory)
            counters[key] = counter
            return counter
        }.increment()
    }

    /// Sets the depth and age gauges from one reading of the queue: every registered kind (and
    /// `other`) gets all four statuses, 0 where `stats` has no row, so that a drained queue reads
    /// 0 rather than its last non-zero value.
    /// - Parameters:
    ///   - kinds: the registered kinds' names.
    ///   - now: the time `stats` was read at (the app's clock, as `run_at` is written with it).
    func observe(_ stats: [BackgroundJobStore.QueueStat], kinds: [String], now: Date) {
        let known = Set(kinds)
        var depth: [String: [DepthStatus: Int]] = [:]
        var oldest: [String: Date] = [:]
        for stat in stats {
            let kind = known.contains(stat.kind) ? stat.kind : Self.otherKind
            let status: DepthStatus = switch stat.status {
            case .queued: stat.retried ? .retrying : .queued
            case .running: .running
            case .dead, .done: .dead
            }
            depth[kind, default: [:]][status, default: 0] += stat.count
            if let due = stat.oldestDue { oldest[kind] = min(oldest[kind] ?? due, due) }
        }
        for kind in kinds + [Self.otherKind] {
            for status in DepthStatus.allCases {
                CoreMetrics.Meter(label: "hirebase_jobs_queue_depth", dimensions: [("kind", kind), ("status", status.rawValue)], factory: factory)
                    .set(depth[kind]?[status] ?? 0)
            }
            CoreMetrics.Meter(label: "hirebase_jobs_oldest_queued_age_seconds", dimensions: [("kind", kind)], factory: factory)
                .set(oldest[kind].map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
    }
}
