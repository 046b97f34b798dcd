import Vapor

/// While the process drains (after SIGTERM, see `ShutdownState`), answers every request as usual
/// but with `Connection: close`, so that clients and proxies holding keep-alive connections
/// (nginx's upstream `keepalive`) stop reusing them before the listener closes. Without it the
/// idle connections are all closed at once when the server quiesces, and a proxy that writes a
/// request on one at that moment gets no answer (a POST is not retried: 502 for its client).
///
/// Vapor writes its own `Connection: keep-alive` after this one; NIO, nginx and the common
/// clients read a `close` among the values as close.
///
/// A plain (future-based) `Middleware` (no task per request, see `SecurityHeadersMiddleware`)
/// holding the application's `ShutdownState`, rather than reading it from the application's
/// storage (a lock and a dictionary look-up) on every request.
struct DrainingMiddleware: Middleware {
    /// The application's shutdown phase (`app.shutdownState`, created before any request).
    let state: ShutdownState

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in
            if self.state.isShuttingDown {
                response.headers.replaceOrAdd(name: .connection, value: "close")
            }
            return response
        }
    }
}
