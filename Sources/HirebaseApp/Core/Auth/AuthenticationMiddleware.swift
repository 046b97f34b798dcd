import Vapor

/// Requires a valid Supabase access token on every route it guards (401 otherwise).
///
/// A plain (future-based) `Middleware`, not an `AsyncMiddleware`: Vapor runs every
/// `AsyncMiddleware` in a new `Task` (`completeWithTask`) and awaits the rest of the chain's
/// future, one task and two thread hops a layer. Behind `RateLimitMiddleware`, which has
/// already verified the caller (`requireUser` keeps the user in the request's storage), this
/// layer only checks that storage and hands the request on; without a verified caller it
/// verifies as before, in a task.
public struct AuthenticationMiddleware: Middleware {
    public init() {}

    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if request.storage[AuthenticatedUserKey.self] != nil { return next.respond(to: request) }
        let promise = request.eventLoop.makePromise(of: Response.self)
        promise.completeWithTask {
            _ = try await request.requireUser()
            return try await next.respond(to: request).get()
        }
        return promise.futureResult
    }
}
