import CoreMetrics
import Foundation

/// Request counts and durations, and refusals by rate class: the metrics of the HTTP layer
/// (`AccessLogMiddleware`, `Request.chargeRate`). The availability SLO is computed from
/// `hirebase_http_requests_total` (docs/observability.md).
struct HTTPMetrics: Sendable {
    /// Makes the per-request instruments (their labels are known only per request).
    let factory: any MetricsFactory
    /// `hirebase_rate_limited_requests_total{class}`, one per rate class, made once.
    private let rateLimited: [RateClass: CoreMetrics.Counter]

    init(factory: any MetricsFactory) {
        self.factory = factory
        rateLimited = Dictionary(uniqueKeysWithValues: RateClass.allCases.map { rateClass in
            (rateClass, CoreMetrics.Counter(label: "hirebase_rate_limited_requests_total", dimensions: [("class", rateClass.rawValue)], factory: factory))
        })
    }

    /// The `method` label's values other than `other`: the methods the API serves, and `OPTIONS`
    /// (CORS preflights).
    static let methodLabels: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// The `method` label of a request made with `method`: itself when in `methodLabels`, else
    /// `other`. The client chooses the method, and NIO's parser accepts some 35 (WebDAV's
    /// `PROPFIND`, `MKCOL`, ..., `PURGE`, `LINK`, `SOURCE`...), each of which, answered 404 or
    /// 405 on any path, would otherwise add series of its own.
    static func methodLabel(_ method: String) -> String {
        methodLabels.contains(method) ? method : "other"
    }

    /// Counts one answered request (`hirebase_http_requests_total{method,route,status}`) and
    /// records its duration (`hirebase_http_request_duration_seconds{method,route}`).
    /// - Parameters:
    ///   - method: the request's method (labelled as `methodLabel(method)`).
    ///   - route: the route pattern (`/jobs/:jobID`), never the raw path, so that label
    ///     values stay few.
    func record(method: String, route: String, status: UInt, duration: Duration) {
        let method = Self.methodLabel(method)
        CoreMetrics.Counter(label: "hirebase_http_requests_total",
                            dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory).increment()
        CoreMetrics.Timer(label: "hirebase_http_request_duration_seconds",
                          dimensions: [("method", method), ("route", route)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// Counts one call refused with 429, by rate class.
    func recordRateLimited(_ rateClass: RateClass) {
        rateLimited[rateClass]?.increment()
    }
}
