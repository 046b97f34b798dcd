import Foundation

/// The body of a Stripe error answer: `{"error": {"type", "code"?, "message"?, "param"?,
/// "decline_code"?, ...}}` (Stripe API reference, "Errors").
struct StripeErrorObject: Decodable, Sendable, Equatable {
    struct Detail: Decodable, Sendable, Equatable {
        /// `api_error`, `card_error`, `idempotency_error` or `invalid_request_error` (older
        /// answers also `authentication_error`, `permission_error`, `rate_limit_error`).
        var type: String?
        /// A short machine-readable code (`resource_missing`, `lock_timeout`, ...).
        var code: String?
        /// Human-readable; may repeat what we sent (an e-mail address), so it is not logged.
        var message: String?
        /// The parameter the error is about (`line_items[0][price]`).
        var param: String?
        /// For card errors, the issuer's reason.
        var declineCode: String?

        enum CodingKeys: String, CodingKey {
            case type, code, message, param
            case declineCode = "decline_code"
        }
    }

    var error: Detail

    /// The error object in `body`, if it has one.
    static func decode(_ body: Data) -> StripeErrorObject? {
        try? JSONDecoder().decode(StripeErrorObject.self, from: body)
    }

    /// How an answer with `status` and this error object (or none) is reported, once no retry is
    /// left. `status` is not 2xx; `retryAfter` is the answer's `Retry-After` in seconds, if any.
    static func stripeError(status: Int, object: StripeErrorObject?, retryAfter: Int? = nil) -> StripeError {
        let detail = object?.error
        let message = detail?.message ?? "Stripe answered \(status)"
        switch status {
        case 404:
            return .notFound(message)
        case 409:
            // lock_timeout, or the same Idempotency-Key still in progress: transient, like a 5xx.
            return .unavailable("Stripe answered 409 (\(detail?.code ?? "conflict"))")
        case 429:
            return .rateLimited(retryAfter: retryAfter)
        case 500...:
            return .unavailable("Stripe answered \(status)\(detail?.type.map { " (\($0))" } ?? "")")
        case 400..<500:
            guard let detail else {
                return .invalidRequest(type: "http_\(status)", code: nil, message: message, param: nil)
            }
            return .invalidRequest(
                type: detail.type ?? "http_\(status)", code: detail.code, message: message, param: detail.param)
        default:
            // 1xx/3xx: Stripe never redirects; a redirect means STRIPE_API_BASE points elsewhere.
            return .unexpectedResponse("Stripe answered \(status)")
        }
    }
}
