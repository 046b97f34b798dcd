import Vapor

/// Which rate class a route belongs to: the one table of it (`API.md` § Conventions).
///
/// `costly` routes are listed here; `POST /verify-billing` is `write`, and charges `costly` as
/// well when it carries a `sessionId` (it then calls Stripe; see `BillingController`). Every
/// other authenticated `GET` is `read` and every other authenticated call `write`
/// (`GET /csrf-token` included: it stores a token).
enum RouteRateClass {
    /// `"METHOD /path/:param"` of every costly route.
    static let costly: Set<String> = [
        "POST /scrape",
        "POST /match-candidates",
        "POST /assessments/invitations/create",
        "POST /assessments/generate",
        "POST /assessments/invitations/:invitationID/resend",
        "POST /create-checkout-session",
        "POST /cancel-subscription",
    ]

    /// GETs that change state.
    static let writingGets: Set<String> = ["GET /csrf-token"]

    /// The class of a signed-in caller's request.
    static func of(_ request: Request) -> RateClass {
        of(method: request.method, pattern: pattern(of: request))
    }

    /// The class of a signed-in caller's `method` on the route `pattern` (`/jobs/:jobID`). `HEAD`
    /// is classed as the `GET` it runs (Vapor answers `HEAD` with the `GET` route, side effects
    /// included).
    static func of(method: HTTPMethod, pattern: String) -> RateClass {
        let verb = method == .HEAD ? HTTPMethod.GET : method
        let key = "\(verb.rawValue) \(pattern)"
        if costly.contains(key) { return .costly }
        if verb == .GET { return writingGets.contains(key) ? .write : .read }
        return .write
    }

    /// The matched route's path pattern (`/assessments/invitations/:invitationID/resend`).
    static func pattern(of request: Request) -> String {
        guard let route = request.route else { return request.url.path }
        return "/" + route.path.map(\.description).joined(separator: "/")
    }
}
