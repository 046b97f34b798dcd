import Vapor

/// Charges each request to its rate class before the route runs (before authentication refuses
/// it and before CSRF) and answers 429 `rate_limited` with `Retry-After` when the class is used
/// up. Every response, errors included, carries `RateLimit-Limit`, `RateLimit-Remaining` and
/// `RateLimit-Reset`.
///
/// A caller whose access token verifies is keyed by user id, in the route's class; any other
/// call (no token: the candidate's open and submit; a token that does not verify: refused with
/// 401 right after) by client address, in the `anonymous` class, so that a flood of bad tokens is
/// limited as well.
/// Routes outside the groups this guards (health, metrics, the OpenAPI document, Stripe's
/// webhooks) are not limited.
///
/// A plain (future-based) `Middleware` with a path that does not wait: when the caller is known
/// without waiting (`Request.knownUser`) and the route's class is counted in memory or off
/// (`RateLimiter.chargeAtOnce`), the request is charged and handed on at once. Every other
/// request takes the same steps awaited, in a task (what Vapor does for every `AsyncMiddleware`:
/// one task and two thread hops a layer, measurable on `GET /subscription-status`).
struct RateLimitMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if request.headers.bearerToken != nil, let user = request.knownUser() {
            do {
                if try request.chargeRateAtOnce(RouteRateClass.of(request), subject: user.id.lowercased) {
                    return next.respond(to: request).map { Self.withDecisionHeaders($0, of: request) }
                }
            } catch {
                return request.eventLoop.makeFailedFuture(error)
            }
        }
        let promise = request.eventLoop.makePromise(of: Response.self)
        promise.completeWithTask {
            // A token that does not verify does not stop the call here (on the candidate's routes
            // it may be a stale session in the candidate's browser): it is charged as anonymous,
            // and authentication or the route decides who may proceed.
            if request.headers.bearerToken != nil, let user = try? await request.requireUser() {
                try await request.chargeRate(RouteRateClass.of(request), subject: user.id.lowercased)
            } else {
                try await request.chargeRate(.anonymous, subject: request.clientAddressKey)
            }
            return Self.withDecisionHeaders(try await next.respond(to: request).get(), of: request)
        }
        return promise.futureResult
    }

    /// `response` with the `RateLimit-*` headers of the request's decision, if any.
    private static func withDecisionHeaders(_ response: Response, of request: Request) -> Response {
        request.rateLimitDecision?.headers.forEach { response.headers.replaceOrAdd(name: $0.0, value: $0.1) }
        return response
    }
}

enum RateLimitDecisionKey: StorageKey {
    typealias Value = RateLimitDecision
}

extension Request {
    /// The last rate-limit decision of this request (its headers go on the response, errors too).
    var rateLimitDecision: RateLimitDecision? {
        get { storage[RateLimitDecisionKey.self] }
        set { storage[RateLimitDecisionKey.self] = newValue }
    }

    /// Charges one call of `subject` to `rateClass`; used by `RateLimitMiddleware` and by routes
    /// whose class depends on the body (`verify-billing` with a `sessionId` is `costly`).
    /// - Throws: 429 `rate_limited` with `Retry-After` and the `RateLimit-*` headers when refused.
    func chargeRate(_ rateClass: RateClass, subject: String) async throws {
        try apply(try await hirebase.rateLimiter.charge(rateClass, subject: subject, on: self.db), of: rateClass)
    }

    /// ``chargeRate(_:subject:)`` when it needs no waiting (the class is off or counted in
    /// memory, `RateLimiter.chargeAtOnce`).
    /// - Returns: whether it was charged; `false` (nothing charged) for a class counted in the
    ///   database: call `chargeRate`.
    /// - Throws: as `chargeRate`.
    func chargeRateAtOnce(_ rateClass: RateClass, subject: String) throws -> Bool {
        guard let decision = hirebase.rateLimiter.chargeAtOnce(rateClass, subject: subject) else { return false }
        try apply(decision, of: rateClass)
        return true
    }

    /// Keeps a charge's decision for the response's headers.
    /// - Throws: 429 `rate_limited` with `Retry-After` and the `RateLimit-*` headers when refused.
    private func apply(_ decision: RateLimitDecision?, of rateClass: RateClass) throws {
        guard let decision else { return }
        rateLimitDecision = decision
        guard decision.allowed else {
            logger.notice("rate limited", metadata: ["rate-class": .string(rateClass.rawValue), "retry-after": .stringConvertible(decision.retryAfterSeconds)])
            hirebase.metrics.http.recordRateLimited(rateClass)
            var headers = HTTPHeaders()
            decision.headers.forEach { headers.replaceOrAdd(name: $0.0, value: $0.1) }
            throw AppError(.tooManyRequests, code: "rate_limited",
                           detail: "Too many \(rateClass.rawValue) requests; try again in \(decision.retryAfterSeconds) s", headers: headers)
        }
    }

    /// Charges the signed-in caller's `costly` class (routes that are `write` by default).
    func chargeCostly() async throws {
        let user = try await requireUser()
        try await chargeRate(.costly, subject: user.id.lowercased)
    }
}
