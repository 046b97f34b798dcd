import BillingCore
import MatchingCore
import Vapor

/// The long-lived collaborators of request handlers and background jobs, built once by
/// `ServiceFactory` and kept in `app.storage`. Routes read them per request (`req.hirebase`),
/// never capture them, so what a test gives `configure` (`ServiceOverrides`) is what runs.
public struct HirebaseServices: Sendable {
    public var config: AppConfig
    /// The time source of every rule that reads the time.
    public var clock: WallClock
    public var tokenVerifier: SupabaseTokenVerifier
    public var csrf: CSRFService
    public var emailSender: any EmailSending
    /// Companies, memberships and the role checks of every company-scoped route.
    var companies: CompanyService
    /// The invitation lifecycle (creation with its e-mail, candidate reads and submission,
    /// cancel, resend, expiry).
    var invitations: InvitationService
    /// Delivers the e-mail outbox (run by the `outbox` background job).
    var outbox: OutboxDispatcher
    /// Billing: plans, plan state and metered usage, checkout, confirmation, cancellation and
    /// Stripe's webhook events.
    var billing: BillingService
    /// Stripe's API (`UnconfiguredStripeClient` without `STRIPE_SECRET_KEY`: billing calls 503).
    public var stripe: any StripeAPI
    /// Request counts and durations for `GET /metrics`.
    var metrics: HTTPMetrics
    /// Candidate ranking with the alias tables loaded (and checked) at start-up.
    public var matcher: CandidateMatcher
    /// Prepared candidate pools per company, within `MATCH_CACHE_MB`.
    var candidatePools: CandidatePoolCache
    /// Rate classes and their counters (`RATE_LIMITS`).
    public var rateLimiter: RateLimiter
    /// Who the client behind a request is (`TRUSTED_PROXIES`).
    public var clientAddresses: ClientAddressResolver
    /// CPU-heavy work (page parsing, pool preparation) off the cooperative thread pool.
    public var heavyWork: HeavyWork
    /// Fetches job pages for `POST /scrape`, refusing private addresses (SSRF).
    public var jobPageFetcher: any JobPageFetching
    /// Jobs: drafts, lists, edits.
    var jobs: JobService
    /// The hiring pipeline: applications and `POST /job-action` moves.
    var applications: ApplicationService
    /// Companies' candidate pools.
    var candidates: CandidateService
    /// Skill assessments.
    var assessments: AssessmentService
    /// `POST /match-candidates`.
    var matching: MatchService
    /// `POST /scrape`.
    var scraping: ScrapeService
}

enum ServicesKey: StorageKey {
    typealias Value = HirebaseServices
}

extension Application {
    /// Hirebase's services; set by `configure`. (Vapor's own `services` is another thing.)
    public var hirebase: HirebaseServices {
        get {
            guard let services = storage[ServicesKey.self] else {
                preconditionFailure("configure(_:) sets app.hirebase before anything uses it")
            }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension Request {
    /// Hirebase's services (see `Application.hirebase`).
    public var hirebase: HirebaseServices { application.hirebase }
}
