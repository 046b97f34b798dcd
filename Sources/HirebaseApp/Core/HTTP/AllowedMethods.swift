import Vapor

/// The methods the application serves on a request path, for the `Allow` header of a 405
/// (RFC 9110 § 15.5.6: "the origin server MUST generate an Allow header field ... containing a
/// list of the target resource's currently supported methods").
///
/// A path is matched against every registered route as Vapor's router matches it
/// (`DefaultResponder.getRoute`, RoutingKit's `TrieRouter`): the path split at `/` with empty
/// parts dropped; a constant part equal (case-insensitively when `routes.caseInsensitive`), a
/// `:parameter` or `*` part matching any one part, a `**` part the rest (one part or more). The
/// union over the most specific matching routes is the answer, so `/jobs/abc` gets `GET` and
/// `PATCH` of `/jobs/:jobID`. Most specific as OpenAPI 3.1 § 4.8.8 (Paths Object) matches a URL:
/// "concrete (non-templated) paths would be matched before their templated counterparts", part by
/// part from the left: `/assessments/invitations/create` (`POST`) is not also
/// `/assessments/invitations/:invitationID` (`GET`), so its `Allow` is `POST`, as the document says.
/// `HEAD` is listed with `GET`: Vapor answers a `HEAD` with the `GET` route.
enum AllowedMethods {
    /// The methods in the order `Allow` lists them: the common ones in RFC 9110's order, then
    /// any other alphabetically.
    private static let order: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .PATCH, .DELETE]

    /// The methods served on `path` (a request's `url.path`), in `Allow` order; empty for an
    /// unknown path.
    static func on(path: String, in routes: Routes) -> [HTTPMethod] {
        let parts = path.split(separator: "/")
        let matching = routes.all.filter { matches($0.path, parts, caseInsensitive: routes.caseInsensitive) }
        let ranks = matching.map { specificity($0.path) }
        guard let best = ranks.max(by: { $0.lexicographicallyPrecedes($1) }) else { return [] }
        var methods: Set<String> = []
        for (route, rank) in zip(matching, ranks) where rank == best {
            methods.insert(route.method.rawValue)
            if route.method == .GET { methods.insert(HTTPMethod.HEAD.rawValue) }
        }
        let known = order.filter { methods.contains($0.rawValue) }
        let others = methods.subtracting(order.map(\.rawValue)).sorted().map { HTTPMethod(rawValue: $0) }
        return known + others
    }

    /// How specific a route's `pattern` is, part by part from the left: 2 for a constant, 1 for a
    /// `:parameter` or `*`, 0 for `**`. Of two patterns matching the same path, the one whose
    /// list is lexicographically greater is the more specific.
    static func specificity(_ pattern: [PathComponent]) -> [Int] {
        pattern.compactMap { component in
            switch component {
            case .constant(""): nil
            case .constant: 2
            case .parameter, .anything: 1
            case .catchall: 0
            }
        }
    }

    /// Whether a route's `pattern` matches a request path's non-empty `parts`.
    static func matches(_ pattern: [PathComponent], _ parts: [Substring], caseInsensitive: Bool) -> Bool {
        let pattern = pattern.filter { if case .constant("") = $0 { return false } else { return true } }
        var index = 0
        for component in pattern {
            switch component {
            case .catchall:
                return index < parts.count
            case .constant(let text):
                guard index < parts.count else { return false }
                let part = String(parts[index])
                guard caseInsensitive ? part.lowercased() == text.lowercased() : part == text else { return false }
            case .parameter, .anything:
                guard index < parts.count else { return false }
            }
            index += 1
        }
        return index == parts.count
    }
}
