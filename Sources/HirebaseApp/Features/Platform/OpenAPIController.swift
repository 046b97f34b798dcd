import Foundation
import Vapor

/// `GET /openapi.json` (the OpenAPI 3.1 document kept in `Resources/openapi.json`) and
/// `GET /docs` (that document as an HTML page rendered by the server, `OpenAPIPage`: no script,
/// nothing loaded from elsewhere, readable offline).
struct OpenAPIController: RouteCollection {
    /// The document's bytes, read once at start-up.
    let document: Data
    /// The `/docs` page, rendered once at start-up.
    let page: OpenAPIPage
    /// The page's UTF-8 bytes, encoded once.
    let pageBytes: Data

    /// - Throws: when the bundled document is missing or not a JSON object (a packaging error:
    ///   fail at start).
    init() throws {
        (document, page, pageBytes) = try Self.loaded.get()
    }

    /// The bundled document, its page and the page's bytes: read and rendered once per process
    /// (the document is fixed at build time), however many applications are configured (tests).
    private static let loaded = Result { () throws -> (Data, OpenAPIPage, Data) in
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw AppError(.internalServerError, detail: "openapi.json is missing from the HirebaseApp bundle")
        }
        let document = try Data(contentsOf: url)
        let page = try OpenAPIPage(document: document)
        return (document, page, Data(page.html.utf8))
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get("openapi.json", use: openAPI)
        routes.get("docs", use: docs)
    }

    @Sendable
    func openAPI(req: Request) async throws -> Response {
        Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(data: document))
    }

    /// The rendered page, with its own `Content-Security-Policy` (the security-headers middleware
    /// leaves a header a route set alone).
    @Sendable
    func docs(req: Request) async throws -> Response {
        Response(status: .ok, headers: [
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": page.contentSecurityPolicy,
        ], body: .init(data: pageBytes))
    }
}
