import Vapor

/// Adds the response headers a JSON API should send whatever the route (OWASP API Security Top 10
/// 2023, API8 Security Misconfiguration; OWASP REST Security Cheat Sheet § Security headers):
///
/// - `X-Content-Type-Options: nosniff`: a browser never reads a JSON body (or an error) as
///   another media type;
/// - `Referrer-Policy: no-referrer`: no URL of this API (an invitation link's `token` query) is
///   sent on as a `Referer`;
/// - `Cache-Control: no-store`: no browser or proxy keeps a copy of an answer. Every response gets
///   it, public ones (`/health`, `/openapi.json`) included: that is the simplest rule that covers
///   every authenticated response, the candidate's `?token=` routes and every body that holds a
///   secret (a CSRF token, a checkout URL), and nothing here is worth caching;
/// - `Strict-Transport-Security: max-age=N` only when `HSTS_MAX_AGE_SECONDS` is above 0: HSTS is
///   only meaningful when the API is reached over HTTPS (RFC 6797 § 7.2), which a proxy in front
///   of it decides.
///
/// A header the route already set is kept as the route set it (`/docs` sends its own
/// `Content-Security-Policy`, a route may choose its own `Cache-Control`). Registered outside
/// `ErrorRenderingMiddleware`, so error bodies (404, 405, 413, 415, 429, 500) carry the headers
/// too.
///
/// A plain (future-based) `Middleware`, as every global one: Vapor runs an `AsyncMiddleware` in a
/// new `Task` and awaits the rest of the chain, one task and two thread hops a layer and request
/// (see `AuthenticationMiddleware`). The headers are added on the response's future.
struct SecurityHeadersMiddleware: Middleware {
    /// The headers added to a response that lacks them, in order.
    let headers: [(name: HTTPHeaders.Name, value: String)]

    /// - Parameter hstsMaxAgeSeconds: `Strict-Transport-Security`'s `max-age` in seconds; 0 sends
    ///   no `Strict-Transport-Security`.
    init(hstsMaxAgeSeconds: Int) {
        var headers: [(name: HTTPHeaders.Name, value: String)] = [
            (.xContentTypeOptions, "nosniff"),
            (HTTPHeaders.Name("Referrer-Policy"), "no-referrer"),
            (.cacheControl, "no-store"),
        ]
        if hstsMaxAgeSeconds > 0 {
            headers.append((.strictTransportSecurity, "max-age=\(hstsMaxAgeSeconds)"))
        }
        self.headers = headers
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in
            // One copy of the headers out of the response's lock and one write back, rather than
            // a read, a copy and a write per header added.
            var headers = response.headers
            var added = false
            for header in self.headers where !headers.contains(name: header.name) {
                headers.add(name: header.name, value: header.value)
                added = true
            }
            if added { response.headers = headers }
            return response
        }
    }
}
