import NIOConcurrencyHelpers
import Vapor

/// One log line and the HTTP metrics per request: method, route pattern (never the raw path, which may carry ids and
/// tokens in its query), status, duration in ms and the user id when authenticated. No bodies.
///
/// Sits inside `RequestIDMiddleware` and outside `ErrorRenderingMiddleware`, so it sees the
/// status that the caller gets.
///
/// A plain (future-based) `Middleware` (no task per request, see `SecurityHeadersMiddleware`): the
/// line and the metrics are recorded on the response's future. The route pattern's text is made
/// once per route (`RouteLabels`), and the instruments once per label set (`HTTPMetrics`).
public struct AccessLogMiddleware: Middleware {
    /// The route patterns' texts, by route.
    let labels = RouteLabels()

    public init() {}

    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let start = ContinuousClock.now
        return next.respond(to: request).map { response in
            self.record(response, of: request, since: start)
            return response
        }
    }

    /// Records the metrics of `request` answered with `response`, and logs its line when the
    /// logger's level lets it through (4xx at notice, 5xx at error, others at info).
    /// - Parameter start: when the request entered this middleware.
    func record(_ response: Response, of request: Request, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let route = labels.label(of: request.route)
        let status = response.status.code
        request.hirebase.metrics.http.record(method: request.method.rawValue, route: route, status: status, duration: elapsed)
        let level: Logger.Level = status >= 500 ? .error : (status >= 400 ? .notice : .info)
        // The line is built only when it will be written (a busy server logs at warning).
        let logger = request.logger
        guard logger.logLevel <= level else { return }
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "route": .string(route),
            "status": .stringConvertible(status),
            "duration-ms": .string(String(format: "%.1f", ms)),
        ]
        if let user = request.storage[AuthenticatedUserKey.self] {
            metadata["user-id"] = .string(user.id.uuidString.lowercased())
        }
        logger.log(level: level, "\(request.method.rawValue) \(route) \(status)", metadata: metadata)
    }
}

/// The text of each route's pattern as the access log and the metrics label it (`/jobs/:jobID`;
/// `unmatched` for a request no route took), made on a route's first request and kept. Keyed by
/// the route's identity; each `Route` is kept alive here so that its identity is never reused.
/// The routes of an application are few and fixed, so this holds one entry per route at most.
final class RouteLabels: Sendable {
    /// The label and the route it was made from (kept alive), by the route's identity.
    private let byRoute = NIOLockedValueBox<[ObjectIdentifier: (route: Route, label: String)]>([:])

    /// The label of `route`: `/` and its path components joined by `/`, or `unmatched` for `nil`.
    func label(of route: Route?) -> String {
        guard let route else { return "unmatched" }
        let key = ObjectIdentifier(route)
        if let known = byRoute.withLockedValue({ $0[key]?.label }) { return known }
        let label = Self.pattern(of: route)
        byRoute.withLockedValue { $0[key] = (route, label) }
        return label
    }

    /// `route`'s pattern as text: `/` and its path components joined by `/`.
    static func pattern(of route: Route) -> String {
        "/" + route.path.map(\.description).joined(separator: "/")
    }
}
