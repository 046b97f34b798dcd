import CoreMetrics
import Foundation
import NIOConcurrencyHelpers

/// Request counts and durations, and refusals by rate class: the metrics of the HTTP layer
/// (`AccessLogMiddleware`, `Request.chargeRate`). The availability SLO is computed from
/// `hirebase_http_requests_total` (docs/observability.md).
struct HTTPMetrics: Sendable {
    /// Makes the per-request instruments (their labels are known only per request).
    let factory: any MetricsFactory
    /// `hirebase_rate_limited_requests_total{class}`, one per rate class, made once.
    private let rateLimited: [RateClass: CoreMetrics.Counter]
    /// The per-request instruments made so far, by their labels: made on a label set's first
    /// request and kept, rather than made again on every request (two instruments, their
    /// dimension arrays, and the registry's name and label checks under its lock: 1.5% of the CPU
    /// of `GET /health`). The registry hands back the same series for the same labels, and label
    /// values are few (see `record`), so this holds a few entries per route.
    private let instruments = NIOLockedValueBox<[InstrumentLabels: RequestInstruments]>([:])

    /// The labels of one request's instruments.
    struct InstrumentLabels: Hashable, Sendable {
        /// `methodLabel` of the request's method.
        var method: String
        /// The route pattern.
        var route: String
        /// The response's status code.
        var status: UInt
    }

    /// The instruments of one label set.
    struct RequestInstruments: Sendable {
        /// `hirebase_http_requests_total{method,route,status}`.
        var requests: CoreMetrics.Counter
        /// `hirebase_http_request_duration_seconds{method,route}`.
        var duration: CoreMetrics.Timer
    }

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
    ///   - status: the response's status code.
    ///   - duration: how long the request took.
    func record(method: String, route: String, status: UInt, duration: Duration) {
        let labels = InstrumentLabels(method: Self.methodLabel(method), route: route, status: status)
        let made = instruments.withLockedValue { $0[labels] } ?? make(labels)
        made.requests.increment()
        made.duration.recordNanoseconds(duration.nanoseconds)
    }

    /// Makes (and keeps) the instruments of `labels`. Two requests racing here make the same
    /// series twice: the registry returns the one it holds for the same labels.
    private func make(_ labels: InstrumentLabels) -> RequestInstruments {
        let made = RequestInstruments(
            requests: CoreMetrics.Counter(label: "hirebase_http_requests_total",
                                          dimensions: [("method", labels.method), ("route", labels.route), ("status", String(labels.status))], factory: factory),
            duration: CoreMetrics.Timer(label: "hirebase_http_request_duration_seconds",
                                        dimensions: [("method", labels.method), ("route", labels.route)], factory: factory))
        instruments.withLockedValue { $0[labels] = made }
        return made
    }

    /// Counts one call refused with 429, by rate class.
    func recordRateLimited(_ rateClass: RateClass) {
        rateLimited[rateClass]?.increment()
    }
}
