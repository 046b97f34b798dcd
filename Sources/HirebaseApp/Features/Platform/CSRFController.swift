import Vapor

/// `GET /csrf-token` (auth) -> `{"csrfToken", "expiresAt"}`.
struct CSRFController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("csrf-token", use: issue)
    }

    struct Issued: Content {
        var csrfToken: String
        var expiresAt: Date
    }

    @Sendable
    func issue(req: Request) async throws -> Response {
        let user = try await req.requireUser()
        let issued = try await req.hirebase.csrf.issue(for: user.id, on: req.db)
        let response = try await Issued(csrfToken: issued.token, expiresAt: issued.expiresAt).encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}
