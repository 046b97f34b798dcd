import Vapor

/// The one error type of Hirebase: an HTTP status, a stable snake_case `code` for programs, a
/// `detail` sentence that is safe to show, and optional per-field messages.
///
/// Rendered by `ErrorRenderingMiddleware` as the contract's body
/// `{"detail", "code", "requestId", "errors"?: [{"field", "message"}]}` (`API.md` § Conventions).
public struct AppError: Error, Sendable, AbortError {
    /// One invalid field of a request body or query.
    public struct FieldError: Content, Sendable, Equatable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var status: HTTPResponseStatus
    public var code: String
    public var detail: String
    public var fieldErrors: [FieldError]
    /// Extra top-level members of the error body (for example `existingId` on a duplicate).
    public var extra: [String: String]
    /// Extra top-level members that are numbers (for example `limit` on a 402).
    public var extraNumbers: [String: Int] = [:]
    /// Response headers such as `Retry-After`.
    public var headers: HTTPHeaders

    public init(
        _ status: HTTPResponseStatus, code: String? = nil, detail: String,
        fieldErrors: [FieldError] = [], extra: [String: String] = [:], headers: HTTPHeaders = [:]
    ) {
        self.status = status
        self.code = code ?? AppError.defaultCode(for: status)
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.extra = extra
        self.headers = headers
    }

    public var reason: String { detail }

    /// The contract's default code for a status (`invalid_input` for 400, ...).
    public static func defaultCode(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400: return "invalid_input"
        case 401: return "unauthorized"
        case 402: return "plan_limit_reached"
        case 403: return "forbidden"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 409: return "conflict"
        case 410: return "gone"
        case 413: return "payload_too_large"
        case 415: return "unsupported_media_type"
        case 422: return "unprocessable"
        case 429: return "rate_limited"
        case 502: return "upstream_error"
        case 503: return "service_unavailable"
        case 504: return "upstream_timeout"
        default: return status.code >= 500 ? "internal_error" : "error"
        }
    }

    // Constructors for the common cases, so call sites read as the contract does.

    /// 400 with one message per invalid field.
    public static func invalid(_ detail: String, fields: [FieldError] = []) -> AppError {
        AppError(.badRequest, detail: detail, fieldErrors: fields)
    }
    /// 400 for one field.
    public static func invalidField(_ field: String, _ message: String) -> AppError {
        AppError(.badRequest, detail: "\(field): \(message)", fieldErrors: [FieldError(field: field, message: message)])
    }
    public static func unauthorized(_ detail: String = "Missing or invalid access token") -> AppError {
        AppError(.unauthorized, detail: detail, headers: ["WWW-Authenticate": "Bearer"])
    }
    public static func forbidden(_ detail: String, code: String? = nil) -> AppError {
        AppError(.forbidden, code: code, detail: detail)
    }
    public static func notFound(_ what: String) -> AppError {
        AppError(.notFound, detail: "\(what) not found")
    }
    public static func conflict(_ detail: String, code: String? = nil, extra: [String: String] = [:]) -> AppError {
        AppError(.conflict, code: code, detail: detail, extra: extra)
    }
    public static func gone(_ detail: String, code: String? = nil) -> AppError {
        AppError(.gone, code: code, detail: detail)
    }
    /// 503 with `Retry-After` in seconds.
    public static func unavailable(_ detail: String, code: String? = nil, retryAfterSeconds: Int = 30) -> AppError {
        AppError(.serviceUnavailable, code: code, detail: detail, headers: ["Retry-After": String(retryAfterSeconds)])
    }
}
