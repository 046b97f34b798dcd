import BillingCore
import MatchingCore
import Vapor

/// The long-lived collaborators of request handlers and background jobs, built once by
/// `ServiceFactory` and kept in `app.storage`. Routes read them per request (`req.hirebase`),
/// never capture them, so what a test gives `configure` (`ServiceOverrides`) is what runs.
///
/// A class of constants: a request reads several of them, and a reference costs one retain
/// where a copy of the whole set cost two dozen (measurable on `/subscription-status`).
public final class HirebaseServices: Sendable {
    public let config: AppConfig
    /// The time source of every rule that reads the time.
    public let clock: WallClock
    public let tokenVerifier: SupabaseTokenVerifier
    public let csrf: CSRFService
    public let emailSender: any EmailSending
    /// Companies, memberships and the role checks of every company-scoped route.
    let companies: CompanyService
    /// The invitation lifecycle (creation with its e-mail, candidate reads and submission,
    /// cancel, resend, expiry).
    let invitations: InvitationService
    /// Free-text grading: the AI grading job and members' grades.
    let grading: AnswerGradingService
    /// The job queue's kinds (e-mail delivery, sweeps, reminders, clean-ups) and their runs.
    public let backgroundJobs: BackgroundJobRunner
    /// Billing: plans, plan state and metered usage, checkout, confirmation, cancellation and
    /// Stripe's webhook events.
    let billing: BillingService
    /// Stripe's API (`UnconfiguredStripeClient` without `STRIPE_SECRET_KEY`: billing calls 503).
    public let stripe: any StripeAPI
    /// Everything `GET /metrics` exports (HTTP, Stripe, jobs, outbox, webhooks, scrapes, caches).
    let metrics: HirebaseMetrics
    /// Candidate ranking with the alias tables loaded (and checked) at start-up.
    public let matcher: CandidateMatcher
    /// Prepared candidate pools per company, within `MATCH_CACHE_MB`.
    let candidatePools: CandidatePoolCache
    /// Rate classes and their counters (`RATE_LIMITS`).
    public let rateLimiter: RateLimiter
    /// Who the client behind a request is (`TRUSTED_PROXIES`).
    public let clientAddresses: ClientAddressResolver
    /// CPU-heavy work (page parsing, pool preparation) off the cooperative thread pool.
    public let heavyWork: HeavyWork
    /// Fetches job pages for `POST /scrape`, refusing private addresses (SSRF).
    public let jobPageFetcher: any JobPageFetching
    /// The AI provider (`AI_API_BASE`); `UnconfiguredChatClient` when not configured.
    public let chat: any ChatCompleting
    /// Jobs: drafts, lists, edits.
    let jobs: JobService
    /// The hiring pipeline: applications and `POST /job-action` moves.
    let applications: ApplicationService
    /// Companies' candidate pools.
    let candidates: CandidateService
    /// Skill assessments.
    let assessments: AssessmentService
    /// `POST /assessments/generate`: drafts with the AI provider.
    let assessmentDrafts: AssessmentDraftService
    /// Every AI provider call, recorded and listed (`GET /ai-runs`).
    let aiRuns: AIRunService
    /// `POST /match-candidates`.
    let matching: MatchService
    /// `POST /scrape`.
    let scraping: ScrapeService

    init(
        config: AppConfig,
        clock: WallClock,
        tokenVerifier: SupabaseTokenVerifier,
        csrf: CSRFService,
        emailSender: any EmailSending,
        companies: CompanyService,
        invitations: InvitationService,
        grading: AnswerGradingService,
        backgroundJobs: BackgroundJobRunner,
        billing: BillingService,
        stripe: any StripeAPI,
        metrics: HirebaseMetrics,
        matcher: CandidateMatcher,
        candidatePools: CandidatePoolCache,
        rateLimiter: RateLimiter,
        clientAddresses: ClientAddressResolver,
        heavyWork: HeavyWork,
        jobPageFetcher: any JobPageFetching,
        chat: any ChatCompleting,
        jobs: JobService,
        applications: ApplicationService,
        candidates: CandidateService,
        assessments: AssessmentService,
        assessmentDrafts: AssessmentDraftService,
        aiRuns: AIRunService,
        matching: MatchService,
        scraping: ScrapeService
    ) {
        self.config = config
        self.clock = clock
        self.tokenVerifier = tokenVerifier
        self.csrf = csrf
        self.emailSender = emailSender
        self.companies = companies
        self.invitations = invitations
        self.grading = grading
        self.backgroundJobs = backgroundJobs
        self.billing = billing
        self.stripe = stripe
        self.metrics = metrics
        self.matcher = matcher
        self.candidatePools = candidatePools
        self.rateLimiter = rateLimiter
        self.clientAddresses = clientAddresses
        self.heavyWork = heavyWork
        self.jobPageFetcher = jobPageFetcher
        self.chat = chat
        self.jobs = jobs
        self.applications = applications
        self.candidates = candidates
        self.assessments = assessments
        self.assessmentDrafts = assessmentDrafts
        self.aiRuns = aiRuns
        self.matching = matching
        self.scraping = scraping
    }
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
