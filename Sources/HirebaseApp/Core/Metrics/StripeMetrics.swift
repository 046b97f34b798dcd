import CoreMetrics
import Foundation

/// Stripe's API as this instance sees it (`LiveStripeClient`):
/// - `hirebase_stripe_requests_total{operation,outcome}`: calls, counted once each whatever
///   retries they made inside, by how they ended (`Outcome`);
/// - `hirebase_stripe_request_duration_seconds{operation}`: how long each call took, retries
///   and back-off included (a call refused by the open breaker takes about nothing);
/// - `hirebase_stripe_circuit_breaker_state{state}`: 1 for the breaker's state as the next call
///   would find it (`closed`, `half_open`, `open`), 0 for the others; read when `/metrics` is
///   scraped. All three are 0 without `STRIPE_SECRET_KEY` (no breaker).
///
/// Every counter and gauge is made once, so that recording costs no allocation, and every
/// series is present (at 0) from the start, as Prometheus' `rate()` needs.
struct StripeMetrics: Sendable {
    /// The calls of `StripeAPI`, as the `operation` label names them.
    enum Operation: String, Sendable, CaseIterable {
        // One per `StripeAPI` method, in its order.
        case createCustomer = "create_customer"
        case createCheckoutSession = "create_checkout_session"
        case retrieveCheckoutSession = "retrieve_checkout_session"
        case retrieveSubscription = "retrieve_subscription"
        case updateSubscription = "update_subscription"
        case cancelSubscription = "cancel_subscription"
    }

    /// How a call ended, as the `outcome` label names it.
    enum Outcome: String, Sendable, CaseIterable {
        /// A 2xx read as the expected object.
        case success
        /// Stripe refused the request: a 4xx other than 409 and 429 (`invalidRequest`, `notFound`).
        case clientError = "client_error"
        /// 429 on every attempt (`rateLimited`).
        case rateLimited = "rate_limited"
        /// 5xx, 409 or no connection on every attempt (`unavailable`).
        case serverError = "server_error"
        /// No answer in time (`timeout`).
        case timeout
        /// Refused by the open breaker without calling Stripe (`circuitOpen`).
        case circuitOpen = "circuit_open"
        /// An answer that is not what Stripe's API reference describes (`unexpectedResponse`).
        case badResponse = "bad_response"
        /// No secret key (`notConfigured`): `LiveStripeClient` refuses before calling.
        case notConfigured = "not_configured"

        /// The outcome of a call that threw `error`.
        init(_ error: StripeError) {
            switch error {
            case .invalidRequest, .notFound: self = .clientError
            case .rateLimited: self = .rateLimited
            case .unavailable: self = .serverError
            case .timeout: self = .timeout
            case .circuitOpen: self = .circuitOpen
            case .unexpectedResponse: self = .badResponse
            case .notConfigured: self = .notConfigured
            }
        }
    }

    /// The `state` label's values, as `CircuitBreaker.State` maps to them.
    static let circuitStates: [(CircuitBreaker.State, String)] = [(.closed, "closed"), (.halfOpen, "half_open"), (.open, "open")]

    /// The duration histogram's buckets: Stripe answers in tens to hundreds of milliseconds; a
    /// call with retries can take up to the client's total timeout (20 s).
    static let durationBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10), .seconds(20),
    ]
    /// The duration histogram's name (the Prometheus factory's buckets are keyed by it).
    static let durationName = "hirebase_stripe_request_duration_seconds"

    private let calls: [Operation: [Outcome: CoreMetrics.Counter]]
    private let durations: [Operation: CoreMetrics.Timer]
    private let circuit: [(CircuitBreaker.State, CoreMetrics.Meter)]

    /// - Parameter factory: give the Prometheus factory `durationBuckets` for `durationName`.
    init(factory: any MetricsFactory) {
        var calls: [Operation: [Outcome: CoreMetrics.Counter]] = [:]
        var durations: [Operation: CoreMetrics.Timer] = [:]
        for operation in Operation.allCases {
            for outcome in Outcome.allCases where outcome != .notConfigured {
                calls[operation, default: [:]][outcome] = CoreMetrics.Counter(
                    label: "hirebase_stripe_requests_total", dimensions: [("operation", operation.rawValue), ("outcome", outcome.rawValue)],
                    factory: factory)
            }
            durations[operation] = CoreMetrics.Timer(label: Self.durationName, dimensions: [("operation", operation.rawValue)], factory: factory)
        }
        self.calls = calls
        self.durations = durations
        circuit = Self.circuitStates.map { state, name in
            (state, CoreMetrics.Meter(label: "hirebase_stripe_circuit_breaker_state", dimensions: [("state", name)], factory: factory))
        }
    }

    /// Metrics that go nowhere (a client made outside `ServiceFactory`, in tests).
    static let discarded = StripeMetrics(factory: NOOPMetricsHandler.instance)

    /// Counts one call and records its duration. `notConfigured` is not counted: no call was made.
    func record(_ operation: Operation, _ outcome: Outcome, duration: Duration) {
        guard outcome != .notConfigured else { return }
        calls[operation]?[outcome]?.increment()
        durations[operation]?.recordNanoseconds(duration.nanoseconds)
    }

    /// Sets the breaker's gauge to `state`.
    func observe(_ state: CircuitBreaker.State) {
        for (candidate, meter) in circuit { meter.set(candidate == state ? 1 : 0) }
    }
}
