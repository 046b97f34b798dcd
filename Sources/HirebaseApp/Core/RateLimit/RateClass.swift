/// The rate classes of `API.md` § Conventions, "Rate limits": every limited route belongs to one.
public enum RateClass: String, Sendable, CaseIterable, Hashable {
    /// Authenticated `GET`s. Counted per instance (no database write on the hot read path).
    case read
    /// Authenticated state changes, `GET /csrf-token` included. Exact across instances.
    case write
    /// Calls that reach out, send e-mail or do heavy work (`/scrape`, `/match-candidates`,
    /// invitation create and resend, `verify-billing` with `sessionId`, checkout,
    /// cancel-subscription). Exact across instances; a failed call counts like a successful one.
    case costly
    /// The candidate's calls without an account (open and submit with the invitation token),
    /// keyed by client IP. Counted per instance.
    case anonymous

    /// Whether the class is counted in the database (exact across instances) rather than in
    /// this process's memory.
    public var isShared: Bool {
        switch self {
        case .write, .costly: true
        case .read, .anonymous: false
        }
    }
}
