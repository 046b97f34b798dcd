import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A fake of the part of Stripe's HTTP API that billing uses, served on 127.0.0.1 by a
/// `LoopbackServer`, so that the live client is tested over real HTTP: timeouts, status codes,
/// retries and refused connections included.
///
/// Answers in Stripe's shapes at API version 2025-03-31.basil (a subscription's period on its
/// items; `seed(_:)` can also give the older top-level shape) and with Stripe's error objects
/// (`{"error": {"type", "code", "message", "param"}}`):
/// - `POST /v1/customers`
/// - `POST /v1/checkout/sessions` (`mode`, `customer`, `line_items[0][price]` of a known price,
///   `success_url`; `subscription_data[metadata]` is kept for `complete(session:)`)
/// - `GET /v1/checkout/sessions/{id}` (`line_items` only with `expand[]=line_items`, as Stripe)
/// - `GET`, `POST` (`cancel_at_period_end`) and `DELETE /v1/subscriptions/{id}`; a DELETE answers
///   the subscription `canceled` with `cancel_at_period_end: false`, and a DELETE of a cancelled
///   subscription is 404 `resource_missing`, as at Stripe
/// Anything else is 404 ("Unrecognized request URL"), and a request without
/// `Authorization: Bearer <secretKey>` is 401: a test that forgets to set something up fails loudly.
///
/// Like Stripe ("Idempotent requests"), a POST's `Idempotency-Key` is remembered with the first
/// answer, which a later request with the same key gets again (with `Idempotent-Replayed: true`);
/// the same key with other parameters is 400 `idempotency_error`, and while the first request is
/// still running, 409 `idempotency_key_in_use`. Scripted failures (`fail`) are the requests that
/// never begin executing (an overloaded edge, a lock timeout), so, as at Stripe, they are not
/// remembered and a retry with the same key is executed.
final class FakeStripe: Sendable {
    /// A request as the fake received it.
    struct Request: Sendable {
        var method: String
        /// Without the query.
        var path: String
        /// The query's parameters, decoded (`expand[]` -> `line_items`).
        var query: [(name: String, value: String)]
        /// Names lowercased.
        var headers: [String: String]
        /// The raw body.
        var body: String
        /// The body decoded as `application/x-www-form-urlencoded`, in order.
        var formPairs: [(name: String, value: String)]

