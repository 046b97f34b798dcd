import AsyncKit
import PostgresNIO
import Vapor

/// Turns every thrown error into the contract's JSON error body with the right status.
///
/// `AppError` is rendered as is; Vapor's own errors (404 routes, 413 body limit, decoding errors)
/// are mapped to the contract's codes, and a path that is served but not with the request's
/// method answers 405 `method_not_allowed` with `Allow` (see `AllowedMethods`); anything else becomes a 500 with a generic detail, and
/// the real error goes to the log only (once, with the request id).
///
/// A plain (future-based) `Middleware` (no task per request, see `SecurityHeadersMiddleware`):
/// what further in fails, whether thrown in an `async` handler or a failed future, reaches here as
/// the failure of the rest of the chain's future, and is rendered on it.
public struct ErrorRenderingMiddleware: Middleware {
    public init() {}

    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).recover { error in self.render(error, for: request) }
    }

    func render(_ error: any Error, for request: Request) -> Response {
        var appError = Self.appError(for: error)
        if error is RouteNotFound, let refusal = Self.methodNotAllowed(request) { appError = refusal }
        if appError.status.code >= 500 {
            request.logger.error("request failed", metadata: [
                "status": .stringConvertible(appError.status.code),
                "code": .string(appError.code),
                "error": .string(String(reflecting: error)),
            ])
        }
        let body = ErrorBody(
            detail: appError.detail, code: appError.code, requestId: request.requestID,
            errors: appError.fieldErrors.isEmpty ? nil : appError.fieldErrors, extra: appError.extra, extraNumbers: appError.extraNumbers)
        var headers = appError.headers
        // A refusal further in (400, 403, 404, ...) still tells the caller where its limits stand.
        request.rateLimitDecision?.headers.forEach { if !headers.contains(name: $0.0) { headers.add(name: $0.0, value: $0.1) } }
        headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        let response = Response(status: appError.status, headers: headers)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            response.body = .init(data: try encoder.encode(body))
        } catch {
            response.body = .init(string: #"{"detail":"Internal server error","code":"internal_error"}"#)
        }
        return response
    }

    /// Whether the error says the database cannot be reached now (rather than that a query is
    /// wrong): connection failures, a closed pool, a pool wait that timed out, a statement past
    /// `DATABASE_QUERY_TIMEOUT_SECONDS` (`DatabaseTimeoutError`), and PostgreSQL's
    /// SQLSTATE classes 08 (connection exception), 53 (insufficient resources) and 57 (operator
    /// intervention, e.g. shutdown), and 55000 ("database does not allow connections").
    ///
    /// PostgresNIO's `unexpectedBackendMessage` counts too: the server (or a pooler in front of it)
    /// broke the protocol's order and PostgresNIO closed the connection. PgBouncer does this when
    /// PostgreSQL stops as a statement completes: FATAL 08P01 `server conn crashed?` after
    /// CommandComplete, which fails the next statement queued on that connection. PostgresNIO keeps
    /// the message's SQLSTATE internal, so every such error is read as a lost connection.
    ///
    /// The same failures reach here as PostgresNIO's legacy `PostgresError` from statements sent
    /// with `PostgresData` binds (`PostgresDatabase.query(_:_:)`: the CSRF batches, keyset pages,
    /// matching's id reads), which convert `PSQLError` (`Postgres+PSQLCompat.swift`): a closed
    /// connection becomes `.connectionClosed`, an unclean shutdown and an unexpected message
    /// become `.protocol` with fixed texts, a server error `.server` with its SQLSTATE.
    static func isDatabaseUnavailable(_ error: any Error) -> Bool {
        if error is ConnectionPoolTimeoutError || error is DatabaseTimeoutError { return true }
        if let pool = error as? ConnectionPoolError, case .shutdown = pool { return true }
        if error is NIOConnectionError || error is ChannelError { return true }
        if let legacy = error as? PostgresError {
            switch legacy {
            case .connectionClosed:
                return true
            case .protocol(let text):
                return text == "Unexpected connection close" || text.hasPrefix("Unexpected message")
            case .server(let message):
                return isUnavailableState(message.fields[.sqlState] ?? "")
            }
        }
        guard let psql = error as? PSQLError else { return false }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
             .unexpectedBackendMessage:
            return true
        case .server:
            return isUnavailableState(psql.serverInfo?[.sqlState] ?? "")
        default:
            return false
        }
    }

    /// Whether a PostgreSQL SQLSTATE says the database cannot serve now: classes 08, 53 and 57,
    /// and 55000 (see ``isDatabaseUnavailable(_:)``).
    private static func isUnavailableState(_ state: String) -> Bool {
        state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57") || state == "55000"
    }

    /// 405 `method_not_allowed` with `Allow` when the router found no route for the request but
    /// the path is served with other methods (RFC 9110 § 15.5.6); `nil` for an unknown path
    /// (which stays 404).
    static func methodNotAllowed(_ request: Request) -> AppError? {
        let allowed = AllowedMethods.on(path: request.url.path, in: request.application.routes)
        guard !allowed.isEmpty else { return nil }
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return AppError(.methodNotAllowed, detail: "\(request.method.rawValue.prefix(32)) is not allowed here; allowed: \(list)",
                        headers: ["Allow": list])
    }

    /// Maps any error to the `AppError` the caller sees.
    static func appError(for error: any Error) -> AppError {
        switch error {
        case let appError as AppError:
            return appError
        case _ where isDatabaseUnavailable(error):
            return AppError.unavailable("The database is unavailable; try again shortly", retryAfterSeconds: 5)
        case let decoding as DecodingError:
            return DecodingErrorTranslator.appError(for: decoding)
        case let abort as any AbortError:
            switch abort.status {
            case .payloadTooLarge:
                return AppError(.payloadTooLarge, detail: "Request body is too large")
            case .notFound:
                return AppError(.notFound, detail: "Not found")
            case .unsupportedMediaType:
                return AppError(.unsupportedMediaType, detail: "Content-Type must be application/json")
            case .badRequest, .unprocessableEntity:
                // Vapor answers 422 for an empty body where JSON was expected; the contract keeps
                // 422 for "nothing usable found" (scrape), so this is invalid input.
                // Vapor's 400s (bad JSON, bad query) carry reasons written for API callers.
                return AppError(.badRequest, detail: abort.reason)
            default:
                if abort.status.code >= 500 {
                    return AppError(.internalServerError, detail: "Internal server error")
                }
                return AppError(abort.status, detail: abort.reason, headers: abort.headers)
            }
        default:
            return AppError(.internalServerError, detail: "Internal server error")
        }
    }
}
