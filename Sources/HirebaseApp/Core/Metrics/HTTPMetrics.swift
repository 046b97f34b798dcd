import CoreMetrics
import Foundation
import Prometheus

/// The service's metrics: swift-metrics instruments backed by a Prometheus registry that
/// `GET /metrics` renders. One registry per application (tests make several apps in one
/// process, so the global `MetricsSystem` is not bootstrapped).
///
/// Names follow `hirebase_<area>_<thing>_<unit>` (STYLE.md habit 9).
struct HTTPMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Counts one answered request and records its duration.
    /// - Parameter route: the route pattern (`/jobs/:jobID`), never the raw path, so that label
    ///   values stay few.
    func record(method: String, route: String, status: UInt, duration: Duration) {
        CoreMetrics.Counter(label: "hirebase_http_requests_total",
                            dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory).increment()
        CoreMetrics.Timer(label: "hirebase_http_request_duration_seconds",
                          dimensions: [("method", method), ("route", route)], factory: factory)
            .recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Counts one call refused with 429, by rate class.
    func recordRateLimited(_ rateClass: RateClass) {
        CoreMetrics.Counter(label: "hirebase_rate_limited_requests_total", dimensions: [("class", rateClass.rawValue)], factory: factory)
            .increment()
    }

    /// The Prometheus text exposition of everything recorded.
    func render() -> String {
        registry.emitToString()
    }
}
