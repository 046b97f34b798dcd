import Fluent
import SQLKit
import Vapor

/// `GET /health` (liveness, touches nothing) and `GET /health/ready` (dependencies).
struct HealthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("health", use: live)
        routes.get("health", "ready", use: ready)
    }

    struct Status: Content {
        var status: String
    }

    /// One dependency's state in the readiness answer.
    struct Check: Content {
        var status: String
        var detail: String?
        var latencyMs: Double?
    }

    struct Readiness: Content {
        var status: String
        var checks: [String: Check]
    }

    @Sendable
    func live(req: Request) async throws -> Status {
        Status(status: "ok")
    }

    /// 200 `ok`/`degraded` (an optional dependency missing), 503 `down` (no database) or
    /// `draining` (the process is stopping: see `GracefulServeCommand`; no `Retry-After`, this
    /// instance will not come back).
    @Sendable
    func ready(req: Request) async throws -> Response {
        let config = req.hirebase.config
        var checks: [String: Check] = [:]
        let start = ContinuousClock.now
        do {
            _ = try await req.db.sql.raw("SELECT 1").all()
            let elapsed = ContinuousClock.now - start
            checks["database"] = Check(status: "ok", detail: nil, latencyMs: Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        } catch {
            req.logger.error("readiness: database unreachable", metadata: ["error": .string(String(describing: error))])
            checks["database"] = Check(status: "down", detail: "database unreachable", latencyMs: nil)
        }
        checks["stripe"] = config.stripe.secretKey == nil
            ? Check(status: "not_configured", detail: "STRIPE_SECRET_KEY is not set; billing answers 503", latencyMs: nil)
            : Check(status: "ok", detail: nil, latencyMs: nil)
        checks["email"] = config.email.provider == .log
            ? Check(status: config.kind == .production ? "degraded" : "ok", detail: "log provider: messages are logged with links masked, nothing is delivered", latencyMs: nil)
            : Check(status: "ok", detail: "resend API", latencyMs: nil)
        let shutdown = req.application.shutdownState
        if shutdown.isShuttingDown {
            let left = shutdown.drainSecondsLeft
            checks["shutdown"] = Check(status: "draining", detail: shutdown.phase == .draining
                ? "stopping: still serving for \(Int(left.rounded(.up))) s, then finishing in-flight requests"
                : "stopping: finishing in-flight requests", latencyMs: nil)
        }
        let overall: String
        if shutdown.isShuttingDown {
            overall = "draining"
        } else if checks["database"]?.status == "down" {
            overall = "down"
        } else if checks.values.contains(where: { $0.status != "ok" }) {
            overall = "degraded"
        } else {
            overall = "ok"
        }
        let response = try await Readiness(status: overall, checks: checks).encodeResponse(status: overall == "down" || overall == "draining" ? .serviceUnavailable : .ok, for: req)
        if overall == "down" { response.headers.replaceOrAdd(name: "Retry-After", value: "10") }
        return response
    }
}
