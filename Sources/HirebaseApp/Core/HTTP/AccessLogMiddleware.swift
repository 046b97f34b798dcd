import Vapor

/// One log line and the HTTP metrics per request: method, route pattern (never the raw path, which may carry ids and
/// tokens in its query), status, duration in ms and the user id when authenticated. No bodies.
///
/// Sits inside `RequestIDMiddleware` and outside `ErrorRenderingMiddleware`, so it sees the
/// status that the caller gets.
public struct AccessLogMiddleware: AsyncMiddleware {
    public init() {}

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        request.hirebase.metrics.http.record(method: request.method.rawValue, route: route, status: response.status.code, duration: elapsed)
        let level: Logger.Level = response.status.code >= 500 ? .error : (response.status.code >= 400 ? .notice : .info)
        // The line is built only when it will be written (a busy server logs at warning).
        guard request.logger.logLevel <= level else { return response }
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "route": .string(route),
            "status": .stringConvertible(response.status.code),
            "duration-ms": .string(String(format: "%.1f", ms)),
        ]
        if let user = request.storage[AuthenticatedUserKey.self] {
            metadata["user-id"] = .string(user.id.uuidString.lowercased())
        }
        request.logger.log(level: level, "\(request.method.rawValue) \(route) \(response.status.code)", metadata: metadata)
        return response
    }
}
