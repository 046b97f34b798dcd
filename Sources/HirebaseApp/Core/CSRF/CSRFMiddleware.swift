import Vapor

/// Guards the routes the contract marks (CSRF): the `X-CSRF-Token` header must hold an unused,
/// unexpired token issued to the caller by `GET /csrf-token`; it is consumed by this request.
///
/// Missing, unknown, used, expired or another user's token -> 403 `csrf_token_invalid`.
public struct CSRFMiddleware: AsyncMiddleware {
    public init() {}

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let user = try await request.requireUser()
        guard let token = request.headers.first(name: "X-CSRF-Token"), !token.isEmpty, token.utf8.count <= 256 else {
            throw AppError.forbidden("X-CSRF-Token header is required (get one from GET /csrf-token)", code: "csrf_token_invalid")
        }
        guard try await request.hirebase.csrf.consume(token, for: user.id, on: request.db) else {
            throw AppError.forbidden("CSRF token is invalid, expired or already used", code: "csrf_token_invalid")
        }
        return try await next.respond(to: request)
    }
}
