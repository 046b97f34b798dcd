import Vapor

/// Requires a valid Supabase access token on every route it guards (401 otherwise).
public struct AuthenticationMiddleware: AsyncMiddleware {
    public init() {}

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        _ = try await request.requireUser()
        return try await next.respond(to: request)
    }
}