        /// The decoded body, the last value winning for a repeated name.
        var form: [String: String] { Dictionary(formPairs.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }) }
        var idempotencyKey: String? { headers["idempotency-key"] }
        var stripeVersion: String? { headers["stripe-version"] }
        var authorization: String? { headers["authorization"] }
    }

    /// A failure to answer with instead of executing a request.
    enum Fault: Sendable {
        /// This status with a Stripe error object (`api_error` for 5xx, `rate_limit` for 429,
        /// `lock_timeout` for 409), and `Stripe-Should-Retry` and `Retry-After` (seconds) if given.
        case status(Int, shouldRetry: Bool? = nil, retryAfter: Int? = nil)
        /// Waits this long before executing the request (and remembering its key): past the
        /// client's timeout, the client has given up while the fake still does the work.
        case delay(Duration)
    }

    /// A subscription to seed, or as the fake holds it.
    struct Subscription: Sendable {
        var id: String
        var customer: String
        var status = "active"
        var priceID = "price_pro_monthly"
        /// Seconds since 1970.
        var currentPeriodStart = 1_767_225_600
        var currentPeriodEnd = 1_769_904_000
        var cancelAtPeriodEnd = false
        var metadata: [String: String] = [:]
        var canceledAt: Int?
        var created = 1_767_225_600
        /// Render the period at the top level and not on the item: API versions before 2025-03-31.
        var legacyShape = false
    }

    /// A checkout session to seed, or as the fake holds it.
    struct CheckoutSession: Sendable {
        var id: String
        var status = "complete"
        var paymentStatus = "paid"
        var mode = "subscription"
        var amountTotal: Int? = 4900
        var currency: String? = "usd"
        var customer: String?
        var subscription: String?
        var clientReferenceID: String?
        var metadata: [String: String] = [:]
        var priceID: String? = "price_pro_monthly"
        /// `subscription_data[metadata]`: given to the subscription that `complete` creates.
        var subscriptionMetadata: [String: String] = [:]
        var url: String? { status == "open" ? "https://checkout.stripe.com/c/pay/\(id)" : nil }
    }

    struct Customer: Sendable {
        var id: String
        var email: String?
        var metadata: [String: String]
    }

    struct Price: Sendable {
        var amount: Int
        var currency: String
    }

    /// An answer, before it is written.
    struct Reply: Sendable {
        var status: Int
        var json: Data
        var headers: [(String, String)] = []
    }

    private struct Remembered: Sendable {
        var fingerprint: String
        /// `nil` while the first request with the key is still running.
        var reply: Reply?
    }

    private struct State: Sendable {
        var secretKey: String
        var prices: [String: Price]
        var requests: [Request] = []
        var customers: [String: Customer] = [:]
        var customerOrder: [String] = []
        var sessions: [String: CheckoutSession] = [:]
        var subscriptions: [String: Subscription] = [:]
        var faults: [String: [Fault]] = [:]
        var idempotency: [String: Remembered] = [:]
        var nextID = 0
        var stopped = false

        mutating func mintID(_ prefix: String) -> String {
            nextID += 1
            return "\(prefix)\(String(format: "%014d", nextID))"
        }
    }

    let server: LoopbackServer
    private let state: NIOLockedValueBox<State>

    /// `http://127.0.0.1:<port>`, for `STRIPE_API_BASE`.
    var baseURL: URL { server.baseURL }
    /// Every request received so far, in order (refused ones included).
    var requests: [Request] { state.withLockedValue { $0.requests } }
    /// Customers created through the API (not seeded), in order.
    var createdCustomers: [Customer] { state.withLockedValue { state in state.customerOrder.compactMap { state.customers[$0] } } }
    var createdCustomerCount: Int { state.withLockedValue { $0.customerOrder.count } }

    private init(server: LoopbackServer, state: NIOLockedValueBox<State>) {
        self.server = server
        self.state = state
    }

    /// Starts a fake that accepts `secretKey` and knows `prices` (by default the plans file's
    /// `price_pro_monthly`, 4900 USD cents, and `price_business_monthly`, 19900).
    static func start(
        secretKey: String = "sk_test_fake",
        prices: [String: Price] = [
            "price_pro_monthly": Price(amount: 4900, currency: "usd"),
            "price_business_monthly": Price(amount: 19900, currency: "usd"),
        ]
    ) async throws -> FakeStripe {
        let state = NIOLockedValueBox(State(secretKey: secretKey, prices: prices))
        let server = try await LoopbackServer.start { app in
            for method in [HTTPMethod.GET, .POST, .DELETE] {
                app.on(method, "**", body: .collect(maxSize: "1mb")) { request async throws -> Response in
                    try await Self.serve(request, state: state)
                }
            }
        }
        return FakeStripe(server: server, state: state)
    }

    /// Stops the server: from now on connections to its port are refused. Safe to call twice.
    func stop() async {
        let alreadyStopped = state.withLockedValue { state in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !alreadyStopped else { return }
        try? await server.stop()
    }

    // MARK: - Arranging

    /// The next `times` requests to `path` (exact, without query; any method unless `method` is
    /// given) get `fault` instead of being executed. Faults queue up in the order given.
    func fail(_ path: String, method: String? = nil, with fault: Fault, times: Int = 1) {
        let key = Self.faultKey(method: method, path: path)
        state.withLockedValue { $0.faults[key, default: []] += Array(repeating: fault, count: times) }
    }

    func seed(_ subscription: Subscription) {
        state.withLockedValue { $0.subscriptions[subscription.id] = subscription }
    }

    func seed(_ session: CheckoutSession) {
        state.withLockedValue { $0.sessions[session.id] = session }
    }

    func seedCustomer(id: String, email: String? = nil, metadata: [String: String] = [:]) {
        state.withLockedValue { $0.customers[id] = Customer(id: id, email: email, metadata: metadata) }
    }

    func subscription(_ id: String) -> Subscription? { state.withLockedValue { $0.subscriptions[id] } }
    func session(_ id: String) -> CheckoutSession? { state.withLockedValue { $0.sessions[id] } }

    /// Completes a checkout session as if the user had paid: a subscription is created for its
    /// customer and price, with its `subscription_data[metadata]`. Returns the subscription.
    @discardableResult
    func complete(session id: String, periodStart: Int = 1_767_225_600, periodEnd: Int = 1_769_904_000) -> Subscription? {
        state.withLockedValue { state in
            guard var session = state.sessions[id], let customer = session.customer else { return nil }
            let subscription = Subscription(
                id: state.mintID("sub_fake"), customer: customer, priceID: session.priceID ?? "price_pro_monthly",
                currentPeriodStart: periodStart, currentPeriodEnd: periodEnd, metadata: session.subscriptionMetadata)
            state.subscriptions[subscription.id] = subscription
            session.status = "complete"
            session.paymentStatus = "paid"
            session.subscription = subscription.id
            state.sessions[id] = session
            return subscription
        }
    }

    // MARK: - Serving

    private static func faultKey(method: String?, path: String) -> String { "\(method ?? "*") \(path)" }

    private static func serve(_ vaporRequest: Vapor.Request, state: NIOLockedValueBox<State>) async throws -> Response {
        let body = vaporRequest.body.data.map { String(buffer: $0) } ?? ""
        var headers: [String: String] = [:]
        for (name, value) in vaporRequest.headers { headers[name.lowercased()] = value }
        let request = Request(
            method: vaporRequest.method.rawValue,
            path: vaporRequest.url.path,
            query: parseForm(vaporRequest.url.query ?? ""),
            headers: headers,
            body: body,
            formPairs: parseForm(body))

        enum Step {
            case reply(Reply)
            case delayThenExecute(Duration, idempotencyKey: String?)
        }
        let step: Step = state.withLockedValue { state in
            state.requests.append(request)
            guard request.authorization == "Bearer \(state.secretKey)" else {
                return .reply(error(401, type: "invalid_request_error", message: "Invalid API Key provided"))
            }
            if let fault = takeFault(for: request, from: &state) {
                switch fault {
                case .status(let status, let shouldRetry, let retryAfter):
                    return .reply(faultReply(status, shouldRetry: shouldRetry, retryAfter: retryAfter))
                case .delay(let duration):
                    let key = request.method == "POST" ? request.idempotencyKey : nil
                    if let key {
                        if let answer = idempotentAnswer(for: request, key: key, in: state) { return .reply(answer) }
                        state.idempotency[key] = Remembered(fingerprint: fingerprint(request), reply: nil)
                    }
                    return .delayThenExecute(duration, idempotencyKey: key)
                }
            }
            if request.method == "POST", let key = request.idempotencyKey {
                if let answer = idempotentAnswer(for: request, key: key, in: state) { return .reply(answer) }
                let reply = execute(request, state: &state)
                state.idempotency[key] = Remembered(fingerprint: fingerprint(request), reply: reply)
                return .reply(reply)
            }
            return .reply(execute(request, state: &state))
        }

        let reply: Reply
        switch step {
        case .reply(let immediate):
            reply = immediate
        case .delayThenExecute(let duration, let key):
            // Like Stripe, the work is done even if the client has gone away meanwhile.
            try? await Task.sleep(for: duration)
            reply = state.withLockedValue { state in
                let executed = execute(request, state: &state)
                if let key { state.idempotency[key]?.reply = executed }
                return executed
            }
        }
        var responseHeaders = HTTPHeaders(reply.headers)
        responseHeaders.replaceOrAdd(name: .contentType, value: "application/json")
        responseHeaders.replaceOrAdd(name: "Request-Id", value: "req_fake\(UUID().uuidString.prefix(8))")
        return Response(status: .init(statusCode: reply.status), headers: responseHeaders, body: .init(data: reply.json))
    }

    private static func takeFault(for request: Request, from state: inout State) -> Fault? {
        for key in [faultKey(method: request.method, path: request.path), faultKey(method: nil, path: request.path)] {
            if var queue = state.faults[key], !queue.isEmpty {
                let fault = queue.removeFirst()
                state.faults[key] = queue
                return fault
            }
        }
        return nil
    }

    /// What Stripe answers to a POST whose key it has seen: the saved answer, 400 for other
    /// parameters, 409 while the first is running; `nil` for a new key.
    private static func idempotentAnswer(for request: Request, key: String, in state: State) -> Reply? {
        guard let remembered = state.idempotency[key] else { return nil }
        guard remembered.fingerprint == fingerprint(request) else {
            return error(
                400, type: "idempotency_error",
                message: "Keys for idempotent requests can only be used with the same parameters they were first used with.")
        }
        guard var reply = remembered.reply else {
            return error(
                409, type: "invalid_request_error", code: "idempotency_key_in_use",
                message: "There is currently another in-progress request using this Idempotent Key.")
        }
        reply.headers.append(("Idempotent-Replayed", "true"))
        return reply
    }

    private static func fingerprint(_ request: Request) -> String { "\(request.method) \(request.path) \(request.body)" }

    private static func faultReply(_ status: Int, shouldRetry: Bool?, retryAfter: Int?) -> Reply {
        var reply: Reply
        switch status {
        case 409:
            reply = error(
                409, type: "invalid_request_error", code: "lock_timeout",
                message: "This object cannot be accessed right now because another API request or Stripe process is currently accessing it.")
        case 429:
            reply = error(
                429, type: "invalid_request_error", code: "rate_limit",
                message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.")
        case 500...:
            reply = error(status, type: "api_error", message: "Something went wrong on Stripe's end.")
        default:
            reply = error(status, type: "invalid_request_error", message: "Scripted failure.")
        }
        if let shouldRetry { reply.headers.append(("Stripe-Should-Retry", shouldRetry ? "true" : "false")) }
        if let retryAfter { reply.headers.append(("Retry-After", String(retryAfter))) }
        return reply
    }

    // MARK: - Endpoints

    private static func execute(_ request: Request, state: inout State) -> Reply {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // The route without its last component, and that component (an object's id).
        let route = (request.method, parts.dropLast().joined(separator: "/"))
        let id = parts.last ?? ""
        switch route {
        case ("POST", "/v1") where id == "customers":
            return createCustomer(request, state: &state)
        case ("POST", "/v1/checkout") where id == "sessions":
            return createCheckoutSession(request, state: &state)
        case ("GET", "/v1/checkout/sessions"):
            guard let session = state.sessions[id] else {
                return error(404, code: "resource_missing", message: "No such checkout.session: '\(id)'", param: "session")
            }
            let expand = request.query.filter { $0.name == "expand[]" }.map(\.value)
            return ok(render(session, expandLineItems: expand.contains("line_items"), state: state))
        case ("GET", "/v1/subscriptions"):
            guard let subscription = state.subscriptions[id] else { return noSuchSubscription(id) }
            return ok(render(subscription))
        case ("POST", "/v1/subscriptions"):
            guard var subscription = state.subscriptions[id] else { return noSuchSubscription(id) }
            guard subscription.status != "canceled" else {
                return error(
                    400, type: "invalid_request_error",
                    message: "A canceled subscription can only update its cancellation_details and metadata.")
            }
            if let value = request.form["cancel_at_period_end"] {
                guard value == "true" || value == "false" else {
                    return error(400, code: "parameter_invalid_boolean", message: "Invalid boolean: \(value)", param: "cancel_at_period_end")
                }
                subscription.cancelAtPeriodEnd = value == "true"
            }
            state.subscriptions[id] = subscription
            return ok(render(subscription))
        case ("DELETE", "/v1/subscriptions"):
            // Stripe treats a cancelled subscription as deleted: cancelling it again is 404.
            guard var subscription = state.subscriptions[id], subscription.status != "canceled" else {
                return noSuchSubscription(id)
            }
            // Stripe's answer to an immediate cancellation has no cancellation ahead:
            // `cancel_at_period_end: false` and `cancel_at: null` (as in the `deleted` events of
            // subscriptions cancelled at once, `cancellation_details.reason: cancellation_requested`),
            // even when a cancellation at the period end had been scheduled.
            subscription.status = "canceled"
            subscription.cancelAtPeriodEnd = false
            subscription.canceledAt = Int(Date().timeIntervalSince1970)
            state.subscriptions[id] = subscription
            return ok(render(subscription))
        default:
            return error(404, message: "Unrecognized request URL (\(request.method): \(request.path)).")
        }
    }

    private static func createCustomer(_ request: Request, state: inout State) -> Reply {
        let customer = Customer(
            id: state.mintID("cus_fake"), email: request.form["email"], metadata: metadata(in: request.formPairs, under: "metadata"))
        state.customers[customer.id] = customer
        state.customerOrder.append(customer.id)
        return ok([
            "id": customer.id, "object": "customer", "email": customer.email ?? NSNull(), "metadata": customer.metadata,
            "livemode": false,
        ])
    }

    private static func createCheckoutSession(_ request: Request, state: inout State) -> Reply {
        let form = request.form
        guard let mode = form["mode"] else { return error(400, code: "parameter_missing", message: "Missing required param: mode.", param: "mode") }
        guard let priceID = form["line_items[0][price]"] else {
            return error(400, code: "parameter_missing", message: "Missing required param: line_items[0][price].", param: "line_items[0][price]")
        }
        guard let price = state.prices[priceID] else {
            return error(400, code: "resource_missing", message: "No such price: '\(priceID)'", param: "line_items[0][price]")
        }
        guard form["success_url"] != nil else {
            return error(400, code: "parameter_missing", message: "Missing required param: success_url.", param: "success_url")
        }
        if let customer = form["customer"], state.customers[customer] == nil {
            return error(400, code: "resource_missing", message: "No such customer: '\(customer)'", param: "customer")
        }
        let quantity = Int(form["line_items[0][quantity]"] ?? "1") ?? 1
        let session = CheckoutSession(
            id: state.mintID("cs_test_fake"), status: "open", paymentStatus: "unpaid", mode: mode,
            amountTotal: price.amount * quantity, currency: price.currency, customer: form["customer"],
            subscription: nil, clientReferenceID: form["client_reference_id"],
            metadata: metadata(in: request.formPairs, under: "metadata"), priceID: priceID,
            subscriptionMetadata: metadata(in: request.formPairs, under: "subscription_data[metadata]"))
        state.sessions[session.id] = session
        return ok(render(session, expandLineItems: false, state: state))
    }

    private static func noSuchSubscription(_ id: String) -> Reply {
        error(404, code: "resource_missing", message: "No such subscription: '\(id)'", param: "id")
    }

    /// `name[key]=value` entries of a form as a dictionary.
    private static func metadata(in pairs: [(name: String, value: String)], under name: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in pairs where pair.name.hasPrefix("\(name)[") && pair.name.hasSuffix("]") {
            let key = pair.name.dropFirst(name.count + 1).dropLast()
            guard !key.contains("[") else { continue }
            result[String(key)] = pair.value
        }
        return result
    }

    // MARK: - Stripe's shapes

    private static func render(_ subscription: Subscription) -> [String: Any] {
        var item: [String: Any] = [
            "id": "si_\(subscription.id.dropFirst(4))", "object": "subscription_item", "quantity": 1,
            "price": ["id": subscription.priceID, "object": "price", "recurring": ["interval": "month"]],
        ]
        var object: [String: Any] = [
            "id": subscription.id, "object": "subscription", "customer": subscription.customer,
            "status": subscription.status, "cancel_at_period_end": subscription.cancelAtPeriodEnd,
            "cancel_at": subscription.cancelAtPeriodEnd ? subscription.currentPeriodEnd : NSNull(),
            "canceled_at": subscription.canceledAt ?? NSNull(), "created": subscription.created,
            "metadata": subscription.metadata, "livemode": false,
        ]
        if subscription.legacyShape {
            object["current_period_start"] = subscription.currentPeriodStart
            object["current_period_end"] = subscription.currentPeriodEnd
        } else {
            item["current_period_start"] = subscription.currentPeriodStart
            item["current_period_end"] = subscription.currentPeriodEnd
        }
        object["items"] = [
            "object": "list", "data": [item], "has_more": false, "url": "/v1/subscription_items?subscription=\(subscription.id)",
        ] as [String: Any]
        return object
    }

    private static func render(_ session: CheckoutSession, expandLineItems: Bool, state: State) -> [String: Any] {
        var object: [String: Any] = [
            "id": session.id, "object": "checkout.session", "url": session.url ?? NSNull(), "status": session.status,
            "payment_status": session.paymentStatus, "mode": session.mode, "amount_total": session.amountTotal ?? NSNull(),
            "currency": session.currency ?? NSNull(), "customer": session.customer ?? NSNull(),
            "subscription": session.subscription ?? NSNull(), "client_reference_id": session.clientReferenceID ?? NSNull(),
            "metadata": session.metadata, "livemode": false,
        ]
        if expandLineItems {
            let items: [[String: Any]] = session.priceID.map { priceID in
                [[
                    "id": "li_\(session.id.suffix(8))", "object": "item", "quantity": 1,
                    "amount_total": session.amountTotal ?? 0, "currency": session.currency ?? "usd",
                    "price": ["id": priceID, "object": "price"],
                ]]
            } ?? []
            object["line_items"] = [
                "object": "list", "data": items, "has_more": false, "url": "/v1/checkout/sessions/\(session.id)/line_items",
            ] as [String: Any]
        }
        return object
    }

    private static func ok(_ object: [String: Any]) -> Reply {
        Reply(status: 200, json: (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8))
    }

    /// Stripe's error object (Stripe API reference, "Errors").
    private static func error(
        _ status: Int, type: String = "invalid_request_error", code: String? = nil, message: String, param: String? = nil
    ) -> Reply {
        var detail: [String: Any] = ["type": type, "message": message]
        if let code {
            detail["code"] = code
            detail["doc_url"] = "https://stripe.com/docs/error-codes/\(code.replacingOccurrences(of: "_", with: "-"))"
        }
        if let param { detail["param"] = param }
        let json = (try? JSONSerialization.data(withJSONObject: ["error": detail])) ?? Data("{}".utf8)
        return Reply(status: status, json: json)
    }

    /// `application/x-www-form-urlencoded` parsing as the WHATWG URL Standard § 5.1 does it:
    /// split on `&`, then on the first `=`, `+` as space, percent-decoding the UTF-8 bytes.
    /// Written apart from the client's encoder so that a test compares two readings.
    static func parseForm(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { sequence in
            let (name, value) = sequence.firstIndex(of: "=").map { (sequence[..<$0], sequence[sequence.index(after: $0)...]) }
                ?? (sequence[...], ""[...])
            return (percentDecode(name), percentDecode(value))
        }
    }

    private static func percentDecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), input.count >= 2, input.prefix(2).allSatisfy(isHexDigit),
                let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                input = input.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default:
            false
        }
    }
}
