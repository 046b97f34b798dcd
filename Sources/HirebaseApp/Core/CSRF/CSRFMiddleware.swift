import Vapor

/// Guards the routes the contract marks (CSRF): the `X-CSRF-Token` header must hold an unused,
/// unexpired token issued to the caller by `GET /csrf-token`; it is consumed by this request.
///
/// Missing, unknown, used, expired or another user's token -> 403 `csrf_token_invalid`.
///
/// A plain (future-based) `Middleware`, not an `AsyncMiddleware` (as `AuthenticationMiddleware`
/// and `RateLimitMiddleware`): Vapor runs every `AsyncMiddleware` in a new `Task` and awaits the
/// rest of the chain's future in it. Here only the consumption is awaited in a task; the route
/// runs from its outcome. A missing or oversized header is refused without a task when the
/// caller was verified before (authentication keeps the user in the request's storage).
public struct CSRFMiddleware: Middleware {
    public init() {}

    /// Consumes the request's token, then hands the request on; 401 for an unverified caller,
    /// 403 `csrf_token_invalid` otherwise when the token is missing or does not consume.
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let header = request.headers.first(name: "X-CSRF-Token")
        let headerIsUsable = header.map { !$0.isEmpty && $0.utf8.count <= 256 } ?? false
        if !headerIsUsable, request.storage[AuthenticatedUserKey.self] != nil {
            return request.eventLoop.makeFailedFuture(Self.missingHeader)
        }
        let consumed = request.eventLoop.makePromise(of: Void.self)
        consumed.completeWithTask {
            // The same order as before: an unverified caller is 401 before the header is read.
            let user = try await request.requireUser()
            guard let token = header, headerIsUsable else { throw Self.missingHeader }
            guard try await request.hirebase.csrf.consume(token, for: user.id, on: request.db) else {
                throw AppError.forbidden("CSRF token is invalid, expired or already used", code: "csrf_token_invalid")
            }
        }
        return consumed.futureResult.flatMap { next.respond(to: request) }
    }

    /// 403 for a request without a usable `X-CSRF-Token` (missing, empty or over 256 bytes).
    private static var missingHeader: AppError {
        AppError.forbidden("X-CSRF-Token header is required (get one from GET /csrf-token)", code: "csrf_token_invalid")
    }
}
