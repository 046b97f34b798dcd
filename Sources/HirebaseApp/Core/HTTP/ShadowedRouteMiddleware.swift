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
/// (it reads them once).
///
/// A plain (future-based) `Middleware` (no task per request, see `SecurityHeadersMiddleware`).
/// Per request one dictionary look-up by method, and for a method with refused paths one set
/// look-up of the route the router chose: only a route whose pattern matches a refused path can
/// have taken it (the router matches a pattern to a path as `AllowedMethods.matches` does), so
/// the path (Vapor's `url.path`, which Foundation rewrites on every read) is read and compared
/// only behind such a route, or when no route took the request.
struct ShadowedRouteMiddleware: Middleware {
    /// The concrete paths (their parts) refused per method's raw value.
    let refused: [String: [[String]]]
    /// Per method's raw value with refused paths, the routes that may take one of them: those of
    /// that method (`GET` ones for `HEAD` too: Vapor answers a `HEAD` with the `GET` route) whose
    /// pattern matches a refused path. By identity; `routes` keeps them alive.
    let shadowing: [String: Set<ObjectIdentifier>]
    /// The routes `shadowing` names (kept alive so that their identities are never reused).
    private let routes: [Route]

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
        var shadowing: [String: Set<ObjectIdentifier>] = [:]
        var kept: [Route] = []
        for (method, paths) in refused {
            shadowing[method] = []
            for route in routes.all where route.method.rawValue == method || (method == HTTPMethod.HEAD.rawValue && route.method == .GET) {
                guard paths.contains(where: { AllowedMethods.matches(route.path, $0.map { Substring($0) }, caseInsensitive: routes.caseInsensitive) }) else { continue }
                shadowing[method]?.insert(ObjectIdentifier(route))
                kept.append(route)
            }
        }
        self.shadowing = shadowing
        self.routes = kept
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let method = request.method.rawValue
        if let paths = refused[method] {
            if let route = request.route, shadowing[method]?.contains(ObjectIdentifier(route)) != true {
                return next.respond(to: request)
            }
            let parts = request.url.path.split(separator: "/")
            let caseInsensitive = request.application.routes.caseInsensitive
            for path in paths where path.count == parts.count
                && zip(path, parts).allSatisfy({ caseInsensitive ? $0.lowercased() == $1.lowercased() : $0 == $1 }) {
                return request.eventLoop.makeFailedFuture(
                    ErrorRenderingMiddleware.methodNotAllowed(request) ?? AppError(.notFound, detail: "Not found"))
            }
        }
        return next.respond(to: request)
    }
}
