import AsyncHTTPClient
import BillingCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// `StripeAPI` over Stripe's HTTP API (`STRIPE_API_BASE`, default `https://api.stripe.com`).
///
/// Each request:
/// - authenticates with `Authorization: Bearer <secret key>` and pins `Stripe-Version` to
///   `apiVersion` (Stripe API reference, "Authentication", "Versioning");
/// - sends parameters as `application/x-www-form-urlencoded` with Stripe's nested keys
///   (`StripeForm`), in the body of a POST and in the query of a GET;
/// - carries the caller's `Idempotency-Key` on POST and DELETE, the same on every retry
///   (Stripe API reference, "Idempotent requests"); a GET needs none;
/// - is tried up to `retryPolicy.maxAttempts` times when the failure is worth retrying (no
///   answer, a timeout, 409, 429, 5xx, or `Stripe-Should-Retry: true`; see `StripeRetryPolicy`),
///   with exponential back-off and jitter between attempts;
/// - is bounded by `attemptTimeout` per attempt and by `totalTimeout` for the whole call, back-off
///   included (a wait that would end past it is not started); the connect timeout is the
///   `HTTPClient`'s (`makeHTTPClient(connectTimeout:)`);
/// - goes through `breaker`, which counts the call once, after its retries;
/// - is counted once in `metrics` by operation and outcome, with its duration, retries and
///   back-off included (`hirebase_stripe_requests_total`, `hirebase_stripe_request_duration_seconds`).
///
/// Errors: only `StripeError` (see there for our HTTP answers). A 2xx whose body BillingCore's
/// reader of the object refuses is `.unexpectedResponse`; an error answer's error object is
/// decoded (`StripeErrorObject`).
///
/// Logging never includes the secret key, request bodies (e-mail addresses) or Stripe's error
/// messages (they may repeat what we sent): a failed attempt logs the method, path, status,
/// Stripe's `Request-Id` and the error object's `type`, `code` and `param`.
public struct LiveStripeClient: StripeAPI, CustomStringConvertible, CustomReflectable {
    /// The API version every request is pinned to with `Stripe-Version`. Pinned, rather than
    /// left to the account's default version, so that upgrading the account in Stripe's
    /// dashboard cannot change the shapes decoded here (Stripe API reference, "Versioning").
    /// 2025-03-31.basil moved a subscription's `current_period_start`/`current_period_end` onto
    /// its items (Stripe changelog 2025-03-31); BillingCore's `Subscription` reads both shapes,
    /// because webhook events arrive in the endpoint's own version. Change it together with the
    /// readers.
    public static let apiVersion = "2025-03-31.basil"

    /// `https://api.stripe.com`
    public static let defaultAPIBase = URL(string: "https://api.stripe.com")!

    /// Answers larger than this are refused; Stripe's objects are a few kilobytes.
    static let maxBodyBytes = 1 << 20

