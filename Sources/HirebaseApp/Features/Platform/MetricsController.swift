import Vapor

/// `GET /metrics`: Prometheus text format. With `METRICS_TOKEN` set, the scraper must send
/// `Authorization: Bearer <token>` (compared in constant time); otherwise 401.
struct MetricsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("metrics", use: metrics)
    }

    @Sendable
    func metrics(req: Request) async throws -> Response {
        if let expected = req.hirebase.config.metricsToken {
            guard let given = req.headers.bearerAuthorization?.token, constantTimeEquals(given, expected) else {
                throw AppError.unauthorized("The metrics token is missing or wrong")
            }
        }
        return Response(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(string: req.hirebase.metrics.render()))
    }
}
