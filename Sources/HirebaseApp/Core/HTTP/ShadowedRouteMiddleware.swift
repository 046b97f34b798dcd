import Vapor

/// Refuses a request that Vapor's router would hand to a templated route although its path is a
/// concrete one the API serves with other methods: `GET /assessments/invitations/create` reached
/// `GET /assessments/invitations/:invitationID` (a 404 "Invitation not found"), while OpenAPI 3.1
/// § 4.8.8 matches concrete paths before templated ones, so the document says that path serves
/// `POST` only. Such a request is refused with the 405 and `Allow` of any other method the path
/// does not serve (`ErrorRenderingMiddleware.methodNotAllowed`; `AllowedMethods` applies the same
/// rule), which schemathesis' `unsupported_method` check expects.
///
/// Only all-constant route patterns are considered (a pattern with a parameter shadowed by
/// another templated one does not occur in this API). Registered innermost, after the routes
/// (it reads them once): per request one dictionary look-up, and a comparison of the path's
/// parts only for a method with refused paths.
struct ShadowedRouteMiddleware: AsyncMiddleware {
    /// The concrete paths (their parts) refused per method's raw value.
    let refused: [String: [[String]]]

    /// Finds, for every all-constant route pattern, the methods the router would serve on it
    /// through a less specific route but `AllowedMethods` does not allow there (`HEAD` with
    /// `GET`: Vapor answers a `HEAD` with the `GET` route).
    init(routes: Routes) {
        var refused: [String: [[String]]] = [:]
        var seen: Set<[String]> = []
        for route in routes.all {
            var constants: [String] = []
            for component in route.path {
                guard case .constant(let text) = component else { constants = []; break }
                if !text.isEmpty { constants.append(text) }
            }
            guard !constants.isEmpty, seen.insert(constants).inserted else { continue }
            let parts = constants.map { Substring($0) }
            var routed: Set<String> = []
            for other in routes.all where AllowedMethods.matches(other.path, parts, caseInsensitive: routes.caseInsensitive) {
                routed.insert(other.method.rawValue)
                if other.method == .GET { routed.insert(HTTPMethod.HEAD.rawValue) }
            }
            let allowed = Set(AllowedMethods.on(path: "/" + constants.joined(separator: "/"), in: routes).map(\.rawValue))
            for method in routed.subtracting(allowed) { refused[method, default: []].append(constants) }
        }
        self.refused = refused
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let paths = refused[request.method.rawValue] {
            let parts = request.url.path.split(separator: "/")
            let caseInsensitive = request.application.routes.caseInsensitive
            for path in paths where path.count == parts.count
                && zip(path, parts).allSatisfy({ caseInsensitive ? $0.lowercased() == $1.lowercased() : $0 == $1 }) {
                throw ErrorRenderingMiddleware.methodNotAllowed(request) ?? AppError(.notFound, detail: "Not found")
            }
        }
        return try await next.respond(to: request)
    }
}