    let httpClient: HTTPClient
    let secretKey: String
    /// `apiBase` without a trailing `/`.
    let base: String
    let totalTimeout: Duration
    let attemptTimeout: Duration
    let retryPolicy: StripeRetryPolicy
    let breaker: CircuitBreaker
    let metrics: StripeMetrics
    let logger: Logger
    let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - httpClient: the client requests go through; make it with `makeHTTPClient` (which sets
    ///     the connect timeout and turns off the client's own connection retries and redirects).
    ///     The caller shuts it down.
    ///   - secretKey: `sk_...` or a restricted `rk_...`; an empty key makes every call throw
    ///     `.notConfigured`. Never logged, nor shown by `description` or `dump`.
    ///   - apiBase: `STRIPE_API_BASE`; tests point it at a fake.
    ///   - totalTimeout: for the whole call: every attempt and the waits between them (default 20 s).
    ///   - attemptTimeout: for one attempt: connection, request and the whole answer (default 10 s),
    ///     so that a hung attempt leaves time for another within `totalTimeout`.
    ///   - retryPolicy: which failures are retried, how often, and the back-off.
    ///   - breaker: shared by every client of the same Stripe account, so that they all stop together.
    ///   - metrics: where calls are counted (`HirebaseMetrics.stripe`); by default nowhere.
    ///   - logger: for failed attempts.
    ///   - sleep: waits between attempts; tests record the waits instead.
    init(
        httpClient: HTTPClient,
        secretKey: String,
        apiBase: URL = LiveStripeClient.defaultAPIBase,
        totalTimeout: Duration = .seconds(20),
        attemptTimeout: Duration = .seconds(10),
        retryPolicy: StripeRetryPolicy = StripeRetryPolicy(),
        breaker: CircuitBreaker = CircuitBreaker(),
        metrics: StripeMetrics = .discarded,
        logger: Logger = Logger(label: "hirebase.stripe"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.httpClient = httpClient
        self.secretKey = secretKey
        var base = apiBase.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        self.totalTimeout = totalTimeout
        self.attemptTimeout = attemptTimeout
        self.retryPolicy = retryPolicy
        self.breaker = breaker
        self.metrics = metrics
        self.logger = logger
        self.sleep = sleep
    }

    /// An `HTTPClient` fit for this client: `connectTimeout` per connection attempt (default 5 s),
    /// no redirects (Stripe's API never redirects; one would mean `STRIPE_API_BASE` is wrong), and
    /// no connection retries inside the pool, which would otherwise keep re-dialling a refused
    /// connection until the connect timeout instead of failing at once and letting
    /// `StripeRetryPolicy` decide (`HTTPClient.Configuration.ConnectionPool.retryConnectionEstablishment`).
    /// The caller must `shutdown()` it.
    public static func makeHTTPClient(
        connectTimeout: Duration = .seconds(5),
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup
    ) -> HTTPClient {
        BoundedHTTPExchange.makeHTTPClient(connectTimeout: connectTimeout, eventLoopGroup: eventLoopGroup)
    }

    public var description: String { "LiveStripeClient(\(base), Stripe-Version \(Self.apiVersion))" }

    public var customMirror: Mirror {
        Mirror(self, children: ["apiBase": base, "apiVersion": Self.apiVersion], displayStyle: .struct)
    }

    public var circuitBreaker: CircuitBreaker? { breaker }

    // MARK: - StripeAPI

    public func createCustomer(userID: UUID, email: String?, idempotencyKey: String) async throws(StripeError)
        -> Customer
    {
        var form = StripeForm()
        if let email { form.append("email", .string(email)) }
        form.append("metadata", ["user_id": .string(Self.text(userID))])
        return try await send(.createCustomer, .POST, "/v1/customers", form: form, idempotencyKey: idempotencyKey)
    }

    public func createCheckoutSession(
        customerID: String, priceID: String, userID: UUID, successURL: String, cancelURL: String, idempotencyKey: String
    ) async throws(StripeError) -> CheckoutSession {
        let user = StripeForm.Value.string(Self.text(userID))
        let form: StripeForm = [
            "mode": "subscription",
            "customer": .string(customerID),
            "line_items": [["price": .string(priceID), "quantity": "1"]],
            "success_url": .string(successURL),
            "cancel_url": .string(cancelURL),
            "client_reference_id": user,
            "metadata": ["user_id": user],
            "subscription_data": ["metadata": ["user_id": user]],
        ]
        return try await send(.createCheckoutSession, .POST, "/v1/checkout/sessions", form: form, idempotencyKey: idempotencyKey)
    }

    public func retrieveCheckoutSession(id: String, expandLineItems: Bool) async throws(StripeError)
        -> CheckoutSession
    {
        let id = try Self.checked(id, kind: "checkout session")
        let query: StripeForm = expandLineItems ? ["expand": ["line_items"]] : [:]
        return try await send(.retrieveCheckoutSession, .GET, "/v1/checkout/sessions/\(id)", query: query)
    }

    public func retrieveSubscription(id: String) async throws(StripeError) -> Subscription {
        let id = try Self.checked(id, kind: "subscription")
        return try await send(.retrieveSubscription, .GET, "/v1/subscriptions/\(id)")
    }

    public func updateSubscription(id: String, cancelAtPeriodEnd: Bool, idempotencyKey: String) async throws(StripeError)
        -> Subscription
    {
        let id = try Self.checked(id, kind: "subscription")
        let form: StripeForm = ["cancel_at_period_end": cancelAtPeriodEnd ? "true" : "false"]
        return try await send(.updateSubscription, .POST, "/v1/subscriptions/\(id)", form: form, idempotencyKey: idempotencyKey)
    }

    public func cancelSubscription(id: String, idempotencyKey: String) async throws(StripeError) -> Subscription {
        let id = try Self.checked(id, kind: "subscription")
        return try await send(.cancelSubscription, .DELETE, "/v1/subscriptions/\(id)", idempotencyKey: idempotencyKey)
    }

    /// Our user ids as Hirebase writes them everywhere (lowercase, RFC 9562 § 4).
    static func text(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// `id` if it looks like a Stripe id (letters, digits and `_`, as in `sub_1MowQVLkdIwHu7ix`).
    /// Ids reach us from clients (`POST /verify-billing {"sessionId"}`), and one with `/`, `?` or
    /// `..` would otherwise address another path of the API with our key.
    static func checked(_ id: String, kind: String) throws(StripeError) -> String {
        let valid = (1...255).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
        guard valid else { throw .notFound("No such \(kind): not a Stripe id") }
        return id
    }

    // MARK: - Sending

    /// Sends one call through the breaker, with retries, reads a 2xx answer as `T`, and counts
    /// the call as `operation` in `metrics`.
    func send<T: StripeObject>(
        _ operation: StripeMetrics.Operation,
        _ method: HTTPMethod,
        _ path: String,
        query: StripeForm = [:],
        form: StripeForm? = nil,
        idempotencyKey: String? = nil,
        as type: T.Type = T.self
    ) async throws(StripeError) -> T {
        guard !secretKey.isEmpty else { throw .notConfigured }
        let request = makeRequest(method, path, query: query, form: form, idempotencyKey: idempotencyKey)
        let start = ContinuousClock.now
        do throws(StripeError) {
            let value = try await breaker.run { () async throws(StripeError) -> T in
                let body = try await self.sendWithRetries(request, path: path)
                do throws(StripeEventError) {
                    return try T(json: body)
                } catch {
                    throw .unexpectedResponse("could not read \(T.objectType) from \(method) \(path): \(Self.describe(error))")
                }
            }
            metrics.record(operation, .success, duration: ContinuousClock.now - start)
            return value
        } catch {
            metrics.record(operation, StripeMetrics.Outcome(error), duration: ContinuousClock.now - start)
            throw error
        }
    }

    func makeRequest(
        _ method: HTTPMethod, _ path: String, query: StripeForm, form: StripeForm?, idempotencyKey: String?
    ) -> HTTPClientRequest {
        let queryText = query.encoded
        var request = HTTPClientRequest(url: base + path + (queryText.isEmpty ? "" : "?" + queryText))
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Hirebase (AsyncHTTPClient)")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let form {
            let body = Array(form.encoded.utf8)
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(body)
        }
        return request
    }

    /// Tries `request` until it gets a 2xx (its body is returned), a final answer, or out of
    /// attempts or time.
    func sendWithRetries(_ request: HTTPClientRequest, path: String) async throws(StripeError) -> Data {
        let deadline = ContinuousClock.now.advanced(by: totalTimeout)
        var attempt = 0
        while true {
            attempt += 1
            let attemptDeadline = min(deadline, ContinuousClock.now.advanced(by: attemptTimeout))
            let failure: StripeError
            let retryable: Bool
            var retryAfter: Duration?
            var metadata: Logger.Metadata = [
                "stripe-method": "\(request.method.rawValue)", "stripe-path": "\(path)", "attempt": "\(attempt)",
            ]
            switch await exchange(request, deadline: attemptDeadline) {
            case .answered(let status, _, let body) where (200..<300).contains(status):
                return body
            case .answered(let status, let headers, let body):
                let object = StripeErrorObject.decode(body)
                let retryAfterSeconds = headers.first(name: "Retry-After").flatMap(Int.init).map { max(0, $0) }
                failure = StripeErrorObject.stripeError(status: status, object: object, retryAfter: retryAfterSeconds)
                retryable = retryPolicy.shouldRetry(status: status, shouldRetryHeader: headers.first(name: "Stripe-Should-Retry"))
                retryAfter = retryAfterSeconds.map { .seconds($0) }
                metadata["status"] = "\(status)"
                if let requestID = headers.first(name: "Request-Id") { metadata["stripe-request-id"] = "\(requestID)" }
                if let detail = object?.error {
                    if let type = detail.type { metadata["stripe-error-type"] = "\(type)" }
                    if let code = detail.code { metadata["stripe-error-code"] = "\(code)" }
                    if let param = detail.param { metadata["stripe-error-param"] = "\(param)" }
                    if let declineCode = detail.declineCode { metadata["stripe-decline-code"] = "\(declineCode)" }
                } else {
                    metadata["body"] = "\(Self.trimmed(body))"
                }
            case .tooLarge:
                failure = .unexpectedResponse("Stripe's answer exceeds \(Self.maxBodyBytes) bytes")
                retryable = false
            case .timedOut:
                failure = .timeout
                retryable = true
            case .unreachable(let reason):
                failure = .unavailable("could not reach Stripe: \(reason)")
                retryable = true
                metadata["error"] = "\(reason)"
            }

            let delay = retryPolicy.delay(beforeRetry: attempt, retryAfter: retryAfter)
            // A `Retry-After` longer than we would wait is honoured by not retrying sooner: the
            // caller gets 503 with that wait instead.
            let waitsLongEnough = retryAfter.map { $0 <= retryPolicy.maxDelay } ?? true
            let willRetry = retryable && waitsLongEnough && attempt < retryPolicy.maxAttempts && !Task.isCancelled
                && ContinuousClock.now.advanced(by: delay) < deadline
            metadata["will-retry"] = "\(willRetry)"
            if willRetry {
                logger.notice("stripe request failed, retrying", metadata: metadata)
                do { try await sleep(delay) } catch { throw failure }
            } else {
                logger.warning("stripe request failed", metadata: metadata)
                throw failure
            }
        }
    }

    /// One attempt within `deadline` (see `BoundedHTTPExchange`).
    func exchange(_ request: HTTPClientRequest, deadline: ContinuousClock.Instant) async -> BoundedHTTPExchange {
        await BoundedHTTPExchange.perform(request, on: httpClient, maxBodyBytes: Self.maxBodyBytes, deadline: deadline)
    }

    /// A short description of an error (at most 200 characters).
    static func describe(_ error: any Error) -> String {
        BoundedHTTPExchange.describe(error)
    }

    /// The start of a body that is not a Stripe error object, for the log, with anything that
    /// looks like an e-mail address masked (STYLE.md habit 7).
    static func trimmed(_ body: Data) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return text.split(separator: " ", omittingEmptySubsequences: false).map { word in
            guard let at = word.firstIndex(of: "@"), at != word.startIndex else { return String(word) }
            return "\(word[word.startIndex])***\(word[at...])"
        }.joined(separator: " ")
    }
}
