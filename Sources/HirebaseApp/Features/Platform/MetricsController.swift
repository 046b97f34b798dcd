import Vapor

/// `GET /metrics`: Prometheus text format (docs/observability.md). With `METRICS_TOKEN` set, the
/// scraper must send `Authorization: Bearer <token>` (compared in constant time); otherwise 401.
/// Each scrape first reads the values sampled at scrape time (`HirebaseMetrics.collect`: the
/// Stripe breaker's state; the job queue's depth and age, at most every 2 s and within 2 s, a
/// failure of which never fails the scrape).
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
        let services = req.hirebase
        await services.metrics.collect(stripe: services.stripe, jobs: services.backgroundJobs, on: req.db, now: services.clock.now(), logger: req.logger)
        return Response(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(string: services.metrics.render()))
    }
}
