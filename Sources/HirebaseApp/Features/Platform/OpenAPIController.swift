import Foundation
import Vapor

/// `GET /openapi.json` (the OpenAPI 3.1 document kept in `Resources/openapi.json`) and
/// `GET /docs` (a page that renders it with Redoc, loaded by the browser from its CDN).
struct OpenAPIController: RouteCollection {
    /// The document's bytes, read once at start-up.
    let document: Data

    /// - Throws: when the bundled document is missing (a packaging error: fail at start).
    init() throws {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw AppError(.internalServerError, detail: "openapi.json is missing from the HirebaseApp bundle")
        }
        document = try Data(contentsOf: url)
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get("openapi.json", use: openAPI)
        routes.get("docs", use: docs)
    }

    @Sendable
    func openAPI(req: Request) async throws -> Response {
        Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(data: document))
    }

    @Sendable
    func docs(req: Request) async throws -> Response {
        let html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Hirebase API</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body><redoc spec-url="/openapi.json"></redoc>
            <script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script></body></html>
            """
        return Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: html))
    }
}
