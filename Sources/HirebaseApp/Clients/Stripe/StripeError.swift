/// Why a Stripe call failed, in the terms billing answers with.
///
/// How each case becomes our HTTP answer (`API.md` § Billing: when Stripe is down or not
/// configured, billing calls answer 503 and everything else keeps working):
///
/// | case | answer |
/// | --- | --- |
/// | `notConfigured` | 503, code `stripe_not_configured` (no `STRIPE_SECRET_KEY`) |
/// | `circuitOpen(retryAfter:)` | 503 with `Retry-After: retryAfter` (seconds) |
/// | `timeout` | 504 |
/// | `unavailable` | 503 with `Retry-After` (network error, 5xx or 409 after the retries) |
/// | `rateLimited(retryAfter:)` | 503 with Stripe's `Retry-After` (2 s when it sent none): 429 after the retries |
/// | `invalidRequest` | 502 with a safe detail: Stripe refused what we sent, which is our bug or our configuration (a price id that does not exist, a revoked key), not the caller's |
/// | `notFound` | 404, or handled by the caller (a subscription already deleted at Stripe) |
/// | `unexpectedResponse` | 502 |
///
/// The associated strings are for logs: they never contain the secret key, and a caller should
/// not echo them to a client (`invalidRequest`'s `type`, `code` and `param` are safe to show).
///
/// Sources: Stripe API reference, "Errors" (the error object and its `type`s) and "Idempotent
/// requests" (which failures may be retried with the same key).
public enum StripeError: Error, Sendable, Equatable {
    /// No secret key is configured: billing is off.
    case notConfigured
    /// The circuit breaker is open after repeated failures; `retryAfter` is the number of seconds
    /// (at least 1) until it lets a probe call through.
    case circuitOpen(retryAfter: Int)
    /// No answer within the connect or total timeout, on the last attempt.
    case timeout
    /// Stripe could not be reached, or answered 5xx (or 409 `lock_timeout`) on every attempt.
    case unavailable(String)
    /// Stripe answered 429 on every attempt (its per-account rate limit); `retryAfter` is the
    /// last answer's `Retry-After` in seconds, when it sent one.
    case rateLimited(retryAfter: Int?)
    /// Stripe refused the request (a 4xx other than 404, 409 and 429): the error object's `type`
    /// (`invalid_request_error`, `card_error`, `idempotency_error`, `authentication_error`, ...),
    /// `code` (e.g. `parameter_missing`), `message` and the offending `param` (e.g.
    /// `line_items[0][price]`). For a 4xx without an error object, `type` is `http_<status>`.
    case invalidRequest(type: String, code: String?, message: String, param: String?)
    /// Stripe answered 404 (`resource_missing`): the object does not exist; Stripe's message.
    case notFound(String)
    /// Stripe answered something that is not what its API reference describes (a body that does
    /// not decode, a redirect, a body over the size cap).
    case unexpectedResponse(String)

    /// Whether this failure says that Stripe is unwell, so that the circuit breaker counts it:
    /// timeouts, network errors, 5xx and 409. An answer that Stripe gave on purpose (a 4xx, a
    /// body we could not read) shows Stripe is up, and breaks a run of failures. A 429 does not
    /// count either: it says we send too much, not that Stripe is down, and counting it would let
    /// one user's flood open the breaker for everyone (the calls one user can cause are bounded
    /// by the `costly` rate class instead).
    public var countsAgainstAvailability: Bool {
        switch self {
        case .timeout, .unavailable: true
        case .notConfigured, .circuitOpen, .rateLimited, .invalidRequest, .notFound, .unexpectedResponse: false
        }
    }

    /// Whether the same call may succeed later without any change on our side: Stripe down, slow,
    /// rate-limiting, or our breaker open. (A follow-up job retries these; the rest are final.)
    public var isTransient: Bool {
        switch self {
        case .timeout, .unavailable, .circuitOpen, .rateLimited: true
        case .notConfigured, .invalidRequest, .notFound, .unexpectedResponse: false
        }
    }
}

extension StripeError: CircuitBreakerFailure {
    /// `.circuitOpen(retryAfter:)`.
    public static func circuitOpen(retryAfterSeconds: Int) -> StripeError { .circuitOpen(retryAfter: retryAfterSeconds) }
}
